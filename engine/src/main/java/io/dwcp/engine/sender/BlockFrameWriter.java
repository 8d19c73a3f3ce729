package io.dwcp.engine.sender;

import io.dwcp.codec.BlockCodec;
import io.dwcp.codec.BlockDictionary;
import io.dwcp.codec.BlockStream;
import io.dwcp.codec.PageChecksum;
import io.dwcp.codec.PageCodec;
import io.dwcp.codec.PageEncoding;
import io.dwcp.codec.XorRunLength;
import io.dwcp.engine.security.FrameSealer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Frames of the frame codec: small deltas, references, zero and unchanged pages as entries of their own, every other
 * page into one zstd block a frame, with the versions the receiver holds of the pages that have one, and pieces of
 * similar pages, as its dictionary (docs/FRAME-CODEC.md). Each page is copied once from the live source, straight
 * into the block's next slot, and everything about it comes from that copy.
 * <p>
 * Not thread safe: owned by one stripe, on its worker's thread.
 */
final class BlockFrameWriter extends PageFrameWriter
{
    /** A block is rich in similar pages when the pieces gathered for it are at least its pages' over this. */
    private static final int STREAM_PIECES_DIVISOR = 4;
    /** Lowest zstd level at which a page's changed runs go as runs only while they fit in 1/64 of a page. */
    private static final int SMALL_RUNS_LEVEL = 3;

    private final BlockCodec block;
    private final ContentIndex contentIndex;
    private final SimilarPages similarPages;
    private final SimilarBases similarBases;
    private final BlockStream stream = new BlockStream();
    private final int streamLevel;
    /** The first page of each of the last blocks streamed since the stream started, as many as its window holds. */
    private final long[] streamedFirstPages;
    private long streamedBlocks;

    /**
     * Create a writer.
     *
     * @param codec        the stripe's page codec: zero pages and small deltas.
     * @param block        the worker's block codec.
     * @param contentIndex the worker's index of page contents sent, or null to find no duplicates.
     * @param similarPages the worker's index of page anchors sent, or null to find no similar pages.
     * @param maxPages     most pages per frame.
     * @param streamLevel  lowest zstd level at which blocks without a dictionary go through the stripe's stream.
     */
    BlockFrameWriter(
        final PageCodec codec,
        final BlockCodec block,
        final ContentIndex contentIndex,
        final SimilarPages similarPages,
        final int maxPages,
        final int streamLevel)
    {
        // One more entry: the pieces of similar pages in the block's dictionary, or the block's place in the stream.
        super(codec, maxPages, halfLength(codec, block, maxPages), FrameSealer.OVERHEAD + FRAME_OVERHEAD +
            (maxPages + 1) * ENTRY_OVERHEAD + halfLength(codec, block, maxPages) +
            BlockCodec.maxCompressedLength(codec.pageSize(), block.maxPages()), maxPages + 1,
            new UnsafeBuffer(ByteBuffer.allocateDirect(BlockCodec.maxCompressedLength(codec.pageSize(),
            block.maxPages()))));
        this.block = block;
        this.contentIndex = contentIndex;
        this.similarPages = similarPages;
        similarBases = new SimilarBases(codec.pageSize(), block.maxPages());
        this.streamLevel = streamLevel;
        streamedFirstPages = new long[Math.max(1, (1 << BlockStream.WINDOW_LOG) / (block.maxPages() * pageSize))];
    }

    /** Staging holds only the small payloads: runs of at most 1/16 of a page, references, the similar pages' list. */
    private static int halfLength(final PageCodec codec, final BlockCodec block, final int maxPages)
    {
        return maxPages * Math.max(codec.pageSize() >> 4, Long.BYTES) + codec.maxEncodedLength() +
            SimilarBases.maxPayloadLength(block.maxPages());
    }

    boolean isBlockMode()
    {
        return true;
    }

    int build(final Stripe transfer, final long sequence, final int frameLimit, final long nowNs)
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
        // also compresses the changed bytes, but at a tenth of the speed. Up to 1/16 of a page at the lowest levels,
        // taken when the codec holds the rate; from level 3 up to 1/64, for 4% fewer bytes in CPython's and 0.6% in
        // a JVM's later rounds (real memory: docs/FRAME-CODEC.md).
        final int smallLimit = codec.compressionLevel() >= SMALL_RUNS_LEVEL ? pageSize >> 6 : pageSize >> 4;
        // One entry more: the similar pages' list, or the block's place in the stream.
        final int similarReserve = ENTRY_OVERHEAD +
            (null == similarPages ? 0 : SimilarBases.maxPayloadLength(block.maxPages()));
        // Similar pages make the block's dictionary up to three times its pages, which zstd hashes for every block.
        // They are looked for for pages with a version held, whose dictionary is already loaded, where they pay
        // (a JVM's rounds 1-3: 1.92 to 1.46 of patch-from); for pages sent whole only from a higher level, which
        // the link-aware selector takes where the link is the limit (a JVM's round 0 at level 5: 0.95 to 0.86 of
        // zstd -1 for 43% more time); and not at the negative levels, taken when the codec holds the rate.
        final boolean isSimilarWanted = null != similarPages && codec.compressionLevel() >= SimilarBases.MIN_LEVEL;
        final boolean isWholeSimilarWanted = isSimilarWanted && codec.compressionLevel() >= similarPages.wholeLevel();
        similarBases.begin();

        while (entryCount - nonPageEntries < maxPages && block.hasRoom())
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
            if (isRepair)
            {
                // The receiver rejected a page: it may have lost its step in the stream, which starts anew.
                stream.restart();
            }
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
                // In round 0, pieces of the two pages with the most anchors only: all of them made a live QEMU
                // migration's round 0 at 1 Gbit/s, whose link-aware level reaches 3, take a fifth longer, and took
                // CPython's out of the stream at level 9. A later round's pages sent whole are few, and new data a
                // collector copied from many pages: all of them, as for pages with a version.
                if (hasAnchors && isWholeSimilarWanted && !isRepair)
                {
                    similarBases.collect(similarPages, pageNumber, round,
                        0 == round ? BlockDictionary.MAX_SIMILAR_PER_PAGE : SimilarPages.MAX_ANCHORS);
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
            if (isStreamed())
            {
                final long position = stream.nextPosition(codec.compressionLevel());
                onStreamed(position);
                blockLength = stream.compress(block, blockOut, 0, blockOut.capacity());
                final int entryBytes = addEntry(position, PageEncoding.STREAM, 0, staging, stagingLimit, 0);
                nonPageEntries = 1;
                counts.onStreamed(0 == position);
                transfer.onFrameOverhead(entryBytes);
            }
            else
            {
                addSimilarPieces(transfer);
                blockLength = block.compress(blockOut, 0, blockOut.capacity());
            }
            frameLength += blockLength;
            // The frame's last page may have ended its round on this stripe: the block still counts in that round.
            transfer.onFrameBytes(sequence, blockLength);
        }
        isReady = entryCount > 0;
        return entryCount - nonPageEntries;
    }

    /**
     * Does the block go through the stripe's stream: at its level, with no version of its own pages held, and with
     * fewer pieces of similar pages gathered than a quarter of its pages, leaving out those the stream's window still
     * holds? Both would go into its dictionary, which a streamed block cannot have. On a JVM's round 0 at level 7
     * similar pages took 0.84 of {@code zstd -1} where blocks without them took 0.95; on CPython's, streaming every
     * block took 0.90, and blocks with the similar pages 0.94 (docs/FRAME-CODEC.md).
     */
    private boolean isStreamed()
    {
        if (codec.compressionLevel() < streamLevel || 0 != block.dictionary().count())
        {
            return false;
        }
        final long windowFirstPage = 0 == stream.nextPosition(codec.compressionLevel()) || 0 == streamedBlocks ?
            Long.MAX_VALUE : streamedFirstPages[(int)(streamedBlocks < streamedFirstPages.length ? 0 :
            streamedBlocks % streamedFirstPages.length)];
        return similarBases.pieceCountOutside(stripe, windowFirstPage) * STREAM_PIECES_DIVISOR <
            block.pageCount() * BlockDictionary.PIECES_PER_PAGE;
    }

    /** Remember the block's first page among those in the stream's window. */
    private void onStreamed(final long position)
    {
        if (0 == position)
        {
            streamedBlocks = 0;
        }
        streamedFirstPages[(int)(streamedBlocks++ % streamedFirstPages.length)] = frame.pageNumbers()[0];
    }

    void discard()
    {
        if (isReady)
        {
            // A block built but never sent: the receiver would miss it in the stream.
            stream.restart();
        }
        super.discard();
    }

    void close()
    {
        stream.close();
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
            nonPageEntries = 1;
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
}
