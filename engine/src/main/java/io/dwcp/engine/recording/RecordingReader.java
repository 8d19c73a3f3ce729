package io.dwcp.engine.recording;

import io.dwcp.engine.queue.SbeQueueReader;
import net.openhft.chronicle.queue.ChronicleQueue;
import org.agrona.DirectBuffer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Reads a recording written by {@link TransferRecorder}, checking every record as it goes: a queue that is not a
 * recording, a record that does not decode, page contents that do not match the commands naming them, and a
 * recording without its end record all stop the read with a {@link RecordingException} saying where.
 * <p>
 * This class walks the queue and judges how it ended; each record is checked by a {@link RecordValidator} (commands
 * by a {@link RecordedCommandValidator}) and counted in a {@link RecordingTally}, which becomes the summary.
 * <p>
 * Not thread safe: a read runs on the caller's thread, which the handler is called on.
 */
public final class RecordingReader
{
    /** Receives the records of a recording in order. */
    public interface Handler
    {
        /**
         * A sender session starts; the settings are its.
         *
         * @param settings as recorded.
         * @throws InterruptedException if waiting is interrupted.
         */
        default void onSessionStarted(final RecordingSummary.Settings settings) throws InterruptedException
        {
        }

        /**
         * Contents of consecutive file pages, recorded just before the page batch that names them.
         *
         * @param transferId    of the transfer.
         * @param round         of the batch.
         * @param firstPage     first page.
         * @param pageCount     pages.
         * @param buffer        holding the contents, page after page; valid only during the call.
         * @param contentOffset of the first page's content.
         * @throws InterruptedException if waiting is interrupted.
         */
        default void onPages(
            final long transferId,
            final int round,
            final long firstPage,
            final int pageCount,
            final DirectBuffer buffer,
            final int contentOffset) throws InterruptedException
        {
        }

        /**
         * A command, as the sender read it.
         *
         * @param offsetNs   when, from the session's start.
         * @param templateId of the command.
         * @param buffer     holding the command, header first; valid only during the call.
         * @param offset     of the command.
         * @param length     of the command.
         * @throws InterruptedException if waiting is interrupted.
         */
        default void onCommand(
            final long offsetNs, final int templateId, final DirectBuffer buffer, final int offset, final int length)
            throws InterruptedException
        {
        }

        /**
         * Should the read stop early?
         *
         * @return true to stop after the current record.
         */
        default boolean isStopped()
        {
            return false;
        }
    }

    private RecordingReader()
    {
    }

    /**
     * Read and check a whole recording without acting on it.
     *
     * @param directory of the recording queue.
     * @return what it holds.
     * @throws RecordingException if it is missing, foreign, malformed or truncated.
     */
    public static RecordingSummary scan(final Path directory) throws RecordingException
    {
        try
        {
            return read(directory, new Handler()
            {
            });
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new RecordingException("reading " + directory + " was interrupted", ex);
        }
    }

    /**
     * Read a recording, handing each record to a handler once it has been checked.
     *
     * @param directory of the recording queue.
     * @param handler   receives the records.
     * @return what it holds, up to where the handler stopped.
     * @throws RecordingException   if it is missing, foreign, malformed or truncated; records before the fault have
     *                              been handled.
     * @throws InterruptedException if the handler was interrupted.
     */
    public static RecordingSummary read(final Path directory, final Handler handler)
        throws RecordingException, InterruptedException
    {
        checkIsQueue(directory);
        final RecordingTally tally = new RecordingTally(directory);
        final RecordValidator validator = new RecordValidator(tally);
        try (ChronicleQueue queue = ChronicleQueue.singleBuilder(directory).readOnly(true).build();
            SbeQueueReader excerpts = new SbeQueueReader(queue, null))
        {
            while (!handler.isStopped())
            {
                final int read = excerpts.poll((buffer, offset, length, index) ->
                    validator.onRecord(buffer, offset, length, index, handler), 1);
                if (null != tally.failure())
                {
                    throw tally.failure();
                }
                if (0 == read)
                {
                    break;
                }
            }
        }
        catch (final RecordValidator.WrappedInterrupt ex)
        {
            throw ex.interruption();
        }
        catch (final RuntimeException ex)
        {
            throw new RecordingException(
                directory + " cannot be read after " + tally.records() + " records: " + ex, ex);
        }
        catch (final InternalError ex)
        {
            // A fault reading the mapped queue file: it is shorter than its own index says.
            throw new RecordingException(directory + " is truncated: its queue file ends inside record " +
                tally.records() + " (cut short on disk?)", ex);
        }

        if (!handler.isStopped())
        {
            if (0 == tally.records())
            {
                throw new RecordingException(directory + " is an empty queue, not a DWCP recording");
            }
            if (tally.isSessionOpen())
            {
                throw new RecordingException(directory + " is truncated: it ends after " + tally.records() +
                    " records, " + (tally.sessionLastOffsetNs() / 1_000_000) + " ms into the recording, without its " +
                    "end record" + tally.describeOpenTransfers() + ". The recording sender may have crashed or " +
                    "still be running.");
            }
        }
        return tally.summary();
    }

    private static void checkIsQueue(final Path directory) throws RecordingException
    {
        if (!Files.isDirectory(directory))
        {
            throw new RecordingException(directory + " does not exist or is not a directory");
        }
        try (Stream<Path> files = Files.list(directory))
        {
            if (files.noneMatch((file) -> file.getFileName().toString().endsWith(".cq4")))
            {
                throw new RecordingException(directory + " holds no Chronicle Queue files (*.cq4): not a recording");
            }
        }
        catch (final IOException ex)
        {
            throw new RecordingException(directory + " cannot be listed: " + ex.getMessage(), ex);
        }
    }
}
