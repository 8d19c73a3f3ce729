package io.dwcp.engine.sender;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.agrona.concurrent.status.AtomicCounter;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A worker's way back to the conductor: what its stripes report. When they share a thread it calls the conductor
 * directly; otherwise it writes into a bounded queue that every worker shares and the conductor drains. A method
 * returns false when the queue is full, which is counted, and the stripe reports again in a later duty cycle.
 * <p>
 * Each worker has its own proxy (its own scratch buffer); the queue behind them takes many producers.
 */
final class ConductorProxy
{
    static final int DRAINED = 1;
    static final int ROUND_COMPLETED = 2;
    static final int FAILED = 3;
    static final int RELEASED = 4;

    static final int SLOT_OFFSET = 0;
    static final int STRIPE_OFFSET = 4;
    static final int FIRST_LONG_OFFSET = 8;
    static final int SECOND_LONG_OFFSET = 16;
    static final int ROUND_OFFSET = 16;
    static final int STATS_OFFSET = 24;
    static final int TEXT_LENGTH_OFFSET = 8;
    static final int TEXT_OFFSET = 12;
    static final int MAX_TEXT_BYTES = 1024;

    private final StripeListener conductor;
    private final RingBuffer queue;
    private final AtomicCounter offerFailures;
    private final UnsafeBuffer message =
        new UnsafeBuffer(ByteBuffer.allocateDirect(TEXT_OFFSET + MAX_TEXT_BYTES));

    /**
     * A proxy that calls the conductor directly.
     *
     * @param conductor to call.
     */
    ConductorProxy(final StripeListener conductor)
    {
        this.conductor = conductor;
        this.queue = null;
        this.offerFailures = null;
    }

    /**
     * A proxy that writes into the conductor's queue.
     *
     * @param queue         the conductor drains.
     * @param offerFailures counts messages the full queue refused.
     */
    ConductorProxy(final RingBuffer queue, final AtomicCounter offerFailures)
    {
        this.conductor = null;
        this.queue = queue;
        this.offerFailures = offerFailures;
    }

    /**
     * A queue for workers' reports.
     *
     * @param capacity bytes, a power of two.
     * @return the queue.
     */
    static RingBuffer newQueue(final int capacity)
    {
        return new ManyToOneRingBuffer(
            new UnsafeBuffer(ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    boolean stripeDrained(final int slot, final int stripe, final long epoch, final long lastSequence)
    {
        if (null == queue)
        {
            conductor.onStripeDrained(slot, stripe, epoch, lastSequence);
            return true;
        }
        message.putInt(SLOT_OFFSET, slot);
        message.putInt(STRIPE_OFFSET, stripe);
        message.putLong(FIRST_LONG_OFFSET, epoch);
        message.putLong(SECOND_LONG_OFFSET, lastSequence);
        return write(DRAINED, 24);
    }

    boolean stripeRoundCompleted(
        final int slot, final int stripe, final int round, final long[] stats, final long appliedTimestampNs)
    {
        if (null == queue)
        {
            conductor.onStripeRoundCompleted(slot, stripe, round, stats, appliedTimestampNs);
            return true;
        }
        message.putInt(SLOT_OFFSET, slot);
        message.putInt(STRIPE_OFFSET, stripe);
        message.putLong(FIRST_LONG_OFFSET, appliedTimestampNs);
        message.putInt(ROUND_OFFSET, round);
        for (int i = 0; i < stats.length; i++)
        {
            message.putLong(STATS_OFFSET + i * Long.BYTES, stats[i]);
        }
        return write(ROUND_COMPLETED, STATS_OFFSET + stats.length * Long.BYTES);
    }

    boolean stripeFailed(final int slot, final int stripe, final String reason)
    {
        if (null == queue)
        {
            conductor.onStripeFailed(slot, stripe, reason);
            return true;
        }
        final byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        final int length = Math.min(text.length, MAX_TEXT_BYTES);
        message.putInt(SLOT_OFFSET, slot);
        message.putInt(STRIPE_OFFSET, stripe);
        message.putInt(TEXT_LENGTH_OFFSET, length);
        message.putBytes(TEXT_OFFSET, text, 0, length);
        return write(FAILED, TEXT_OFFSET + length);
    }

    boolean transferReleased(final int slot, final int worker)
    {
        if (null == queue)
        {
            conductor.onTransferReleased(slot, worker);
            return true;
        }
        message.putInt(SLOT_OFFSET, slot);
        message.putInt(STRIPE_OFFSET, worker);
        return write(RELEASED, 8);
    }

    private boolean write(final int type, final int length)
    {
        if (queue.write(type, message, 0, length))
        {
            return true;
        }
        offerFailures.increment();
        return false;
    }

    /**
     * Decode one queued report and hand it to the conductor. Conductor thread only.
     *
     * @param conductor to call.
     * @param type      of the message.
     * @param buffer    holding it.
     * @param offset    of it.
     * @param stats     scratch for a round's statistics.
     */
    static void dispatch(
        final StripeListener conductor, final int type, final DirectBuffer buffer, final int offset, final long[] stats)
    {
        final int slot = buffer.getInt(offset + SLOT_OFFSET);
        final int stripe = buffer.getInt(offset + STRIPE_OFFSET);
        switch (type)
        {
            case DRAINED -> conductor.onStripeDrained(
                slot, stripe, buffer.getLong(offset + FIRST_LONG_OFFSET), buffer.getLong(offset + SECOND_LONG_OFFSET));
            case ROUND_COMPLETED ->
            {
                for (int i = 0; i < stats.length; i++)
                {
                    stats[i] = buffer.getLong(offset + STATS_OFFSET + i * Long.BYTES);
                }
                conductor.onStripeRoundCompleted(slot, stripe, buffer.getInt(offset + ROUND_OFFSET), stats,
                    buffer.getLong(offset + FIRST_LONG_OFFSET));
            }
            case FAILED -> conductor.onStripeFailed(slot, stripe, buffer.getStringWithoutLengthUtf8(
                offset + TEXT_OFFSET, buffer.getInt(offset + TEXT_LENGTH_OFFSET)));
            case RELEASED -> conductor.onTransferReleased(slot, stripe);
            default -> throw new IllegalStateException("unknown report type " + type);
        }
    }
}
