package io.dwcp.engine.receiver;

import io.dwcp.codec.PageChecksum;
import io.dwcp.engine.memory.FileHoles;
import io.dwcp.engine.memory.MappedImage;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;

/**
 * Verifies transfers whose end has come and whose every page has arrived: recomputes the CRC32C of every page from
 * the destination itself, a slice per duty cycle so that a large image never stalls the receiver, then the digest
 * the sender's is compared with. A transfer whose destination changes meanwhile drops out and is verified again
 * at its next end.
 * <p>
 * Not thread safe: runs on the receiver conductor's thread.
 */
final class Verifier implements Agent
{
    private static final class Job
    {
        private final InboundTransfer transfer;
        private final UnsafeBuffer slice;
        private final FileHoles.Cursor holes;
        private final int zeroPageCrc;
        private final java.util.zip.CRC32C crc32c = new java.util.zip.CRC32C();
        private final java.util.zip.CRC32 crc32 = new java.util.zip.CRC32();
        private long cursor;

        Job(final InboundTransfer transfer, final int pagesPerCycle)
        {
            this.transfer = transfer;
            // One slice of the page checksum table at a time: bounded whatever the image's size.
            slice = new UnsafeBuffer(new byte[pagesPerCycle * Integer.BYTES]);
            holes = transfer.destination().holes().cursor();
            zeroPageCrc = PageChecksum.zeroPageCrc32c(transfer.pageSize());
        }

        long digest()
        {
            return ((long)(int)crc32c.getValue() << 32) | (crc32.getValue() & 0xFFFF_FFFFL);
        }
    }

    private final int pagesPerCycle;
    private final ArrayList<Job> jobs = new ArrayList<>();

    Verifier(final int pagesPerCycle)
    {
        this.pagesPerCycle = pagesPerCycle;
    }

    /**
     * Start verifying a transfer.
     *
     * @param transfer ready to verify.
     */
    void verify(final InboundTransfer transfer)
    {
        transfer.startVerify();
        jobs.add(new Job(transfer, pagesPerCycle));
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int doWork()
    {
        int workCount = 0;
        for (int i = jobs.size() - 1; i >= 0; i--)
        {
            final Job job = jobs.get(i);
            if (InboundTransfer.State.VERIFYING != job.transfer.state())
            {
                jobs.remove(i);
                continue;
            }
            if (verifySlice(job))
            {
                jobs.remove(i);
            }
            workCount++;
        }
        return workCount;
    }

    private boolean verifySlice(final Job job)
    {
        final InboundTransfer transfer = job.transfer;
        final MappedImage destination = transfer.destination();
        final int pageSize = transfer.pageSize();
        final long end = Math.min(transfer.pageCount(), job.cursor + pagesPerCycle);
        final UnsafeBuffer slice = job.slice;
        int length = 0;
        // A page in a hole of the destination is zeros, known without reading it through the mapping, which would
        // allocate and zero a page for every hole (the zero pages of a guest's RAM). Asked afresh each slice.
        job.holes.forget();
        for (long pageNumber = job.cursor; pageNumber < end; pageNumber++)
        {
            final int crc = job.holes.isHole(pageNumber * pageSize, pageSize) ? job.zeroPageCrc :
                PageChecksum.crc32c(destination.segmentOf(pageNumber), destination.offsetOf(pageNumber), pageSize);
            slice.putInt(length, crc);
            length += Integer.BYTES;
        }
        // The same digest as ImageDigest.of over the whole table: both checksums run over it slice by slice.
        job.crc32c.update(slice.byteArray(), 0, length);
        job.crc32.update(slice.byteArray(), 0, length);
        job.cursor = end;
        // Keeps the sender's peer timeout from firing while a large image is verified.
        transfer.ackPending(true);
        if (end == transfer.pageCount())
        {
            transfer.verdictReady(job.digest());
            return true;
        }
        return false;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onClose()
    {
        jobs.clear();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String roleName()
    {
        return "dwcp-verifier";
    }
}
