package io.dwcp.perf;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.Random;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A user-space UDP relay that delays, jitters and drops datagrams, for links this kernel cannot impair itself (it
 * has no {@code netem}). The sender is pointed at the relay, which forwards to the receiver; whatever the receiver
 * sends back (Aeron's status messages and NAKs) goes back through it to the sender. Both directions are impaired
 * alike: the round trip gains twice the delay. Loss and jitter come from a seeded generator, so a run can be
 * repeated; jitter can reorder datagrams, as a real path can.
 * <pre>
 * perf/bench ImpairmentRelay --listen HOST:PORT --to HOST:PORT [--delay-ms 10] [--jitter-ms 1] [--loss 0.001]
 *                            [--seed 1]
 * </pre>
 */
public final class ImpairmentRelay implements AutoCloseable
{
    private static final int MAX_DATAGRAM = 65536;

    private final DatagramChannel front;
    private final DatagramChannel back;
    private final InetSocketAddress target;
    private final long delayNs;
    private final long jitterNs;
    private final double loss;
    private final Random random;
    private final DelayQueue<Datagram> queue = new DelayQueue<>();
    private final AtomicLong forwarded = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final Thread[] threads;
    private volatile SocketAddress client;
    private volatile boolean isRunning = true;

    private static final class Datagram implements Delayed
    {
        private final long dueNs;
        private final boolean isToTarget;
        private final ByteBuffer bytes;

        Datagram(final long dueNs, final boolean isToTarget, final ByteBuffer bytes)
        {
            this.dueNs = dueNs;
            this.isToTarget = isToTarget;
            this.bytes = bytes;
        }

        public long getDelay(final TimeUnit unit)
        {
            return unit.convert(dueNs - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        public int compareTo(final Delayed other)
        {
            return Long.compare(dueNs, ((Datagram)other).dueNs);
        }
    }

    /**
     * Start a relay.
     *
     * @param listen   address the sender sends to.
     * @param target   the receiver's address.
     * @param delayNs  one-way delay added to every datagram.
     * @param jitterNs up to this much more or less delay, uniformly.
     * @param loss     probability of dropping a datagram, from 0 to 1.
     * @param seed     of the loss and jitter generator.
     * @throws IOException if a socket cannot be opened.
     */
    public ImpairmentRelay(
        final InetSocketAddress listen,
        final InetSocketAddress target,
        final long delayNs,
        final long jitterNs,
        final double loss,
        final long seed) throws IOException
    {
        if (delayNs < 0 || jitterNs < 0 || jitterNs > delayNs || loss < 0 || loss >= 1)
        {
            throw new IllegalArgumentException("delay and jitter must not be negative, jitter at most the delay, and " +
                "loss from 0 to below 1: delay " + delayNs + " ns, jitter " + jitterNs + " ns, loss " + loss);
        }
        this.target = target;
        this.delayNs = delayNs;
        this.jitterNs = jitterNs;
        this.loss = loss;
        this.random = new Random(seed);
        front = DatagramChannel.open().setOption(StandardSocketOptions.SO_RCVBUF, 8 << 20).bind(listen);
        back = DatagramChannel.open().setOption(StandardSocketOptions.SO_RCVBUF, 8 << 20)
            .bind(new InetSocketAddress(listen.getAddress(), 0));
        threads = new Thread[] {
            new Thread(() -> receive(front, true), "relay-from-sender"),
            new Thread(() -> receive(back, false), "relay-from-receiver"),
            new Thread(this::forward, "relay-forward") };
        for (final Thread thread : threads)
        {
            thread.setDaemon(true);
            thread.start();
        }
    }

    /**
     * Run a relay until killed.
     *
     * @param args see the class description.
     * @throws Exception if it cannot start.
     */
    public static void main(final String[] args) throws Exception
    {
        InetSocketAddress listen = null;
        InetSocketAddress target = null;
        double delayMs = 10;
        double jitterMs = 1;
        double loss = 0.001;
        long seed = 1;
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--listen" -> listen = address(args[++i]);
                case "--to" -> target = address(args[++i]);
                case "--delay-ms" -> delayMs = Double.parseDouble(args[++i]);
                case "--jitter-ms" -> jitterMs = Double.parseDouble(args[++i]);
                case "--loss" -> loss = Double.parseDouble(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (null == listen || null == target)
        {
            System.err.println("usage: ImpairmentRelay --listen HOST:PORT --to HOST:PORT [--delay-ms D] " +
                "[--jitter-ms J] [--loss P] [--seed S]");
            System.exit(2);
        }
        try (ImpairmentRelay relay = new ImpairmentRelay(listen, target, (long)(delayMs * 1e6),
            (long)(jitterMs * 1e6), loss, seed))
        {
            System.out.printf(java.util.Locale.ROOT, "relay %s -> %s: delay %.1f ms, jitter %.1f ms, loss %.4f, " +
                "seed %d%n", listen, target, delayMs, jitterMs, loss, seed);
            while (true)
            {
                Thread.sleep(10_000);
                System.out.println("relay: " + relay.forwarded() + " forwarded, " + relay.dropped() + " dropped");
            }
        }
    }

    static InetSocketAddress address(final String hostAndPort)
    {
        final int colon = hostAndPort.lastIndexOf(':');
        return new InetSocketAddress(
            hostAndPort.substring(0, colon), Integer.parseInt(hostAndPort.substring(colon + 1)));
    }

    /**
     * @return datagrams forwarded, both ways.
     */
    public long forwarded()
    {
        return forwarded.get();
    }

    /**
     * @return datagrams dropped, both ways.
     */
    public long dropped()
    {
        return dropped.get();
    }

    private void receive(final DatagramChannel channel, final boolean isFromSender)
    {
        final ByteBuffer buffer = ByteBuffer.allocateDirect(MAX_DATAGRAM);
        try
        {
            while (isRunning)
            {
                buffer.clear();
                final SocketAddress from = channel.receive(buffer);
                if (isFromSender)
                {
                    client = from;
                }
                buffer.flip();
                final boolean isDropped;
                final long dueNs;
                synchronized (random)
                {
                    isDropped = random.nextDouble() < loss;
                    dueNs = System.nanoTime() + delayNs +
                        (jitterNs > 0 ? (long)((random.nextDouble() * 2 - 1) * jitterNs) : 0);
                }
                if (isDropped)
                {
                    dropped.incrementAndGet();
                    continue;
                }
                final ByteBuffer copy = ByteBuffer.allocate(buffer.remaining());
                copy.put(buffer).flip();
                queue.add(new Datagram(dueNs, isFromSender, copy));
            }
        }
        catch (final ClosedChannelException ex)
        {
            // Closed: stop.
        }
        catch (final IOException ex)
        {
            if (isRunning)
            {
                ex.printStackTrace();
            }
        }
    }

    private void forward()
    {
        try
        {
            while (isRunning)
            {
                final Datagram datagram = queue.poll(100, TimeUnit.MILLISECONDS);
                if (null == datagram)
                {
                    continue;
                }
                if (datagram.isToTarget)
                {
                    back.send(datagram.bytes, target);
                }
                else if (null != client)
                {
                    front.send(datagram.bytes, client);
                }
                forwarded.incrementAndGet();
            }
        }
        catch (final InterruptedException | ClosedChannelException ex)
        {
            // Closed: stop.
        }
        catch (final IOException ex)
        {
            if (isRunning)
            {
                ex.printStackTrace();
            }
        }
    }

    /** Stop relaying and close the sockets. */
    public void close() throws IOException
    {
        isRunning = false;
        front.close();
        back.close();
        for (final Thread thread : threads)
        {
            thread.interrupt();
        }
    }
}
