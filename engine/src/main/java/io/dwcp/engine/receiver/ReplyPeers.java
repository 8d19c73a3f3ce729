package io.dwcp.engine.receiver;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.dwcp.codecs.wire.HelloStatus;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import io.dwcp.engine.transport.AsyncPublication;
import io.dwcp.engine.transport.Channels;
import org.agrona.collections.Object2LongHashMap;
import org.agrona.collections.Object2ObjectHashMap;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The receiver's reply publications, one per reply channel and stream of an authenticated peer, and the refusals
 * waiting on them. Bounded: when every slot is taken the longest idle publication that no transfer or refusal
 * uses is closed, idle ones are closed after the idle time anyway, and a refusal nobody takes expires.
 * <p>
 * Not thread safe: owned by the receiver conductor.
 */
final class ReplyPeers implements AutoCloseable
{
    private static final int MAX_REFUSALS = 64;

    private final Aeron aeron;
    private final EngineCounters counters;
    private final ControlPublisher control;
    private final List<InboundTransfer> transfers;
    private final int maxPeers;
    private final long peerIdleNs;
    private final long lingerNs;
    private final Object2ObjectHashMap<String, AsyncPublication> peersByChannel = new Object2ObjectHashMap<>();
    private final ArrayList<AsyncPublication> peers = new ArrayList<>();
    private final Object2LongHashMap<AsyncPublication> peerLastUsedNs = new Object2LongHashMap<>(Long.MIN_VALUE);
    private final ArrayList<Refusal> refusals = new ArrayList<>();
    private long nextEvictionNs;

    private record Refusal(
        AsyncPublication peer, long transferId, int senderIndex, byte[] handshake, String text, long deadlineNs)
    {
    }

    ReplyPeers(
        final Aeron aeron,
        final EngineCounters counters,
        final ControlPublisher control,
        final List<InboundTransfer> transfers,
        final int maxPeers,
        final long peerIdleNs,
        final long lingerNs)
    {
        this.aeron = aeron;
        this.counters = counters;
        this.control = control;
        this.transfers = transfers;
        this.maxPeers = maxPeers;
        this.peerIdleNs = peerIdleNs;
        this.lingerNs = lingerNs;
    }

    /**
     * Resolve the publications being made, send the refusals that can go, and once a second close idle
     * publications.
     *
     * @param nowNs current time.
     * @return work done.
     */
    int doWork(final long nowNs)
    {
        int workCount = 0;
        for (int i = 0, size = peers.size(); i < size; i++)
        {
            workCount += peers.get(i).resolve(aeron);
        }
        workCount += sendRefusals(nowNs);
        if (nowNs - nextEvictionNs >= 0)
        {
            nextEvictionNs = nowNs + TimeUnit.SECONDS.toNanos(1);
            while (evictIdlePeer(peerIdleNs, nowNs))
            {
                workCount++;
            }
        }
        return workCount;
    }

    /**
     * A reply channel is IPC or exactly {@code aeron:udp?endpoint=<IP address>:<port>}: no other parameter, and no
     * host name, so that nothing from the wire makes the receiver look a name up.
     */
    static boolean isAcceptableReplyChannel(final String channel)
    {
        if (Channels.isIpc(channel))
        {
            return true;
        }
        final String prefix = "aeron:udp?endpoint=";
        if (!channel.startsWith(prefix) || channel.indexOf('|') >= 0)
        {
            return false;
        }
        final String endpoint = channel.substring(prefix.length());
        try
        {
            Channels.validateHostPort(endpoint);
        }
        catch (final IllegalArgumentException ex)
        {
            return false;
        }
        return Channels.isIpLiteral(endpoint);
    }

    /**
     * The reply publication for an authenticated peer, made on first use; an idle one is closed to make room.
     *
     * @param channel  named by the authenticated Hello.
     * @param streamId named by the authenticated Hello.
     * @param nowNs    current time.
     * @return the publication, or null when the channel is not acceptable or every slot is busy.
     */
    AsyncPublication peerFor(final String channel, final int streamId, final long nowNs)
    {
        if (!isAcceptableReplyChannel(channel))
        {
            return null;
        }
        final String key = channel + "#" + streamId;
        AsyncPublication peer = peersByChannel.get(key);
        if (null == peer)
        {
            if (peers.size() >= maxPeers && !evictIdlePeer(Long.MAX_VALUE, nowNs))
            {
                return null;
            }
            peer = new AsyncPublication(aeron, channel, streamId);
            peersByChannel.put(key, peer);
            peers.add(peer);
        }
        peerLastUsedNs.put(peer, nowNs);
        return peer;
    }

    /**
     * Close the longest idle reply publication that no transfer or refusal uses.
     *
     * @param idleNs how long it must have been idle; {@code Long.MAX_VALUE} takes the longest idle whatever.
     * @param nowNs  current time.
     * @return whether one was closed.
     */
    private boolean evictIdlePeer(final long idleNs, final long nowNs)
    {
        AsyncPublication oldest = null;
        long oldestNs = Long.MAX_VALUE;
        for (int i = 0, size = peers.size(); i < size; i++)
        {
            final AsyncPublication peer = peers.get(i);
            final long lastUsedNs = peerLastUsedNs.getValue(peer);
            if (lastUsedNs < oldestNs && !isInUse(peer) &&
                (Long.MAX_VALUE == idleNs || nowNs - lastUsedNs > idleNs))
            {
                oldest = peer;
                oldestNs = lastUsedNs;
            }
        }
        if (null == oldest)
        {
            return false;
        }
        peers.remove(oldest);
        peersByChannel.remove(oldest.channel() + "#" + oldest.streamId());
        peerLastUsedNs.removeKey(oldest);
        oldest.close();
        counters.get(EngineCounter.PEERS_EVICTED).increment();
        return true;
    }

    private boolean isInUse(final AsyncPublication peer)
    {
        for (int i = 0, size = transfers.size(); i < size; i++)
        {
            if (transfers.get(i).peer() == peer)
            {
                return true;
            }
        }
        for (int i = 0, size = refusals.size(); i < size; i++)
        {
            if (refusals.get(i).peer() == peer)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Queue the answer to a refused Hello, bounded: a flood of Hellos from peers that never listen must not grow
     * memory.
     *
     * @param peer        to answer on.
     * @param transferId  refused.
     * @param senderIndex of the Hello.
     * @param handshake   the sealed answer, or null when insecure.
     * @param text        why, sent in clear when insecure.
     * @param nowNs       current time.
     */
    void refuse(
        final AsyncPublication peer,
        final long transferId,
        final int senderIndex,
        final byte[] handshake,
        final String text,
        final long nowNs)
    {
        counters.get(EngineCounter.HELLOS_REJECTED).increment();
        if (refusals.size() < MAX_REFUSALS)
        {
            // A refusal nobody takes is dropped after the linger time, and with it its hold on the peer slot.
            refusals.add(new Refusal(peer, transferId, senderIndex, handshake, null == handshake ? text : "",
                nowNs + lingerNs));
        }
    }

    private int sendRefusals(final long nowNs)
    {
        int workCount = 0;
        for (int i = refusals.size() - 1; i >= 0; i--)
        {
            final Refusal refusal = refusals.get(i);
            if (nowNs - refusal.deadlineNs() > 0 || null != refusal.peer().registrationError())
            {
                refusals.remove(i);
                workCount++;
                continue;
            }
            final ExclusivePublication publication = refusal.peer().connectedPublication();
            if (null != publication && control.helloAck(publication, refusal.transferId(), refusal.senderIndex(),
                HelloStatus.REJECTED, refusal.text(), refusal.handshake()))
            {
                refusals.remove(i);
                workCount++;
            }
        }
        return workCount;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void close()
    {
        for (final AsyncPublication peer : peers)
        {
            peer.close();
        }
        peers.clear();
        peersByChannel.clear();
        refusals.clear();
    }
}
