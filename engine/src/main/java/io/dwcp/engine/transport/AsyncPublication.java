package io.dwcp.engine.transport;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.exceptions.RegistrationException;
import org.agrona.CloseHelper;

/**
 * An exclusive publication added asynchronously, so a duty cycle never waits for the driver: poll {@link #resolve}
 * until the publication or a registration error appears.
 * <p>
 * Not thread safe: owned by one agent.
 */
public final class AsyncPublication implements AutoCloseable
{
    private final String channel;
    private final int streamId;
    private final long registrationId;
    private ExclusivePublication publication;
    private String registrationError;

    /**
     * Start adding a publication.
     *
     * @param aeron    client.
     * @param channel  to publish on.
     * @param streamId to publish on.
     */
    public AsyncPublication(final Aeron aeron, final String channel, final int streamId)
    {
        this.channel = channel;
        this.streamId = streamId;
        registrationId = aeron.asyncAddExclusivePublication(channel, streamId);
    }

    /**
     * Poll for the publication the driver is creating.
     *
     * @param aeron client that registered it.
     * @return 1 if the publication or an error became known in this call, otherwise 0.
     */
    public int resolve(final Aeron aeron)
    {
        if (null != publication || null != registrationError)
        {
            return 0;
        }
        try
        {
            publication = aeron.getExclusivePublication(registrationId);
            return null != publication ? 1 : 0;
        }
        catch (final RegistrationException ex)
        {
            registrationError = ex.getMessage();
            return 1;
        }
    }

    /**
     * The publication, once the driver created it.
     *
     * @return the publication or null.
     */
    public ExclusivePublication publication()
    {
        return publication;
    }

    /**
     * The publication once it is connected to a subscriber.
     *
     * @return the publication, or null while it is not usable.
     */
    public ExclusivePublication connectedPublication()
    {
        return null != publication && publication.isConnected() ? publication : null;
    }

    /**
     * Why the driver refused the publication, if it did.
     *
     * @return the error, or null.
     */
    public String registrationError()
    {
        return registrationError;
    }

    /**
     * The channel.
     *
     * @return the channel.
     */
    public String channel()
    {
        return channel;
    }

    /**
     * The stream id.
     *
     * @return the stream id.
     */
    public int streamId()
    {
        return streamId;
    }

    /** Close the publication if it was created. */
    public void close()
    {
        CloseHelper.quietClose(publication);
    }
}
