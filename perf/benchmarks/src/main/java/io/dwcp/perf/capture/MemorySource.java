package io.dwcp.perf.capture;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/**
 * Something running whose memory a {@link SnapshotSeries} reads while it is paused: a live process today
 * ({@link ChildProcessSource}), a QEMU guest whose RAM is a shared {@code memory-backend-file} later (paused and
 * resumed through QMP, its one range read from the file).
 * <p>
 * Not thread safe: one series drives it. {@link #close()} stops what {@link #start(long)} started, always.
 */
public interface MemorySource extends AutoCloseable
{
    /**
     * Short name used for file names: {@code jvm}, {@code python}, {@code qemu}.
     *
     * @return the name.
     */
    String name();

    /**
     * Start it and wait until it is warm.
     *
     * @param timeoutNs how long warming up may take.
     * @throws IOException          if it cannot start or fails while warming up.
     * @throws InterruptedException if interrupted while waiting.
     */
    void start(long timeoutNs) throws IOException, InterruptedException;

    /**
     * Stop it running, and return only once it has stopped, so that its memory holds still while it is read.
     *
     * @throws IOException          if it cannot be paused.
     * @throws InterruptedException if interrupted while waiting.
     */
    void pause() throws IOException, InterruptedException;

    /**
     * Let it run again after {@link #pause()}.
     *
     * @throws IOException if it cannot be resumed.
     */
    void resume() throws IOException;

    /**
     * The ranges a snapshot takes, as they are now. Call while paused.
     *
     * @return ranges in address order, not overlapping.
     * @throws IOException if they cannot be listed.
     */
    List<MemoryRange> ranges() throws IOException;

    /**
     * Read memory at an address. Call while paused.
     *
     * @param address first address to read.
     * @param target  receives up to {@code target.remaining()} bytes from its position.
     * @return bytes read, fewer than asked only at the end of readable memory.
     * @throws IOException if the memory at {@code address} cannot be read.
     */
    int read(long address, ByteBuffer target) throws IOException;

    /**
     * What to say about it in a manifest: for example its process id and command line.
     *
     * @return keys and values, in a stable order.
     */
    Map<String, String> description();

    /**
     * Stop it for good, also when paused. Idempotent; never throws.
     */
    void close();
}
