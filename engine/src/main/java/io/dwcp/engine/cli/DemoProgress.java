package io.dwcp.engine.cli;

import io.dwcp.codecs.agent.CommandRejectedDecoder;
import io.dwcp.codecs.agent.RoundCompletedDecoder;
import io.dwcp.codecs.agent.SwitchoverReadyDecoder;
import io.dwcp.codecs.agent.TransferCompletedDecoder;
import io.dwcp.codecs.agent.TransferFailedDecoder;
import io.dwcp.codecs.agent.TransferProgressDecoder;
import io.dwcp.engine.queue.EngineEventListener;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Follows the events of the demo's transfer, keeps a live progress line and collects the per-round table.
 * <p>
 * Not thread safe: called from the thread that polls the events queue, except {@link #fractionApplied()}.
 */
final class DemoProgress implements EngineEventListener
{
    private final PrintStream out;
    private final String prefix;
    private final long size;
    private final boolean isTerminal = null != System.console();
    private long lastLineNs;
    private boolean isEnded;
    private boolean isCompleted;
    private String failure;
    private long elapsedNs;
    private long wireBytes;
    private long digest;
    private volatile double fractionApplied;
    private final java.util.List<String> rounds = new java.util.ArrayList<>();
    private final int pageSize;
    private String switchover;

    DemoProgress(final PrintStream out, final long size, final int pageSize, final String prefix)
    {
        this.out = out;
        this.prefix = prefix;
        this.size = size;
        this.pageSize = pageSize;
    }

    public void onProgress(final TransferProgressDecoder event)
    {
        wireBytes = event.wireBytes();
        fractionApplied = Math.min(1.0, (double)event.bytesAcknowledged() / size);
        final long nowNs = System.nanoTime();
        final boolean isDone = event.bytesAcknowledged() >= size && 0 == event.pagesRemaining();
        if (!isTerminal && !isDone && nowNs - lastLineNs < TimeUnit.MILLISECONDS.toNanos(500))
        {
            return;
        }
        lastLineNs = nowNs;
        final double done = (double)event.bytesAcknowledged() / size;
        final int filled = (int)(done * 30);
        final String line = prefix + String.format(Locale.ROOT,
            "[%-30s] %5.1f%%  %s applied  %6.0f MB/s  wire %s  ratio %.2fx",
            "#".repeat(Math.max(0, Math.min(30, filled))), done * 100, Sizes.format(event.bytesAcknowledged()),
            event.throughputBytesPerSecond() / 1e6, Sizes.format(event.wireBytes()), event.compressionRatio());
        if (isTerminal)
        {
            out.print("\r" + line);
        }
        else
        {
            out.println(line);
        }
    }

    public void onRoundCompleted(final RoundCompletedDecoder event)
    {
        rounds.add(String.format(Locale.ROOT,
            "%5d %8d %7d %9d %7d %7d %10s %6.2fx %8.0f %9d %7d %7d %8d %9.1f",
            event.round(), event.pages(), event.zeroPages(), event.unchangedPages(), event.deltaPages(),
            event.normalPages(), Sizes.format(event.wireBytes()),
            event.wireBytes() > 0 ? (double)event.pages() * pageSize / event.wireBytes() : 0.0,
            event.durationNs() / 1e6, event.dirtyPagesRate(), event.cacheHits(), event.cacheMisses(),
            event.cacheOverflows(), event.expectedDowntimeNs() / 1e6));
    }

    public void onSwitchoverReady(final SwitchoverReadyDecoder event)
    {
        switchover = String.format(Locale.ROOT, "switchover-ready after round %d: expected downtime %.1f ms " +
            "< limit %.0f ms", event.round(), event.expectedDowntimeNs() / 1e6, event.downtimeLimitNs() / 1e6);
    }

    int roundsCompleted()
    {
        return rounds.size();
    }

    void printRounds()
    {
        out.println();
        out.println("round    pages    zero unchanged   delta    full       wire  ratio  time ms  dirty/s" +
            "    hits  misses  overflow  downtime ms");
        rounds.forEach(out::println);
        if (null != switchover)
        {
            out.println(switchover);
        }
    }

    public void onCompleted(final TransferCompletedDecoder event)
    {
        isEnded = true;
        isCompleted = true;
        elapsedNs = event.elapsedNs();
        wireBytes = event.wireBytes();
        digest = event.digest();
    }

    public void onFailed(final TransferFailedDecoder event)
    {
        isEnded = true;
        failure = event.reason() + ": " + event.text();
    }

    public void onRejected(final CommandRejectedDecoder event)
    {
        out.println("command rejected: " + event.reason() + ": " + event.text());
    }

    void finishLine()
    {
        if (isTerminal)
        {
            out.println();
        }
    }

    double fractionApplied()
    {
        return fractionApplied;
    }

    boolean isEnded()
    {
        return isEnded;
    }

    boolean isCompleted()
    {
        return isCompleted;
    }

    String failure()
    {
        return failure;
    }

    long elapsedNs()
    {
        return elapsedNs;
    }

    long wireBytes()
    {
        return wireBytes;
    }

    long digest()
    {
        return digest;
    }
}
