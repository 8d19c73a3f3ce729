package io.dwcp.engine.security;

/**
 * A handshake message that cannot be accepted: too short, a key X25519 refuses, a failed authentication tag, or a
 * peer that is not trusted.
 */
public final class HandshakeException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message what was wrong.
     */
    public HandshakeException(final String message)
    {
        super(message);
    }

    /**
     * @param message what was wrong.
     * @param cause   the failure underneath.
     */
    public HandshakeException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
