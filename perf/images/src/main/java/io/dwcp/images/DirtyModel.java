package io.dwcp.images;

import java.util.Locale;

/**
 * How a guest's memory changes between two pre-copy rounds.
 * <p>
 * The presets follow snapshots of real guests and processes taken 5 s apart:
 * <ul>
 *     <li>{@code vm}: a lightly loaded VM, about 93% of pages unchanged;</li>
 *     <li>{@code jvm}: a JVM, about 58% unchanged;</li>
 *     <li>{@code interpreter}: a Python-like interpreter, about 30% unchanged.</li>
 * </ul>
 * In all of them a changed page keeps 30% to 75% of its bytes (its XOR with the previous version is that much
 * zero), 1% to 3% of changed pages become all zero, and under 6% take content that already exists elsewhere in
 * the previous round.
 *
 * @param name                  of the model.
 * @param unchangedShare        share of pages left as they were.
 * @param minKeptByteShare      least share of a changed page's bytes that stay the same.
 * @param maxKeptByteShare      greatest share of a changed page's bytes that stay the same.
 * @param zeroedShare           share of changed pages that become all zero.
 * @param copiedShare           share of changed pages that take another page's previous content.
 * @param meanDirtyRunPages     mean length of a run of consecutive dirty pages (writes cluster).
 */
public record DirtyModel(
    String name,
    double unchangedShare,
    double minKeptByteShare,
    double maxKeptByteShare,
    double zeroedShare,
    double copiedShare,
    double meanDirtyRunPages)
{
    /** A lightly loaded VM. */
    public static final DirtyModel VM = new DirtyModel("vm", 0.93, 0.30, 0.75, 0.02, 0.04, 4);
    /** A JVM. */
    public static final DirtyModel JVM = new DirtyModel("jvm", 0.58, 0.30, 0.75, 0.02, 0.05, 8);
    /** A Python-like interpreter. */
    public static final DirtyModel INTERPRETER = new DirtyModel("interpreter", 0.30, 0.30, 0.75, 0.02, 0.05, 16);

    /**
     * Check the shares.
     */
    public DirtyModel
    {
        if (unchangedShare < 0 || unchangedShare > 1 || minKeptByteShare < 0 || maxKeptByteShare > 1 ||
            minKeptByteShare > maxKeptByteShare || zeroedShare < 0 || copiedShare < 0 ||
            zeroedShare + copiedShare > 1 || meanDirtyRunPages < 1)
        {
            throw new IllegalArgumentException("inconsistent dirty model: " + this);
        }
    }

    /**
     * A preset by name.
     *
     * @param name vm, jvm or interpreter.
     * @return the preset.
     */
    public static DirtyModel preset(final String name)
    {
        return switch (name.toLowerCase(Locale.ROOT))
        {
            case "vm" -> VM;
            case "jvm" -> JVM;
            case "interpreter" -> INTERPRETER;
            default -> throw new IllegalArgumentException(
                "unknown dirty model '" + name + "', expected vm, jvm or interpreter");
        };
    }
}
