package io.dwcp.engine.receiver;

import io.dwcp.codec.ImageDigest;
import io.dwcp.codec.PageChecksum;
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
        private long cursor;

        Job(final InboundTransfer transfer)
        {
            this.transfer = transfer;
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
        jobs.add(new Job(transfer));
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
        final UnsafeBuffer pageCrcs = transfer.pageCrcs();
        final int pageSize = transfer.pageSize();
        final long end = Math.min(transfer.pageCount(), job.cursor + pagesPerCycle);
        for (long pageNumber = job.cursor; pageNumber < end; pageNumber++)
        {
            final int crc = PageChecksum.crc32c(
                destination.segmentOf(pageNumber), destination.offsetOf(pageNumber), pageSize);
            pageCrcs.putInt((int)(pageNumber * Integer.BYTES), crc);
        }
        job.cursor = end;
        // Keeps the sender's peer timeout from firing while a large image is verified.
        transfer.ackPending(true);
        if (end == transfer.pageCount())
        {
            transfer.verdictReady(ImageDigest.of(pageCrcs, transfer.pageCount()));
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
