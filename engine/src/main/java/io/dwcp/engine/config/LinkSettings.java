package io.dwcp.engine.config;

import java.util.concurrent.TimeUnit;

/**
 * How the sender measures its links and adapts to them, and the bandwidth each transfer reserves: the link-aware
 * settings, from system properties or set in code.
 * <p>
 * Immutable and thread safe.
 */
public final class LinkSettings
{
    /** Between two path probes of a transfer, ms; 0 sends none, so nothing is measured or adapted. */
    public static final String PROBE_INTERVAL_PROP_NAME = "dwcp.probe.interval.ms";
    /** Default: ten probes a second. */
    public static final long PROBE_INTERVAL_DEFAULT_MS = 100;

    /** The links' rate, Mbit/s, when the operator knows it; 0 measures it. */
    public static final String LINK_RATE_PROP_NAME = "dwcp.link.rate.mbps";

    /** Each link's bandwidth budget for reservations, Mbit/s; unset is the link rate when set, else unlimited. */
    public static final String BUDGET_PROP_NAME = "dwcp.link.budget.mbps";

    /** What a transfer whose command reserves nothing reserves, Mbit/s. */
    public static final String RESERVATION_PROP_NAME = "dwcp.transfer.reservation.mbps";

    /** Whether the level of transfers whose command names none follows the link, {@code true} or {@code false}. */
    public static final String ADAPT_PROP_NAME = "dwcp.link.adapt";

    /** Share of a compressing thread's time that goes to the codec, in the level choice's model. */
    public static final String CPU_SHARE_PROP_NAME = "dwcp.codec.cpu.share";
    /** Default: measured on this machine's loopback, where framing, checksums and the driver take the rest. */
    public static final double CPU_SHARE_DEFAULT = 0.6;

    /** Transport: {@code auto} (UDP, RDMA on Tier1 links when it can be used), {@code udp} or {@code rdma}. */
    public static final String TRANSPORT_PROP_NAME = "dwcp.transport";

    /** The transport asked for. */
    public enum Transport
    {
        /** UDP, or RDMA on a Tier1 link when a device and libdisni are present: the seeds' hybrid mode. */
        AUTO,
        /** UDP only. */
        UDP,
        /** RDMA: where it cannot be used the engine says why, once, and falls back to UDP. */
        RDMA
    }

    /**
     * Pacing: {@code auto} (the default: {@code off} when the driver runs Aeron's CUBIC congestion control, as the
     * {@code lan} profile does, else {@code adaptive}), {@code adaptive} (on loss, at the bottleneck's rate),
     * {@code off}, or {@code rate} (the link rate).
     */
    public static final String PACING_PROP_NAME = "dwcp.link.pacing";
    /** The driver's congestion control, which {@code auto} pacing looks at. */
    static final String CONGESTION_CONTROL_PROP_NAME = "aeron.CongestionControl.supplier";

    /** How the sender paces its frames. */
    public enum Pacing
    {
        /** On loss, at the bottleneck's rate, rising again while there is none. */
        ADAPTIVE,
        /** Never: Aeron's congestion control, when the channel has one, is all. */
        OFF,
        /** Always at {@link #LINK_RATE_PROP_NAME}, shared by the link's transfers. */
        RATE
    }

    private final long probeIntervalNs;
    private final long linkRateBps;
    private final long budgetBps;
    private final long reservationBps;
    private final boolean isAdaptive;
    private final double cpuShare;
    private final Transport transport;
    private final Pacing pacing;

    /**
     * Settings.
     *
     * @param probeIntervalNs between probes, 0 for none.
     * @param linkRateBps     known link rate, 0 to measure.
     * @param budgetBps       budget per link, above 0, or {@link Long#MAX_VALUE} for unlimited.
     * @param reservationBps  default reservation.
     * @param isAdaptive      whether the level follows the link.
     * @param cpuShare        of a thread's time for the codec.
     * @throws IllegalArgumentException naming the setting and the bad value.
     */
    public LinkSettings(
        final long probeIntervalNs,
        final long linkRateBps,
        final long budgetBps,
        final long reservationBps,
        final boolean isAdaptive,
        final double cpuShare)
    {
        this(probeIntervalNs, linkRateBps, budgetBps, reservationBps, isAdaptive, cpuShare, Transport.AUTO);
    }

    /**
     * Settings.
     *
     * @param probeIntervalNs between probes, 0 for none.
     * @param linkRateBps     known link rate, 0 to measure.
     * @param budgetBps       budget per link, above 0, or {@link Long#MAX_VALUE} for unlimited.
     * @param reservationBps  default reservation.
     * @param isAdaptive      whether the level follows the link.
     * @param cpuShare        of a thread's time for the codec.
     * @param transport       asked for.
     * @throws IllegalArgumentException naming the setting and the bad value.
     */
    public LinkSettings(
        final long probeIntervalNs,
        final long linkRateBps,
        final long budgetBps,
        final long reservationBps,
        final boolean isAdaptive,
        final double cpuShare,
        final Transport transport)
    {
        this(probeIntervalNs, linkRateBps, budgetBps, reservationBps, isAdaptive, cpuShare, transport,
            Pacing.ADAPTIVE);
    }

    /**
     * Settings.
     *
     * @param probeIntervalNs between probes, 0 for none.
     * @param linkRateBps     known link rate, 0 to measure.
     * @param budgetBps       budget per link, above 0, or {@link Long#MAX_VALUE} for unlimited.
     * @param reservationBps  default reservation.
     * @param isAdaptive      whether the level follows the link.
     * @param cpuShare        of a thread's time for the codec.
     * @param transport       asked for.
     * @param pacing          how frames are paced.
     * @throws IllegalArgumentException naming the setting and the bad value.
     */
    public LinkSettings(
        final long probeIntervalNs,
        final long linkRateBps,
        final long budgetBps,
        final long reservationBps,
        final boolean isAdaptive,
        final double cpuShare,
        final Transport transport,
        final Pacing pacing)
    {
        require(Pacing.RATE != pacing || linkRateBps > 0, PACING_PROP_NAME, "rate",
            "needs " + LINK_RATE_PROP_NAME + " above 0");
        require(probeIntervalNs >= 0, PROBE_INTERVAL_PROP_NAME, probeIntervalNs, "must not be negative");
        require(linkRateBps >= 0, LINK_RATE_PROP_NAME, linkRateBps, "must not be negative");
        require(budgetBps > 0, BUDGET_PROP_NAME, budgetBps,
            "must be above 0: a budget of 0 admits no transfer (unset it for no limit)");
        require(reservationBps >= 0, RESERVATION_PROP_NAME, reservationBps, "must not be negative");
        require(cpuShare > 0 && cpuShare <= 1, CPU_SHARE_PROP_NAME, cpuShare, "must be above 0 and at most 1");
        this.probeIntervalNs = probeIntervalNs;
        this.linkRateBps = linkRateBps;
        this.budgetBps = budgetBps;
        this.reservationBps = reservationBps;
        this.isAdaptive = isAdaptive;
        this.cpuShare = cpuShare;
        this.transport = transport;
        this.pacing = pacing;
    }

    /**
     * The settings the system properties give.
     *
     * @return the settings.
     * @throws IllegalArgumentException for a value out of range or not a number.
     */
    public static LinkSettings fromConfiguration()
    {
        final long linkRateBps = mbps(LINK_RATE_PROP_NAME, 0);
        final String budget = System.getProperty(BUDGET_PROP_NAME);
        final long budgetBps = null != budget ? mbps(BUDGET_PROP_NAME, 0) :
            linkRateBps > 0 ? linkRateBps : Long.MAX_VALUE;
        return new LinkSettings(
            TimeUnit.MILLISECONDS.toNanos(number(PROBE_INTERVAL_PROP_NAME, PROBE_INTERVAL_DEFAULT_MS)),
            linkRateBps,
            budgetBps,
            mbps(RESERVATION_PROP_NAME, 0),
            Boolean.parseBoolean(System.getProperty(ADAPT_PROP_NAME, "true")),
            doubleNumber(CPU_SHARE_PROP_NAME, CPU_SHARE_DEFAULT),
            transport(System.getProperty(TRANSPORT_PROP_NAME, "auto")),
            pacing(System.getProperty(PACING_PROP_NAME, "auto")));
    }

    /**
     * @param probeIntervalNs between probes, 0 for none.
     * @return a copy with it.
     */
    public LinkSettings withProbeIntervalNs(final long probeIntervalNs)
    {
        return new LinkSettings(
            probeIntervalNs, linkRateBps, budgetBps, reservationBps, isAdaptive, cpuShare, transport, pacing);
    }

    /**
     * @param transport asked for.
     * @return a copy with it.
     */
    public LinkSettings withTransport(final Transport transport)
    {
        return new LinkSettings(
            probeIntervalNs, linkRateBps, budgetBps, reservationBps, isAdaptive, cpuShare, transport, pacing);
    }

    /**
     * @param budgetBps budget per link.
     * @return a copy with it.
     */
    public LinkSettings withBudgetBps(final long budgetBps)
    {
        return new LinkSettings(
            probeIntervalNs, linkRateBps, budgetBps, reservationBps, isAdaptive, cpuShare, transport, pacing);
    }

    /**
     * @return how frames are paced.
     */
    public Pacing pacing()
    {
        return pacing;
    }

    /**
     * @return the transport asked for.
     */
    public Transport transport()
    {
        return transport;
    }

    /**
     * @return between probes, 0 for none.
     */
    public long probeIntervalNs()
    {
        return probeIntervalNs;
    }

    /**
     * @return the configured link rate, bit/s, 0 to measure.
     */
    public long linkRateBps()
    {
        return linkRateBps;
    }

    /**
     * @return each link's budget, bit/s, {@link Long#MAX_VALUE} when unlimited.
     */
    public long budgetBps()
    {
        return budgetBps;
    }

    /**
     * @return the default reservation, bit/s.
     */
    public long reservationBps()
    {
        return reservationBps;
    }

    /**
     * @return whether levels follow the link.
     */
    public boolean isAdaptive()
    {
        return isAdaptive;
    }

    /**
     * @return share of a thread's time for the codec.
     */
    public double cpuShare()
    {
        return cpuShare;
    }

    private static Pacing pacing(final String text)
    {
        if ("auto".equalsIgnoreCase(text.trim()))
        {
            // Measured on the tbf links: CUBIC alone beat CUBIC with pacing (docs/LINK-AWARE.md).
            return System.getProperty(CONGESTION_CONTROL_PROP_NAME, "").contains("Cubic") ? Pacing.OFF :
                Pacing.ADAPTIVE;
        }
        return choice(Pacing.class, PACING_PROP_NAME, text, "auto, adaptive, off or rate");
    }

    private static Transport transport(final String text)
    {
        return choice(Transport.class, TRANSPORT_PROP_NAME, text, "auto, udp or rdma");
    }

    private static <E extends Enum<E>> E choice(
        final Class<E> type, final String name, final String text, final String choices)
    {
        try
        {
            return Enum.valueOf(type, text.trim().toUpperCase(java.util.Locale.ROOT));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(name + "=" + text + " must be " + choices);
        }
    }

    private static long mbps(final String name, final long defaultMbps)
    {
        final long value = number(name, defaultMbps);
        require(value >= 0 && value <= Long.MAX_VALUE / 1_000_000, name, value, "is out of range");
        return value * 1_000_000;
    }

    private static long number(final String name, final long defaultValue)
    {
        final String text = System.getProperty(name);
        try
        {
            return null == text ? defaultValue : Long.parseLong(text.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(name + "=" + text + " is not a whole number");
        }
    }

    private static double doubleNumber(final String name, final double defaultValue)
    {
        final String text = System.getProperty(name);
        try
        {
            return null == text ? defaultValue : Double.parseDouble(text.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(name + "=" + text + " is not a number");
        }
    }

    private static void require(final boolean isValid, final String name, final Object value, final String rule)
    {
        if (!isValid)
        {
            throw new IllegalArgumentException(name + "=" + value + " " + rule);
        }
    }
}
