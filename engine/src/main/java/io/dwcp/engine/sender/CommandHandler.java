package io.dwcp.engine.sender;

import io.dwcp.codecs.agent.CancelTransferDecoder;
import io.dwcp.codecs.agent.EndOfRoundDecoder;
import io.dwcp.codecs.agent.EndOfTransferDecoder;
import io.dwcp.codecs.agent.PageBatchDecoder;
import io.dwcp.codecs.agent.StartTransferDecoder;

/**
 * Typed agent commands, as decoded by {@link CommandAdapter}. Decoders are valid only during the call.
 */
interface CommandHandler
{
    void onStartTransfer(StartTransferDecoder command);

    void onPageBatch(PageBatchDecoder command);

    void onEndOfRound(EndOfRoundDecoder command);

    void onEndOfTransfer(EndOfTransferDecoder command);

    void onCancel(CancelTransferDecoder command);

    /**
     * An excerpt that is not a command this version reads.
     *
     * @param reason for a person.
     */
    void onMalformedCommand(String reason);
}
