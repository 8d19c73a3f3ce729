package io.dwcp.engine.cli;

/**
 * A mistake in how the command was called (a bad value, a missing file): reported as one line, exit code 2.
 */
final class UsageException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    UsageException(final String message)
    {
        super(message);
    }
}
