package io.dwcp.engine.system;

import io.dwcp.codecs.agent.FailureReason;
import io.dwcp.codec.PageEncoding;
import io.dwcp.engine.memory.ImageComparison;
import io.dwcp.engine.memory.MappedImage;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import io.dwcp.engine.test.EventRecorder;
import io.dwcp.engine.test.FrameForger;
import io.dwcp.engine.test.MigrationHarness;
import io.dwcp.engine.test.TestImages;
import io.dwcp.images.DirtyModel;
import io.dwcp.images.DirtyRound;
import io.dwcp.images.MemoryImageGenerator;
import io.dwcp.images.PageMix;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input and faults of the delta path, over real engines.
 */
class DeltaFaultSystemTest
{
    private static final int PAGE_SIZE = 4096;
    private static final long IMAGE_SIZE = 8L * 1024 * 1024;
    private static final long PAGE_COUNT = IMAGE_SIZE / PAGE_SIZE;

    @TempDir
    Path directory;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aReceiverThatLacksTheBaseAsksForTheFullPage() throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 31);
        try (MigrationHarness harness = MigrationHarness.udpInClear(directory.resolve("engines"));
            MappedImage guest = MappedImage.openReadWrite(image, PAGE_SIZE, IMAGE_SIZE))
        {
            final EventRecorder events = harness.events();
            harness.startTransfer(1, "vm-base", image, PAGE_SIZE);
            harness.commands().pageRange(1, 0, 0, (int)PAGE_COUNT);
            harness.commands().endOfRound(1, 0);
            harness.awaitEvents("round 0", 30_000, () -> events.rounds.size() == 1);

            // The receiver's copy of pages 100 to 109 changes behind the engines' backs: it no longer holds the
            // version the sender's deltas are based on.
            final long[] dirty = new long[10];
            try (MappedImage destination = MappedImage.openReadWrite(
                harness.destinationOf("vm-base", 1), PAGE_SIZE, IMAGE_SIZE))
            {
                for (int i = 0; i < dirty.length; i++)
                {
                    dirty[i] = 100 + i;
                    destination.segmentOf(dirty[i]).putLong(destination.offsetOf(dirty[i]) + 64, 0x0BAD_0BADL);
                    guest.segmentOf(dirty[i]).putLong(guest.offsetOf(dirty[i]) + 8, 0x600D_600DL);
                }
            }
            harness.commands().pages(1, 1, dirty, dirty.length);
            harness.commands().endOfRound(1, 1);
            harness.commands().endOfTransfer(1);
            harness.awaitEnd(1, 30_000);

            final EngineCounters receiver = harness.receiverEngine().receiverCounters();
            assertEquals(List.of(), events.failed);
            assertTrue(receiver.value(EngineCounter.PAGES_REJECTED_CRC) >= 1, "deltas against the wrong base fail");
            assertEquals(
                receiver.value(EngineCounter.PAGES_REJECTED_CRC), receiver.value(EngineCounter.PAGES_REQUESTED));
            assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf("vm-base", 1)));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void deltaPayloadsThatDecodeToMoreOrLessThanAPageAreRejected() throws Exception
    {
        try (MigrationHarness harness = MigrationHarness.udpInClear(directory.resolve("engines"));
            FrameForger forger = new FrameForger(harness.receiverEndpoint()))
        {
            final EngineCounters receiver = harness.receiverEngine().receiverCounters();
            final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(2 * PAGE_SIZE));
            forger.hello(7, "vm-forged-delta", IMAGE_SIZE, PAGE_SIZE);

            // Runs that reach past the end of the page: an unchanged run of 4090, then a literal of 16.
            payload.putByte(0, (byte)0xFA);
            payload.putByte(1, (byte)0x1F);
            payload.putByte(2, (byte)16);
            forger.sendPage(7, 1, PageEncoding.DELTA_XBZRLE, 0, payload, 3 + 16, FrameForger.VERSION);
            // A zstd'd XOR that expands to two pages, and a run payload longer than a page.
            final com.github.luben.zstd.ZstdCompressCtx zstd = new com.github.luben.zstd.ZstdCompressCtx();
            final byte[] twoPages = zstd.setLevel(1).setMagicless(true).setContentSize(false)
                .compress(new byte[2 * PAGE_SIZE]);
            zstd.close();
            payload.putBytes(0, twoPages);
            forger.sendPage(7, 2, PageEncoding.DELTA_ZSTD, 0, payload, twoPages.length, FrameForger.VERSION);
            forger.sendPage(7, 3, PageEncoding.DELTA_XBZRLE, 0, payload, PAGE_SIZE + 1, FrameForger.VERSION);
            // A zstd'd XOR that is half a page.
            final com.github.luben.zstd.ZstdCompressCtx half = new com.github.luben.zstd.ZstdCompressCtx();
            final byte[] halfPage = half.setLevel(1).setMagicless(true).setContentSize(false)
                .compress(new byte[PAGE_SIZE / 2]);
            half.close();
            payload.putBytes(0, halfPage);
            forger.sendPage(7, 4, PageEncoding.DELTA_ZSTD, 0, payload, halfPage.length, FrameForger.VERSION);
            // Compressed runs that expand to two pages, and compressed runs that reach past the page.
            payload.putBytes(0, twoPages);
            forger.sendPage(7, 5, PageEncoding.DELTA_XBZRLE_ZSTD, 0, payload, twoPages.length, FrameForger.VERSION);
            final byte[] overrun = new byte[3 + 16];
            overrun[0] = (byte)0xFA;
            overrun[1] = (byte)0x1F;
            overrun[2] = (byte)16;
            final com.github.luben.zstd.ZstdCompressCtx runs = new com.github.luben.zstd.ZstdCompressCtx();
            final byte[] compressedOverrun =
                runs.setLevel(1).setMagicless(true).setContentSize(false).compress(overrun);
            runs.close();
            payload.putBytes(0, compressedOverrun);
            forger.sendPage(
                7, 6, PageEncoding.DELTA_XBZRLE_ZSTD, 0, payload, compressedOverrun.length, FrameForger.VERSION);

            harness.awaitEvents("bad deltas counted", 30_000, () ->
                receiver.value(EngineCounter.PAGES_REJECTED_CORRUPT) == 5 &&
                receiver.value(EngineCounter.PAGES_REJECTED_LENGTH) == 1);
            assertArrayEquals(
                new byte[(int)IMAGE_SIZE], Files.readAllBytes(harness.destinationOf("vm-forged-delta", 7)));
        }
    }

    @ParameterizedTest(name = "compressed {0}")
    @ValueSource(booleans = { false, true })
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aBaselineStoreThatFillsMidRoundEvictsAndStaysExact(final boolean isCompressed) throws Exception
    {
        final Consumer<io.dwcp.engine.config.SenderContext> tinyStore =
            (context) -> context.baselineBudgetBytes(64 * 1024).baselineCompressed(isCompressed);
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 32);
        final MemoryImageGenerator generator = new MemoryImageGenerator(32, PageMix.DEFAULT, PAGE_SIZE);
        try (MigrationHarness harness = MigrationHarness.udpInClear(directory.resolve("engines"), tinyStore);
            MappedImage guest = MappedImage.openReadWrite(image, PAGE_SIZE, IMAGE_SIZE))
        {
            final EventRecorder events = harness.events();
            harness.startTransfer(2, "vm-tiny", image, PAGE_SIZE);
            harness.commands().pageRange(2, 0, 0, (int)PAGE_COUNT);
            harness.commands().endOfRound(2, 0);
            harness.awaitEvents("round 0", 30_000, () -> events.rounds.size() == 1);
            final DirtyRound dirtyRound = new DirtyRound(DirtyModel.JVM, generator);
            for (int round = 1; round <= 2; round++)
            {
                final long[] dirty = dirtyRound.apply(guest.segments(), PAGE_COUNT, 5, round);
                harness.commands().pages(2, round, dirty, dirty.length);
                harness.commands().endOfRound(2, round);
                final int completed = round + 1;
                harness.awaitEvents("round " + round, 30_000, () -> events.rounds.size() == completed);
            }
            harness.commands().endOfTransfer(2);
            harness.awaitEnd(2, 30_000);

            // 16 pages' worth against hundreds of dirty pages: misses, and in round 2 the baselines round 1 did not
            // use give way to new ones.
            final EngineCounters sender = harness.senderEngine().senderCounters();
            assertTrue(sender.value(EngineCounter.BASELINE_MISSES) > 500, "misses " +
                sender.value(EngineCounter.BASELINE_MISSES));
            assertTrue(sender.value(EngineCounter.BASELINE_EVICTIONS) > 0, "evictions " +
                sender.value(EngineCounter.BASELINE_EVICTIONS));
            // Every delta was made against exactly the version the receiver held. The compressed store holds
            // enough of round 0 to make deltas here; sixteen raw slots may hold none of the pages the rounds dirty.
            assertTrue(!isCompressed || sender.value(EngineCounter.BASELINE_HITS) > 0);
            assertEquals(0, harness.receiverEngine().receiverCounters().value(EngineCounter.PAGES_REJECTED_CRC));
            assertEquals(List.of(), events.failed);
            assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf("vm-tiny", 2)));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aDirtyListBeyondTheFileAndARoundEndForAnUnknownTransferAreRejected() throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 33);
        try (MigrationHarness harness = MigrationHarness.udpInClear(directory.resolve("engines")))
        {
            final EventRecorder events = harness.events();
            harness.startTransfer(3, "vm-lists", image, PAGE_SIZE);
            harness.commands().pageRange(3, 0, 0, (int)PAGE_COUNT);
            harness.commands().endOfRound(3, 0);
            harness.commands().pages(3, 1, new long[] { 5, 6, PAGE_COUNT, PAGE_COUNT + 1 }, 4);
            harness.commands().endOfRound(3, 1);
            harness.commands().endOfRound(404, 1);
            harness.commands().endOfTransfer(3);
            harness.awaitEnd(3, 30_000);

            assertEquals(FailureReason.PAGE_OUT_OF_RANGE, events.rejected.get(0).reason());
            assertEquals(FailureReason.UNKNOWN_TRANSFER, events.rejected.get(1).reason());
            assertTrue(events.rejected.get(1).text().contains("404"), events.rejected.get(1).text());
            assertEquals(List.of(), events.completed, "a refused batch never ends as verified");
            assertEquals(FailureReason.INCOMPLETE, events.failed.get(0).reason());
            assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf("vm-lists", 3)));
        }
    }
}
