package io.dwcp.engine.sender;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.agrona.concurrent.status.AtomicCounter;

import java.nio.ByteBuffer;

/**
 * The conductor's way to a worker. When both share a thread it calls the worker directly; otherwise it writes a
 * fixed-size message into a bounded single-producer queue that the worker drains at the start of its duty cycle.
 * Every method returns false when the queue is full, which is counted, and the caller tries again later.
 * <p>
 * Not thread safe: called by the conductor only.
 */
final class WorkerProxy
{
    static final int ADD = 1;
    static final int START = 2;
    static final int REMOVE = 3;
    static final int RANGE = 4;
    static final int INLINE = 5;
    static final int REPAIR = 6;
    static final int END_ROUND = 7;
    static final int FLUSH = 8;
    static final int ACK = 9;
    static final int DROP_DICTIONARY = 10;
    static final int LEVEL = 11;

    /** Offset of the transfer's slot in a message. */
    static final int SLOT_OFFSET = 0;
    /** Offset of the int argument (round or stripe). */
    static final int INT_OFFSET = 4;
    /** Offset of the first long argument. */
    static final int FIRST_LONG_OFFSET = 8;
    /** Offset of the second long argument. */
    static final int SECOND_LONG_OFFSET = 16;
    /** Bytes of every message. */
    static final int MESSAGE_LENGTH = 24;

    private final SenderWorker worker;
    private final RingBuffer queue;
    private final AtomicCounter offerFailures;
    private final UnsafeBuffer message = new UnsafeBuffer(ByteBuffer.allocateDirect(MESSAGE_LENGTH));

    /**
     * A proxy.
     *
     * @param worker        to call directly, or to hand the queue to.
     * @param isSameThread  whether the conductor and the worker share a thread.
     * @param queueCapacity bytes of the queue when they do not, a power of two.
     * @param offerFailures counts messages the full queue refused.
     */
    WorkerProxy(final SenderWorker worker, final boolean isSameThread, final int queueCapacity,
        final AtomicCounter offerFailures)
    {
        this.worker = worker;
        this.offerFailures = offerFailures;
        if (isSameThread)
        {
            queue = null;
        }
        else
        {
            queue = new OneToOneRingBuffer(new UnsafeBuffer(
                ByteBuffer.allocateDirect(queueCapacity + RingBufferDescriptor.TRAILER_LENGTH)));
            worker.commandQueue(queue);
        }
    }

    /**
     * Room for a command's worth of messages?
     *
     * @param messages the command may write.
     * @return true when they fit.
     */
    boolean hasCapacityFor(final int messages)
    {
        return null == queue ||
            queue.capacity() - queue.size() >= (long)messages * (MESSAGE_LENGTH + RecordDescriptor.HEADER_LENGTH);
    }

    boolean addTransfer(final int slot)
    {
        if (null == queue)
        {
            worker.onAddTransfer(slot);
            return true;
        }
        return write(ADD, slot, 0, 0, 0);
    }

    boolean startTransfer(final int slot)
    {
        if (null == queue)
        {
            worker.onStartTransfer(slot);
            return true;
        }
        return write(START, slot, 0, 0, 0);
    }

    boolean removeTransfer(final int slot)
    {
        if (null == queue)
        {
            worker.onRemoveTransfer(slot);
            return true;
        }
        return write(REMOVE, slot, 0, 0, 0);
    }

    boolean queueRange(final int slot, final int round, final long firstPage, final long pageCount)
    {
        if (null == queue)
        {
            worker.onQueueRange(slot, round, firstPage, pageCount);
            return true;
        }
        return write(RANGE, slot, round, firstPage, pageCount);
    }

    boolean queueInline(final int slot, final int round, final long pageNumber)
    {
        if (null == queue)
        {
            worker.onQueueInline(slot, round, pageNumber);
            return true;
        }
        return write(INLINE, slot, round, pageNumber, 0);
    }

    boolean queueRepair(final int slot, final long pageNumber)
    {
        if (null == queue)
        {
            worker.onQueueRepair(slot, pageNumber);
            return true;
        }
        return write(REPAIR, slot, 0, pageNumber, 0);
    }

    boolean endRound(final int slot, final int round)
    {
        if (null == queue)
        {
            worker.onEndRound(slot, round);
            return true;
        }
        return write(END_ROUND, slot, round, 0, 0);
    }

    boolean flush(final int slot, final long epoch)
    {
        if (null == queue)
        {
            worker.onFlush(slot, epoch);
            return true;
        }
        return write(FLUSH, slot, 0, epoch, 0);
    }

    boolean ack(final int slot, final int stripe, final long sequence, final long receiverTimestampNs)
    {
        if (null == queue)
        {
            worker.onAck(slot, stripe, sequence, receiverTimestampNs);
            return true;
        }
        return write(ACK, slot, stripe, sequence, receiverTimestampNs);
    }

    boolean dropDictionary(final int slot)
    {
        if (null == queue)
        {
            worker.onDropDictionary(slot);
            return true;
        }
        return write(DROP_DICTIONARY, slot, 0, 0, 0);
    }

    boolean level(final int slot, final int level)
    {
        if (null == queue)
        {
            worker.onLevel(slot, level);
            return true;
        }
        return write(LEVEL, slot, level, 0, 0);
    }

    private boolean write(final int type, final int slot, final int intValue, final long first, final long second)
    {
        message.putInt(SLOT_OFFSET, slot);
        message.putInt(INT_OFFSET, intValue);
        message.putLong(FIRST_LONG_OFFSET, first);
        message.putLong(SECOND_LONG_OFFSET, second);
        if (queue.write(type, message, 0, MESSAGE_LENGTH))
        {
            return true;
        }
        offerFailures.increment();
        return false;
    }
}
