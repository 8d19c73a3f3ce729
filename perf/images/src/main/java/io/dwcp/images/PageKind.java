package io.dwcp.images;

/**
 * Kinds of page a generated image holds.
 */
public enum PageKind
{
    /** All zeros. */
    ZERO,
    /** Words and log lines. */
    TEXT,
    /** Aligned records of small integers and pointers. */
    HEAP,
    /** Machine-code-like bytes. */
    CODE,
    /** Random bytes. */
    RANDOM
}
