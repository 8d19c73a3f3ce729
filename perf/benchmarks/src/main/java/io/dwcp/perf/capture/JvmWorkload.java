package io.dwcp.perf.capture;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * An allocation-heavy Java program whose heap the capture tool snapshots: an order book of records with strings,
 * tags, counters and byte payloads of mixed compressibility, a rolling event log and a sorted index, then a steady
 * churn that replaces records, edits payloads in place, appends to the log and builds throw-away strings. The churn
 * favours a hot set: about 80% of its operations touch the oldest half of the records.
 * <pre>
 * java -Xms512m -Xmx512m -cp ... io.dwcp.perf.capture.JvmWorkload [--live-bytes N] [--ops-per-second N]
 *     [--warm-up-ms N] [--seed N]
 * </pre>
 * Prints {@code ready} on its own line once warm, and exits when its standard input closes, so it never outlives
 * the tool that started it.
 */
public final class JvmWorkload
{
    /** Line printed on standard output once the workload is warm. */
    public static final String READY = "ready";

    private static final int TICKS_PER_SECOND = 20;
    private static final int APPROXIMATE_RECORD_BYTES = 1200;
    private static final int LOG_LINES = 20_000;
    private static final String[] WORDS = {
        "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima",
        "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey",
        "xray", "yankee", "zulu", "order", "customer", "invoice", "shipment", "warehouse", "pending", "settled" };

    private final Random random;
    private final Map<String, Order> orders = new HashMap<>();
    private final List<String> keys = new ArrayList<>();
    private final ArrayDeque<String> eventLog = new ArrayDeque<>();
    private final TreeMap<Long, String> byTimestamp = new TreeMap<>();
    private final long[] counters = new long[1 << 16];
    private long sequence;
    private long sink;

    /**
     * One record of the order book.
     */
    private static final class Order
    {
        private final long id;
        private final String customer;
        private final String sku;
        private final int quantity;
        private final double price;
        private final long timestampMs;
        private final List<String> tags;
        private final byte[] payload;

        Order(final long id, final String customer, final String sku, final int quantity, final double price,
            final long timestampMs, final List<String> tags, final byte[] payload)
        {
            this.id = id;
            this.customer = customer;
            this.sku = sku;
            this.quantity = quantity;
            this.price = price;
            this.timestampMs = timestampMs;
            this.tags = tags;
            this.payload = payload;
        }
    }

    private JvmWorkload(final long seed)
    {
        random = new Random(seed);
    }

    /**
     * Run the workload until standard input closes.
     *
     * @param args see the class description.
     * @throws InterruptedException if interrupted.
     */
    public static void main(final String[] args) throws InterruptedException
    {
        long liveBytes = Runtime.getRuntime().maxMemory() * 2 / 5;
        int opsPerSecond = 20_000;
        long warmUpMs = 2_000;
        long seed = 7;
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--live-bytes" -> liveBytes = Long.parseLong(args[++i]);
                case "--ops-per-second" -> opsPerSecond = Integer.parseInt(args[++i]);
                case "--warm-up-ms" -> warmUpMs = Long.parseLong(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        exitWhenInputCloses();

        final JvmWorkload workload = new JvmWorkload(seed);
        workload.build(liveBytes / APPROXIMATE_RECORD_BYTES);
        final int opsPerTick = Math.max(1, opsPerSecond / TICKS_PER_SECOND);
        final long tickNs = TimeUnit.SECONDS.toNanos(1) / TICKS_PER_SECOND;
        final long readyAtNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(warmUpMs);
        boolean isReady = false;
        long nextTickNs = System.nanoTime();
        while (true)
        {
            for (int i = 0; i < opsPerTick; i++)
            {
                workload.churn();
            }
            if (!isReady && System.nanoTime() - readyAtNs >= 0)
            {
                isReady = true;
                System.out.println(READY);
                System.out.flush();
            }
            nextTickNs += tickNs;
            final long sleepNs = nextTickNs - System.nanoTime();
            if (sleepNs > 0)
            {
                TimeUnit.NANOSECONDS.sleep(sleepNs);
            }
            else
            {
                // Behind schedule, for example after a SIGSTOP: start counting again from now.
                nextTickNs = System.nanoTime();
            }
        }
    }

    private static void exitWhenInputCloses()
    {
        final Thread watcher = new Thread(() ->
        {
            final InputStream in = System.in;
            try
            {
                while (in.read() >= 0)
                {
                    // Nothing to read but the end.
                }
            }
            catch (final IOException ignore)
            {
                // The end either way.
            }
            Runtime.getRuntime().halt(0);
        }, "stdin-watcher");
        watcher.setDaemon(true);
        watcher.start();
    }

    private void build(final long recordCount)
    {
        for (long i = 0; i < recordCount; i++)
        {
            final String key = newKey();
            keys.add(key);
            orders.put(key, newOrder());
        }
        for (int i = 0; i < LOG_LINES; i++)
        {
            appendLog();
        }
    }

    private void churn()
    {
        final int choice = random.nextInt(100);
        if (choice < 40)
        {
            final String key = keys.get(hotIndex());
            orders.put(key, newOrder());
        }
        else if (choice < 55)
        {
            final Order order = orders.get(keys.get(hotIndex()));
            final byte[] payload = order.payload;
            final int at = random.nextInt(payload.length);
            final int length = Math.min(payload.length - at, 1 + random.nextInt(64));
            for (int i = at; i < at + length; i++)
            {
                payload[i] = (byte)(payload[i] + 1 + random.nextInt(3));
            }
        }
        else if (choice < 70)
        {
            appendLog();
        }
        else if (choice < 85)
        {
            for (int i = 0; i < 16; i++)
            {
                counters[random.nextInt(counters.length)] += random.nextInt(1000);
            }
        }
        else if (choice < 95)
        {
            final Order order = orders.get(keys.get(hotIndex()));
            sink += describe(order).length();
        }
        else
        {
            final int index = hotIndex();
            final String removed = keys.set(index, newKey());
            orders.remove(removed);
            orders.put(keys.get(index), newOrder());
        }
    }

    /**
     * A record index skewed towards the oldest records, as real programs have a hot working set: the cube of a
     * uniform variable, so about 80% of operations touch the first half of the records.
     */
    private int hotIndex()
    {
        final double uniform = random.nextDouble();
        return (int)(keys.size() * uniform * uniform * uniform);
    }

    private void appendLog()
    {
        final long now = System.currentTimeMillis();
        final String line = String.format(Locale.ROOT, "%d INFO %s %s id=%d latency=%.3fms",
            now, word(), word(), sequence, random.nextDouble() * 20);
        eventLog.addLast(line);
        byTimestamp.put(now * 1000 + (sequence++ % 1000), line);
        if (eventLog.size() > LOG_LINES)
        {
            eventLog.removeFirst();
            byTimestamp.pollFirstEntry();
        }
    }

    private String newKey()
    {
        return "order-" + (sequence++) + "-" + word();
    }

    private Order newOrder()
    {
        final int tagCount = 1 + random.nextInt(6);
        final List<String> tags = new ArrayList<>(tagCount);
        for (int i = 0; i < tagCount; i++)
        {
            tags.add(word());
        }
        return new Order(sequence++, word() + " " + word(), "SKU-" + random.nextInt(100_000), random.nextInt(500),
            random.nextInt(1_000_000) / 100.0, System.currentTimeMillis(), tags, newPayload());
    }

    private byte[] newPayload()
    {
        final int length = 128 + random.nextInt(1536);
        final byte[] payload;
        final int kind = random.nextInt(10);
        if (kind < 5)
        {
            // JSON text: compresses well.
            final StringBuilder text = new StringBuilder(length + 64);
            while (text.length() < length)
            {
                text.append("{\"").append(word()).append("\":").append(random.nextInt(10_000)).append(",\"note\":\"")
                    .append(word()).append(' ').append(word()).append("\"}");
            }
            payload = text.toString().getBytes(StandardCharsets.UTF_8);
        }
        else if (kind < 8)
        {
            // Small integers in a binary layout: compresses somewhat.
            payload = new byte[length];
            for (int i = 0; i < length; i += 4)
            {
                payload[i] = (byte)random.nextInt(16);
            }
        }
        else
        {
            // Hashes or already-compressed data: does not compress.
            payload = new byte[length];
            random.nextBytes(payload);
        }
        return payload;
    }

    private String describe(final Order order)
    {
        final StringBuilder text = new StringBuilder(256);
        text.append("order ").append(order.id).append(" for ").append(order.customer).append(": ")
            .append(order.quantity).append(" x ").append(order.sku).append(" at ").append(order.price)
            .append(" on ").append(order.timestampMs).append(" tagged ").append(String.join(",", order.tags))
            .append(" checksum ").append(Arrays.hashCode(order.payload));
        return text.toString();
    }

    private String word()
    {
        return WORDS[random.nextInt(WORDS.length)];
    }
}
