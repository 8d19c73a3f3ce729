package io.dwcp.engine.receiver;

import io.dwcp.codecs.wire.HelloStatus;
import io.dwcp.engine.memory.MappedImage;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import org.agrona.CloseHelper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * What keeps one inbound transfer resumable: its journal, made durable in batches after its destination, whether it
 * resumes an earlier attempt and how much of the list of held pages the sender has been sent, and whether removing
 * this attempt keeps its files (the sender went silent, or a new attempt of it took over) or removes them (verified,
 * failed for good, or abandoned by the agent).
 * <p>
 * Not thread safe: owned by the receiver's agents, which share a thread.
 */
final class TransferResume implements AutoCloseable
{
    private final MappedImage destination;
    private final long pageCount;
    private TransferJournal journal;
    private boolean isResumed;
    private long heldCursor = -1;
    private long lastFlushNs;
    private boolean isKeptForResume;
    private boolean isAbandoned;
    private boolean isJournalVerified;
    private CompletableFuture<Void> pendingFlush;

    TransferResume(final MappedImage destination, final long pageCount)
    {
        this.destination = destination;
        this.pageCount = pageCount;
    }

    /**
     * The journal that keeps the transfer resumable, and whether its destination holds pages of an earlier attempt,
     * which the sender is told before it sends any.
     *
     * @param journal   of the transfer.
     * @param isResumed whether pages are held from an earlier attempt.
     */
    void journal(final TransferJournal journal, final boolean isResumed)
    {
        this.journal = journal;
        this.isResumed = isResumed;
        heldCursor = isResumed ? 0 : -1;
    }

    TransferJournal journal()
    {
        return journal;
    }

    boolean isResumed()
    {
        return isResumed;
    }

    /**
     * The HelloAck's status: resumed when pages of an earlier attempt are held.
     *
     * @return the status.
     */
    HelloStatus helloStatus()
    {
        return isResumed ? HelloStatus.RESUMED : HelloStatus.ACCEPTED;
    }

    long lastFlushNs()
    {
        return lastFlushNs;
    }

    void lastFlushNs(final long nowNs)
    {
        lastFlushNs = nowNs;
    }

    boolean hasJournal()
    {
        return null != journal;
    }

    /** Verified and durable: the journal says so, for a restarted receiver to clear it. */
    void journalVerified()
    {
        if (null != journal && !isJournalVerified)
        {
            journal.markVerified();
            isJournalVerified = true;
        }
    }

    /** Removing this attempt keeps its destination and journal for the next. */
    void keepForResume()
    {
        isKeptForResume = true;
    }

    boolean isKeptForResume()
    {
        return isKeptForResume;
    }

    /** The agent abandoned the transfer: everything of it goes. */
    void abandon()
    {
        isAbandoned = true;
    }

    boolean isAbandoned()
    {
        return isAbandoned;
    }

    /**
     * Close and remove the journal: the transfer is verified, failed for good, or abandoned.
     *
     * @param counters where a failure to remove it is counted.
     */
    void dropJournal(final EngineCounters counters)
    {
        if (null == journal)
        {
            return;
        }
        try
        {
            if (null != pendingFlush)
            {
                // Never unmap under the flusher.
                pendingFlush.exceptionally((ex) -> null).join();
                pendingFlush = null;
            }
            journal.delete();
        }
        catch (final IOException ex)
        {
            counters.get(EngineCounter.ERRORS).increment();
        }
        journal = null;
    }

    /**
     * Pages the sender has still to be told are held, from {@link #heldCursor()}; 0 once all are told.
     *
     * @return pages left to list.
     */
    long heldPagesToSend()
    {
        return heldCursor < 0 ? 0 : pageCount - heldCursor;
    }

    long heldCursor()
    {
        return heldCursor;
    }

    void heldSent(final int pages)
    {
        heldCursor += pages;
        if (heldCursor >= pageCount)
        {
            heldCursor = -1;
        }
    }

    /**
     * Start making applied pages and their records durable on the flusher's thread, if any were applied since the
     * last flush and none is under way: the receiver's thread never waits for the disk.
     *
     * @param flusher runs the flush.
     * @return true if a flush was started.
     */
    boolean startFlush(final Executor flusher)
    {
        if (null == journal || !journal.hasUnflushedRecords() || isFlushing())
        {
            return false;
        }
        journal.markFlushing();
        final TransferJournal flushed = journal;
        pendingFlush = CompletableFuture.runAsync(() ->
        {
            try
            {
                flushed.force(destination);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }, flusher);
        return true;
    }

    private boolean isFlushing()
    {
        return null != pendingFlush && !pendingFlush.isDone();
    }

    /**
     * Is everything applied so far durable, with its records? A verdict waits for it.
     *
     * @return true when no record waits and no flush is under way.
     */
    boolean isDurable()
    {
        return null == journal || (!journal.hasUnflushedRecords() && !isFlushing());
    }

    /**
     * Why the last flush failed, once.
     *
     * @return the failure, or null.
     */
    Throwable takeFlushFailure()
    {
        if (null == pendingFlush || !pendingFlush.isCompletedExceptionally())
        {
            return null;
        }
        final CompletableFuture<Void> failed = pendingFlush;
        pendingFlush = null;
        try
        {
            failed.join();
            return null;
        }
        catch (final RuntimeException ex)
        {
            return null != ex.getCause() ? ex.getCause() : ex;
        }
    }

    /** Wait for a flush under way, then flush what is left, here: on close only. */
    private void flushNow() throws IOException
    {
        if (null != pendingFlush)
        {
            try
            {
                pendingFlush.join();
            }
            catch (final RuntimeException ignore)
            {
                // Counted when it failed; what it did not make durable is flushed again below.
            }
            pendingFlush = null;
        }
        if (null != journal && journal.hasUnflushedRecords())
        {
            journal.markFlushing();
            journal.force(destination);
        }
    }

    void onApplied(final long pageNumber, final int crc)
    {
        if (null != journal)
        {
            journal.record(pageNumber, crc);
        }
    }

    /** Pages after the verdict (repairs): verified again at the next end, resumable until then. */
    void onDestinationChanged()
    {
        if (isJournalVerified)
        {
            journal.clearVerified();
            isJournalVerified = false;
        }
    }

    /** Make what was applied durable and close the journal; its file stays for a later attempt. */
    public void close()
    {
        try
        {
            flushNow();
        }
        catch (final IOException ignore)
        {
            // What was not made durable is sent again by a later attempt: the journal vouches only for the rest.
        }
        CloseHelper.close(journal);
    }
}
