package io.dwcp.engine.sender;

import io.aeron.ExclusivePublication;
import io.dwcp.engine.security.FrameSealer;
import io.aeron.logbuffer.BufferClaim;
import io.dwcp.codec.BlockCodec;
import io.dwcp.codec.FrameTable;
import io.dwcp.codec.PageChecksum;
import io.dwcp.codec.PageCodec;
import io.dwcp.codec.XorRunLength;
import io.dwcp.codecs.wire.MessageHeaderEncoder;
import io.dwcp.codec.PageEncoding;
import io.dwcp.codecs.wire.PageFrameEncoder;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Builds one page frame at a time for a transfer, then publishes it.
 * <p>
 * Building takes the stripe's pages and encodes them until the frame is full, each against its baseline when the
 * receiver is known to hold one
 * (recording the version sent as the next baseline). Each page is copied once from the live source into a staging
 * buffer, and everything about it (encoding, CRC, baseline, raw payload) comes from that copy: the guest may write
 * the page meanwhile. Zero and unchanged pages carry nothing. The entries and their publication are an
 * {@link OutgoingFrame}'s. A page that does not fit is kept for the next frame; staging alternates between two halves
 * so its payload survives until then.
 * <p>
 * Not thread safe: owned by one stripe, on its worker's thread.
 */
final class PageFrameWriter
{
    /** Bytes of a frame besides its page entries and its block. */
    static final int FRAME_OVERHEAD = MessageHeaderEncoder.ENCODED_LENGTH + PageFrameEncoder.BLOCK_LENGTH +
        PageFrameEncoder.entriesHeaderLength() + PageFrameEncoder.blockHeaderLength();
    /** Most bytes of a page entry besides its payload; most take 5 (docs/FRAME-CODEC.md). */
    static final int ENTRY_OVERHEAD = FrameTable.MAX_ENTRY_OVERHEAD;

    private final PageCodec codec;
    private final BlockCodec block;
    private final ContentIndex contentIndex;
    private final SimilarPages similarPages;
    private final UnsafeBuffer blockOut;
    private int blockLength;
    private final int pageSize;
    private final int maxPages;
    private final boolean isHdeEnabled;
    private final int halfLength;
    private final UnsafeBuffer staging;
    private final UnsafeBuffer encoded;
    private final OutgoingFrame frame;
    private final FrameCounts counts = new FrameCounts();

    private final SimilarBases similarBases;
    private int entryCount;
    private int similarEntries;
    private int frameLength;
    private int stagingLimit;
    private int half;
    private boolean isReady;
    private long sequence;
    private int round;
    private int stripe;

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
     * @param codec          the stripe's page codec: zero pages, small deltas, and every page in page mode.
     * @param block          the worker's block codec, or null to compress each page alone.
     * @param contentIndex   the worker's index of page contents sent, or null to find no duplicates.
     * @param similarPages   the worker's index of page anchors sent, or null to find no similar pages.
     * @param maxFrameLength largest frame in page mode.
     * @param maxPages       most pages per frame.
     * @param isHdeEnabled   false sends every page raw.
     */
    PageFrameWriter(
        final PageCodec codec,
        final BlockCodec block,
        final ContentIndex contentIndex,
        final SimilarPages similarPages,
        final int maxFrameLength,
        final int maxPages,
        final boolean isHdeEnabled)
    {
        this.codec = codec;
        this.block = isHdeEnabled ? block : null;
        this.contentIndex = null != block && isHdeEnabled ? contentIndex : null;
        this.similarPages = null != block && isHdeEnabled ? similarPages : null;
        final int blockPages = null == this.block ? 1 : this.block.maxPages();
        similarBases = new SimilarBases(codec.pageSize(), blockPages);
        // Block mode: one more entry lists the pieces of similar pages in the block's dictionary.
        final int maxEntries = maxPages + (null == this.block ? 0 : 1);
        blockOut = new UnsafeBuffer(ByteBuffer.allocateDirect(null == this.block ? 0 :
            BlockCodec.maxCompressedLength(codec.pageSize(), this.block.maxPages())));
        this.isHdeEnabled = isHdeEnabled;
        this.pageSize = codec.pageSize();
        this.maxPages = maxPages;
        // In block mode staging holds only the small payloads: runs of at most 1/16 of a page, and references.
        halfLength = null != this.block ? maxPages * Math.max(codec.pageSize() >> 4, Long.BYTES) +
            codec.maxEncodedLength() + SimilarBases.maxPayloadLength(blockPages) :
            Math.max(maxFrameLength, codec.pageSize()) + codec.maxEncodedLength();
        staging = new UnsafeBuffer(ByteBuffer.allocateDirect(2 * halfLength));
        encoded = new UnsafeBuffer(ByteBuffer.allocateDirect(codec.maxEncodedLength()));
        frame = new OutgoingFrame(maxEntries, FrameSealer.OVERHEAD + (null != this.block ?
            FRAME_OVERHEAD + maxEntries * ENTRY_OVERHEAD + halfLength + blockOut.capacity() :
            Math.max(maxFrameLength, FRAME_OVERHEAD + ENTRY_OVERHEAD + codec.pageSize())));
    }

    /**
     * Are the pages of a frame compressed together?
     *
     * @return true for the frame codec, false for page by page.
     */
    boolean isBlockMode()
    {
        return null != block;
    }

    /**
     * Is a built frame waiting to be published?
     *
     * @return true if {@link #publish} has a frame to send.
     */
    boolean isReady()
    {
        return isReady;
    }

    /**
     * Does a page wait for the next frame?
     *
     * @return true when a page was encoded but did not fit.
     */
    boolean hasPending()
    {
        return hasPending;
    }

    /**
     * Build the next frame of a stripe.
     *
     * @param transfer     the stripe whose pages to take.
     * @param sequence     of the frame.
     * @param targetLength bytes a frame should not exceed, unless it holds a single page.
     * @param nowNs        current time.
     * @return pages in the frame.
     */
    int build(final Stripe transfer, final long sequence, final int targetLength, final long nowNs)
    {
        if (null != block)
        {
            return buildBlock(transfer, sequence, targetLength, nowNs);
        }
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

    private void startFrame(final Stripe transfer, final long sequence)
    {
        transfer.pageSource().forgetHoles();
        this.sequence = sequence;
        this.round = transfer.round();
        this.stripe = transfer.index();
        entryCount = 0;
        similarEntries = 0;
        frame.reset();
        frameLength = FRAME_OVERHEAD;
        counts.reset();
        blockLength = 0;
    }

    /**
     * Build a frame of the frame codec: small deltas, references, zero and unchanged pages as entries of their own,
     * every other page into one zstd block, with the versions the receiver holds of the pages that have one as its
     * dictionary. Each page is copied once from the live source, and everything about it comes from that copy.
     */
    private int buildBlock(final Stripe transfer, final long sequence, final int frameLimit, final long nowNs)
    {
        final BaselineStore baselines = transfer.baselines();
        final long ackedSequence = transfer.ackedSequence();
        final TransferSource source = transfer.source();
        startFrame(transfer, sequence);
        stagingLimit = 0;
        block.compressionLevel(codec.compressionLevel());
        block.begin();
        transfer.onFrameOverhead(FRAME_OVERHEAD);
        // Runs for small changes, found at the speed of a compare; larger ones cost less in the block, where zstd
        // also compresses the changed bytes, but at a tenth of the speed (real memory: docs/FRAME-CODEC.md).
        final int smallLimit = pageSize >> 4;
        final int similarReserve = null == similarPages ? 0 :
            ENTRY_OVERHEAD + SimilarBases.maxPayloadLength(block.maxPages());
        // Similar pages make the block's dictionary up to three times its pages, which zstd hashes for every block.
        // They are looked for for pages with a version held, whose dictionary is already loaded, where they pay
        // (a JVM's rounds 1-3: 1.92 to 1.46 of patch-from); for pages sent whole only from a higher level, which
        // the link-aware selector takes where the link is the limit (a JVM's round 0 at level 5: 0.95 to 0.86 of
        // zstd -1 for 43% more time); and not at the negative levels, taken when the codec holds the rate.
        final boolean isSimilarWanted = null != similarPages && codec.compressionLevel() >= SimilarBases.MIN_LEVEL;
        final boolean isWholeSimilarWanted = isSimilarWanted && codec.compressionLevel() >= similarPages.wholeLevel();
        similarBases.begin();

        while (entryCount - similarEntries < maxPages && block.hasRoom())
        {
            // Room for the worst case of one more page: a small delta, the similar pages' entry, a larger block.
            final long pageNumber = entryCount > 0 && frameLength + ENTRY_OVERHEAD + similarReserve + smallLimit +
                BlockCodec.maxCompressedLength(pageSize, block.pageCount() + 1) > frameLimit ? -1 : transfer.pollPage();
            if (pageNumber < 0)
            {
                break;
            }
            // A page asked for again goes in full: the receiver may not hold the version the store has for it.
            final boolean isRepair = transfer.isLastPageRepair();
            // Copied once, straight into the block's next slot, which the page keeps if it goes in the block.
            final UnsafeBuffer page = block.pages();
            final int pageAt = block.nextPageOffset();
            transfer.pageSource().copy(pageNumber, page, pageAt);
            final boolean isZeroPage = PageCodec.isZero(page, pageAt, pageSize);
            final int crc = isZeroPage ? codec.zeroPageCrc() : PageChecksum.crc32c(page, pageAt, pageSize);
            final long baselineIndex = transfer.baselineIndexOf(pageNumber);
            // Resumed: a version the receiver kept from an earlier attempt goes as unchanged; it checks it.
            final boolean isHeld = !isRepair && !isZeroPage && source.isHeld(pageNumber, crc);
            final int baseSlot = isRepair || isHeld ? -1 : baselines.baseFor(baselineIndex, ackedSequence, round,
                nowNs);
            final int payloadOffset = stagingLimit;
            int length = 0;
            final PageEncoding encoding;
            // Not at the negative levels either: the link-aware selector takes them where the codec holds the rate,
            // and the anchors' scan and entries cost some 2 us a page (SimilarPagesBenchmark.anchorsAndPut), where
            // level -3 compresses a page of a JVM in some 12 us. A round sent at a higher level after that finds no
            // similar pages among them; its delta pages still have their own versions.
            final boolean hasAnchors = isSimilarWanted && !isZeroPage && !isHeld &&
                similarPages.anchors(page, pageAt, pageSize) > 0;
            if (isZeroPage || isHeld)
            {
                encoding = isZeroPage ? PageEncoding.ZERO : PageEncoding.UNCHANGED;
            }
            else if (!isRepair && (baseSlot < 0 || source.pageCrc(pageNumber) != crc) &&
                isReference(pageNumber, crc, page, pageAt, source, payloadOffset, baseSlot >= 0))
            {
                encoding = PageEncoding.REFERENCE;
                length = Long.BYTES;
            }
            else if (baseSlot >= 0)
            {
                final UnsafeBuffer base = baselines.baseBuffer(baseSlot);
                final int baseOffset = baselines.baseOffset(baseSlot);
                length = XorRunLength.encode(page, pageAt, base, baseOffset, pageSize, staging, payloadOffset,
                    smallLimit);
                if (0 == length)
                {
                    encoding = PageEncoding.UNCHANGED;
                }
                else if (length > 0)
                {
                    encoding = PageEncoding.DELTA_XBZRLE;
                }
                else
                {
                    encoding = PageEncoding.BLOCK_DELTA;
                    length = 0;
                    block.commitDeltaPage(base, baseOffset);
                    if (hasAnchors)
                    {
                        similarBases.collect(similarPages, pageNumber, round, SimilarPages.MAX_ANCHORS);
                    }
                }
            }
            else
            {
                encoding = PageEncoding.BLOCK;
                block.commitPage();
                // A repair takes none: it must not depend again on a copy the receiver may not hold as sent.
                // Pieces of the two pages with the most anchors only: all of them made a live QEMU migration's
                // round 0 at 1 Gbit/s, whose link-aware level reaches 3, take a fifth longer.
                if (hasAnchors && isWholeSimilarWanted && !isRepair)
                {
                    similarBases.collect(similarPages, pageNumber, round, BlockCodec.MAX_SIMILAR_PER_PAGE);
                }
            }
            stagingLimit += length;

            final boolean isDelta = !isHeld && (PageEncoding.BLOCK_DELTA == encoding || isDelta(encoding));
            transfer.recordPageCrc(pageNumber, crc);
            final boolean isOverflow = countOverflow(baselines, baseSlot, isDelta, encoding);
            baselines.store(baselineIndex, page, pageAt, page, BaselineStore.COMPRESS,
                PageEncoding.ZERO == encoding, isDelta, sequence, round, nowNs);
            index(pageNumber, encoding, crc, hasAnchors);
            final int entryBytes = addEntry(pageNumber, encoding, crc, staging, payloadOffset, length);
            transfer.onPageFramed(sequence, encoding, entryBytes, baseSlot >= 0, isOverflow);
        }
        return finishBlock(transfer);
    }

    private int finishBlock(final Stripe transfer)
    {
        if (block.pageCount() > 0)
        {
            addSimilarPieces(transfer);
            blockLength = block.compress(blockOut, 0, blockOut.capacity());
            frameLength += blockLength;
            // The frame's last page may have ended its round on this stripe: the block still counts in that round.
            transfer.onFrameBytes(sequence, blockLength);
        }
        isReady = entryCount > 0;
        return entryCount - similarEntries;
    }

    /** The pieces of similar pages gathered for the block, into its dictionary, and the entry that lists them. */
    private void addSimilarPieces(final Stripe transfer)
    {
        if (null == similarPages)
        {
            return;
        }
        final int length = similarBases.finish(similarPages, block, frame.pageNumbers(), frame.encodings(),
            entryCount, round, staging, stagingLimit);
        if (length > 0)
        {
            final int sent = similarBases.sent();
            final int entryBytes = addEntry(sent, PageEncoding.SIMILAR_PIECES,
                PageChecksum.crc32c(staging, stagingLimit, length), staging, stagingLimit, length);
            stagingLimit += length;
            similarEntries = 1;
            counts.addSimilarBases(sent);
            transfer.onFrameOverhead(entryBytes);
        }
    }

    /**
     * Refer to a page the receiver holds with the same content, if the index finds one: data copied whole from
     * another page, as a guest copies a file's pages from its page cache, whether or not a version is held. A page
     * whose CRC is that of its version sent last is not looked up: it goes as unchanged, for less.
     *
     * @return true when the reference is written to staging.
     */
    private boolean isReference(
        final long pageNumber,
        final int crc,
        final UnsafeBuffer page,
        final int pageAt,
        final TransferSource source,
        final int payloadOffset,
        final boolean hasVersion)
    {
        final long original = null == contentIndex ? -1 :
            contentIndex.find(pageNumber, crc, page, pageAt, source, stripe, sequence, hasVersion);
        if (original >= 0)
        {
            staging.putLong(payloadOffset, original, ByteOrder.LITTLE_ENDIAN);
        }
        return original >= 0;
    }

    /** Remember a page as sent, in the indexes of equal and of similar pages. */
    private void index(final long pageNumber, final PageEncoding encoding, final int crc, final boolean hasAnchors)
    {
        // A page sent as a reference stays out: the index keeps the older original, more likely acknowledged.
        if (null != contentIndex && PageEncoding.ZERO != encoding && PageEncoding.REFERENCE != encoding)
        {
            contentIndex.put(crc, stripe, pageNumber, sequence);
        }
        if (hasAnchors && PageEncoding.REFERENCE != encoding)
        {
            similarPages.put(stripe, pageNumber, round);
        }
    }

    private static boolean countOverflow(
        final BaselineStore baselines, final int baseSlot, final boolean isDelta, final PageEncoding encoding)
    {
        final boolean isOverflow = baseSlot >= 0 && !isDelta && PageEncoding.ZERO != encoding &&
            PageEncoding.REFERENCE != encoding;
        if (isOverflow)
        {
            baselines.overflow();
        }
        return isOverflow;
    }

    private int addEntry(
        final long pageNumber,
        final PageEncoding encoding,
        final int crc,
        final UnsafeBuffer payloadBuffer,
        final int payloadOffset,
        final int payloadLength)
    {
        final int entryBytes = frame.add(pageNumber, encoding, crc, payloadBuffer, payloadOffset, payloadLength);
        entryCount++;
        frameLength += entryBytes;
        counts.add(encoding);
        return entryBytes;
    }

    /**
     * Try to publish the built frame.
     *
     * @param transferId  of the transfer.
     * @param publication to the receiver.
     * @param bufferClaim reusable claim.
     * @param sealer      of the stripe's frames, or null when the transfer is insecure.
     * @return the publication's result: positive when sent, otherwise an Aeron back-pressure code.
     */
    long publish(
        final long transferId,
        final ExclusivePublication publication,
        final BufferClaim bufferClaim,
        final FrameSealer sealer)
    {
        final long result = frame.publish(transferId, round, sequence, stripe, frameLength, blockOut, blockLength,
            publication, bufferClaim, sealer);
        if (result > 0)
        {
            isReady = false;
        }
        return result;
    }

    /** Drop the built frame and any page kept for the next one. */
    void discard()
    {
        isReady = false;
        hasPending = false;
    }

    FrameCounts counts()
    {
        return counts;
    }

    int frameLength()
    {
        return frameLength;
    }

    /**
     * Pages in the built frame; its entries for similar pages' versions are not pages sent.
     *
     * @return page entries.
     */
    int entryCount()
    {
        return entryCount - similarEntries;
    }

    private static boolean isDelta(final PageEncoding encoding)
    {
        return PageEncoding.UNCHANGED == encoding || PageEncoding.DELTA_XBZRLE == encoding ||
            PageEncoding.DELTA_XBZRLE_ZSTD == encoding || PageEncoding.DELTA_ZSTD == encoding;
    }

    long sequence()
    {
        return sequence;
    }
}
