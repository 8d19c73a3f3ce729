package io.dwcp.engine.receiver;

import io.dwcp.engine.memory.MappedImage;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import io.dwcp.engine.test.SteppedAgents;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DestinationRunsTest
{
    private static final int PAGE_SIZE = 4096;
    private static final int PAGES = 64;

    @TempDir
    Path directory;

    @Test
    void writesRunsOfConsecutivePagesThroughTheFileAndNothingBeforeTheyEnd() throws Exception
    {
        final Path file = directory.resolve("dest.img");
        final List<String> failures = new ArrayList<>();
        try (SteppedAgents agents = new SteppedAgents();
            MappedImage destination = MappedImage.createNew(file, PAGE_SIZE, (long)PAGES * PAGE_SIZE);
            DestinationRuns runs = new DestinationRuns(destination, failures::add))
        {
            final EngineCounters counters = new EngineCounters(
                "test", EngineCounter.Role.RECEIVER, (type, label) -> agents.aeron().addCounter(type, label));
            final UnsafeBuffer page = new UnsafeBuffer(ByteBuffer.allocateDirect(PAGE_SIZE));
            // 3..20 consecutive (longer than one run), then 30, then 31: three writes at least.
            final long[] pages = new long[DestinationRuns.COPY_RUN_PAGES + 2 + 2];
            for (int i = 0; i < pages.length - 2; i++)
            {
                pages[i] = 3 + i;
            }
            pages[pages.length - 2] = 30;
            pages[pages.length - 1] = 31;
            for (final long pageNumber : pages)
            {
                page.setMemory(0, PAGE_SIZE, (byte)(pageNumber + 1));
                assertTrue(runs.addPage(pageNumber, page, 0, counters, Throwable::printStackTrace));
            }
            assertTrue(runs.isPending(), "the last run waits for the end of the frame");
            assertEquals(0, Files.readAllBytes(file)[31 * PAGE_SIZE], "not written yet");
            assertTrue(runs.flush(counters, Throwable::printStackTrace));
            assertFalse(runs.isPending());

            final byte[] bytes = Files.readAllBytes(file);
            for (int pageNumber = 0; pageNumber < PAGES; pageNumber++)
            {
                final boolean isWritten = pageNumber >= 3 && pageNumber < pages.length - 2 + 3 ||
                    30 == pageNumber || 31 == pageNumber;
                for (int i = 0; i < PAGE_SIZE; i += 512)
                {
                    assertEquals(isWritten ? (byte)(pageNumber + 1) : 0, bytes[pageNumber * PAGE_SIZE + i],
                        "page " + pageNumber);
                }
                // The mapping sees what went through the file: one page cache.
                assertEquals(isWritten ? (byte)(pageNumber + 1) : 0,
                    destination.segmentOf(pageNumber).getByte(destination.offsetOf(pageNumber)));
            }
            assertEquals(List.of(), failures);
        }
    }
}
