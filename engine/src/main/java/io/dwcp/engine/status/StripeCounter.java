package io.dwcp.engine.status;

/**
 * The counters each stripe of a transfer has, with the Aeron counter type id that tells them apart in the counters
 * file. Every one carries the key laid out by {@link StripeCounters#KEY_LENGTH}: the transfer id, then the stripe.
 */
public enum StripeCounter
{
    /** Page frames the stripe has published: its sequence. */
    FRAMES_SENT(EngineCounter.Role.SENDER, 7710, "frames sent"),
    /** Wire bytes the stripe has published. */
    BYTES_SENT(EngineCounter.Role.SENDER, 7711, "bytes sent"),
    /** Offers and claims refused by back pressure. */
    BACK_PRESSURE(EngineCounter.Role.SENDER, 7712, "back pressure"),
    /** Wire bytes published and not yet acknowledged. */
    BYTES_IN_FLIGHT(EngineCounter.Role.SENDER, 7713, "bytes in flight"),
    /** Time the stripe waited on its publication's flow or congestion control window, ns. */
    BLOCKED_NS(EngineCounter.Role.SENDER, 7714, "ns waiting on back pressure"),
    /** Page frames the stripe's image has received. */
    FRAMES_RECEIVED(EngineCounter.Role.RECEIVER, 7720, "frames received"),
    /** Wire bytes of page frames received. */
    BYTES_RECEIVED(EngineCounter.Role.RECEIVER, 7721, "bytes received"),
    /** Pages the stripe's image has applied. */
    PAGES_APPLIED(EngineCounter.Role.RECEIVER, 7722, "pages applied");

    private final EngineCounter.Role role;
    private final int typeId;
    private final String label;

    StripeCounter(final EngineCounter.Role role, final int typeId, final String label)
    {
        this.role = role;
        this.typeId = typeId;
        this.label = label;
    }

    /**
     * Which engine allocates the counter.
     *
     * @return the role.
     */
    public EngineCounter.Role role()
    {
        return role;
    }

    /**
     * The Aeron counter type id.
     *
     * @return the type id.
     */
    public int typeId()
    {
        return typeId;
    }

    /**
     * The label's last words.
     *
     * @return the label.
     */
    public String label()
    {
        return label;
    }
}
