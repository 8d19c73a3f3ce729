package io.dwcp.perf;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The obvious alternative a user has to the engine: the image piped through {@code zstd -1} into a TCP socket, and
 * out of {@code zstd -d} into a file at the far end, as {@code zstd -1 -c image | nc host port} would do. Single
 * threaded compression, as the {@code zstd} command line's default; both ends in this process over loopback, or
 * one end per process across a real link:
 * <pre>
 * perf/bench ZstdTcpPipe receive HOST:PORT FILE      (waits for one sender, then answers one byte when done)
 * perf/bench ZstdTcpPipe send IMAGE HOST:PORT [LEVEL] (prints the time from the first byte to that answer)
 * </pre>
 */
public final class ZstdTcpPipe
{
    private static final int BUFFER_BYTES = 1 << 20;

    /**
     * Result of one run.
     *
     * @param logicalBytes bytes of the image.
     * @param wireBytes    compressed bytes through the socket.
     * @param elapsedNs    from the first read of the image to the last byte written at the far end.
     */
    public record Result(long logicalBytes, long wireBytes, long elapsedNs)
    {
        /**
         * @return logical MB/s (10^6 bytes).
         */
        public double logicalMegabytesPerSecond()
        {
            return logicalBytes / 1e6 / (elapsedNs / 1e9);
        }

        /**
         * @return wire MB/s (10^6 bytes).
         */
        public double wireMegabytesPerSecond()
        {
            return wireBytes / 1e6 / (elapsedNs / 1e9);
        }
    }

    private ZstdTcpPipe()
    {
    }

    /**
     * One end of the pipe per process.
     *
     * @param args see the class description.
     * @throws Exception if the pipe fails.
     */
    public static void main(final String[] args) throws Exception
    {
        if (args.length >= 3 && "receive".equals(args[0]))
        {
            final InetSocketAddress address = address(args[1]);
            try (ServerSocket server = new ServerSocket(address.getPort(), 1, address.getAddress());
                Socket socket = server.accept())
            {
                final long bytes;
                try (OutputStream file = Files.newOutputStream(Path.of(args[2]), StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE))
                {
                    bytes = new ZstdInputStream(new BufferedInputStream(socket.getInputStream(), BUFFER_BYTES))
                        .transferTo(file);
                }
                socket.getOutputStream().write(1);
                socket.getOutputStream().flush();
                System.out.println("received " + bytes + " bytes into " + args[2]);
            }
            return;
        }
        if (args.length >= 3 && "send".equals(args[0]))
        {
            final Path image = Path.of(args[1]);
            final int level = args.length > 3 ? Integer.parseInt(args[3]) : 1;
            final InetSocketAddress address = address(args[2]);
            final AtomicLong wireBytes = new AtomicLong();
            try (Socket socket = connect(address))
            {
                final long startNs = System.nanoTime();
                // Closing the zstd stream ends the frame and half-closes the socket, which stays open for the answer.
                final OutputStream halfClosing = new java.io.FilterOutputStream(socket.getOutputStream())
                {
                    public void write(final byte[] bytes, final int offset, final int length) throws IOException
                    {
                        out.write(bytes, offset, length);
                    }

                    public void close() throws IOException
                    {
                        flush();
                        socket.shutdownOutput();
                    }
                };
                final OutputStream out = new ZstdOutputStream(
                    new BufferedOutputStream(new CountingOutputStream(halfClosing, wireBytes), BUFFER_BYTES), level);
                try (InputStream in = Files.newInputStream(image))
                {
                    in.transferTo(out);
                }
                out.close();
                if (socket.getInputStream().read() != 1)
                {
                    throw new IOException("the receiver did not confirm");
                }
                final long elapsedNs = System.nanoTime() - startNs;
                System.out.printf(java.util.Locale.ROOT, "completed: %d logical bytes, %d wire bytes, %.2f s%n",
                    Files.size(image), wireBytes.get(), elapsedNs / 1e9);
            }
            return;
        }
        System.err.println("usage: ZstdTcpPipe receive HOST:PORT FILE | send IMAGE HOST:PORT [LEVEL]");
        System.exit(2);
    }

    private static InetSocketAddress address(final String hostAndPort)
    {
        final int colon = hostAndPort.lastIndexOf(':');
        return new InetSocketAddress(
            hostAndPort.substring(0, colon), Integer.parseInt(hostAndPort.substring(colon + 1)));
    }

    private static Socket connect(final InetSocketAddress address) throws IOException, InterruptedException
    {
        final long deadlineNs = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (true)
        {
            final Socket socket = new Socket();
            try
            {
                socket.connect(address, 1000);
                return socket;
            }
            catch (final IOException ex)
            {
                socket.close();
                if (System.nanoTime() - deadlineNs > 0)
                {
                    throw ex;
                }
                Thread.sleep(100);
            }
        }
    }

    /**
     * Send an image through zstd over TCP on loopback into a destination file.
     *
     * @param image       to send.
     * @param destination file written at the far end.
     * @param level       zstd level.
     * @return what was measured.
     * @throws Exception if the pipe fails.
     */
    public static Result run(final Path image, final Path destination, final int level) throws Exception
    {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            final AtomicReference<Throwable> receiverFailure = new AtomicReference<>();
            final Thread receiver = new Thread(() ->
            {
                try (Socket socket = server.accept();
                    InputStream in =
                        new ZstdInputStream(new BufferedInputStream(socket.getInputStream(), BUFFER_BYTES));
                    OutputStream file = Files.newOutputStream(destination, StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE))
                {
                    in.transferTo(file);
                }
                catch (final Throwable ex)
                {
                    receiverFailure.set(ex);
                }
            }, "zstd-tcp-receiver");
            receiver.start();

            final long startNs = System.nanoTime();
            final AtomicLong wireBytes = new AtomicLong();
            try (Socket socket = new Socket())
            {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()));
                final OutputStream counting = new CountingOutputStream(socket.getOutputStream(), wireBytes);
                try (OutputStream out = new ZstdOutputStream(new BufferedOutputStream(counting, BUFFER_BYTES), level);
                    InputStream in = Files.newInputStream(image))
                {
                    in.transferTo(out);
                }
            }
            receiver.join();
            final long elapsedNs = System.nanoTime() - startNs;
            if (null != receiverFailure.get())
            {
                throw new IOException("zstd-over-TCP receiver failed", receiverFailure.get());
            }
            return new Result(Files.size(image), wireBytes.get(), elapsedNs);
        }
    }

    private static final class CountingOutputStream extends java.io.FilterOutputStream
    {
        private final AtomicLong count;

        CountingOutputStream(final OutputStream out, final AtomicLong count)
        {
            super(out);
            this.count = count;
        }

        public void write(final byte[] bytes, final int offset, final int length) throws IOException
        {
            out.write(bytes, offset, length);
            count.addAndGet(length);
        }

        public void write(final int b) throws IOException
        {
            out.write(b);
            count.incrementAndGet();
        }
    }
}
