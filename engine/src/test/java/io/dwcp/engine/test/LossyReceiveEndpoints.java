package io.dwcp.engine.test;

import io.aeron.driver.DataPacketDispatcher;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ReceiveChannelEndpointSupplier;
import io.aeron.driver.ext.DebugReceiveChannelEndpoint;
import io.aeron.driver.ext.LossGenerator;
import io.aeron.driver.ext.RandomLossGenerator;
import io.aeron.driver.media.ReceiveChannelEndpoint;
import io.aeron.driver.media.UdpChannel;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Receive endpoints that drop frames with Aeron's seeded random loss generator: data frames coming in (the DWCP
 * data stream at a receiver, its control stream at a sender) and the driver's own status messages and NAKs going
 * out. Drivers created while {@link #enable} is in force get it, through {@code aeron.ReceiveChannelEndpoint.supplier}.
 */
public final class LossyReceiveEndpoints implements ReceiveChannelEndpointSupplier
{
    private static volatile double rate;
    private static volatile long seed;
    private static final AtomicLong ENDPOINTS = new AtomicLong();
    private static final AtomicLong DROPPED = new AtomicLong();

    /**
     * Make the drivers created from now on lose frames.
     *
     * @param lossRate of frames dropped, from 0 to 1.
     * @param lossSeed of the generators; each endpoint gets the next.
     */
    public static void enable(final double lossRate, final long lossSeed)
    {
        rate = lossRate;
        seed = lossSeed;
        DROPPED.set(0);
        System.setProperty("aeron.ReceiveChannelEndpoint.supplier", LossyReceiveEndpoints.class.getName());
    }

    /** Drivers created from now on lose nothing. */
    public static void disable()
    {
        System.clearProperty("aeron.ReceiveChannelEndpoint.supplier");
    }

    /**
     * @return frames dropped since {@link #enable}.
     */
    public static long dropped()
    {
        return DROPPED.get();
    }

    @Override
    public ReceiveChannelEndpoint newInstance(
        final UdpChannel udpChannel,
        final DataPacketDispatcher dispatcher,
        final AtomicCounter statusIndicator,
        final MediaDriver.Context context)
    {
        final long endpoint = ENDPOINTS.incrementAndGet();
        return new DebugReceiveChannelEndpoint(udpChannel, dispatcher, statusIndicator, context,
            counting(new RandomLossGenerator(rate, seed + 2 * endpoint)),
            counting(new RandomLossGenerator(rate, seed + 2 * endpoint + 1)));
    }

    private static LossGenerator counting(final LossGenerator generator)
    {
        return new LossGenerator()
        {
            public boolean shouldDropFrame(final InetSocketAddress address, final UnsafeBuffer buffer, final int length)
            {
                final boolean isDropped = generator.shouldDropFrame(address, buffer, length);
                if (isDropped)
                {
                    DROPPED.incrementAndGet();
                }
                return isDropped;
            }
        };
    }
}
