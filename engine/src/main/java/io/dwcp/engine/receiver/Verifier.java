package io.dwcp.engine.receiver;

import io.dwcp.codec.PageChecksum;
import io.dwcp.engine.memory.FileHoles;
import io.dwcp.engine.memory.MappedImage;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.ArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Verifies transfers whose end has come and whose every page has arrived: recomputes the CRC32C of every page from
 * the destination itself, a slice per duty cycle so that a large image never stalls the receiver, then the digest
 * the sender's is compared with. A transfer whose destination changes meanwhile drops out and is verified again
 * at its next end.
 * <p>
 * It also verifies ahead: while a transfer is quiet it reads the pages written since they were last checked and
 * compares each with its journal record ({@link VerifiedPages}). At the end a page checked so, and not written since,
 * counts with its record, and only the others are read. The receiver is the destination's only writer while a
 * transfer runs; {@code dwcp.verify.ahead=false} reads every page at the end, as before.
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
            slice = new UnsafeBuffer(new byte[pagesPerCycle * VERIFIED_PAGES_FACTOR * Integer.BYTES]);
            holes = transfer.destination().holes().cursor();
            zeroPageCrc = PageChecksum.zeroPageCrc32c(transfer.pageSize());
        }

        long digest()
        {
            return ((long)(int)crc32c.getValue() << 32) | (crc32.getValue() & 0xFFFF_FFFFL);
        }
    }

    /** A slice covers up to this many times the pages it may read: pages verified ahead are not read. */
    private static final int VERIFIED_PAGES_FACTOR = 16;
    /** A transfer is quiet when no frame of it has come for this long. */
    private static final long AHEAD_QUIET_NS = TimeUnit.MILLISECONDS.toNanos(1);
    /** Pages read ahead per duty cycle: about a tenth of a millisecond, which a frame arriving may wait. */
    private static final int AHEAD_PAGES_PER_CYCLE = 256;

    private final int pagesPerCycle;
    private final boolean isAheadEnabled;
    private final ArrayList<Job> jobs = new ArrayList<>();
    private final AtomicCounter pagesVerifiedAhead;
    private final AtomicCounter pagesReadAtEnd;

    Verifier(final int pagesPerCycle, final boolean isAheadEnabled, final EngineCounters counters)
    {
        this.pagesPerCycle = pagesPerCycle;
        this.isAheadEnabled = isAheadEnabled;
        pagesVerifiedAhead = counters.get(EngineCounter.PAGES_VERIFIED_AHEAD);
        pagesReadAtEnd = counters.get(EngineCounter.PAGES_READ_AT_END);
    }

    /**
     * Verify ahead a transfer's pages written since they were last checked, a slice of them, when it is receiving and
     * quiet.
     *
     * @param transfer held.
     * @param nowNs    current time.
     * @return pages read.
     */
    int verifyAhead(final InboundTransfer transfer, final long nowNs)
    {
        final TransferJournal journal = transfer.resume().journal();
        if (!isAheadEnabled || null == journal || InboundTransfer.State.RECEIVING != transfer.state() ||
            nowNs - transfer.lastFrameNs() <= AHEAD_QUIET_NS)
        {
            return 0;
        }
        final VerifiedPages verified = transfer.verifiedPages();
        final int pageSize = transfer.pageSize();
        final long pageCount = transfer.pageCount();
        long page = verified.sweepFrom();
        if (page >= pageCount)
        {
            return 0;
        }
        final MappedImage destination = transfer.destination();
        final FileHoles.Cursor holes = verified.holes();
        holes.forget();
        int read = 0;
        while (read < AHEAD_PAGES_PER_CYCLE)
        {
            page = verified.nextUnverified(page);
            if (page >= pageCount)
            {
                break;
            }
            final int crc = holes.isHole(page * pageSize, pageSize) ? verified.zeroPageCrc() :
                PageChecksum.crc32c(destination.segmentOf(page), destination.offsetOf(page), pageSize);
            if (crc == journal.recorded(page))
            {
                verified.verified(page, crc);
            }
            read++;
            page++;
        }
        verified.sweptTo(page);
        pagesVerifiedAhead.getAndAdd(read);
        return read;
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
        final long end = Math.min(transfer.pageCount(), job.cursor + (long)pagesPerCycle * VERIFIED_PAGES_FACTOR);
        final UnsafeBuffer slice = job.slice;
        int length = 0;
        // A page in a hole of the destination is zeros, known without reading it through the mapping, which would
        // allocate and zero a page for every hole (the zero pages of a guest's RAM). Asked afresh each slice.
        job.holes.forget();
        final VerifiedPages verified = transfer.verifiedPages();
        int read = 0;
        long pageNumber = job.cursor;
        for (; pageNumber < end && read < pagesPerCycle; pageNumber++)
        {
            if (0 == (pageNumber & (VerifiedPages.PAGES_PER_WORD - 1)) &&
                pageNumber + VerifiedPages.PAGES_PER_WORD <= end && verified.isWordVerified(pageNumber))
            {
                // 64 pages verified ahead: their CRCs at once.
                verified.copyCrcs(pageNumber, VerifiedPages.PAGES_PER_WORD, slice, length);
                length += VerifiedPages.PAGES_PER_WORD * Integer.BYTES;
                pageNumber += VerifiedPages.PAGES_PER_WORD - 1;
                continue;
            }
            final int crc;
            if (verified.isVerified(pageNumber))
            {
                crc = verified.crc(pageNumber);
            }
            else
            {
                crc = job.holes.isHole(pageNumber * pageSize, pageSize) ? job.zeroPageCrc :
                    PageChecksum.crc32c(destination.segmentOf(pageNumber), destination.offsetOf(pageNumber), pageSize);
                read++;
            }
            slice.putInt(length, crc);
            length += Integer.BYTES;
        }
        // The same digest as ImageDigest.of over the whole table: both checksums run over it slice by slice.
        job.crc32c.update(slice.byteArray(), 0, length);
        job.crc32.update(slice.byteArray(), 0, length);
        job.cursor = pageNumber;
        pagesReadAtEnd.getAndAdd(read);
        // Keeps the sender's peer timeout from firing while a large image is verified.
        transfer.ackPending(true);
        if (pageNumber == transfer.pageCount())
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
