package io.dwcp.engine.receiver;

import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import org.agrona.ErrorHandler;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The receiver's part in keeping transfers resumable across its own restarts: each transfer's destination and
 * journal are made durable every flush interval, on a flusher thread of their own so that the receiver never waits
 * for the disk, and verdicts go only once that is done; the journals of verified transfers
 * a crashed or stopped receiver left are kept for one more linger, for a sender that never heard the verdict, and
 * then removed.
 * <p>
 * Not thread safe: owned by the receiver conductor.
 */
final class JournalKeeper
{
    private final long flushIntervalNs;
    private final long lingerNs;
    private final EngineCounters counters;
    private final ErrorHandler errorHandler;
    private final List<Path> verifiedLeftovers = new ArrayList<>();
    private long leftoversDeadlineNs;
    private final ExecutorService flusher = Executors.newSingleThreadExecutor((runnable) ->
    {
        final Thread thread = new Thread(runnable, "dwcp-journal-flusher");
        thread.setDaemon(true);
        return thread;
    });

    JournalKeeper(
        final long flushIntervalNs, final long lingerNs, final EngineCounters counters, final ErrorHandler errorHandler)
    {
        this.flushIntervalNs = flushIntervalNs;
        this.lingerNs = lingerNs;
        this.counters = counters;
        this.errorHandler = errorHandler;
    }

    /**
     * Find the journals of verified transfers an earlier run left.
     *
     * @param outputDirectory of the receiver.
     * @param nowNs           current time.
     */
    void onStart(final Path outputDirectory, final long nowNs)
    {
        try
        {
            verifiedLeftovers.addAll(TransferJournal.findVerified(outputDirectory));
            leftoversDeadlineNs = nowNs + lingerNs;
        }
        catch (final IOException ex)
        {
            counters.get(EngineCounter.ERRORS).increment();
            errorHandler.onError(ex);
        }
    }

    /**
     * Remove the verified leftovers once their linger is over, unless a sender resumed them meanwhile.
     *
     * @param nowNs current time.
     * @return work done.
     */
    int doWork(final long nowNs)
    {
        if (verifiedLeftovers.isEmpty() || nowNs - leftoversDeadlineNs <= 0)
        {
            return 0;
        }
        for (final Path journal : verifiedLeftovers)
        {
            try
            {
                TransferJournal.deleteIfVerified(journal);
            }
            catch (final IOException ex)
            {
                counters.get(EngineCounter.ERRORS).increment();
            }
        }
        verifiedLeftovers.clear();
        return 1;
    }

    /**
     * Flush a transfer if its interval is over, on the flusher's thread, and fail it if its last flush failed.
     *
     * @param transfer to flush.
     * @param nowNs    current time.
     */
    void flushIfDue(final InboundTransfer transfer, final long nowNs)
    {
        checkFailure(transfer);
        if (0 != flushIntervalNs && nowNs - transfer.resume().lastFlushNs() > flushIntervalNs)
        {
            transfer.resume().lastFlushNs(nowNs);
            if (transfer.resume().startFlush(flusher))
            {
                counters.get(EngineCounter.JOURNAL_FLUSHES).increment();
            }
        }
    }

    /**
     * Is a verified transfer durable, so that its verdict may go? Starts the flush it waits for.
     *
     * @param transfer verified.
     * @param nowNs    current time.
     * @return true when everything applied is durable with its records.
     */
    boolean isDurableForVerdict(final InboundTransfer transfer, final long nowNs)
    {
        checkFailure(transfer);
        if (0 == flushIntervalNs || transfer.resume().isDurable())
        {
            // 0: durable in the page cache only, which a process crash keeps and a power cut does not.
            return true;
        }
        transfer.resume().lastFlushNs(nowNs);
        if (transfer.resume().startFlush(flusher))
        {
            counters.get(EngineCounter.JOURNAL_FLUSHES).increment();
        }
        return false;
    }

    private void checkFailure(final InboundTransfer transfer)
    {
        final Throwable failure = transfer.resume().takeFlushFailure();
        if (null != failure)
        {
            counters.get(EngineCounter.ERRORS).increment();
            errorHandler.onError(failure);
            transfer.fail("cannot write destination " + transfer.destination().file().getFileName() +
                " out to its storage: " + failure.getMessage());
        }
    }

    /** Stop the flusher once every transfer is closed, which waits for its own flush. */
    void close()
    {
        flusher.shutdown();
    }
}
