package io.dwcp.engine.security;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class NoiseHandshakeTest
{
    private static final HexFormat HEX = HexFormat.of();

    // The cacophony test vector for Noise_IK_25519_AESGCM_SHA256 (tests/vectors/cacophony.txt of the snow
    // library), messages 0 and 1 being the handshake and 2 to 5 transport messages.
    private static final byte[] PROLOGUE = HEX.parseHex("4a6f686e2047616c74");
    private static final byte[] INIT_STATIC =
        HEX.parseHex("e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1");
    private static final byte[] INIT_EPHEMERAL =
        HEX.parseHex("893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a");
    private static final byte[] INIT_REMOTE_STATIC =
        HEX.parseHex("31e0303fd6418d2f8c0e78b91f22e8caed0fbe48656dcf4767e4834f701b8f62");
    private static final byte[] RESP_STATIC =
        HEX.parseHex("4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893");
    private static final byte[] RESP_EPHEMERAL =
        HEX.parseHex("bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b");
    private static final byte[] HANDSHAKE_HASH =
        HEX.parseHex("669c8640d9e42a3cda2f232f78597ceefb01daa6e3df81181ccce6fc6b5026bf");
    private static final String FIRST_CIPHERTEXT =
        "ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c79444e417bc55c7a8166c993356c1be41ef6" +
        "7818a292426f301556c7f26b21d25ddb097153891a9a956cff47b83e63ad8d701c1342c209cff1ca5ecd43402762ac24" +
        "9e3bd3a4c0a145fe07cb5dae28ea13a3";
    private static final String SECOND_CIPHERTEXT =
        "95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f144808843af2ccf9972e22afc67aeafcd25162f7f" +
        "98c363b7762e3e4cb7d272e39f27a5";
    private static final String[][] MESSAGES = {
        {"4c756477696720766f6e204d69736573", FIRST_CIPHERTEXT},
        {"4d757272617920526f746862617264", SECOND_CIPHERTEXT},
        {"462e20412e20486179656b", "66acfc92e3197de166809e6d4d5d003dcc819a84bc3522ca53c9d9"},
        {"4361726c204d656e676572", "71f89aa6533a6de70b0826864dd75f60806ee40170c16290189eb3"},
        {"4a65616e2d426170746973746520536179", "4795a3423550c8bf00386bd496a3e2c76c10669d2a75ab8f79b5094c5412a25705"},
        {"457567656e2042f6686d20766f6e2042617765726b",
            "aa0bb39097555c918e40be82abc2b909eb79d9eb87adb07e268fc37323a6cf904fd01fb391"}};

    @Test
    void shouldMatchThePublishedTestVector()
    {
        assertArrayEquals(INIT_REMOTE_STATIC, X25519.publicKey(RESP_STATIC));
        final NoiseHandshake initiator =
            NoiseHandshake.withEphemeral(true, INIT_STATIC, INIT_REMOTE_STATIC, PROLOGUE, INIT_EPHEMERAL);
        final NoiseHandshake responder = NoiseHandshake.withEphemeral(false, RESP_STATIC, null, PROLOGUE,
            RESP_EPHEMERAL);

        final byte[] first = initiator.writeFirstMessage(HEX.parseHex(MESSAGES[0][0]));
        assertEquals(MESSAGES[0][1], HEX.formatHex(first));
        assertArrayEquals(HEX.parseHex(MESSAGES[0][0]), responder.readFirstMessage(first));
        assertArrayEquals(X25519.publicKey(INIT_STATIC), responder.remoteStatic());

        final byte[] second = responder.writeSecondMessage(HEX.parseHex(MESSAGES[1][0]));
        assertEquals(MESSAGES[1][1], HEX.formatHex(second));
        assertArrayEquals(HEX.parseHex(MESSAGES[1][0]), initiator.readSecondMessage(second));
        assertArrayEquals(HANDSHAKE_HASH, initiator.handshakeHash());
        assertArrayEquals(HANDSHAKE_HASH, responder.handshakeHash());

        final byte[][] initiatorKeys = initiator.split();
        final byte[][] responderKeys = responder.split();
        assertArrayEquals(initiatorKeys[0], responderKeys[1]);
        assertArrayEquals(initiatorKeys[1], responderKeys[0]);
        for (int i = 2; i < MESSAGES.length; i++)
        {
            // Transport messages alternate, each direction's nonce counting from 0.
            final byte[] key = 0 == i % 2 ? initiatorKeys[0] : initiatorKeys[1];
            final byte[] ciphertext =
                NoiseSymmetricState.encrypt(key, (i - 2) / 2, new byte[0], HEX.parseHex(MESSAGES[i][0]));
            assertEquals(MESSAGES[i][1], HEX.formatHex(ciphertext));
        }
    }

    @Test
    void shouldRefuseAFirstMessageForAnotherResponder()
    {
        final byte[] receiverKey = X25519.generatePrivateKey();
        final byte[] otherKey = X25519.generatePrivateKey();
        final NoiseHandshake initiator =
            NoiseHandshake.initiator(X25519.generatePrivateKey(), X25519.publicKey(otherKey), PROLOGUE);
        final byte[] first = initiator.writeFirstMessage(new byte[16]);
        assertThrows(HandshakeException.class,
            () -> NoiseHandshake.responder(receiverKey, PROLOGUE).readFirstMessage(first));
    }

    @Test
    void shouldRefuseAFirstMessageWithAnotherPrologue()
    {
        final byte[] receiverKey = X25519.generatePrivateKey();
        final NoiseHandshake initiator =
            NoiseHandshake.initiator(X25519.generatePrivateKey(), X25519.publicKey(receiverKey), PROLOGUE);
        final byte[] first = initiator.writeFirstMessage(new byte[16]);
        assertThrows(HandshakeException.class,
            () -> NoiseHandshake.responder(receiverKey, new byte[]{1}).readFirstMessage(first));
    }

    @Test
    void shouldSealAndOpenInPlaceAcrossKeyEpochsAndRefuseReplaysAndForgeries()
    {
        final byte[][] keys = {X25519.generatePrivateKey(), X25519.generatePrivateKey()};
        final FrameSealer sealer = new TransferKeys(keys, 7, 3).sealer(2);
        final FrameOpener opener = new TransferKeys(new byte[][]{keys[1], keys[0]}, 9, 3).opener(2);
        final UnsafeBuffer wire = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
        final UnsafeBuffer plain = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
        final byte[] frame = new byte[1000];
        final UnsafeBuffer sealedCopy = new UnsafeBuffer(new byte[4096]);
        for (int i = 0; i < 10; i++)
        {
            frame[0] = (byte)i;
            wire.putBytes(64 + FrameSealer.HEADER_LENGTH, frame);
            final int length = sealer.seal(wire, 64, frame.length);
            assertEquals(frame.length + FrameSealer.OVERHEAD, length);
            sealedCopy.putBytes(0, wire, 64, length);
            assertEquals(FrameOpener.OPENED, opener.open(sealedCopy, 0, length, plain));
            assertEquals(frame.length, opener.frameLength());
            final byte[] opened = new byte[frame.length];
            plain.getBytes(0, opened);
            assertArrayEquals(frame, opened);
            assertEquals(FrameOpener.REPLAYED, opener.open(sealedCopy, 0, length, plain));
        }
        assertEquals(3, sealer.epoch());
        assertEquals(3, opener.epoch());

        wire.putBytes(64 + FrameSealer.HEADER_LENGTH, frame);
        final int length = sealer.seal(wire, 64, frame.length);
        wire.putByte(64 + length - 1, (byte)(wire.getByte(64 + length - 1) ^ 1));
        assertEquals(FrameOpener.FORGED, opener.open(wire, 64, length, plain));
        wire.putByte(64 + length - 1, (byte)(wire.getByte(64 + length - 1) ^ 1));
        assertEquals(FrameOpener.OPENED, opener.open(wire, 64, length, plain));
    }
}
