package io.dwcp.engine.sender;

import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import org.agrona.collections.Long2LongHashMap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.channels.FileChannel;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The transfers a sender has open, each with the index of its StartTransfer in the command queue, one small file per
 * transfer in a directory of the sender's own. A restarted sender reads its commands again from there, so a transfer
 * survives the sender's crash: the queue keeps the commands, this keeps where they start. A file is written, made
 * durable and renamed into place when the transfer opens, and removed when it ends.
 * <p>
 * Not thread safe: owned by the sender conductor.
 */
final class SenderState
{
    private static final String SUFFIX = ".open";

    private final Path directory;
    private final EngineCounters counters;
    private final ByteBuffer record = ByteBuffer.allocate(2 * Long.BYTES);

    /**
     * @param directory of the state, created owner-only if absent; null keeps no state.
     * @param counters  where failures to write it are counted.
     * @throws IOException if the directory cannot be created.
     */
    SenderState(final Path directory, final EngineCounters counters) throws IOException
    {
        this.directory = directory;
        this.counters = counters;
        if (null != directory && !Files.isDirectory(directory))
        {
            Files.createDirectories(directory,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
    }

    /**
     * A transfer opened from the command at this index.
     *
     * @param transferId   of the transfer.
     * @param commandIndex of its StartTransfer.
     */
    void opened(final long transferId, final long commandIndex)
    {
        if (null == directory)
        {
            return;
        }
        final Path file = fileOf(transferId);
        final Path temporary = directory.resolve(transferId + SUFFIX + ".tmp");
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING))
        {
            record.clear();
            record.putLong(transferId).putLong(commandIndex).flip();
            while (record.hasRemaining())
            {
                channel.write(record);
            }
            channel.force(true);
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        catch (final IOException ex)
        {
            counters.get(EngineCounter.ERRORS).increment();
        }
    }

    /**
     * A transfer ended, one way or another: nothing of it is reopened.
     *
     * @param transferId of the transfer.
     */
    void closed(final long transferId)
    {
        if (null == directory)
        {
            return;
        }
        try
        {
            Files.deleteIfExists(fileOf(transferId));
        }
        catch (final IOException ex)
        {
            counters.get(EngineCounter.ERRORS).increment();
        }
    }

    /**
     * The transfers an earlier run of this sender left open.
     *
     * @return transfer id to the index of its StartTransfer.
     */
    Long2LongHashMap load()
    {
        final Long2LongHashMap open = new Long2LongHashMap(-1);
        if (null == directory)
        {
            return open;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*" + SUFFIX))
        {
            for (final Path file : files)
            {
                final byte[] bytes = Files.readAllBytes(file);
                if (bytes.length != 2 * Long.BYTES)
                {
                    // Cut short by a crash before its rename: the transfer was never acknowledged as open.
                    counters.get(EngineCounter.ERRORS).increment();
                    Files.deleteIfExists(file);
                    continue;
                }
                final ByteBuffer fields = ByteBuffer.wrap(bytes);
                open.put(fields.getLong(), fields.getLong());
            }
        }
        catch (final IOException ex)
        {
            counters.get(EngineCounter.ERRORS).increment();
        }
        return open;
    }

    private Path fileOf(final long transferId)
    {
        return directory.resolve(transferId + SUFFIX);
    }
}
