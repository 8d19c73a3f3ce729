package io.dwcp.engine.qemu;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A client of the QEMU Machine Protocol over QEMU's unix socket ({@code -qmp unix:PATH,server=on,wait=off}): the
 * greeting and {@code qmp_capabilities} handshake, commands with their replies, and the asynchronous events.
 * <p>
 * A daemon thread reads the socket and sorts what arrives into replies and events. Not thread safe otherwise: call
 * {@link #execute} from one thread at a time.
 */
public final class QmpClient implements AutoCloseable
{
    /** Replies to one command: a poison value marks a closed connection. */
    private static final Map<String, Object> CLOSED = Map.of();
    /** Most events kept unread, so a chatty guest cannot grow memory without bound. */
    private static final int MAX_EVENTS = 10_000;

    private final Path socket;
    private final SocketChannel channel;
    private final LinkedBlockingQueue<Map<String, Object>> replies = new LinkedBlockingQueue<>();
    private final LinkedBlockingQueue<QmpEvent> events = new LinkedBlockingQueue<>(MAX_EVENTS);
    private final Thread reader;
    private final Map<String, Object> greeting;
    private volatile boolean isClosed;
    private long nextId;

    private QmpClient(final Path socket, final SocketChannel channel, final long timeoutMs) throws QmpException
    {
        this.socket = socket;
        this.channel = channel;
        reader = new Thread(this::readLoop, "qmp-" + socket.getFileName());
        reader.setDaemon(true);
        reader.start();
        final Map<String, Object> hello;
        try
        {
            hello = takeReply("the greeting", timeoutMs);
        }
        catch (final QmpException ex)
        {
            close();
            throw new QmpException(ex.getMessage() + " (QEMU serves one QMP client per socket at a time: is " +
                "another client connected?)");
        }
        if (!hello.containsKey("QMP"))
        {
            close();
            throw new QmpException(socket + " is not a QMP socket: it greeted with " + Json.write(hello));
        }
        greeting = hello;
        execute("qmp_capabilities", Map.of(), timeoutMs);
    }

    /**
     * Connect to a QMP socket, waiting for it to appear and accept, as it does while QEMU starts.
     *
     * @param socket    path of the unix socket.
     * @param timeoutMs how long to wait for the socket, the greeting and the handshake.
     * @return the connected client.
     * @throws QmpException if there is no socket by then, it refuses, or it is not QMP.
     */
    public static QmpClient connect(final Path socket, final long timeoutMs) throws QmpException
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        IOException lastError = null;
        while (System.nanoTime() - deadlineNs < 0)
        {
            if (Files.exists(socket))
            {
                SocketChannel channel = null;
                try
                {
                    channel = SocketChannel.open(StandardProtocolFamily.UNIX);
                    // Non-blocking: QEMU accepts one QMP client at a time, and a connect to its full backlog
                    // would otherwise block for as long as the other client stays.
                    channel.configureBlocking(false);
                    if (!channel.connect(UnixDomainSocketAddress.of(socket)))
                    {
                        throw new IOException("connection pending");
                    }
                    channel.configureBlocking(true);
                    final long remainingMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNs - System.nanoTime()));
                    return new QmpClient(socket, channel, remainingMs);
                }
                catch (final IOException ex)
                {
                    lastError = ex;
                    closeQuietly(channel);
                }
            }
            if (!sleep(20))
            {
                throw new QmpException("interrupted waiting for QMP socket " + socket);
            }
        }
        if (!Files.exists(socket))
        {
            throw new QmpException("QMP socket " + socket + " does not exist (is QEMU running with -qmp unix:" +
                socket + ",server=on,wait=off?)");
        }
        throw new QmpException("cannot connect to QMP socket " + socket + ": " + lastError +
            " (QEMU serves one QMP client per socket at a time: is another client connected?)");
    }

    /**
     * The greeting QEMU sent, with its version.
     *
     * @return the greeting's QMP member.
     */
    @SuppressWarnings("unchecked")
    public Map<String, Object> greeting()
    {
        return (Map<String, Object>)greeting.get("QMP");
    }

    /**
     * Run a command and wait for its reply, 10 seconds at most.
     *
     * @param command   QMP command name.
     * @param arguments its arguments, empty for none.
     * @return the reply's return value: usually a Map or a List.
     * @throws QmpException on an error reply, a closed connection or no reply in time.
     */
    public Object execute(final String command, final Map<String, Object> arguments) throws QmpException
    {
        return execute(command, arguments, 10_000);
    }

    /**
     * Run a command and wait for its reply.
     *
     * @param command   QMP command name.
     * @param arguments its arguments, empty for none.
     * @param timeoutMs how long to wait for the reply.
     * @return the reply's return value.
     * @throws QmpException on an error reply, a closed connection or no reply in time.
     */
    @SuppressWarnings("unchecked")
    public Object execute(final String command, final Map<String, Object> arguments, final long timeoutMs)
        throws QmpException
    {
        final String id = "dwcp-" + (++nextId);
        final Map<String, Object> request = new LinkedHashMap<>();
        request.put("execute", command);
        if (!arguments.isEmpty())
        {
            request.put("arguments", arguments);
        }
        request.put("id", id);
        final byte[] bytes = (Json.write(request) + "\n").getBytes(StandardCharsets.UTF_8);
        try
        {
            final ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining())
            {
                channel.write(buffer);
            }
        }
        catch (final IOException ex)
        {
            throw new QmpException("QMP connection to " + socket + " lost sending " + command + ": " + ex);
        }

        while (true)
        {
            final Map<String, Object> reply = takeReply(command, timeoutMs);
            if (!id.equals(reply.get("id")))
            {
                continue;
            }
            final Object error = reply.get("error");
            if (error instanceof Map<?, ?> errorMap)
            {
                throw new QmpException(command, String.valueOf(errorMap.get("class")),
                    String.valueOf(errorMap.get("desc")));
            }
            return reply.get("return");
        }
    }

    /**
     * Run a command whose reply is an object.
     *
     * @param command   QMP command name.
     * @param arguments its arguments.
     * @return the reply as a map.
     * @throws QmpException on an error reply, a closed connection, no reply in time, or a reply of another shape.
     */
    @SuppressWarnings("unchecked")
    public Map<String, Object> query(final String command, final Map<String, Object> arguments) throws QmpException
    {
        final Object value = execute(command, arguments);
        if (value instanceof Map<?, ?> map)
        {
            return (Map<String, Object>)map;
        }
        throw new QmpException("QMP " + command + " answered " + Json.write(value) + ", not an object");
    }

    /**
     * The guest's run state, as {@code query-status} gives it: running, paused, inmigrate, postmigrate...
     *
     * @return the status.
     * @throws QmpException if QEMU does not answer.
     */
    public String status() throws QmpException
    {
        return String.valueOf(query("query-status", Map.of()).get("status"));
    }

    /**
     * Wait for an event, consuming the events before it.
     *
     * @param name      of the event.
     * @param matches   test of its data; events that fail it are dropped.
     * @param timeoutMs how long to wait.
     * @return the event, or null if none came in time or the connection closed.
     * @throws InterruptedException if interrupted while waiting.
     */
    public QmpEvent awaitEvent(final String name, final Predicate<Map<String, Object>> matches, final long timeoutMs)
        throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true)
        {
            final long remainingNs = deadlineNs - System.nanoTime();
            if (remainingNs <= 0)
            {
                return null;
            }
            final QmpEvent event = events.poll(Math.min(remainingNs, TimeUnit.MILLISECONDS.toNanos(50)),
                TimeUnit.NANOSECONDS);
            if (null == event)
            {
                if (isClosed && events.isEmpty())
                {
                    return null;
                }
                continue;
            }
            if (name.equals(event.name()) && matches.test(event.data()))
            {
                return event;
            }
        }
    }

    /**
     * Take every event received and not yet consumed.
     *
     * @return the events in order of arrival.
     */
    public List<QmpEvent> drainEvents()
    {
        final List<QmpEvent> drained = new ArrayList<>();
        events.drainTo(drained);
        return drained;
    }

    /**
     * Whether the connection is still open: false once QEMU closed it or exited.
     *
     * @return true while connected.
     */
    public boolean isConnected()
    {
        return !isClosed;
    }

    /**
     * The socket this client talks to.
     *
     * @return the path.
     */
    public Path socket()
    {
        return socket;
    }

    /** Close the connection. Idempotent. */
    public void close()
    {
        isClosed = true;
        closeQuietly(channel);
    }

    @SuppressWarnings("unchecked")
    private void readLoop()
    {
        try (BufferedReader lines = new BufferedReader(
            new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8)))
        {
            String line;
            while (null != (line = lines.readLine()))
            {
                if (line.isBlank())
                {
                    continue;
                }
                final Object message;
                try
                {
                    message = Json.parse(line);
                }
                catch (final IllegalArgumentException ex)
                {
                    continue;
                }
                if (!(message instanceof Map<?, ?>))
                {
                    continue;
                }
                final Map<String, Object> map = (Map<String, Object>)message;
                if (map.containsKey("event"))
                {
                    events.offer(toEvent(map));
                }
                else
                {
                    replies.add(map);
                }
            }
        }
        catch (final IOException ex)
        {
            // The connection closed: QEMU exited, or close() was called.
        }
        finally
        {
            isClosed = true;
            replies.add(CLOSED);
        }
    }

    @SuppressWarnings("unchecked")
    private static QmpEvent toEvent(final Map<String, Object> map)
    {
        final Object data = map.get("data");
        long timestampUs = 0;
        if (map.get("timestamp") instanceof Map<?, ?> timestamp &&
            timestamp.get("seconds") instanceof Long seconds && timestamp.get("microseconds") instanceof Long micros)
        {
            timestampUs = seconds * 1_000_000L + micros;
        }
        return new QmpEvent(String.valueOf(map.get("event")),
            data instanceof Map<?, ?> ? (Map<String, Object>)data : Map.of(), timestampUs);
    }

    private Map<String, Object> takeReply(final String what, final long timeoutMs) throws QmpException
    {
        final Map<String, Object> reply;
        try
        {
            reply = replies.poll(timeoutMs, TimeUnit.MILLISECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new QmpException("interrupted waiting for the reply to " + what);
        }
        if (null == reply)
        {
            throw new QmpException("QEMU at " + socket + " did not answer " + what + " within " + timeoutMs + " ms");
        }
        if (CLOSED == reply)
        {
            replies.add(CLOSED);
            throw new QmpException("QMP connection to " + socket + " closed before the reply to " + what +
                " (did QEMU exit?)");
        }
        return reply;
    }

    private static boolean sleep(final long ms)
    {
        try
        {
            Thread.sleep(ms);
            return true;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void closeQuietly(final SocketChannel channel)
    {
        if (null != channel)
        {
            try
            {
                channel.close();
            }
            catch (final IOException ignore)
            {
                // Closing is best effort.
            }
        }
    }
}
