package io.dwcp.engine.recording;

/**
 * A recording cannot be read or replayed: it is missing, foreign, malformed or cut short. The message says which and
 * where, in words for an operator.
 */
public final class RecordingException extends Exception
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what is wrong, naming the recording.
     */
    public RecordingException(final String message)
    {
        super(message);
    }

    /**
     * @param message what is wrong, naming the recording.
     * @param cause   the underlying failure.
     */
    public RecordingException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
