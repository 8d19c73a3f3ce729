package io.dwcp.engine.receiver;

import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import org.agrona.ErrorHandler;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The receiver's part in keeping transfers resumable across its own restarts: each transfer's destination and
 * journal are made durable every flush interval, and verdicts only after that; the journals of verified transfers
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
     * Flush a transfer if its interval is over.
     *
     * @param transfer to flush.
     * @param nowNs    current time.
     */
    void flushIfDue(final InboundTransfer transfer, final long nowNs)
    {
        if (nowNs - transfer.resume().lastFlushNs() > flushIntervalNs)
        {
            flush(transfer, nowNs);
        }
    }

    /**
     * Make a transfer's applied pages durable, then their journal records; a failure to fails the transfer.
     *
     * @param transfer to flush.
     * @param nowNs    current time.
     */
    void flush(final InboundTransfer transfer, final long nowNs)
    {
        transfer.resume().lastFlushNs(nowNs);
        try
        {
            if (transfer.resume().flushJournal())
            {
                counters.get(EngineCounter.JOURNAL_FLUSHES).increment();
            }
        }
        catch (final IOException ex)
        {
            counters.get(EngineCounter.ERRORS).increment();
            errorHandler.onError(ex);
            transfer.fail("cannot write destination " + transfer.destination().file().getFileName() +
                " out to its storage: " + ex.getMessage());
        }
    }
}
