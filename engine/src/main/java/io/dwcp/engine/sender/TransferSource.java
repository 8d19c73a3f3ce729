package io.dwcp.engine.sender;

import io.dwcp.codec.ImageDigest;
import io.dwcp.codec.PageCodec;
import io.dwcp.engine.link.Pacer;
import io.dwcp.engine.memory.FileHoles;
import io.dwcp.engine.memory.MappedImage;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * What the stripes of one transfer share: the mapped source file, the overlay that holds pages carried inline in
 * commands, the table of the CRC32C of each page as last sent, and the dictionary being trained.
 * <p>
 * Threading: the conductor creates it, writes inline pages and computes the digest; stripes on worker threads read
 * pages and write the CRCs of their own pages, which no two stripes share. What the conductor writes before a
 * command reaches a worker is visible to the worker through the command queue's ordering, and what stripes write
 * before they report a drained stripe is visible to the conductor the same way. The conductor closes it only once
 * every worker has released the transfer.
 */
final class TransferSource implements AutoCloseable
{
    private final long transferId;
    private final Pacer pacer = new Pacer();
    private final int pageSize;
    private final long fileSize;
    private final long pageCount;
    private final MappedImage source;
    private final UnsafeBuffer pageCrcs;
    private final Object fileKey;
    private final FileChannel sizeChannel;
    private UnsafeBuffer heldCrcs;
    private long heldListed;
    private volatile MappedImage inlineOverlay;
    private volatile CompletableFuture<byte[]> dictionary;

    TransferSource(final long transferId, final int pageSize, final long fileSize, final MappedImage source,
        final int zeroPageCrc)
    {
        this.transferId = transferId;
        this.pageSize = pageSize;
        this.fileSize = fileSize;
        this.pageCount = fileSize / pageSize;
        this.source = source;
        this.fileKey = null == source ? null : fileKeyOf(source.file());
        this.sizeChannel = null == source ? null : channelOf(source.file());
        // Pages never sent stay zero at the receiver, whose destination starts as zeros.
        pageCrcs = new UnsafeBuffer(ByteBuffer.allocateDirect(Math.toIntExact(pageCount * Integer.BYTES)));
        for (long i = 0; i < pageCount; i++)
        {
            pageCrcs.putInt((int)(i * Integer.BYTES), zeroPageCrc);
        }
    }

    /**
     * Has the mapped source changed under the engine: shrunk, replaced or removed? Reading a shrunk mapping beyond
     * the file's end faults, and a replaced or removed file is no longer what the agent named; either fails the
     * transfer. Conductor thread, a few times a second.
     *
     * @return what changed, or null when nothing did.
     */
    String sourceChange()
    {
        if (null == source)
        {
            return null;
        }
        final Path file = source.file();
        final BasicFileAttributes attributes;
        try
        {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        }
        catch (final NoSuchFileException ex)
        {
            return "memory file " + file + " was removed while it was sent";
        }
        catch (final IOException ex)
        {
            return "memory file " + file + " can no longer be read: " + ex.getMessage();
        }
        if (null != fileKey && !fileKey.equals(attributes.fileKey()))
        {
            return "memory file " + file + " was replaced by another file while it was sent";
        }
        if (attributes.size() < fileSize)
        {
            return "memory file " + file + " shrank to " + attributes.size() + " bytes while its " + fileSize +
                " were sent";
        }
        return null;
    }

    /**
     * Is the mapped source shorter than the image now? One system call, no allocation: a worker asks before each
     * frame it builds, so that a file shrinking under it is seen before its pages are read.
     *
     * @return true if it shrank.
     */
    boolean hasShrunk()
    {
        if (null == sizeChannel)
        {
            return false;
        }
        try
        {
            return sizeChannel.size() < fileSize;
        }
        catch (final IOException ex)
        {
            return true;
        }
    }

    private static FileChannel channelOf(final Path file)
    {
        try
        {
            return FileChannel.open(file, StandardOpenOption.READ);
        }
        catch (final IOException ex)
        {
            return null;
        }
    }

    private static Object fileKeyOf(final Path file)
    {
        try
        {
            return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        }
        catch (final IOException ex)
        {
            return null;
        }
    }

    /**
     * Store a page carried inline in a command. Conductor thread only.
     *
     * @param pageNumber of the page.
     * @param content    its bytes.
     * @param offset     of the page in {@code content}.
     * @throws IOException if the overlay file cannot be created.
     */
    void putInlinePage(final long pageNumber, final DirectBuffer content, final int offset) throws IOException
    {
        MappedImage overlay = inlineOverlay;
        if (null == overlay)
        {
            final Path file = Files.createTempFile("dwcp-inline-" + transferId + "-", ".img");
            try
            {
                overlay = MappedImage.createReadWrite(file, pageSize, fileSize);
            }
            finally
            {
                // The mapping stays valid after the name is gone; nothing is left behind, even on failure.
                Files.deleteIfExists(file);
            }
            inlineOverlay = overlay;
        }
        overlay.segmentOf(pageNumber).putBytes(overlay.offsetOf(pageNumber), content, offset, pageSize);
    }

    /**
     * The buffer holding a page.
     *
     * @param pageNumber of the page.
     * @param isInline   whether its latest version came inline.
     * @return the segment holding it.
     */
    UnsafeBuffer bufferOf(final long pageNumber, final boolean isInline)
    {
        return (isInline ? inlineOverlay : source).segmentOf(pageNumber);
    }

    /**
     * The offset of a page in its buffer.
     *
     * @param pageNumber of the page.
     * @return the offset.
     */
    int offsetOf(final long pageNumber)
    {
        return (null != source ? source : inlineOverlay).offsetOf(pageNumber);
    }

    void recordPageCrc(final long pageNumber, final int crc)
    {
        pageCrcs.putInt((int)(pageNumber * Integer.BYTES), crc);
        if (null != heldCrcs)
        {
            // What the receiver will hold once it applies this version.
            heldCrcs.putInt((int)(pageNumber * Integer.BYTES), crc, ByteOrder.LITTLE_ENDIAN);
        }
    }

    /**
     * The receiver resumes the transfer and lists the pages it holds: a table to fill before any page is sent.
     * Conductor thread, before the stripes are given pages.
     */
    void expectHeldPages()
    {
        heldCrcs = new UnsafeBuffer(ByteBuffer.allocateDirect(Math.toIntExact(pageCount * Integer.BYTES)));
        heldListed = 0;
    }

    /**
     * Is the held table expected and not yet whole?
     *
     * @return true while pages must wait for it.
     */
    boolean isAwaitingHeldPages()
    {
        return null != heldCrcs && heldListed < pageCount;
    }

    /**
     * The next pages of the receiver's held table, which come in order. Conductor thread.
     *
     * @param firstPage of the CRCs.
     * @param crcs      one little-endian int per page.
     * @param offset    of the first CRC in {@code crcs}.
     * @param count     CRCs.
     * @return false when they are out of order or beyond the image, and nothing is taken.
     */
    boolean onHeldPages(final long firstPage, final DirectBuffer crcs, final int offset, final int count)
    {
        if (null == heldCrcs || firstPage != heldListed || count <= 0 || count > pageCount - firstPage)
        {
            return false;
        }
        heldCrcs.putBytes((int)(firstPage * Integer.BYTES), crcs, offset, count * Integer.BYTES);
        heldListed += count;
        return true;
    }

    /**
     * Does the receiver hold this version of the page, so that it goes as unchanged? Worker threads: the table was
     * filled before the page was handed to them.
     *
     * @param pageNumber of the page.
     * @param crc        of the version to send.
     * @return true if the receiver listed it with this CRC.
     */
    boolean isHeld(final long pageNumber, final int crc)
    {
        return null != heldCrcs && heldCrcs.getInt((int)(pageNumber * Integer.BYTES), ByteOrder.LITTLE_ENDIAN) == crc;
    }

    boolean hasHeldPages()
    {
        return null != heldCrcs;
    }

    int pageCrc(final long pageNumber)
    {
        return pageCrcs.getInt((int)(pageNumber * Integer.BYTES));
    }

    long computeDigest()
    {
        return ImageDigest.of(pageCrcs, pageCount);
    }

    int pageSize()
    {
        return pageSize;
    }

    boolean isMapped()
    {
        return null != source;
    }

    MappedImage mappedSource()
    {
        return source;
    }

    /**
     * Train a dictionary on pages sampled evenly through the source, on another thread.
     *
     * @param executor        runs the training, off the engine threads.
     * @param dictionaryBytes size of the dictionary.
     * @param samplePages     pages to sample.
     */
    void startDictionaryTraining(final Executor executor, final int dictionaryBytes, final int samplePages)
    {
        final long step = Math.max(1, pageCount / samplePages);
        dictionary = CompletableFuture.supplyAsync(() ->
        {
            final com.github.luben.zstd.ZstdDictTrainer trainer = new com.github.luben.zstd.ZstdDictTrainer(
                Math.toIntExact(Math.min((long)samplePages * pageSize, Integer.MAX_VALUE)), dictionaryBytes);
            final byte[] page = new byte[pageSize];
            for (long p = 0; p < pageCount; p += step)
            {
                // Read-only mapping: safe to read from this thread while the engine sends.
                final UnsafeBuffer segment = source.segmentOf(p);
                final int offset = source.offsetOf(p);
                if (!PageCodec.isZero(segment, offset, pageSize))
                {
                    segment.getBytes(offset, page);
                    trainer.addSample(page.clone());
                }
            }
            return trainer.trainSamples();
        }, executor);
    }

    /**
     * Is a dictionary being trained or trained?
     *
     * @return true when the transfer wants one.
     */
    boolean wantsDictionary()
    {
        return null != dictionary;
    }

    /**
     * The trained dictionary, once training ended. Any thread.
     *
     * @return null while training, the dictionary, or an empty array if training failed.
     */
    byte[] trainedDictionary()
    {
        final CompletableFuture<byte[]> training = dictionary;
        if (null == training || !training.isDone())
        {
            return null;
        }
        try
        {
            return training.getNow(null);
        }
        catch (final RuntimeException ex)
        {
            // Too few or too uniform samples: zstd cannot train on them.
            return new byte[0];
        }
    }

    /** Unmap the source and the overlay; once no worker reads them. */
    public void close()
    {
        CloseHelper.quietClose(sizeChannel);
        final CompletableFuture<byte[]> training = dictionary;
        if (null != training && !training.isDone() && null != source)
        {
            // A trainer still reads the source: it is unmapped when the training ends, never under the trainer.
            training.whenComplete((result, error) -> source.close());
            CloseHelper.close(inlineOverlay);
            return;
        }
        CloseHelper.closeAll(source, inlineOverlay);
    }

    /**
     * A cursor over the mapped source's holes, for one stripe's thread: a page in a hole is zero without reading it.
     *
     * @return the cursor, or null when the transfer has no mapped source.
     */
    FileHoles.Cursor holeCursor()
    {
        return null == source ? null : source.holes().cursor();
    }

    /**
     * @return paces the transfer's frames, shared by its stripes.
     */
    Pacer pacer()
    {
        return pacer;
    }
}
