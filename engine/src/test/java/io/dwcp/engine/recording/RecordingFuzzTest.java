package io.dwcp.engine.recording;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.dwcp.codecs.agent.MessageHeaderEncoder;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * Fuzzes the recording reader's checks with sequences of records, some raw, most behind a valid header of a
 * recording record, and the commands inside them: a bad record must end the read with a
 * {@link RecordingException} that says why, never another exception.
 */
class RecordingFuzzTest
{
    private static final int[] TEMPLATES = { 200, 201, 202, 203, 1, 2, 3, 4, 5 };

    private final UnsafeBuffer record = new UnsafeBuffer(ByteBuffer.allocateDirect(64 * 1024));

    @FuzzTest(maxDuration = "15s")
    void badRecordsEndTheReadWithAReason(final FuzzedDataProvider data)
    {
        final RecordingTally tally = new RecordingTally(Path.of("fuzzed-recording"));
        final RecordValidator validator = new RecordValidator(tally);
        final RecordingReader.Handler handler = new RecordingReader.Handler()
        {
        };
        long index = 0;
        while (data.remainingBytes() > 0 && null == tally.failure())
        {
            final int length;
            if (data.consumeInt(0, 7) == 0)
            {
                length = putBytes(data, 0, data.consumeInt(0, 4096));
            }
            else
            {
                record.putShort(0, (short)data.consumeInt(0, 96), ByteOrder.LITTLE_ENDIAN);
                record.putShort(2, (short)TEMPLATES[data.consumeInt(0, TEMPLATES.length - 1)],
                    ByteOrder.LITTLE_ENDIAN);
                record.putShort(4, (short)MessageHeaderEncoder.SCHEMA_ID, ByteOrder.LITTLE_ENDIAN);
                record.putShort(6, (short)data.consumeInt(1, MessageHeaderEncoder.SCHEMA_VERSION),
                    ByteOrder.LITTLE_ENDIAN);
                length = MessageHeaderEncoder.ENCODED_LENGTH +
                    putBytes(data, MessageHeaderEncoder.ENCODED_LENGTH, data.consumeInt(0, 8192));
            }
            validator.onRecord(record, 0, length, index++, handler);
        }
    }

    private int putBytes(final FuzzedDataProvider data, final int offset, final int most)
    {
        final byte[] bytes = data.consumeBytes(Math.min(most, record.capacity() - offset));
        record.putBytes(offset, bytes);
        return bytes.length;
    }
}
