package io.dwcp.engine.status;

import io.aeron.Aeron;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * The {@link LinkCounter}s of one link, allocated in the driver's counters file so that {@code dwcp stat}, the
 * Prometheus endpoint and the health check read them like every other counter. The key is the link's number
 * ({@link #LINK_OFFSET}); the label names the link's endpoint.
 * <p>
 * Not thread safe for writing: the sender's conductor sets them.
 */
public final class LinkCounters implements AutoCloseable
{
    /** Offset of the link's number in the key. */
    public static final int LINK_OFFSET = 0;
    /** Bytes of the key. */
    public static final int KEY_LENGTH = 4;
    /** Where the label names the endpoint: after this. */
    public static final String LABEL_LINK = " link ";

    private final AtomicCounter[] counters = new AtomicCounter[LinkCounter.values().length];

    /**
     * Allocate the counters of a link.
     *
     * @param aeron      client whose driver holds the counters file.
     * @param engineName prefix of the labels.
     * @param link       the link's number in this engine.
     * @param endpoint   the receiver's endpoint.
     */
    public LinkCounters(final Aeron aeron, final String engineName, final int link, final String endpoint)
    {
        final UnsafeBuffer key = new UnsafeBuffer(new byte[KEY_LENGTH]);
        key.putInt(LINK_OFFSET, link);
        final UnsafeBuffer label = new UnsafeBuffer(new byte[512]);
        try
        {
            for (final LinkCounter counter : LinkCounter.values())
            {
                final int labelLength = label.putStringWithoutLengthAscii(0, "dwcp " + engineName + LABEL_LINK +
                    endpoint + ": " + counter.label());
                counters[counter.ordinal()] = aeron.addCounter(counter.typeId(), key, 0, KEY_LENGTH, label, 0,
                    labelLength);
            }
        }
        catch (final RuntimeException ex)
        {
            close();
            throw ex;
        }
    }

    /**
     * Set a gauge.
     *
     * @param counter which.
     * @param value   new value.
     */
    public void set(final LinkCounter counter, final long value)
    {
        counters[counter.ordinal()].setRelease(value);
    }

    /**
     * @param counter which.
     * @return its value.
     */
    public long get(final LinkCounter counter)
    {
        return counters[counter.ordinal()].get();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void close()
    {
        CloseHelper.closeAll(counters);
    }
}
