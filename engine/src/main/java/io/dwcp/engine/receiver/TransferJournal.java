package io.dwcp.engine.receiver;

import io.dwcp.codec.PageChecksum;
import io.dwcp.engine.memory.MappedImage;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The resume state of one transfer, in a file beside its destination: which transfer the destination belongs to,
 * and the CRC32C of every page as applied. Records are written as pages are applied and made durable in batches,
 * after the destination's pages ({@link #flush}). A restarted receiver resumes only from what both agree on: a page
 * counts as held when its content in the destination has the CRC its record names, so a page written after the
 * last flush, or torn by a crash, is sent again. The file goes once the transfer is verified or abandoned.
 * <p>
 * Not thread safe: owned by the receiver's agents, which share a thread.
 */
final class TransferJournal implements AutoCloseable
{
    /** The journal's name beside a destination. */
    static final String SUFFIX = ".resume";

    private static final long MAGIC = 0x314D_5352_5043_5744L; // "DWCPRSM1", little-endian
    private static final int VERSION = 1;
    private static final int HEADER_LENGTH = 4096;
    private static final int MAGIC_OFFSET = 0;
    private static final int VERSION_OFFSET = 8;
    private static final int PAGE_SIZE_OFFSET = 12;
    private static final int FILE_SIZE_OFFSET = 16;
    private static final int TRANSFER_ID_OFFSET = 24;
    private static final int VM_ID_OFFSET = 32;
    private static final int PEER_OFFSET = 128;
    private static final int VERIFIED_OFFSET = HEADER_LENGTH - Long.BYTES;
    private static final long VERIFIED = 0x4445_4946_4952_4556L; // "VERIFIED"

    private final Path file;
    private final long pageCount;
    private final int zeroPageCrc;
    private final RandomAccessFile raf;
    private final MappedByteBuffer mapping;
    private final UnsafeBuffer buffer;
    private long recordsSinceFlush;
    private boolean isClosed;

    private TransferJournal(final Path file, final long pageCount, final int pageSize, final RandomAccessFile raf)
        throws IOException
    {
        this.file = file;
        this.pageCount = pageCount;
        final java.util.zip.CRC32C zeroPage = new java.util.zip.CRC32C();
        zeroPage.update(new byte[pageSize]);
        zeroPageCrc = (int)zeroPage.getValue();
        this.raf = raf;
        mapping = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, HEADER_LENGTH + pageCount * Integer.BYTES);
        buffer = new UnsafeBuffer(mapping);
    }

    /**
     * The journal of a destination.
     *
     * @param destination file of the transfer.
     * @return the journal's path.
     */
    static Path pathOf(final Path destination)
    {
        return destination.resolveSibling(destination.getFileName() + SUFFIX);
    }

    /**
     * Create the journal of a new transfer, every page recorded as the zero page its destination starts as: records
     * are kept XORed with the zero page's CRC, so that the new, sparse file of zeros needs no writing.
     *
     * @param destination of the transfer.
     * @param transferId  of the transfer.
     * @param vmId        of the transfer.
     * @param peerName    of the authenticated sender, the only one that may resume it.
     * @param pageSize    of the image.
     * @param fileSize    of the image.
     * @return the journal.
     * @throws IOException if it cannot be created.
     */
    static TransferJournal create(
        final Path destination,
        final long transferId,
        final String vmId,
        final String peerName,
        final int pageSize,
        final long fileSize) throws IOException
    {
        final Path file = pathOf(destination);
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        final RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw");
        TransferJournal journal = null;
        try
        {
            final long pageCount = fileSize / pageSize;
            raf.setLength(HEADER_LENGTH + pageCount * Integer.BYTES);
            journal = new TransferJournal(file, pageCount, pageSize, raf);
            final UnsafeBuffer header = journal.buffer;
            header.putInt(VERSION_OFFSET, VERSION, ByteOrder.LITTLE_ENDIAN);
            header.putInt(PAGE_SIZE_OFFSET, pageSize, ByteOrder.LITTLE_ENDIAN);
            header.putLong(FILE_SIZE_OFFSET, fileSize, ByteOrder.LITTLE_ENDIAN);
            header.putLong(TRANSFER_ID_OFFSET, transferId, ByteOrder.LITTLE_ENDIAN);
            putName(header, VM_ID_OFFSET, vmId);
            putName(header, PEER_OFFSET, peerName);
            // The magic last: a journal cut short while being made is not one.
            journal.mapping.force();
            header.putLong(MAGIC_OFFSET, MAGIC, ByteOrder.LITTLE_ENDIAN);
            journal.mapping.force();
            return journal;
        }
        catch (final IOException | RuntimeException ex)
        {
            // Unmapped as well as closed: nothing of a journal that could not be made outlives it.
            if (null != journal)
            {
                journal.close();
            }
            raf.close();
            Files.deleteIfExists(file);
            throw ex;
        }
    }

    /**
     * Open the journal of an earlier attempt at a transfer, if there is one and it is for this transfer and peer.
     *
     * @param destination of the transfer.
     * @param transferId  asked for.
     * @param vmId        asked for.
     * @param peerName    of the authenticated sender.
     * @param pageSize    asked for.
     * @param fileSize    asked for.
     * @return the journal, or null when there is none.
     * @throws IOException if there is one that does not match, with the reason.
     */
    static TransferJournal open(
        final Path destination,
        final long transferId,
        final String vmId,
        final String peerName,
        final int pageSize,
        final long fileSize) throws IOException
    {
        final Path file = pathOf(destination);
        if (!Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS))
        {
            return null;
        }
        final long pageCount = fileSize / pageSize;
        if (Files.size(file) != HEADER_LENGTH + pageCount * Integer.BYTES)
        {
            throw new IOException("its resume state is for another geometry or is cut short");
        }
        final RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw");
        final TransferJournal journal;
        try
        {
            journal = new TransferJournal(file, pageCount, pageSize, raf);
        }
        catch (final IOException | RuntimeException ex)
        {
            raf.close();
            throw ex;
        }
        final UnsafeBuffer header = journal.buffer;
        final String problem = MAGIC != header.getLong(MAGIC_OFFSET, ByteOrder.LITTLE_ENDIAN) ||
            VERSION != header.getInt(VERSION_OFFSET, ByteOrder.LITTLE_ENDIAN) ? "its resume state is unreadable" :
            pageSize != header.getInt(PAGE_SIZE_OFFSET, ByteOrder.LITTLE_ENDIAN) ||
            fileSize != header.getLong(FILE_SIZE_OFFSET, ByteOrder.LITTLE_ENDIAN) ||
            transferId != header.getLong(TRANSFER_ID_OFFSET, ByteOrder.LITTLE_ENDIAN) ||
            !vmId.equals(getName(header, VM_ID_OFFSET)) ? "its resume state is for another transfer or geometry" :
            !peerName.equals(getName(header, PEER_OFFSET)) ? "it belongs to another sender" : null;
        if (null != problem)
        {
            journal.close();
            throw new IOException(problem);
        }
        // Resumed, so no longer verified: a crash of this attempt must leave it resumable.
        header.putLong(VERIFIED_OFFSET, 0);
        journal.mapping.force();
        return journal;
    }

    /**
     * Record a page as applied with this CRC.
     *
     * @param pageNumber of the page.
     * @param crc        of its content.
     */
    void record(final long pageNumber, final int crc)
    {
        buffer.putInt(HEADER_LENGTH + (int)(pageNumber * Integer.BYTES), crc ^ zeroPageCrc);
        recordsSinceFlush++;
    }

    int recorded(final long pageNumber)
    {
        return buffer.getInt(HEADER_LENGTH + (int)(pageNumber * Integer.BYTES)) ^ zeroPageCrc;
    }

    boolean hasUnflushedRecords()
    {
        return recordsSinceFlush > 0;
    }

    /**
     * The records so far are about to be made durable: those after this call wait for the next flush. Receiver
     * thread.
     */
    void markFlushing()
    {
        recordsSinceFlush = 0;
    }

    /**
     * Make the destination's pages durable, then the records of them. Any thread: the flusher's, while the receiver
     * goes on applying pages; the mappings stay until {@link #close} after it.
     *
     * @param destination of the transfer.
     * @throws IOException if either cannot be written out.
     */
    void force(final MappedImage destination) throws IOException
    {
        destination.force();
        mapping.force();
    }

    /**
     * Which pages the destination holds as recorded: the CRC32C of each page's content now, or of a page the sender
     * will never have (the record's complement) where the content and the record differ. Pages from
     * {@code firstPage} on, into {@code crcs} from offset 0.
     *
     * @param destination of the transfer.
     * @param firstPage   to check.
     * @param count       pages to check.
     * @param crcs        written, one little-endian int per page.
     * @return pages whose content matched their record.
     */
    long held(final MappedImage destination, final long firstPage, final int count, final UnsafeBuffer crcs)
    {
        final int pageSize = destination.pageSize();
        long matched = 0;
        for (int i = 0; i < count; i++)
        {
            final long page = firstPage + i;
            final int crc = PageChecksum.crc32c(destination.segmentOf(page), destination.offsetOf(page), pageSize);
            final boolean isHeld = crc == recorded(page);
            matched += isHeld ? 1 : 0;
            // A content the record does not vouch for is offered as nothing the sender can match.
            crcs.putInt(i * Integer.BYTES, isHeld ? crc : ~recorded(page), ByteOrder.LITTLE_ENDIAN);
        }
        return matched;
    }

    /**
     * The transfer is verified: a receiver that restarts removes this journal, as nobody will resume it, unless a
     * sender resumes it first while the transfer lingers.
     */
    void markVerified()
    {
        buffer.putLong(VERIFIED_OFFSET, VERIFIED, ByteOrder.LITTLE_ENDIAN);
        mapping.force();
    }

    /** Not verified after all: pages came after the verdict. Durable at the next flush. */
    void clearVerified()
    {
        buffer.putLong(VERIFIED_OFFSET, 0);
        recordsSinceFlush++;
    }

    /**
     * The journals of verified transfers a receiver left when it stopped or crashed while they lingered.
     *
     * @param outputDirectory of the receiver.
     * @return their files.
     * @throws IOException if the directory cannot be read.
     */
    static java.util.List<Path> findVerified(final Path outputDirectory) throws IOException
    {
        final java.util.List<Path> verified = new java.util.ArrayList<>();
        try (java.nio.file.DirectoryStream<Path> journals = Files.newDirectoryStream(outputDirectory, "*" + SUFFIX))
        {
            for (final Path file : journals)
            {
                if (isVerified(file))
                {
                    verified.add(file);
                }
            }
        }
        return verified;
    }

    /**
     * Remove a journal if it still says its transfer is verified: not one a sender has resumed since.
     *
     * @param file of the journal.
     * @return true if removed.
     * @throws IOException if it cannot be read or removed.
     */
    static boolean deleteIfVerified(final Path file) throws IOException
    {
        return Files.exists(file) && isVerified(file) && Files.deleteIfExists(file);
    }

    private static boolean isVerified(final Path file) throws IOException
    {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r"))
        {
            if (raf.length() < HEADER_LENGTH)
            {
                return false;
            }
            raf.seek(VERIFIED_OFFSET);
            return VERIFIED == Long.reverseBytes(raf.readLong());
        }
    }

    long pageCount()
    {
        return pageCount;
    }

    Path file()
    {
        return file;
    }

    /** Unmap and close; the file stays for a later attempt. */
    public void close()
    {
        if (isClosed)
        {
            return;
        }
        isClosed = true;
        IoUtil.unmap(mapping);
        try
        {
            raf.close();
        }
        catch (final IOException ignore)
        {
            // Unmapped already; nothing is left to write.
        }
    }

    /**
     * Close and remove the file.
     *
     * @throws IOException if it cannot be removed.
     */
    void delete() throws IOException
    {
        close();
        Files.deleteIfExists(file);
    }

    private static int roomAt(final int offset)
    {
        return (VM_ID_OFFSET == offset ? PEER_OFFSET : VERIFIED_OFFSET) - offset - Integer.BYTES;
    }

    private static void putName(final UnsafeBuffer header, final int offset, final String name)
    {
        final byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        final int length = Math.min(bytes.length, roomAt(offset));
        header.putInt(offset, length, ByteOrder.LITTLE_ENDIAN);
        header.putBytes(offset + Integer.BYTES, bytes, 0, length);
    }

    private static String getName(final UnsafeBuffer header, final int offset)
    {
        final int length = header.getInt(offset, ByteOrder.LITTLE_ENDIAN);
        if (length < 0 || length > roomAt(offset))
        {
            return "";
        }
        final byte[] bytes = new byte[length];
        header.getBytes(offset + Integer.BYTES, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
