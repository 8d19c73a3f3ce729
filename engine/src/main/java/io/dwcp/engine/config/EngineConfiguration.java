package io.dwcp.engine.config;

import java.util.concurrent.TimeUnit;

/**
 * Defaults of the engine's settings, each with the system property that overrides it; those of the sender's codec
 * are in {@link CodecConfiguration}.
 */
public final class EngineConfiguration
{
    /** Stream id of frames from sender to receiver. */
    public static final String DATA_STREAM_ID_PROP_NAME = "dwcp.data.stream.id";
    /** Default data stream id. */
    public static final int DATA_STREAM_ID_DEFAULT = 1001;

    /** Stream id of frames from receiver back to sender. */
    public static final String CONTROL_STREAM_ID_PROP_NAME = "dwcp.control.stream.id";
    /** Default control stream id. */
    public static final int CONTROL_STREAM_ID_DEFAULT = 1002;

    /** Largest page frame in bytes; frames within the publication's MTU go by tryClaim, larger ones by offer. */
    public static final String MAX_FRAME_LENGTH_PROP_NAME = "dwcp.max.frame.length";
    /** Default largest frame: one 64 KiB datagram on loopback. */
    public static final int MAX_FRAME_LENGTH_DEFAULT = 64 * 1024;

    /** Most pages one frame carries. */
    public static final String MAX_PAGES_PER_FRAME_PROP_NAME = "dwcp.max.pages.per.frame";
    /** Default most pages per frame. */
    public static final int MAX_PAGES_PER_FRAME_DEFAULT = 256;

    /** Time without word from a receiver, while it owes an answer, after which the transfer fails. */
    public static final String PEER_TIMEOUT_PROP_NAME = "dwcp.peer.timeout.ms";
    /** Default peer timeout. */
    public static final long PEER_TIMEOUT_DEFAULT_MS = 10_000;

    /** Interval between repeated Hello frames while a receiver has not answered. */
    public static final String HELLO_INTERVAL_PROP_NAME = "dwcp.hello.interval.ms";
    /** Default Hello interval. */
    public static final long HELLO_INTERVAL_DEFAULT_MS = 200;

    /** Interval between progress events of a running transfer. */
    public static final String PROGRESS_INTERVAL_PROP_NAME = "dwcp.progress.interval.ms";
    /** Default progress interval. */
    public static final long PROGRESS_INTERVAL_DEFAULT_MS = 250;

    /** Stop reading commands while this many pages are queued and unsent, so memory stays bounded. */
    public static final String MAX_QUEUED_PAGES_PROP_NAME = "dwcp.max.queued.pages";
    /** Default bound on queued pages. */
    public static final long MAX_QUEUED_PAGES_DEFAULT = 1L << 22;

    /** Frames sent per transfer per duty cycle, so transfers share the thread and control frames are read. */
    public static final String FRAMES_PER_CYCLE_PROP_NAME = "dwcp.frames.per.cycle";
    /** Default frames per transfer per duty cycle. */
    public static final int FRAMES_PER_CYCLE_DEFAULT = 16;

    /** Pages the receiver verifies per duty cycle when computing the final digest. */
    public static final String VERIFY_PAGES_PER_CYCLE_PROP_NAME = "dwcp.verify.pages.per.cycle";
    /** Default pages verified per duty cycle. */
    public static final int VERIFY_PAGES_PER_CYCLE_DEFAULT = 4096;

    /** Bytes per transfer, on each side, of the versions pages had when a pre-copy round started, kept for the pages
     * the round has already written again so that later pages may still be compressed against them; 0 keeps none.
     * Sender and receiver should have the same: a version one side kept and the other did not is found out by its
     * CRC32C and costs the pages that used it a second sending. */
    public static final String ROUND_START_BYTES_PROP_NAME = "dwcp.round.start.bytes";
    /** Default: 512 MiB, more than a 641 MiB JVM's rounds change (288 MiB): with 256 MiB the two sides ran out at
     * pages that differed, and 62 versions one side lacked cost 867 pages a second sending (docs/FRAME-CODEC.md). */
    public static final long ROUND_START_BYTES_DEFAULT = 512L * 1024 * 1024;

    /** Whether a receiver verifies pages while their transfer is quiet, so that its end reads only the rest. */
    public static final String VERIFY_AHEAD_PROP_NAME = "dwcp.verify.ahead";

    /** A receiver fails a transfer that has had no frame from its sender for this long. */
    public static final String RECEIVER_TRANSFER_TIMEOUT_PROP_NAME = "dwcp.receiver.transfer.timeout.ms";
    /** Default receiver transfer timeout: long enough for an agent to pause between rounds. */
    public static final long RECEIVER_TRANSFER_TIMEOUT_DEFAULT_MS = 300_000;

    /** How often a receiver makes applied pages and their journal records durable, so a restart resumes from them. */
    public static final String RECEIVER_FLUSH_INTERVAL_PROP_NAME = "dwcp.receiver.flush.interval.ms";
    /** Default flush interval. */
    public static final long RECEIVER_FLUSH_INTERVAL_DEFAULT_MS = 1000;

    /** How long a sender keeps reopening a transfer whose receiver it lost before it fails it: 0 never reopens. */
    public static final String SENDER_RESUME_TIMEOUT_PROP_NAME = "dwcp.sender.resume.timeout.ms";
    /** Where a sender keeps the transfers it has open, to reopen them after a restart. */
    public static final String SENDER_STATE_DIR_PROP_NAME = "dwcp.sender.state.dir";

    /** Default resume timeout. */
    public static final long SENDER_RESUME_TIMEOUT_DEFAULT_MS = 60_000;

    /** How long a receiver keeps a verified transfer, so that late repairs and a repeated end are answered. */
    public static final String RECEIVER_LINGER_PROP_NAME = "dwcp.receiver.linger.ms";
    /** Default linger. */
    public static final long RECEIVER_LINGER_DEFAULT_MS = 30_000;

    /** Longest park of an idle engine thread; it bounds how late the embedded driver runs when work arrives. */
    public static final String IDLE_MAX_PARK_PROP_NAME = "dwcp.idle.max.park.us";
    /** Default longest park. */
    public static final long IDLE_MAX_PARK_DEFAULT_US = 1000;

    /** Bytes of generated memory a {@code dwcp send} or {@code dwcp receive} engine migrates through a private pair
     * of engines before it serves, so that its first transfer does not pay the JIT's compilations; 0 warms up
     * nothing. */
    public static final String WARMUP_BYTES_PROP_NAME = "dwcp.warmup.bytes";
    /** Default warm-up: enough pages for the JIT to compile the page paths. */
    public static final long WARMUP_BYTES_DEFAULT = 64L * 1024 * 1024;
    /** Most warm-up transfers: it stops sooner once a transfer finds the JIT's compilers mostly idle. */
    public static final String WARMUP_TRANSFERS_PROP_NAME = "dwcp.warmup.transfers";
    /** Default most warm-up transfers. */
    public static final int WARMUP_TRANSFERS_DEFAULT = 4;

    /** Expected downtime under which the sender tells the agent it may switch over (QEMU's default is 300 ms). */
    public static final String SWITCHOVER_DOWNTIME_LIMIT_PROP_NAME = "dwcp.switchover.downtime.limit.ms";
    /** Default downtime limit. */
    public static final long SWITCHOVER_DOWNTIME_LIMIT_DEFAULT_MS = 300;

    /** Directory of a Chronicle Queue the sender records its accepted commands and page contents into; unset
     * records nothing. See {@code dwcp replay}. */
    public static final String RECORDING_DIR_PROP_NAME = "dwcp.recording.dir";

    /** Stripes (Aeron streams) per transfer when the command asks for none and the path is not measured; the seeds'
     * default {@code data_streams}. */
    public static final String STREAMS_PROP_NAME = "dwcp.streams";
    /** Default stripe count for an unmeasured path. */
    public static final int STREAMS_DEFAULT = 4;

    /** Fewest stripes the seeds' formula may choose ({@code MinStreams}). */
    public static final String STREAMS_MIN_PROP_NAME = "dwcp.streams.min";
    /** Default minimum. */
    public static final int STREAMS_MIN_DEFAULT = 1;

    /** Most stripes the seeds' formula may choose ({@code MaxStreams}). */
    public static final String STREAMS_MAX_PROP_NAME = "dwcp.streams.max";
    /**
     * Default maximum: the seeds' largest {@code data_streams}. The formula gives thousands on a low-latency link
     * (1 Gbit/s at 0.2 ms is 50,000), and on this project's two cores more than 16 stripes only cost; a command or
     * {@code --streams} may still ask for up to 256.
     */
    public static final int STREAMS_MAX_DEFAULT = 16;

    /** A fixed stripe count for every transfer, overriding the formula and the default; 0 leaves them in charge. */
    public static final String STREAMS_FIXED_PROP_NAME = "dwcp.streams.fixed";
    /** Default: not fixed. */
    public static final int STREAMS_FIXED_DEFAULT = 0;

    /** Sender workers that encode and publish the stripes; with DEDICATED threading each has a thread. */
    public static final String SENDER_WORKERS_PROP_NAME = "dwcp.sender.workers";
    /** Default: one worker, right for two cores. */
    public static final int SENDER_WORKERS_DEFAULT = 1;

    /** Term length of each stripe's publication; 0 derives it from the stripe count (16 MiB shared, at least
     * 64 KiB each), so that 256 stripes do not take 256 full-size logs. */
    public static final String STRIPE_TERM_LENGTH_PROP_NAME = "dwcp.stripe.term.length";
    /** Default: derived. */
    public static final int STRIPE_TERM_LENGTH_DEFAULT = 0;

    /** Smallest page size accepted. */
    public static final int MIN_PAGE_SIZE = 4096;
    /** Largest page size accepted. */
    public static final int MAX_PAGE_SIZE = 65536;

    private EngineConfiguration()
    {
    }

    /**
     * Data stream id.
     *
     * @return the value of {@link #DATA_STREAM_ID_PROP_NAME} or its default.
     */
    public static int dataStreamId()
    {
        return Integer.getInteger(DATA_STREAM_ID_PROP_NAME, DATA_STREAM_ID_DEFAULT);
    }

    /**
     * Control stream id.
     *
     * @return the value of {@link #CONTROL_STREAM_ID_PROP_NAME} or its default.
     */
    public static int controlStreamId()
    {
        return Integer.getInteger(CONTROL_STREAM_ID_PROP_NAME, CONTROL_STREAM_ID_DEFAULT);
    }

    /**
     * Largest frame.
     *
     * @return the value of {@link #MAX_FRAME_LENGTH_PROP_NAME} or its default.
     */
    public static int maxFrameLength()
    {
        return Integer.getInteger(MAX_FRAME_LENGTH_PROP_NAME, MAX_FRAME_LENGTH_DEFAULT);
    }

    /**
     * Most pages per frame.
     *
     * @return the value of {@link #MAX_PAGES_PER_FRAME_PROP_NAME} or its default.
     */
    public static int maxPagesPerFrame()
    {
        return Integer.getInteger(MAX_PAGES_PER_FRAME_PROP_NAME, MAX_PAGES_PER_FRAME_DEFAULT);
    }

    /**
     * Peer timeout.
     *
     * @return the value of {@link #PEER_TIMEOUT_PROP_NAME} in nanoseconds.
     */
    public static long peerTimeoutNs()
    {
        return TimeUnit.MILLISECONDS.toNanos(Long.getLong(PEER_TIMEOUT_PROP_NAME, PEER_TIMEOUT_DEFAULT_MS));
    }

    /**
     * Hello interval.
     *
     * @return the value of {@link #HELLO_INTERVAL_PROP_NAME} in nanoseconds.
     */
    public static long helloIntervalNs()
    {
        return TimeUnit.MILLISECONDS.toNanos(Long.getLong(HELLO_INTERVAL_PROP_NAME, HELLO_INTERVAL_DEFAULT_MS));
    }

    /**
     * Progress interval.
     *
     * @return the value of {@link #PROGRESS_INTERVAL_PROP_NAME} in nanoseconds.
     */
    public static long progressIntervalNs()
    {
        return TimeUnit.MILLISECONDS.toNanos(Long.getLong(PROGRESS_INTERVAL_PROP_NAME, PROGRESS_INTERVAL_DEFAULT_MS));
    }

    /**
     * Bound on queued pages.
     *
     * @return the value of {@link #MAX_QUEUED_PAGES_PROP_NAME} or its default.
     */
    public static long maxQueuedPages()
    {
        return Long.getLong(MAX_QUEUED_PAGES_PROP_NAME, MAX_QUEUED_PAGES_DEFAULT);
    }

    /**
     * Frames per transfer per duty cycle.
     *
     * @return the value of {@link #FRAMES_PER_CYCLE_PROP_NAME} or its default.
     */
    public static int framesPerCycle()
    {
        return Integer.getInteger(FRAMES_PER_CYCLE_PROP_NAME, FRAMES_PER_CYCLE_DEFAULT);
    }

    /**
     * Pages verified per duty cycle.
     *
     * @return the value of {@link #VERIFY_PAGES_PER_CYCLE_PROP_NAME} or its default.
     */
    public static int verifyPagesPerCycle()
    {
        return Integer.getInteger(VERIFY_PAGES_PER_CYCLE_PROP_NAME, VERIFY_PAGES_PER_CYCLE_DEFAULT);
    }

    /**
     * Bytes per transfer of round-start versions.
     *
     * @return the value of {@link #ROUND_START_BYTES_PROP_NAME} or its default.
     */
    public static long roundStartBytes()
    {
        return Long.getLong(ROUND_START_BYTES_PROP_NAME, ROUND_START_BYTES_DEFAULT);
    }

    /**
     * Whether a receiver verifies ahead.
     *
     * @return the value of {@link #VERIFY_AHEAD_PROP_NAME}, true unless set to false.
     */
    public static boolean verifyAhead()
    {
        return !"false".equals(System.getProperty(VERIFY_AHEAD_PROP_NAME));
    }

    /**
     * Receiver transfer timeout.
     *
     * @return the value of {@link #RECEIVER_TRANSFER_TIMEOUT_PROP_NAME} in nanoseconds.
     */
    public static long receiverTransferTimeoutNs()
    {
        return TimeUnit.MILLISECONDS.toNanos(
            Long.getLong(RECEIVER_TRANSFER_TIMEOUT_PROP_NAME, RECEIVER_TRANSFER_TIMEOUT_DEFAULT_MS));
    }

    /**
     * Receiver flush interval.
     *
     * @return the value of {@link #RECEIVER_FLUSH_INTERVAL_PROP_NAME} in nanoseconds.
     */
    public static long receiverFlushIntervalNs()
    {
        return TimeUnit.MILLISECONDS.toNanos(
            Long.getLong(RECEIVER_FLUSH_INTERVAL_PROP_NAME, RECEIVER_FLUSH_INTERVAL_DEFAULT_MS));
    }

    /**
     * Sender resume timeout.
     *
     * @return the value of {@link #SENDER_RESUME_TIMEOUT_PROP_NAME} in nanoseconds.
     */
    public static long senderResumeTimeoutNs()
    {
        return TimeUnit.MILLISECONDS.toNanos(
            Long.getLong(SENDER_RESUME_TIMEOUT_PROP_NAME, SENDER_RESUME_TIMEOUT_DEFAULT_MS));
    }

    /**
     * Receiver linger.
     *
     * @return the value of {@link #RECEIVER_LINGER_PROP_NAME} in nanoseconds.
     */
    public static long receiverLingerNs()
    {
        return TimeUnit.MILLISECONDS.toNanos(Long.getLong(RECEIVER_LINGER_PROP_NAME, RECEIVER_LINGER_DEFAULT_MS));
    }

    /**
     * Longest park of an idle engine thread.
     *
     * @return the value of {@link #IDLE_MAX_PARK_PROP_NAME} in nanoseconds.
     */
    public static long idleMaxParkNs()
    {
        return TimeUnit.MICROSECONDS.toNanos(Long.getLong(IDLE_MAX_PARK_PROP_NAME, IDLE_MAX_PARK_DEFAULT_US));
    }

    /**
     * Warm-up before a standalone engine serves.
     *
     * @return the value of {@link #WARMUP_BYTES_PROP_NAME} or its default, a whole number of 4 KiB pages.
     */
    public static long warmupBytes()
    {
        final long bytes = Long.getLong(WARMUP_BYTES_PROP_NAME, WARMUP_BYTES_DEFAULT);
        if (bytes < 0)
        {
            throw new IllegalArgumentException(WARMUP_BYTES_PROP_NAME + " must be 0 or more: " + bytes);
        }
        return bytes / 4096 * 4096;
    }

    /**
     * Most warm-up transfers.
     *
     * @return the value of {@link #WARMUP_TRANSFERS_PROP_NAME} or its default, at least 1.
     */
    public static int warmupTransfers()
    {
        final int transfers = Integer.getInteger(WARMUP_TRANSFERS_PROP_NAME, WARMUP_TRANSFERS_DEFAULT);
        if (transfers < 1)
        {
            throw new IllegalArgumentException(WARMUP_TRANSFERS_PROP_NAME + " must be 1 or more: " + transfers);
        }
        return transfers;
    }

    /**
     * Switchover downtime limit.
     *
     * @return the value of {@link #SWITCHOVER_DOWNTIME_LIMIT_PROP_NAME} in nanoseconds.
     */
    public static long switchoverDowntimeLimitNs()
    {
        return TimeUnit.MILLISECONDS.toNanos(
            Long.getLong(SWITCHOVER_DOWNTIME_LIMIT_PROP_NAME, SWITCHOVER_DOWNTIME_LIMIT_DEFAULT_MS));
    }

    /**
     * Where the sender records, if anywhere.
     *
     * @return the value of {@link #RECORDING_DIR_PROP_NAME}, or null.
     */
    public static String recordingDir()
    {
        return System.getProperty(RECORDING_DIR_PROP_NAME);
    }

    /**
     * Is a page size one the engine accepts?
     *
     * @param pageSize bytes per page.
     * @return true for a power of two from {@link #MIN_PAGE_SIZE} to {@link #MAX_PAGE_SIZE}.
     */
    public static boolean isValidPageSize(final int pageSize)
    {
        return pageSize >= MIN_PAGE_SIZE && pageSize <= MAX_PAGE_SIZE && Integer.bitCount(pageSize) == 1;
    }

    /**
     * Stripes for an unmeasured path.
     *
     * @return the value of {@link #STREAMS_PROP_NAME} or its default.
     */
    public static int streams()
    {
        return Integer.getInteger(STREAMS_PROP_NAME, STREAMS_DEFAULT);
    }

    /**
     * Fewest stripes the formula may choose.
     *
     * @return the value of {@link #STREAMS_MIN_PROP_NAME} or its default.
     */
    public static int streamsMin()
    {
        return Integer.getInteger(STREAMS_MIN_PROP_NAME, STREAMS_MIN_DEFAULT);
    }

    /**
     * Most stripes the formula may choose.
     *
     * @return the value of {@link #STREAMS_MAX_PROP_NAME} or its default.
     */
    public static int streamsMax()
    {
        return Integer.getInteger(STREAMS_MAX_PROP_NAME, STREAMS_MAX_DEFAULT);
    }

    /**
     * A fixed stripe count, or 0.
     *
     * @return the value of {@link #STREAMS_FIXED_PROP_NAME} or its default.
     */
    public static int streamsFixed()
    {
        return Integer.getInteger(STREAMS_FIXED_PROP_NAME, STREAMS_FIXED_DEFAULT);
    }

    /**
     * Sender workers.
     *
     * @return the value of {@link #SENDER_WORKERS_PROP_NAME} or its default.
     */
    public static int senderWorkers()
    {
        return Integer.getInteger(SENDER_WORKERS_PROP_NAME, SENDER_WORKERS_DEFAULT);
    }

    /**
     * Term length of a stripe's publication, or 0 to derive it.
     *
     * @return the value of {@link #STRIPE_TERM_LENGTH_PROP_NAME} or its default.
     */
    public static int stripeTermLength()
    {
        return Integer.getInteger(STRIPE_TERM_LENGTH_PROP_NAME, STRIPE_TERM_LENGTH_DEFAULT);
    }
}
