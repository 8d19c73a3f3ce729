package io.dwcp.engine.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dwcp.codecs.agent.MessageHeaderEncoder;
import io.dwcp.engine.config.SenderContext;
import io.dwcp.engine.queue.CommandPublisher;
import io.dwcp.engine.queue.SbeQueues;
import io.dwcp.engine.security.EngineSecurity;
import io.dwcp.engine.sender.SenderAgents;
import io.dwcp.engine.test.SteppedAgents;
import io.dwcp.engine.test.TestImages;
import net.openhft.chronicle.queue.ChronicleQueue;
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
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Fuzzes a real sender's command path (the command adapter, the intake's checks and the transfers they change)
 * with excerpts appended to its Chronicle command queue: some raw, most behind a valid header of an agent command
 * and naming a transfer that is open, so that they reach the checks. Whatever an agent writes, nothing may reach
 * the error handler: every bad command is rejected with an event and a counter.
 */
class CommandFuzzTest
{
    private static final int PAGE_SIZE = 4096;
    private static final long IMAGE_SIZE = 64L * PAGE_SIZE;
    private static final int MAX_EXCERPT = 16 * 1024;

    private final UnsafeBuffer command = new UnsafeBuffer(ByteBuffer.allocateDirect(MAX_EXCERPT));
    private Path directory;
    private SteppedAgents agents;
    private ChronicleQueue commandQueue;
    private ChronicleQueue eventQueue;
    private CommandPublisher commands;

    @BeforeEach
    void setUp() throws IOException
    {
        directory = Files.createTempDirectory("dwcp-fuzz-commands");
        final Path image = TestImages.generate(directory.resolve("source.img"), IMAGE_SIZE, 1);
        commandQueue = SbeQueues.open(directory.resolve("commands"));
        eventQueue = SbeQueues.open(directory.resolve("events"));
        commands = new CommandPublisher(commandQueue);
        agents = new SteppedAgents();
        final SenderContext context = new SenderContext()
            .aeron(agents.aeron())
            .commandQueue(commandQueue)
            .eventQueue(eventQueue)
            .controlEndpoint("aeron:ipc")
            .workerCount(1)
            .recordingDirectory(null)
            .security(EngineSecurity.insecure())
            .nanoClock(agents.clock())
            .errorHandler(agents::onError)
            .conclude();
        final SenderAgents sender = SenderAgents.create(context, false);
        agents.add(sender.conductor());
        sender.workers().forEach(agents::add);
        // Open transfers the fuzzed commands name: one of a file, one of inline pages.
        commands.startTransfer(1, "vm-file", image.toString(), IMAGE_SIZE, PAGE_SIZE, 0, "aeron:ipc");
        commands.startTransfer(2, "vm-inline", "", IMAGE_SIZE, PAGE_SIZE, 0, "aeron:ipc");
        agents.doWork(50);
    }

    @AfterEach
    void tearDown() throws IOException
    {
        CloseHelper.closeAll(agents, commands, commandQueue, eventQueue);
        Fuzzing.delete(directory);
    }

    @FuzzTest(maxDuration = "15s")
    void commandsNeverReachTheErrorHandler(final FuzzedDataProvider data)
    {
        final int length;
        if (data.consumeBoolean())
        {
            length = Fuzzing.putRemaining(data, command, 0);
        }
        else
        {
            // An agent header: block length, template 1 to 5, schema and version; then a transfer id; then anything.
            command.putShort(0, (short)data.consumeInt(0, 128), ByteOrder.LITTLE_ENDIAN);
            command.putShort(2, (short)data.consumeInt(1, 5), ByteOrder.LITTLE_ENDIAN);
            command.putShort(4, (short)MessageHeaderEncoder.SCHEMA_ID, ByteOrder.LITTLE_ENDIAN);
            command.putShort(6, (short)data.consumeInt(1, MessageHeaderEncoder.SCHEMA_VERSION),
                ByteOrder.LITTLE_ENDIAN);
            command.putLong(MessageHeaderEncoder.ENCODED_LENGTH, data.consumeInt(0, 3), ByteOrder.LITTLE_ENDIAN);
            length = MessageHeaderEncoder.ENCODED_LENGTH + Long.BYTES +
                Fuzzing.putRemaining(data, command, MessageHeaderEncoder.ENCODED_LENGTH + Long.BYTES);
        }
        commands.appendRaw(command, 0, length);
        agents.doWork(4);
        // A second of engine time per input: transfers the inputs open and never finish time out, so that what
        // the fuzzer leaves open stays bounded, as it would against a real clock.
        agents.advanceNs(TimeUnit.SECONDS.toNanos(1));
        assertEquals(List.of(), agents.errors(), () -> Fuzzing.traces(agents.errors()));
    }
}
