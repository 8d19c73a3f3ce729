package io.dwcp.engine.sender;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.dwcp.engine.transport.AsyncPublication;

/**
 * The publication to one receiver, shared by every transfer to it, and how many transfers use it.
 * <p>
 * Not thread safe: owned by the sender agent.
 */
final class ReceiverPeer implements AutoCloseable
{
    private final String endpoint;
    private final String channel;
    private final AsyncPublication publication;
    private int transferCount;
    private PeerLink link;

    ReceiverPeer(final Aeron aeron, final String endpoint, final String channel, final int streamId)
    {
        this.endpoint = endpoint;
        this.channel = channel;
        publication = new AsyncPublication(aeron, channel, streamId);
    }

    int resolve(final Aeron aeron)
    {
        return publication.resolve(aeron);
    }

    ExclusivePublication publication()
    {
        return publication.publication();
    }

    boolean isConnected()
    {
        return null != publication.connectedPublication();
    }

    String registrationError()
    {
        return publication.registrationError();
    }

    String channel()
    {
        return channel;
    }

    String endpoint()
    {
        return endpoint;
    }

    void addTransfer()
    {
        transferCount++;
    }

    int removeTransfer()
    {
        return --transferCount;
    }

    PeerLink link()
    {
        return link;
    }

    void link(final PeerLink link)
    {
        this.link = link;
    }

    int transferCount()
    {
        return transferCount;
    }

    public void close()
    {
        org.agrona.CloseHelper.close(link);
        publication.close();
    }
}
