package io.dwcp.engine.sender;

import io.dwcp.codec.FrameTable;
import io.dwcp.codec.PageChecksum;
import io.dwcp.codec.PageCodec;
import io.dwcp.codec.PageEncoding;
import io.dwcp.engine.security.FrameSealer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * Frames of pages each encoded alone: zero, unchanged, a delta against the version the receiver is known to hold
 * (recording the version sent as the next baseline), zstd on its own, or raw, as the page codec decides. Used with
 * {@code --no-hde} (every page raw) and where frames have no block codec. A page that does not fit is kept for the
 * next frame; staging alternates between two halves so its payload survives until then.
 * <p>
 * Not thread safe: owned by one stripe, on its worker's thread.
 */
final class PagewiseFrameWriter extends PageFrameWriter
{
    private final boolean isHdeEnabled;
    private final UnsafeBuffer encoded;
    private int half;

    private boolean hasPending;
    private long pendingPage;
    private PageEncoding pendingEncoding;
    private int pendingCrc;
    private UnsafeBuffer pendingBuffer;
    private int pendingOffset;
    private int pendingLength;

    /**
     * Create a writer.
     *
     * @param codec          the stripe's page codec.
     * @param maxFrameLength largest frame.
     * @param maxPages       most pages per frame.
     * @param isHdeEnabled   false sends every page raw.
     */
    PagewiseFrameWriter(final PageCodec codec, final int maxFrameLength, final int maxPages, final boolean isHdeEnabled)
    {
        super(codec, maxPages, halfLength(codec, maxFrameLength), FrameSealer.OVERHEAD +
            Math.max(maxFrameLength, FRAME_OVERHEAD + ENTRY_OVERHEAD + codec.pageSize()), maxPages,
            new UnsafeBuffer(ByteBuffer.allocateDirect(0)));
        this.isHdeEnabled = isHdeEnabled;
        encoded = new UnsafeBuffer(ByteBuffer.allocateDirect(codec.maxEncodedLength()));
    }

    private static int halfLength(final PageCodec codec, final int maxFrameLength)
    {
        return Math.max(maxFrameLength, codec.pageSize()) + codec.maxEncodedLength();
    }

    boolean isBlockMode()
    {
        return false;
    }

    boolean hasPending()
    {
        return hasPending;
    }

    void discard()
    {
        super.discard();
        hasPending = false;
    }

    int build(final Stripe transfer, final long sequence, final int targetLength, final long nowNs)
    {
        final BaselineStore baselines = transfer.baselines();
        final long ackedSequence = transfer.ackedSequence();
        startFrame(transfer, sequence);
        half ^= 1;
        stagingLimit = half * halfLength;

        transfer.onFrameOverhead(FRAME_OVERHEAD);
        if (hasPending)
        {
            hasPending = false;
            addEntry(pendingPage, pendingEncoding, pendingCrc, pendingBuffer, pendingOffset, pendingLength);
        }

        while (entryCount < maxPages)
        {
            final long pageNumber = transfer.pollPage();
            if (pageNumber < 0)
            {
                break;
            }

            // One copy of the live page: its encoding, CRC, baseline and raw payload all come from this copy, so
            // the version the receiver gets is exactly the version recorded as its baseline.
            final int copyOffset = stagingLimit;
            transfer.pageSource().copy(pageNumber, staging, copyOffset);

            final long baselineIndex = transfer.baselineIndexOf(pageNumber);
            // A page asked for again goes in full: the receiver may not hold the version the store has for it.
            final TransferSource source = transfer.source();
            final int heldCrc = source.hasHeldPages() && !transfer.isLastPageRepair() ?
                PageChecksum.crc32c(staging, copyOffset, pageSize) : 0;
            // Resumed: a version the receiver kept from an earlier attempt goes as unchanged, and it checks it.
            final boolean isHeld = source.hasHeldPages() && !transfer.isLastPageRepair() &&
                source.isHeld(pageNumber, heldCrc);
            final int baseSlot = isHdeEnabled && !transfer.isLastPageRepair() && !isHeld ?
                baselines.baseFor(baselineIndex, ackedSequence, round, nowNs) : -1;
            final int length;
            if (isHeld)
            {
                length = 0;
            }
            else if (!isHdeEnabled)
            {
                length = codec.encodeRaw(staging, copyOffset);
            }
            else if (baseSlot < 0)
            {
                length = codec.encode(staging, copyOffset, encoded, 0, !transfer.isLastPageRepair());
            }
            else
            {
                length = codec.encodeDelta(
                    staging, copyOffset, baselines.baseBuffer(baseSlot), baselines.baseOffset(baseSlot), encoded, 0);
            }
            final PageEncoding encoding = isHeld ? PageEncoding.UNCHANGED : codec.lastEncoding();
            final int crc = isHeld ? heldCrc : codec.lastCrc();
            final boolean isDelta = !isHeld && isDelta(encoding);
            transfer.recordPageCrc(pageNumber, crc);
            final boolean isOverflow = baseSlot >= 0 && !isDelta && PageEncoding.ZERO != encoding;
            if (isOverflow)
            {
                baselines.overflow();
            }

            final boolean isPending = entryCount > 0 && frameLength + ENTRY_OVERHEAD + length > targetLength;
            final long carryingSequence = isPending ? sequence + 1 : sequence;
            if (isHdeEnabled)
            {
                // A compressed store reuses a plain zstd payload (magicless, as its own) and knows a raw page
                // will not compress; only deltas are compressed again.
                final int storedLength = PageEncoding.ZSTD == encoding ? length :
                    PageEncoding.RAW == encoding ? BaselineStore.INCOMPRESSIBLE : BaselineStore.COMPRESS;
                baselines.store(baselineIndex, staging, copyOffset, encoded, storedLength,
                    PageEncoding.ZERO == encoding,
                    isDelta, carryingSequence, round, nowNs);
            }
            // A page that waits for the next frame will be its first entry.
            final int entryBytes = isPending ? FrameTable.entryLength(FrameTable.NO_PAGE, pageNumber,
                encoding.value(), length) : frame.lengthIfAdded(pageNumber, encoding, length);
            transfer.onPageFramed(carryingSequence, encoding, entryBytes, baseSlot >= 0, isOverflow);

            // The payload replaces the copy in staging; a raw page's payload is the copy itself.
            if (PageEncoding.RAW != encoding)
            {
                staging.putBytes(copyOffset, encoded, 0, length);
            }
            final UnsafeBuffer payloadBuffer = staging;
            final int payloadOffset = copyOffset;
            stagingLimit += length;

            if (isPending)
            {
                hasPending = true;
                pendingPage = pageNumber;
                pendingEncoding = encoding;
                pendingCrc = crc;
                pendingBuffer = payloadBuffer;
                pendingOffset = payloadOffset;
                pendingLength = length;
                break;
            }

            addEntry(pageNumber, encoding, crc, payloadBuffer, payloadOffset, length);
        }

        isReady = entryCount > 0;
        return entryCount;
    }
}
