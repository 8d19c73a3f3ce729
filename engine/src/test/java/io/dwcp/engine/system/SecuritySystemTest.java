package io.dwcp.engine.system;

import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import io.dwcp.codecs.agent.FailureReason;
import io.dwcp.codecs.wire.HelloAckEncoder;
import io.dwcp.codecs.wire.HelloDecoder;
import io.dwcp.codecs.wire.HelloStatus;
import io.dwcp.codecs.wire.MessageHeaderDecoder;
import io.dwcp.codecs.wire.MessageHeaderEncoder;
import io.dwcp.engine.config.EngineConfiguration;
import io.dwcp.engine.memory.ImageComparison;
import io.dwcp.engine.runtime.LocalMigration;
import io.dwcp.engine.security.EngineSecurity;
import io.dwcp.engine.security.TrustedPeers;
import io.dwcp.engine.security.X25519;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import io.dwcp.engine.test.Await;
import io.dwcp.engine.test.CorruptingRelay;
import io.dwcp.engine.test.FrameForger;
import io.dwcp.engine.test.MigrationHarness;
import io.dwcp.engine.test.TestImages;
import io.dwcp.engine.transport.Channels;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The attacks a stranger on the same host can make with nothing but UDP, and the keys and handshakes of real
 * peers gone wrong, each against a real receiver. Every test ends with the attempt refused and counted, nothing
 * on disk for it, and the engine still serving a legitimate transfer bit-exact.
 */
class SecuritySystemTest
{
    private static final long IMAGE_SIZE = 4L << 20;
    private static final int PAGE_SIZE = 4096;

    @TempDir
    Path directory;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void hellosInClearFromAStrangerGetNoFileNoReplyAndNoSlot() throws Exception
    {
        try (MigrationHarness harness = MigrationHarness.udp(directory.resolve("engines"));
            FrameForger stranger = new FrameForger(harness.receiverEndpoint()))
        {
            final EngineCounters receiver = harness.receiverEngine().receiverCounters();
            stranger.transferEnd(1000, 0, 1L << 40);
            // Thousands of files, 15 TiB sparse files, a reply peer per Hello: none of it happens, and after 64
            // frames that fail authentication the stranger's session is rejected at the Aeron level.
            final int hellos = 63;
            for (int i = 0; i < hellos; i++)
            {
                final long size = 0 == i % 2 ? 15L << 40 : 1L << 20;
                stranger.helloInClear(1000 + i, "vm-" + i, size,
                    Channels.channelFor("127.0.0.1:" + (20000 + i)));
            }
            harness.awaitEvents("Hellos counted", 30_000,
                () -> receiver.value(EngineCounter.HELLOS_UNAUTHENTICATED) == hellos);
            assertEquals(0, receiver.value(EngineCounter.IMAGES_REJECTED), "63 strikes, one short");
            stranger.sendPage(1000, 0, io.dwcp.codec.PageEncoding.RAW, 0,
                new UnsafeBuffer(new byte[PAGE_SIZE]), PAGE_SIZE, FrameForger.VERSION);
            harness.awaitEvents("the page in clear struck and the session rejected", 30_000,
                () -> receiver.value(EngineCounter.IMAGES_REJECTED) == 1);
            assertTrue(receiver.value(EngineCounter.FRAMES_UNKNOWN_TRANSFER) >= 2, "the end and the page dropped");

            // Terms larger than any sender of the engine uses are refused before they take shared memory.
            try (ExclusivePublication hog = stranger.aeron().addExclusivePublication(
                Channels.channelFor(harness.receiverEndpoint()) + "|term-length=" + (256 << 20),
                EngineConfiguration.DATA_STREAM_ID_DEFAULT))
            {
                harness.awaitEvents("the oversized session rejected", 30_000,
                    () -> receiver.value(EngineCounter.IMAGES_REJECTED) == 2);
            }
            assertEquals(0, receiver.value(EngineCounter.HELLOS_REJECTED), "no refusal needs a reply");
            assertEquals(0, stranger.pollControl(), "nothing was sent to the stranger");
            assertOutputHolds(harness);

            assertLegitimateTransferExact(harness, 1);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void handshakesFromAnUntrustedKeyOrForAnotherReceiverGetNothing() throws Exception
    {
        try (MigrationHarness harness = MigrationHarness.udp(directory.resolve("engines"));
            FrameForger stranger = new FrameForger(harness.receiverEndpoint()))
        {
            final EngineCounters receiver = harness.receiverEngine().receiverCounters();
            final byte[] receiverKey = harness.receiverSecurity().publicKey();
            final EngineSecurity strangersKey = EngineSecurity.of(X25519.generatePrivateKey(),
                new TrustedPeers(List.of()));
            stranger.authenticatedHello(strangersKey, receiverKey, 7, "vm-stranger", IMAGE_SIZE, now());
            harness.awaitEvents("untrusted key counted", 30_000,
                () -> receiver.value(EngineCounter.HANDSHAKES_UNTRUSTED) == 1);

            // The trusted sender's key, but a Hello made for another receiver's key: it cannot be read.
            stranger.authenticatedHello(harness.senderSecurity(), X25519.publicKey(X25519.generatePrivateKey()), 8,
                "vm-wrong", IMAGE_SIZE, now());
            harness.awaitEvents("wrong receiver key counted", 30_000,
                () -> receiver.value(EngineCounter.HANDSHAKES_FAILED) == 1);

            assertEquals(0, stranger.pollControl(), "nothing was sent to the stranger");
            assertOutputHolds(harness);
            assertLegitimateTransferExact(harness, 2);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void replayedAndExpiredHandshakesAreRefusedAndAResentHelloIsOneTransfer() throws Exception
    {
        try (MigrationHarness harness = MigrationHarness.udp(directory.resolve("engines"));
            FrameForger peer = new FrameForger(harness.receiverEndpoint()))
        {
            final EngineCounters receiver = harness.receiverEngine().receiverCounters();
            final byte[] receiverKey = harness.receiverSecurity().publicKey();
            final long nowMs = now();
            // Made with the trusted sender's key: what an eavesdropper would have recorded.
            final byte[] hello = peer.authenticatedHello(harness.senderSecurity(), receiverKey, 30, "vm-first",
                IMAGE_SIZE, nowMs);
            harness.awaitEvents("the first Hello accepted", 30_000,
                () -> Files.exists(harness.destinationOf("vm-first", 30)));
            peer.sendRaw(hello);
            peer.authenticatedHello(harness.senderSecurity(), receiverKey, 31, "vm-older", IMAGE_SIZE, nowMs - 1);
            peer.authenticatedHello(harness.senderSecurity(), receiverKey, 32, "vm-expired", IMAGE_SIZE,
                nowMs + TimeUnit.MINUTES.toMillis(10));
            harness.awaitEvents("replayed and expired handshakes counted", 30_000,
                () -> receiver.value(EngineCounter.HANDSHAKES_REPLAYED) == 1 &&
                receiver.value(EngineCounter.HANDSHAKES_EXPIRED) == 1);
            assertOutputHolds(harness, "vm-first-30.img");
            assertEquals(0, receiver.value(EngineCounter.HELLOS_REJECTED), "the resend is the same transfer");

            assertLegitimateTransferExact(harness, 3, "vm-first-30.img");
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void replayedAndForgedSealedFramesAreRefusedAndTheTransferStaysExact() throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 41);
        // Page by page, so that frames fit one datagram each, as a tap would record them whole.
        try (MigrationHarness harness = MigrationHarness.udp(directory.resolve("engines"),
            (context) -> context.blockPages(0));
            CorruptingRelay tap = new CorruptingRelay(MigrationHarness.portOf(harness.receiverEndpoint()), 0)
                .captureSealed(6);
            FrameForger stranger = new FrameForger(harness.receiverEndpoint()))
        {
            harness.commands().startTransfer(40, "vm-tapped", image.toString(), IMAGE_SIZE, PAGE_SIZE, 0,
                tap.endpoint());
            harness.commands().pageRange(40, 0, 0, (int)(IMAGE_SIZE / PAGE_SIZE));
            harness.commands().endOfTransfer(40);
            harness.awaitEnd(40, 60_000);
            assertEquals(List.of(), harness.events().failed);
            final List<byte[]> captured = tap.captured();
            assertEquals(6, captured.size(), "sealed frames captured");

            // The transfer lingers with its keys: replays reach its openers.
            final EngineCounters receiver = harness.receiverEngine().receiverCounters();
            for (final byte[] frame : captured)
            {
                stranger.sendRaw(frame);
                final byte[] forged = frame.clone();
                final UnsafeBuffer view = new UnsafeBuffer(forged);
                final int counterOffset = MessageHeaderDecoder.ENCODED_LENGTH + 8;
                view.putLong(counterOffset, view.getLong(counterOffset, ByteOrder.LITTLE_ENDIAN) + 1000,
                    ByteOrder.LITTLE_ENDIAN);
                forged[forged.length - 1] ^= 1;
                stranger.sendRaw(forged);
            }
            harness.awaitEvents("replays and forgeries counted", 30_000,
                () -> receiver.value(EngineCounter.FRAMES_REPLAYED) == captured.size() &&
                receiver.value(EngineCounter.FRAMES_FORGED) == captured.size());
            assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf("vm-tapped", 40)));
            assertLegitimateTransferExact(harness, 4, "vm-tapped-40.img");
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aForgedHelloAckDoesNotFailAConnectingTransfer() throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 42);
        try (MigrationHarness harness = MigrationHarness.udp(directory.resolve("engines"));
            FrameForger stranger = new FrameForger(harness.receiverEndpoint()))
        {
            // The stranger listens where the sender thinks a receiver is, and answers its Hello twice.
            final String fakeReceiver = "127.0.0.1:" + LocalMigration.freeUdpPort();
            try (Subscription hellos = stranger.aeron().addSubscription(
                Channels.channelFor(fakeReceiver), EngineConfiguration.DATA_STREAM_ID_DEFAULT))
            {
                harness.commands().startTransfer(50, "vm-connecting", image.toString(), IMAGE_SIZE, PAGE_SIZE, 0,
                    fakeReceiver);
                final HelloDecoder hello = new HelloDecoder();
                final String[] replyChannel = new String[1];
                Await.until("the Hello", 30_000, () -> hellos.poll((buffer, offset, length, header) ->
                {
                    final MessageHeaderDecoder messageHeader = new MessageHeaderDecoder().wrap(buffer, offset);
                    hello.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, messageHeader.blockLength(),
                        messageHeader.version());
                    replyChannel[0] = hello.vmId().isEmpty() ? null : hello.replyChannel();
                }, 1) > 0 && null != replyChannel[0]);
                final long transferId = hello.transferId();
                final int senderIndex = hello.senderIndex();
                try (ExclusivePublication answers = stranger.aeron().addExclusivePublication(replyChannel[0],
                    EngineConfiguration.CONTROL_STREAM_ID_DEFAULT))
                {
                    Await.until("answers to connect", 10_000, answers::isConnected);
                    final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(1024));
                    for (final byte[] handshake : new byte[][]{new byte[96], new byte[0]})
                    {
                        final HelloAckEncoder ack = new HelloAckEncoder()
                            .wrapAndApplyHeader(buffer, 0, new MessageHeaderEncoder())
                            .transferId(transferId).status(HelloStatus.REJECTED).senderIndex(senderIndex)
                            .text("go away").putHandshake(handshake, 0, handshake.length);
                        Await.until("the forged answer to go", 10_000, () ->
                            answers.offer(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + ack.encodedLength()) > 0);
                    }
                    final EngineCounters sender = harness.senderEngine().senderCounters();
                    harness.awaitEvents("forged answers counted", 30_000,
                        () -> sender.value(EngineCounter.HANDSHAKES_FAILED) == 2);
                    assertEquals(List.of(), harness.events().failed, "the transfer still waits for its receiver");
                }
            }
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aSenderWithTheWrongReceiverKeyIsRefusedAndFailsUnreachable() throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 43);
        final byte[] senderKey = X25519.generatePrivateKey();
        final byte[] receiverKey = X25519.generatePrivateKey();
        final EngineSecurity sender = EngineSecurity.of(senderKey, new TrustedPeers(List.of(
            new TrustedPeers.Peer("someone-else", X25519.publicKey(X25519.generatePrivateKey()), null))));
        final EngineSecurity receiverSecurity = EngineSecurity.of(receiverKey, new TrustedPeers(List.of(
            new TrustedPeers.Peer("sender", X25519.publicKey(senderKey), null))));
        try (MigrationHarness harness = MigrationHarness.udp(directory.resolve("engines"),
            (context) -> context.security(sender).peerTimeoutNs(TimeUnit.SECONDS.toNanos(2)),
            (context) -> context.security(receiverSecurity)))
        {
            harness.submitWholeImage(60, "vm-wrong-key", image, PAGE_SIZE);
            harness.awaitEnd(60, 30_000);
            assertEquals(FailureReason.RECEIVER_UNREACHABLE, harness.events().failed.get(0).reason());
            assertTrue(harness.receiverEngine().receiverCounters().value(EngineCounter.HANDSHAKES_FAILED) >= 1);
            assertOutputHolds(harness);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aTransferThatReKeysEveryFewFramesStaysExact() throws Exception
    {
        try (MigrationHarness harness = MigrationHarness.udp(directory.resolve("engines"),
            (context) -> context.rekeyFrames(3).maxPagesPerFrame(8).blockPages(8)))
        {
            assertLegitimateTransferExact(harness, 70);
            assertTrue(harness.senderEngine().senderCounters().value(EngineCounter.FRAMES_SENT) > 3 * 40,
                "more key epochs than a counter may run ahead");
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void unsafeNamesLinksAndOversizedImagesAreRefusedWithAReason() throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 44);
        final Path big = TestImages.generate(directory.resolve("big.img"), 2 * IMAGE_SIZE, 45);
        try (MigrationHarness harness = MigrationHarness.udp(directory.resolve("engines"), (context) -> {},
            (context) -> context.limits().maxImageBytes(IMAGE_SIZE)))
        {
            final Path outside = Files.writeString(directory.resolve("outside.txt"), "keep me");
            Files.createSymbolicLink(harness.destinationOf("vm-link", 85), outside);
            final String[] refused = {"..", ".", "-rf", "x".repeat(65), "vm\u001b[31mred", "vm-link", "vm-big"};
            for (int i = 0; i < refused.length; i++)
            {
                harness.submitWholeImage(80 + i, refused[i], "vm-big".equals(refused[i]) ? big : image, PAGE_SIZE);
            }
            harness.awaitEvents("every refusal", 30_000, () -> harness.events().failed.size() == refused.length);
            for (final var failure : harness.events().failed)
            {
                assertEquals(FailureReason.PEER_REJECTED, failure.reason(), failure.text());
                assertFalse(failure.text().chars().anyMatch(Character::isISOControl), failure.text());
            }
            final String texts = harness.events().failed.toString();
            assertTrue(texts.contains("too long: at most 64"), texts);
            assertTrue(texts.contains("not starting with '.' or '-'"), texts);
            assertTrue(texts.contains("\\u001b"), texts);
            assertTrue(texts.contains("over this receiver's limit"), texts);
            assertTrue(texts.contains("already exists"), texts);
            assertEquals("keep me", Files.readString(outside), "the link was not followed");
            assertEquals(1, harness.receiverEngine().receiverCounters().value(EngineCounter.TRANSFERS_OVER_LIMIT));
            assertOutputHolds(harness, "vm-link-85.img");
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aReplyChannelNamingAHostIsNeverResolved() throws Exception
    {
        try (MigrationHarness harness = MigrationHarness.udp(directory.resolve("engines"));
            FrameForger peer = new FrameForger(harness.receiverEndpoint()))
        {
            final EngineCounters receiver = harness.receiverEngine().receiverCounters();
            peer.authenticatedHello(harness.senderSecurity(), harness.receiverSecurity().publicKey(), 90, "vm-dns",
                IMAGE_SIZE, now(), Channels.channelFor("attacker-chosen.invalid:4000"));
            harness.awaitEvents("the Hello refused", 30_000, () -> receiver.value(EngineCounter.HELLOS_REJECTED) == 1);
            assertOutputHolds(harness);
            assertLegitimateTransferExact(harness, 91);
        }
    }

    @Test
    void onlyAddressesAreTakenFromTheWireAndLoopbackIsKnown()
    {
        assertTrue(Channels.isLoopback("127.0.0.1:1") && Channels.isLoopback("aeron:ipc"));
        assertFalse(Channels.isLoopback("10.0.0.1:1"));
        assertFalse(Channels.isIpLiteral("localhost:1"));
        assertTrue(Channels.isIpLiteral("[::1]:1") && Channels.isIpLiteral("192.168.0.1:40123"));
    }

    private static long now()
    {
        return System.currentTimeMillis();
    }

    private void assertLegitimateTransferExact(final MigrationHarness harness, final long transferId,
        final String... otherFiles) throws Exception
    {
        final Path image = TestImages.generate(directory.resolve("legit-" + transferId + ".img"), IMAGE_SIZE,
            (int)transferId);
        final int completedBefore = harness.events().completed.size();
        harness.submitWholeImage(transferId, "vm-legit", image, PAGE_SIZE);
        harness.awaitEvents("the legitimate transfer", 60_000,
            () -> harness.events().completed.size() > completedBefore || harness.events().isEnded(transferId));
        assertTrue(harness.events().completed.stream().anyMatch((c) -> c.transferId() == transferId),
            "failed: " + harness.events().failed);
        assertEquals(-1, ImageComparison.firstDifference(image, harness.destinationOf("vm-legit", transferId)));
        final String[] expected = Stream.concat(Stream.of(otherFiles), Stream.of("vm-legit-" + transferId + ".img"))
            .toArray(String[]::new);
        assertOutputHolds(harness, expected);
        assertEquals(List.of(), harness.errors());
    }

    private static void assertOutputHolds(final MigrationHarness harness, final String... names) throws IOException
    {
        final Path output = harness.destinationOf("x", 0).getParent();
        // An open transfer has its resume journal beside its destination; nothing else is there.
        try (Stream<Path> files = Files.list(output))
        {
            assertEquals(Stream.of(names).sorted().toList(),
                files.map((file) -> file.getFileName().toString()).filter((name) ->
                Stream.of(names).noneMatch((held) -> name.equals(held + ".resume"))).sorted().toList(),
                "files in " + output);
        }
    }
}
