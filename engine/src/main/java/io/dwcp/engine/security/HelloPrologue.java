package io.dwcp.engine.security;

import org.agrona.DirectBuffer;

import java.nio.charset.StandardCharsets;

/**
 * The prologue of a transfer's handshake: a label and the Hello frame up to its handshake field, so that the
 * handshake authenticates every field of the Hello, the geometry and the reply channel included.
 */
public final class HelloPrologue
{
    private static final byte[] LABEL = "dwcp hello v4".getBytes(StandardCharsets.US_ASCII);

    private HelloPrologue()
    {
    }

    /**
     * @param hello  buffer holding the Hello from its message header at offset 0.
     * @param length of the Hello up to its handshake field.
     * @return the prologue.
     */
    public static byte[] of(final DirectBuffer hello, final int length)
    {
        final byte[] prologue = new byte[LABEL.length + length];
        System.arraycopy(LABEL, 0, prologue, 0, LABEL.length);
        hello.getBytes(0, prologue, LABEL.length, length);
        return prologue;
    }
}
