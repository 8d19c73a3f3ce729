package io.dwcp.engine.sender;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.exceptions.RegistrationException;
import org.agrona.CloseHelper;

/**
 * The publication to one receiver, shared by every transfer to it. Added asynchronously so the duty cycle never
 * waits for the driver.
 * <p>
 * Not thread safe: owned by the sender agent.
 */
final class ReceiverPeer implements AutoCloseable
{
    private final String endpoint;
    private final String channel;
    private final long registrationId;
    private ExclusivePublication publication;
    private String registrationError;
    private int transferCount;

    ReceiverPeer(final Aeron aeron, final String endpoint, final String channel, final int streamId)
    {
        this.endpoint = endpoint;
        this.channel = channel;
        registrationId = aeron.asyncAddExclusivePublication(channel, streamId);
    }

    /**
     * Poll for the publication the driver is creating.
     *
     * @param aeron client that registered it.
     * @return 1 if the publication became available in this call, otherwise 0.
     */
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

    ExclusivePublication publication()
    {
        return publication;
    }

    boolean isConnected()
    {
        return null != publication && publication.isConnected();
    }

    String registrationError()
    {
        return registrationError;
    }

    String endpoint()
    {
        return endpoint;
    }

    String channel()
    {
        return channel;
    }

    void addTransfer()
    {
        transferCount++;
    }

    int removeTransfer()
    {
        return --transferCount;
    }

    public void close()
    {
        CloseHelper.quietClose(publication);
    }
}
