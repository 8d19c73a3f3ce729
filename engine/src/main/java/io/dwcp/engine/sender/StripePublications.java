package io.dwcp.engine.sender;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.dwcp.engine.transport.AsyncPublication;

/**
 * The publications of a transfer's stripes, which the driver creates and connects while the transfer waits, beside
 * its peer's: whether they are all up, and why not.
 * <p>
 * Not thread safe: owned by the conductor.
 */
final class StripePublications
{
    private final ReceiverPeer peer;
    private final AsyncPublication[] publications;

    StripePublications(final ReceiverPeer peer, final AsyncPublication[] publications)
    {
        this.peer = peer;
        this.publications = publications;
    }

    /**
     * Poll the publications the driver is creating.
     *
     * @param aeron client.
     * @return work done.
     */
    int resolve(final Aeron aeron)
    {
        int workCount = 0;
        for (final AsyncPublication publication : publications)
        {
            workCount += publication.resolve(aeron);
        }
        return workCount;
    }

    /**
     * Why a publication could not be created, if one could not.
     *
     * @return the error, or null.
     */
    String registrationError()
    {
        if (null != peer.registrationError())
        {
            return "cannot publish to " + peer.endpoint() + ": " + peer.registrationError();
        }
        for (int k = 0; k < publications.length; k++)
        {
            if (null != publications[k].registrationError())
            {
                return "cannot publish stripe " + k + " to " + peer.endpoint() + ": " +
                    publications[k].registrationError();
            }
        }
        return null;
    }

    /**
     * Are the peer's publication and every stripe's connected?
     *
     * @return true when a Hello may go.
     */
    boolean isConnected()
    {
        if (!peer.isConnected())
        {
            return false;
        }
        for (final AsyncPublication publication : publications)
        {
            if (null == publication.connectedPublication())
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Stripes whose publication is not connected, for a message.
     *
     * @return their count.
     */
    int unconnectedStripes()
    {
        int count = 0;
        for (final AsyncPublication publication : publications)
        {
            if (null == publication.connectedPublication())
            {
                count++;
            }
        }
        return count;
    }

    /**
     * @param stripe index.
     * @return the stripe's publication, once connected.
     */
    ExclusivePublication publication(final int stripe)
    {
        return publications[stripe].publication();
    }

    /** Close every stripe's publication. */
    void close()
    {
        for (final AsyncPublication publication : publications)
        {
            publication.close();
        }
    }
}
