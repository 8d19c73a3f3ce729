package io.dwcp.engine.status;

/**
 * Every counter an engine keeps, with its label. A role says which engine allocates it.
 */
public enum EngineCounter
{
    // Sender.
    COMMANDS_READ(Role.SENDER, "commands read"),
    COMMANDS_REJECTED(Role.SENDER, "commands rejected"),
    TRANSFERS_STARTED(Role.SENDER, "transfers started"),
    TRANSFERS_COMPLETED(Role.SENDER, "transfers completed"),
    TRANSFERS_FAILED(Role.SENDER, "transfers failed"),
    FRAMES_SENT(Role.SENDER, "page frames sent"),
    FRAMES_CLAIMED(Role.SENDER, "page frames sent by tryClaim"),
    PAGES_SENT(Role.SENDER, "pages sent"),
    ZERO_PAGES_SENT(Role.SENDER, "zero pages sent"),
    RAW_PAGES_SENT(Role.SENDER, "raw pages sent"),
    COMPRESSED_PAGES_SENT(Role.SENDER, "compressed pages sent"),
    UNCHANGED_PAGES_SENT(Role.SENDER, "unchanged pages sent as markers"),
    DELTA_PAGES_SENT(Role.SENDER, "pages sent as deltas"),
    BLOCK_PAGES_SENT(Role.SENDER, "pages sent compressed together in frame blocks"),
    DUPLICATE_PAGES_SENT(Role.SENDER, "pages sent as references to an equal page the receiver holds"),
    SIMILAR_BASES_SENT(Role.SENDER, "held versions of similar pages whose pieces went into block dictionaries"),
    ROUND_START_BASES_SENT(Role.SENDER,
        "similar pages put in block dictionaries as they were when the round started, the round having resent them"),
    BLOCKS_STREAMED(Role.SENDER, "frame blocks sent through their stripe's zstd stream"),
    STREAM_RESTARTS(Role.SENDER, "stripe zstd streams started anew: first block, after a repair, or a change of level"),
    BASELINE_HITS(Role.SENDER, "baseline hits"),
    BASELINE_MISSES(Role.SENDER, "baseline misses"),
    BASELINE_EVICTIONS(Role.SENDER, "baseline evictions"),
    BASELINE_OVERFLOWS(Role.SENDER, "baseline overflows: delta not smaller than the page"),
    BASELINE_REFRESHES(Role.SENDER, "baseline refreshes"),
    DICTIONARIES_SENT(Role.SENDER, "dictionaries sent"),
    DICTIONARY_PAGES_SENT(Role.SENDER, "pages compressed with the dictionary"),
    DICTIONARIES_DROPPED(Role.SENDER, "dictionaries dropped: refused by the receiver or not trainable"),
    LOGICAL_BYTES_SENT(Role.SENDER, "logical bytes sent"),
    WIRE_BYTES_SENT(Role.SENDER, "wire bytes sent"),
    PAGES_RESENT(Role.SENDER, "pages resent on request"),
    BACK_PRESSURE(Role.SENDER, "publication back pressure"),
    NOT_CONNECTED(Role.SENDER, "publication not connected"),
    CONTROL_FRAMES_REJECTED(Role.SENDER, "control frames rejected"),
    COMMANDS_RECORDED(Role.SENDER, "commands recorded"),
    PAGES_RECORDED(Role.SENDER, "page contents recorded"),
    RECORDING_FAILURES(Role.SENDER, "recording failures: recording stopped, transfers go on"),
    PROXY_OFFER_FAILURES(Role.SENDER, "messages between conductor and workers refused by a full queue, retried"),
    TRANSFERS_REOPENED(Role.SENDER, "transfers reopened from their commands: receiver lost, or this sender restarted"),
    PAGE_BATCHES_REFUSED(Role.SENDER, "page batches of open transfers refused; their transfers cannot verify"),
    PROBES_SENT(Role.SENDER, "path probes sent"),
    PROBE_ECHOES(Role.SENDER, "path probe echoes measured"),
    PROBE_ECHOES_REFUSED(Role.SENDER, "path probe echoes refused: no such probe outstanding, or not its timestamp"),
    LINK_SAMPLES(Role.SENDER, "link samples taken"),
    TIER_CHANGES(Role.SENDER, "link tier changes, first detections included"),
    LEVEL_CHANGES(Role.SENDER, "compression level changes made by adaptation"),
    STREAM_CHANGES(Role.SENDER, "stream count recommendations changed by adaptation"),
    PACE_CHANGES(Role.SENDER, "pacing rate changes made by adaptation"),
    TRANSFERS_NOT_ADMITTED(Role.SENDER, "transfers refused: their reservation does not fit the link's budget"),
    RDMA_FALLBACKS(Role.SENDER, "RDMA asked for or chosen but not usable here: UDP used, the reason said once"),
    WORKER_BUSY_NS(Role.SENDER, "ns the sender workers spent in duty cycles that did work, all workers summed"),

    // Receiver.
    FRAMES_RECEIVED(Role.RECEIVER, "frames received"),
    PAGES_APPLIED(Role.RECEIVER, "pages applied"),
    PAGES_REJECTED_CRC(Role.RECEIVER, "pages rejected: CRC mismatch"),
    PAGES_REJECTED_LENGTH(Role.RECEIVER, "pages rejected: bad length"),
    PAGES_REJECTED_CORRUPT(Role.RECEIVER, "pages rejected: corrupt payload"),
    PAGES_REJECTED_ENCODING(Role.RECEIVER, "pages rejected: unknown encoding"),
    PAGES_REJECTED_RANGE(Role.RECEIVER, "pages rejected: beyond the image"),
    PAGES_REJECTED_BLOCK(Role.RECEIVER, "pages rejected: their frame's block is corrupt or not their size"),
    PAGES_REJECTED_REFERENCE(Role.RECEIVER, "pages rejected: a reference to a page not held, or since changed"),
    SIMILAR_BASES_MISMATCHED(Role.RECEIVER,
        "similar pages whose copy here is not the version the sender named, or not a page of the image"),
    BLOCKS_REJECTED(Role.RECEIVER, "frame blocks rejected: corrupt, or not the size of their pages"),
    STREAMED_BLOCKS_REFUSED(Role.RECEIVER,
        "streamed blocks refused: out of step with their stripe's stream, or after one that failed, until a restart"),
    SIMILAR_LISTS_MALFORMED(Role.RECEIVER,
        "frame blocks rejected: their list of similar pages' pieces is malformed or fails its CRC32C"),
    ROUND_START_BASES_USED(Role.RECEIVER,
        "similar pages taken as they were when the round started, the round having written them again"),
    PAGES_COPIED_BY_REFERENCE(Role.RECEIVER, "pages copied from an equal page by reference"),
    PAGES_REQUESTED(Role.RECEIVER, "pages requested again"),
    FRAMES_UNKNOWN_SCHEMA(Role.RECEIVER, "frames rejected: unknown schema or version"),
    FRAMES_UNKNOWN_TEMPLATE(Role.RECEIVER, "frames rejected: unknown template"),
    FRAMES_UNKNOWN_TRANSFER(Role.RECEIVER, "frames rejected: unknown transfer"),
    FRAMES_FOREIGN_SESSION(Role.RECEIVER, "frames rejected: from a session that does not own the transfer"),
    FRAMES_MALFORMED(Role.RECEIVER, "frames rejected: malformed"),
    FRAMES_BAD_STRIPE(Role.RECEIVER, "frames rejected: a stripe the transfer does not have, or not its session's"),
    PAGES_REJECTED_STRIPE(Role.RECEIVER, "pages rejected: on the wrong stripe"),
    TRANSFER_ENDS_AHEAD(Role.RECEIVER, "transfer ends naming frames not yet arrived: waited for"),
    HELLOS_REJECTED(Role.RECEIVER, "transfers refused"),
    DICTIONARIES_LOADED(Role.RECEIVER, "dictionaries loaded"),
    DICTIONARIES_REJECTED(Role.RECEIVER, "dictionaries rejected: bad length or CRC"),
    TRANSFERS_VERIFIED(Role.RECEIVER, "transfers verified"),
    PAGES_VERIFIED_AHEAD(Role.RECEIVER, "pages read while their transfer was quiet, to verify them ahead of its end"),
    PAGES_READ_AT_END(Role.RECEIVER, "pages read at their transfer's end to verify it: not verified ahead"),
    TRANSFERS_MISMATCHED(Role.RECEIVER, "transfers failing the digest"),
    CONTROL_BACK_PRESSURE(Role.RECEIVER, "control publication back pressure"),
    HELLOS_UNAUTHENTICATED(Role.RECEIVER, "Hellos ignored: no handshake, and this receiver is not insecure"),
    HANDSHAKES_UNTRUSTED(Role.RECEIVER, "Hellos ignored: authenticated by a key not in the peers file"),
    HANDSHAKES_REPLAYED(Role.RECEIVER, "Hellos ignored: a handshake clock not above the peer's last"),
    HANDSHAKES_EXPIRED(Role.RECEIVER, "Hellos ignored: a handshake clock outside the window"),
    HANDSHAKES_RATE_LIMITED(Role.RECEIVER, "Hellos ignored: over the handshake rate"),
    TRANSFERS_OVER_LIMIT(Role.RECEIVER, "transfers refused: a resource limit (size, count, peers, disk)"),
    DESTINATIONS_REMOVED(Role.RECEIVER, "destination files of failed transfers removed"),
    PEERS_EVICTED(Role.RECEIVER, "idle reply publications closed"),
    IMAGES_REJECTED(Role.RECEIVER, "sessions rejected at the Aeron level: oversized terms, or only forged frames"),
    TRANSFERS_RESUMED(Role.RECEIVER, "transfers resumed from the pages an earlier attempt left"),
    PAGES_HELD_ON_RESUME(Role.RECEIVER, "pages held on resume: their content matched their journal record"),
    TRANSFERS_KEPT_FOR_RESUME(Role.RECEIVER, "transfers whose sender went silent, kept to resume"),
    TRANSFERS_ABANDONED(Role.RECEIVER, "transfers abandoned by their agent, their files removed"),
    JOURNAL_FLUSHES(Role.RECEIVER, "destination and journal flushes"),
    PROBES_ECHOED(Role.RECEIVER, "path probes echoed"),

    // Both.
    HANDSHAKES_FAILED(Role.BOTH, "handshake messages failing authentication or malformed"),
    FRAMES_UNAUTHENTICATED(Role.BOTH, "frames rejected: in clear for a secure transfer, or for no index"),
    FRAMES_REPLAYED(Role.BOTH, "sealed frames rejected: a counter already seen"),
    FRAMES_FORGED(Role.BOTH, "sealed frames rejected: failed authentication tag"),
    ERRORS(Role.BOTH, "errors"),
    DUTY_CYCLE_MAX_NS(Role.BOTH, "longest duty cycle ns");

    /** Which engine allocates a counter. */
    public enum Role
    {
        /** Only the sender. */
        SENDER,
        /** Only the receiver. */
        RECEIVER,
        /** Both engines. */
        BOTH
    }

    /** Aeron counter type id of every DWCP counter. */
    public static final int TYPE_ID = 7700;

    private final Role role;
    private final String label;

    EngineCounter(final Role role, final String label)
    {
        this.role = role;
        this.label = label;
    }

    /**
     * Which engine allocates this counter.
     *
     * @return the role.
     */
    public Role role()
    {
        return role;
    }

    /**
     * Human-readable label, prefixed with the engine's name in the counters file.
     *
     * @return the label.
     */
    public String label()
    {
        return label;
    }
}
