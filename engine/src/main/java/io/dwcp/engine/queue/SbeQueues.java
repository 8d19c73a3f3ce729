package io.dwcp.engine.queue;

import net.openhft.chronicle.queue.ChronicleQueue;

import java.nio.file.Path;

/**
 * Opens the Chronicle Queues the engine uses.
 */
public final class SbeQueues
{
    /** Largest SBE message an excerpt may hold; larger excerpts are rejected unread. */
    public static final int MAX_MESSAGE_LENGTH = 4 * 1024 * 1024;

    private SbeQueues()
    {
    }

    /**
     * Open, or create, a queue in a directory.
     *
     * @param directory of the queue.
     * @return the queue; close it when done.
     */
    public static ChronicleQueue open(final Path directory)
    {
        return ChronicleQueue.singleBuilder(directory).build();
    }
}
