package io.dwcp.engine.qemu;

/**
 * A step of a QEMU migration failed; the message says which and why.
 */
final class MigrationFailure extends Exception
{
    private static final long serialVersionUID = 1L;

    MigrationFailure(final String message)
    {
        super(message);
    }
}
