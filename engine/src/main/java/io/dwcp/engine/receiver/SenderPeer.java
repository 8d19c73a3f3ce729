package io.dwcp.engine.receiver;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.exceptions.RegistrationException;
import org.agrona.CloseHelper;

/**
 * The publication back to one sender's control channel, shared by that sender's transfers. Added asynchronously so
 * the duty cycle never waits for the driver.
 * <p>
 * Not thread safe: owned by the receiver agent.
 */
final class SenderPeer implements AutoCloseable
{
    private final String channel;
    private final int streamId;
    private final long registrationId;
    private ExclusivePublication publication;
    private String registrationError;

    SenderPeer(final Aeron aeron, final String channel, final int streamId)
    {
        this.channel = channel;
        this.streamId = streamId;
        registrationId = aeron.asyncAddExclusivePublication(channel, streamId);
    }

    int resolve(final Aeron aeron)
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
     * The publication once it is connected to the sender.
     *
     * @return the publication, or null while it is not usable.
     */
    ExclusivePublication connectedPublication()
    {
        return null != publication && publication.isConnected() ? publication : null;
    }

    String registrationError()
    {
        return registrationError;
    }

    String channel()
    {
        return channel;
    }

    int streamId()
    {
        return streamId;
    }

    public void close()
    {
        CloseHelper.quietClose(publication);
    }
}
