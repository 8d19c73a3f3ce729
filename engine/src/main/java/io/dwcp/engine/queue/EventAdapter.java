package io.dwcp.engine.queue;

import io.dwcp.codecs.agent.CommandRejectedDecoder;
import io.dwcp.codecs.agent.LinkChangedDecoder;
import io.dwcp.codecs.agent.MessageHeaderDecoder;
import io.dwcp.codecs.agent.RoundCompletedDecoder;
import io.dwcp.codecs.agent.SwitchoverReadyDecoder;
import io.dwcp.codecs.agent.TransferAcceptedDecoder;
import io.dwcp.codecs.agent.TransferCompletedDecoder;
import io.dwcp.codecs.agent.TransferFailedDecoder;
import io.dwcp.codecs.agent.TransferProgressDecoder;
import net.openhft.chronicle.queue.ChronicleQueue;
import org.agrona.DirectBuffer;

/**
 * The agent's side of the events queue: reads events and hands them to a listener.
 * <p>
 * Not thread safe: create and use on one thread.
 */
public final class EventAdapter implements AutoCloseable, SbeQueueReader.MessageHandler
{
    private final SbeQueueReader reader;
    private final EngineEventListener listener;
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final TransferAcceptedDecoder acceptedDecoder = new TransferAcceptedDecoder();
    private final TransferProgressDecoder progressDecoder = new TransferProgressDecoder();
    private final TransferCompletedDecoder completedDecoder = new TransferCompletedDecoder();
    private final TransferFailedDecoder failedDecoder = new TransferFailedDecoder();
    private final CommandRejectedDecoder rejectedDecoder = new CommandRejectedDecoder();
    private final RoundCompletedDecoder roundDecoder = new RoundCompletedDecoder();
    private final SwitchoverReadyDecoder switchoverDecoder = new SwitchoverReadyDecoder();
    private final LinkChangedDecoder linkChangedDecoder = new LinkChangedDecoder();

    /**
     * Create an adapter reading a queue from the start.
     *
     * @param queue    the events queue.
     * @param listener receives each event.
     */
    public EventAdapter(final ChronicleQueue queue, final EngineEventListener listener)
    {
        this(new SbeQueueReader(queue, null), listener);
    }

    private EventAdapter(final SbeQueueReader reader, final EngineEventListener listener)
    {
        this.reader = reader;
        this.listener = listener;
    }

    /**
     * Create an adapter that reads only the events written from now on: an agent that follows its own attempt at a
     * transfer, and never an earlier attempt's outcome with the same id.
     *
     * @param queue    the events queue.
     * @param listener receives each event.
     * @return the adapter.
     */
    public static EventAdapter fromEnd(final ChronicleQueue queue, final EngineEventListener listener)
    {
        return new EventAdapter(SbeQueueReader.atEnd(queue), listener);
    }

    /**
     * Read up to {@code limit} events.
     *
     * @param limit most events to read.
     * @return events read.
     */
    public int poll(final int limit)
    {
        return reader.poll(this, limit);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onMessage(final DirectBuffer buffer, final int offset, final int length, final long index)
    {
        if (length < MessageHeaderDecoder.ENCODED_LENGTH)
        {
            listener.onUnknown(-1);
            return;
        }
        headerDecoder.wrap(buffer, offset);
        if (headerDecoder.schemaId() != MessageHeaderDecoder.SCHEMA_ID)
        {
            listener.onUnknown(-1);
            return;
        }

        final int blockLength = headerDecoder.blockLength();
        final int version = headerDecoder.version();
        final int bodyOffset = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        switch (headerDecoder.templateId())
        {
            case TransferAcceptedDecoder.TEMPLATE_ID ->
                listener.onAccepted(acceptedDecoder.wrap(buffer, bodyOffset, blockLength, version));
            case TransferProgressDecoder.TEMPLATE_ID ->
                listener.onProgress(progressDecoder.wrap(buffer, bodyOffset, blockLength, version));
            case TransferCompletedDecoder.TEMPLATE_ID ->
                listener.onCompleted(completedDecoder.wrap(buffer, bodyOffset, blockLength, version));
            case TransferFailedDecoder.TEMPLATE_ID ->
                listener.onFailed(failedDecoder.wrap(buffer, bodyOffset, blockLength, version));
            case CommandRejectedDecoder.TEMPLATE_ID ->
                listener.onRejected(rejectedDecoder.wrap(buffer, bodyOffset, blockLength, version));
            case RoundCompletedDecoder.TEMPLATE_ID ->
                listener.onRoundCompleted(roundDecoder.wrap(buffer, bodyOffset, blockLength, version));
            case SwitchoverReadyDecoder.TEMPLATE_ID ->
                listener.onSwitchoverReady(switchoverDecoder.wrap(buffer, bodyOffset, blockLength, version));
            case LinkChangedDecoder.TEMPLATE_ID ->
                listener.onLinkChanged(linkChangedDecoder.wrap(buffer, bodyOffset, blockLength, version));
            default -> listener.onUnknown(headerDecoder.templateId());
        }
    }

    /** Release the tailer. */
    public void close()
    {
        reader.close();
    }
}
