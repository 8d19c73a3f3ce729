package io.dwcp.engine.security;

/**
 * Per-thread heap arrays the ciphers work in. The JDK's AES-GCM over direct buffers allocates some 3 KiB per call,
 * and 13 KiB past 64 KiB; over arrays it allocates under 1 KiB whatever the length, so frames are copied into an
 * array, sealed or opened there and copied back. The arrays grow to the largest frame a thread has seen, once.
 */
final class CipherScratch
{
    private static final ThreadLocal<CipherScratch> SCRATCH = ThreadLocal.withInitial(CipherScratch::new);

    final byte[] header = new byte[FrameSealer.HEADER_LENGTH];
    private byte[] input = new byte[64 * 1024];
    private byte[] output = new byte[64 * 1024];

    static CipherScratch get()
    {
        return SCRATCH.get();
    }

    byte[] input(final int length)
    {
        if (input.length < length)
        {
            input = new byte[Math.max(length, input.length * 2)];
        }
        return input;
    }

    byte[] output(final int length)
    {
        if (output.length < length)
        {
            output = new byte[Math.max(length, output.length * 2)];
        }
        return output;
    }
}
