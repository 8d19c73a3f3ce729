package io.dwcp.engine.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dwcp.codecs.wire.MessageHeaderEncoder;
import io.dwcp.engine.config.EngineConfiguration;
import io.dwcp.engine.config.ReceiverContext;
import io.dwcp.engine.receiver.ReceiverAgents;
import io.dwcp.engine.security.EngineSecurity;
import io.dwcp.engine.test.HandSender;
import io.dwcp.engine.test.SteppedAgents;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Fuzzes a real receiver's data path (the data adapter, the frame decoders, the stripe images and their codecs)
 * with frames offered over Aeron, some raw, most behind a valid header of a wire frame and naming an open transfer,
 * so that they reach the decoders. Whatever comes in, nothing may reach the error handler: every bad frame is
 * counted and dropped.
 */
class DataFrameFuzzTest
{
    private static final String IPC = "aeron:ipc";
    private static final int PAGE_SIZE = 4096;
    private static final long IMAGE_SIZE = 64L * PAGE_SIZE;
    private static final int[] TEMPLATES = { 1, 3, 6, 9, 10, 12, 13 };

    private final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024));
    private Path directory;
    private SteppedAgents agents;
    private HandSender sender;

    @BeforeEach
    void setUp() throws IOException
    {
        directory = Files.createTempDirectory("dwcp-fuzz-frames");
        agents = new SteppedAgents();
        final ReceiverContext context = new ReceiverContext()
            .aeron(agents.aeron())
            .dataEndpoint(IPC)
            .outputDirectory(Files.createDirectories(directory.resolve("out")))
            .security(EngineSecurity.insecure())
            .nanoClock(agents.clock())
            .errorHandler(agents::onError)
            .conclude();
        ReceiverAgents.create(context).forEach(agents::add);
        sender = new HandSender(agents.aeron(), IPC, context.dataStreamId(), IPC,
            EngineConfiguration.controlStreamId());
        agents.doWorkUntil("the hand sender to connect", sender::isConnected);
        sender.hello(1, "vm-fuzz", IMAGE_SIZE, PAGE_SIZE);
        agents.doWorkUntil("the Hello to be answered", () ->
        {
            sender.poll();
            return !sender.helloAcks().isEmpty();
        });
    }

    @AfterEach
    void tearDown() throws IOException
    {
        CloseHelper.closeAll(sender, agents);
        Fuzzing.delete(directory);
    }

    @FuzzTest(maxDuration = "15s")
    void framesNeverReachTheErrorHandler(final FuzzedDataProvider data)
    {
        final int length;
        if (data.consumeBoolean())
        {
            length = Fuzzing.putRemaining(data, frame, 0);
        }
        else
        {
            // A wire header: block length, template, schema and version; then the transfer id, then anything.
            final int blockLength = data.consumeInt(0, 256);
            final int template = TEMPLATES[data.consumeInt(0, TEMPLATES.length - 1)];
            frame.putShort(0, (short)blockLength, ByteOrder.LITTLE_ENDIAN);
            frame.putShort(2, (short)template, ByteOrder.LITTLE_ENDIAN);
            frame.putShort(4, (short)MessageHeaderEncoder.SCHEMA_ID, ByteOrder.LITTLE_ENDIAN);
            frame.putShort(6, (short)data.consumeInt(MessageHeaderEncoder.SCHEMA_VERSION - 1,
                MessageHeaderEncoder.SCHEMA_VERSION), ByteOrder.LITTLE_ENDIAN);
            frame.putLong(MessageHeaderEncoder.ENCODED_LENGTH, data.consumeBoolean() ? 1 : data.consumeLong(),
                ByteOrder.LITTLE_ENDIAN);
            length = MessageHeaderEncoder.ENCODED_LENGTH + Long.BYTES +
                Fuzzing.putRemaining(data, frame, MessageHeaderEncoder.ENCODED_LENGTH + Long.BYTES);
        }
        if (length > 0)
        {
            for (int attempt = 0; attempt < 100 && !sender.raw(frame, 0, length); attempt++)
            {
                agents.doWork();
            }
        }
        agents.doWork(8);
        sender.poll();
        // The receiver rejecting this fuzzer's own session, once its transfer is gone and it sends only what fails,
        // is the defence working: the driver tells the fuzzer's publication, on the client the two share.
        final List<Throwable> errors = new java.util.ArrayList<>(agents.errors());
        errors.removeIf(DataFrameFuzzTest::isOwnSessionRejected);
        assertEquals(List.of(), errors, () -> Fuzzing.traces(errors));
    }

    private static boolean isOwnSessionRejected(final Throwable error)
    {
        return error instanceof io.aeron.exceptions.AeronEvent && null != error.getMessage() &&
            error.getMessage().contains("onPublicationError") &&
            error.getMessage().contains("only unauthenticated frames");
    }
}
