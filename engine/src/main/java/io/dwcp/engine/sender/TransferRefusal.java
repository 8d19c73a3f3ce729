package io.dwcp.engine.sender;

import io.dwcp.codecs.agent.FailureReason;

/**
 * Why a start-transfer command is refused: thrown while a transfer is being opened, on the slow path only.
 */
final class TransferRefusal extends Exception
{
    private static final long serialVersionUID = 1L;

    private final FailureReason reason;

    TransferRefusal(final FailureReason reason, final String text)
    {
        super(text, null, false, false);
        this.reason = reason;
    }

    FailureReason reason()
    {
        return reason;
    }
}
