package io.dwcp.perf;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import io.aeron.logbuffer.BufferClaim;
import io.aeron.logbuffer.FragmentHandler;
import io.dwcp.driver.AeronDirectories;
import io.dwcp.driver.DriverProfile;
import io.dwcp.engine.runtime.LocalMigration;
import io.dwcp.engine.transport.Channels;
import io.dwcp.driver.EmbeddedDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Raw Aeron throughput with the engine's own layout: two embedded drivers in INVOKER mode, each driven by the one
 * thread of its side, the same driver profile and idle strategy, fixed-size messages sent by {@code tryClaim}.
 * The content comes from a source buffer (for example the mapped image) so the copy matches the engine's.
 */
public final class RawAeronThroughput
{
    private static final int STREAM_ID = 1101;

    private RawAeronThroughput()
    {
    }

    /**
     * Result of one run.
     *
     * @param messages    sent and received.
     * @param bytes       payload bytes received.
     * @param elapsedNs   from the first send to the last receive.
     */
    public record Result(long messages, long bytes, long elapsedNs)
    {
        /**
         * Payload megabytes per second.
         *
         * @return MB/s (10^6 bytes).
         */
        public double megabytesPerSecond()
        {
            return bytes / 1e6 / (elapsedNs / 1e9);
        }
    }

    /**
     * Send {@code source} as messages of {@code messageLength} bytes, from one engine-like thread to another.
     *
     * @param source        bytes to send, a whole number of messages.
     * @param messageLength bytes per message, at most the publication's max payload.
     * @param profile       driver profile.
     * @return what was measured.
     * @throws Exception if a driver cannot start or the run is interrupted.
     */
    public static Result run(final UnsafeBuffer source, final int messageLength, final DriverProfile profile)
        throws Exception
    {
        final String endpoint = "localhost:" + LocalMigration.freeUdpPort();
        final EmbeddedDriver receiverDriver = EmbeddedDriver.launch(
            AeronDirectories.forEmbeddedDriver("raw-receiver"),
            profile,
            ThreadingMode.INVOKER,
            Throwable::printStackTrace);
        final EmbeddedDriver senderDriver = EmbeddedDriver.launch(
            AeronDirectories.forEmbeddedDriver("raw-sender"),
            profile,
            ThreadingMode.INVOKER,
            Throwable::printStackTrace);
        final Aeron receiverAeron = connect(receiverDriver);
        final Aeron senderAeron = connect(senderDriver);
        try
        {
            final Subscription subscription = receiverAeron.addSubscription(Channels.channelFor(endpoint), STREAM_ID);
            final ExclusivePublication publication =
                senderAeron.addExclusivePublication(Channels.channelFor(endpoint), STREAM_ID);
            final long messageCount = source.capacity() / messageLength;
            final AtomicLong received = new AtomicLong();
            final AtomicLong receivedBytes = new AtomicLong();
            final AtomicLong lastReceiveNs = new AtomicLong();

            final Thread receiverThread = new Thread(() ->
            {
                final IdleStrategy idle = idleStrategy();
                final AgentInvoker driver = receiverDriver.invoker();
                final AgentInvoker client = receiverAeron.conductorAgentInvoker();
                final FragmentHandler handler = (buffer, offset, length, header) ->
                {
                    receivedBytes.lazySet(receivedBytes.get() + length);
                    received.lazySet(received.get() + 1);
                };
                while (received.get() < messageCount && !Thread.currentThread().isInterrupted())
                {
                    idle.idle(driver.invoke() + client.invoke() + subscription.poll(handler, 64));
                }
                lastReceiveNs.set(System.nanoTime());
            }, "raw-receiver");
            receiverThread.start();

            final IdleStrategy idle = idleStrategy();
            final AgentInvoker driver = senderDriver.invoker();
            final AgentInvoker client = senderAeron.conductorAgentInvoker();
            while (!publication.isConnected())
            {
                idle.idle(driver.invoke() + client.invoke());
            }

            final BufferClaim claim = new BufferClaim();
            final long startNs = System.nanoTime();
            long sent = 0;
            while (sent < messageCount)
            {
                int work = driver.invoke() + client.invoke();
                if (publication.tryClaim(messageLength, claim) > 0)
                {
                    claim.buffer().putBytes(claim.offset(), source, (int)(sent * messageLength), messageLength);
                    claim.commit();
                    sent++;
                    work++;
                }
                idle.idle(work);
            }
            // Keep the sending driver running until everything arrived.
            while (receiverThread.isAlive())
            {
                idle.idle(driver.invoke() + client.invoke());
            }
            receiverThread.join(TimeUnit.MINUTES.toMillis(5));
            return new Result(received.get(), receivedBytes.get(), lastReceiveNs.get() - startNs);
        }
        finally
        {
            CloseHelper.closeAll(senderAeron, receiverAeron, senderDriver, receiverDriver);
        }
    }

    private static Aeron connect(final EmbeddedDriver driver)
    {
        return Aeron.connect(new Aeron.Context()
            .aeronDirectoryName(driver.aeronDirectoryName())
            .useConductorAgentInvoker(true)
            .driverAgentInvoker(driver.invoker()));
    }

    private static IdleStrategy idleStrategy()
    {
        // The engine's idle strategy.
        return new BackoffIdleStrategy(10, 20, TimeUnit.MICROSECONDS.toNanos(1),
            io.dwcp.engine.config.EngineConfiguration.idleMaxParkNs());
    }

}
