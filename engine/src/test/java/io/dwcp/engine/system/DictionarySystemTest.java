package io.dwcp.engine.system;

import io.dwcp.codec.PageEncoding;
import io.dwcp.engine.config.SenderContext;
import io.dwcp.engine.memory.ImageComparison;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import io.dwcp.engine.test.CorruptingRelay;
import io.dwcp.engine.test.FrameForger;
import io.dwcp.engine.test.MigrationHarness;
import io.dwcp.engine.test.TestImages;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

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
 * Dictionaries trained on a transfer's own pages: shipped in their own frame, checked, used, and refused safely.
 */
class DictionarySystemTest
{
    private static final int PAGE_SIZE = 4096;
    private static final long IMAGE_SIZE = 16L * 1024 * 1024;
    private static final int PAGE_COUNT = (int)(IMAGE_SIZE / PAGE_SIZE);
    private static final Consumer<SenderContext> WITH_DICTIONARY =
        (context) -> context.blockPages(0).dictionaryBytes(16 * 1024).dictionarySamplePages(512);

    @TempDir
    Path directory;

    /** Stripes of the transfers here: each gets and checks a dictionary of its own. */
    private static final int STRIPES = 4;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aTrainedDictionaryIsShippedCheckedAndUsed() throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 41);
        try (MigrationHarness harness = MigrationHarness.udpInClear(directory.resolve("engines"), WITH_DICTIONARY))
        {
            final EngineCounters sender = harness.senderEngine().senderCounters();
            // Every stripe ships the dictionary on its own session before its pages use it.
            harness.commands().startTransfer(1, "vm-dict", image.toString(), IMAGE_SIZE, PAGE_SIZE, 0, STRIPES,
                harness.receiverEndpoint());
            harness.commands().pageRange(1, 0, 0, 64);
            harness.awaitEvents("dictionary sent", 30_000,
                () -> sender.value(EngineCounter.DICTIONARIES_SENT) == STRIPES);
            harness.commands().pageRange(1, 0, 64, PAGE_COUNT - 64);
            harness.commands().endOfTransfer(1);
            harness.awaitEnd(1, 30_000);

            assertEquals(List.of(), harness.events().failed);
            assertEquals(STRIPES, harness.receiverEngine().receiverCounters().value(EngineCounter.DICTIONARIES_LOADED));
            assertTrue(sender.value(EngineCounter.DICTIONARY_PAGES_SENT) > 1000,
                "pages with the dictionary: " + sender.value(EngineCounter.DICTIONARY_PAGES_SENT));
            assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf("vm-dict", 1)));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aCorruptedDictionaryFrameIsRejectedAndItsPagesAskedForAgain() throws Exception
    {
        try (MigrationHarness harness = MigrationHarness.udpInClear(directory.resolve("engines"));
            FrameForger forger = new FrameForger(harness.receiverEndpoint()))
        {
            final EngineCounters receiver = harness.receiverEngine().receiverCounters();
            forger.hello(5, "vm-bad-dict", IMAGE_SIZE, PAGE_SIZE);
            forger.dictionary(5, new byte[4096], 12345);
            final UnsafeBuffer payload = new UnsafeBuffer(ByteBuffer.allocateDirect(PAGE_SIZE));
            payload.setMemory(0, 100, (byte)7);
            forger.sendPage(5, 9, PageEncoding.ZSTD_DICT, 0, payload, 100, FrameForger.VERSION);

            harness.awaitEvents("dictionary rejected and its page asked for", 30_000, () ->
                receiver.value(EngineCounter.DICTIONARIES_REJECTED) == 1 &&
                receiver.value(EngineCounter.PAGES_REJECTED_ENCODING) == 1 &&
                receiver.value(EngineCounter.PAGES_REQUESTED) == 1);
            assertEquals(0, receiver.value(EngineCounter.DICTIONARIES_LOADED));
            assertArrayEquals(new byte[(int)IMAGE_SIZE], Files.readAllBytes(harness.destinationOf("vm-bad-dict", 5)));
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aDictionaryDamagedInFlightIsDroppedAndTheTransferStaysExact() throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 42);
        try (MigrationHarness harness = MigrationHarness.udpInClear(directory.resolve("engines"), WITH_DICTIONARY);
            CorruptingRelay relay =
                new CorruptingRelay(MigrationHarness.portOf(harness.receiverEndpoint()), 1).dictionaries())
        {
            final EngineCounters sender = harness.senderEngine().senderCounters();
            harness.commands().startTransfer(2, "vm-dict-relay", image.toString(), IMAGE_SIZE, PAGE_SIZE, 0, STRIPES,
                relay.endpoint());
            harness.commands().pageRange(2, 0, 0, 64);
            harness.awaitEvents("dictionary sent", 30_000,
                () -> sender.value(EngineCounter.DICTIONARIES_SENT) == STRIPES);
            harness.commands().pageRange(2, 0, 64, PAGE_COUNT - 64);
            harness.commands().endOfTransfer(2);
            harness.awaitEnd(2, 30_000);

            assertEquals(1, relay.corrupted());
            assertEquals(1, harness.receiverEngine().receiverCounters().value(EngineCounter.DICTIONARIES_REJECTED));
            assertEquals(1, sender.value(EngineCounter.DICTIONARIES_DROPPED));
            assertEquals(List.of(), harness.events().failed);
            assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf("vm-dict-relay", 2)));
        }
    }
}
