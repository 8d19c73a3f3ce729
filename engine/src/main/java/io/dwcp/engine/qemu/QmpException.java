package io.dwcp.engine.qemu;

/**
 * A QMP conversation failed: no socket, a closed connection, a timeout, or an error reply from QEMU.
 */
public final class QmpException extends Exception
{
    private static final long serialVersionUID = 1L;

    private final String errorClass;

    /**
     * A failure with no QMP error class: the socket or the connection.
     *
     * @param message what happened.
     */
    public QmpException(final String message)
    {
        super(message);
        this.errorClass = null;
    }

    /**
     * An error reply.
     *
     * @param command    that failed.
     * @param errorClass QMP's error class, e.g. GenericError or CommandNotFound.
     * @param desc       QMP's description.
     */
    public QmpException(final String command, final String errorClass, final String desc)
    {
        super("QMP " + command + " failed: " + errorClass + ": " + desc);
        this.errorClass = errorClass;
    }

    /**
     * QMP's error class when QEMU answered with an error.
     *
     * @return the class, or null when QEMU did not answer.
     */
    public String errorClass()
    {
        return errorClass;
    }
}
