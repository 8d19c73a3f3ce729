package io.dwcp.codec;

import com.github.luben.zstd.EndDirective;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * One stripe's zstd stream: blocks without a dictionary may go through it instead of as zstd frames of their own,
 * each flushed at the end of its frame, so a block finds matches in the blocks before it on the stripe, up to a
 * window back. Real memory compresses that way about as a whole file does: a CPython heap at level 7 took 0.894 of
 * {@code zstd -1} streamed, against 0.931 in blocks of 64 pages (docs/FRAME-CODEC.md).
 * <p>
 * Each streamed block has a position: 0 starts a new stream, on both sides; n follows block n − 1. The receiver
 * decodes a block only at the position it expects, and stops expecting any once a block fails to decode or one of
 * its pages fails its CRC32C ({@link #markBroken()}): its copy of the stream's history may then differ from the
 * sender's, so every block after it up to the next restart is rejected, and its pages are asked for again. The
 * sender restarts its stream at the next block after any page is asked for again (a repair), or after its level
 * changed: a receiver that lost its step therefore gets a new start within a round trip, and nothing stalls.
 * <p>
 * The stream's window is {@link #WINDOW_LOG}; the receiver refuses a stream whose header asks for more, so an
 * unauthenticated peer cannot make it allocate more.
 * <p>
 * Owned by one stripe, on one side; not thread safe.
 */
public final class BlockStream implements AutoCloseable
{
    /** Log2 of the stream's window, 2 MiB: the window of levels 3 to 8 of zstd for large inputs. */
    public static final int WINDOW_LOG = 21;

    private static final int SINGLE_SEGMENT_FLAG = 0x20;
    private static final int WINDOW_LOG_ABSOLUTE_MIN = 10;
    /** Views kept of the buffers blocks arrive in: Aeron's term partitions, its assembler's and the opener's. */
    private static final int INPUT_VIEWS = 8;

    private ZstdCompressCtx compressCtx;
    private ZstdDecompressCtx decompressCtx;
    private final ByteBuffer[] inputs = new ByteBuffer[INPUT_VIEWS];
    private final ByteBuffer[] inputViews = new ByteBuffer[INPUT_VIEWS];
    private final UnsafeBuffer inputCopyView = new UnsafeBuffer(0, 0);
    private ByteBuffer inputCopy;
    private ByteBuffer output;
    private ByteBuffer outputView;
    private ByteBuffer spare;
    private int nextInputView;
    private long position;
    private int level = Integer.MIN_VALUE;
    private boolean isRestartPending = true;
    private boolean isBroken = true;
    private boolean isClosed;

    /** A stream not started: the first block on either side starts it. */
    public BlockStream()
    {
    }

    /**
     * Start a new stream at the next block, as after a repair: the sender's side.
     */
    public void restart()
    {
        isRestartPending = true;
    }

    /**
     * The position the next block compressed will have: 0 when it starts a new stream.
     *
     * @param level the level the block is compressed at; a change of level starts a new stream.
     * @return the position.
     */
    public long nextPosition(final int level)
    {
        return isRestartPending || level != this.level ? 0 : position;
    }

    /**
     * Blocks this side has taken or given since the stream started, the position of the next one expected.
     *
     * @return the count.
     */
    public long position()
    {
        return position;
    }

    /**
     * Has the receiver's side lost its step: a block failed, and none restarted the stream since?
     *
     * @return true until a block at position 0 decodes.
     */
    public boolean isBroken()
    {
        return isBroken;
    }

    /** The receiver's copy of the stream may differ from the sender's: expect no block until one restarts it. */
    public void markBroken()
    {
        isBroken = true;
    }

    /**
     * Compress the pages a block codec holds (added since its {@code begin()}) through this stream, flushed at their
     * end, instead of as a block of their own: they may refer to the blocks streamed before them. Only without a
     * dictionary.
     *
     * @param block        holding the pages; {@link #nextPosition} before this call is the block's position.
     * @param target       buffer for the block, wrapping a direct {@link ByteBuffer}, the same one for a stream.
     * @param targetOffset where the block starts.
     * @param capacity     bytes free from there; {@link BlockCodec#maxCompressedLength} is always enough.
     * @return the block's length, 0 when no page was added.
     */
    public int compress(final BlockCodec block, final UnsafeBuffer target, final int targetOffset, final int capacity)
    {
        if (0 == block.pageCount())
        {
            return 0;
        }
        if (block.dictionary().length() > 0)
        {
            throw new IllegalStateException("a streamed block has no dictionary");
        }
        final ZstdCompressCtx ctx = compressContext(block.level());
        final int start = target.wrapAdjustment() + targetOffset;
        final ByteBuffer out = outputView(target, targetOffset, capacity);
        final ByteBuffer pagesView = block.pagesView().limit(block.pageCount() * block.pageSize()).position(0);
        boolean isFlushed = false;
        while (!isFlushed && out.hasRemaining())
        {
            isFlushed = ctx.compressDirectByteBufferStream(out, pagesView, EndDirective.FLUSH);
        }
        if (!isFlushed)
        {
            restart();
            throw new IllegalStateException("a streamed block did not fit in " + capacity + " bytes");
        }
        position++;
        return out.position() - start;
    }

    /**
     * Decompress a streamed block that should hold exactly {@code expectedPages} pages into a block codec's pages, at
     * a position of this stream: 0 starts it anew; any other is decoded only when the stream expects it, not broken.
     * Read page i at {@link BlockCodec#pageOffset(int)} of {@link BlockCodec#pages()}.
     *
     * @param block         to decode into, with no dictionary given.
     * @param blockPosition of the block in the stream, not yet trusted.
     * @param payload       buffer holding the block.
     * @param payloadOffset of the block.
     * @param payloadLength of the block, not yet trusted.
     * @param expectedPages BLOCK entries of the frame.
     * @return {@link PageCodec.DecodeResult#OK} when the block expanded to exactly that many pages (each still to be
     *         checked against its CRC32C); {@link PageCodec.DecodeResult#BAD_LENGTH} for a count or length that
     *         cannot be; {@link PageCodec.DecodeResult#CORRUPT_PAYLOAD} when it is out of step, asks for a larger
     *         window, does not decode, or decodes to more or fewer bytes. Any result but OK breaks the stream.
     */
    public PageCodec.DecodeResult decompress(
        final BlockCodec block,
        final long blockPosition,
        final DirectBuffer payload,
        final int payloadOffset,
        final int payloadLength,
        final int expectedPages)
    {
        block.onStreamDecoded(0);
        final int pageSize = block.pageSize();
        final int maxPages = block.maxPages();
        if (blockPosition < 0 || expectedPages <= 0 || expectedPages > maxPages || block.dictionary().length() > 0 ||
            payloadLength <= 0 || payloadLength > BlockCodec.maxCompressedLength(pageSize, expectedPages))
        {
            markBroken();
            return PageCodec.DecodeResult.BAD_LENGTH;
        }
        final ByteBuffer in = inputView(payload, payloadOffset, payloadLength);
        final ZstdDecompressCtx ctx = decompressContext(blockPosition, in);
        if (null == ctx)
        {
            return PageCodec.DecodeResult.CORRUPT_PAYLOAD;
        }
        // One byte of room past the pages expected: a block that fills it holds more than it claims.
        final int expectedLength = expectedPages * pageSize;
        final ByteBuffer pagesView = block.pagesView();
        final ByteBuffer out = pagesView.limit(pagesView.capacity()).position(0)
            .limit(Math.min(pagesView.capacity(), expectedLength + (expectedPages < maxPages ? 1 : 0)));
        boolean isOk;
        try
        {
            boolean isFrameEnded = false;
            int before = -1;
            while (!isFrameEnded && in.position() + out.position() != before)
            {
                before = in.position() + out.position();
                isFrameEnded = ctx.decompressDirectByteBufferStream(out, in);
            }
            // A stream never ends: the sender flushes it and goes on. A block of the most pages has no byte of room
            // past them: whatever more the decoder still holds would spill into the next block.
            isOk = !isFrameEnded && !in.hasRemaining() && out.position() == expectedLength &&
                (out.hasRemaining() || !holdsMore(ctx, in));
        }
        catch (final ZstdException ex)
        {
            isOk = false;
        }
        if (!isOk)
        {
            isBroken = true;
            return PageCodec.DecodeResult.CORRUPT_PAYLOAD;
        }
        position++;
        block.onStreamDecoded(expectedPages);
        return PageCodec.DecodeResult.OK;
    }

    private ZstdCompressCtx compressContext(final int level)
    {
        ensureOpen();
        if (null == compressCtx)
        {
            compressCtx = new ZstdCompressCtx();
        }
        if (isRestartPending || level != this.level)
        {
            compressCtx.reset();
            compressCtx.setMagicless(true).setContentSize(false).setChecksum(false).setDictID(false)
                .setLevel(level).setWindowLog(WINDOW_LOG);
            this.level = level;
            position = 0;
            isRestartPending = false;
        }
        return compressCtx;
    }

    /**
     * The context to decode the block at a position with, or null when it cannot be: out of step, or a start whose
     * header asks for a window beyond {@link #WINDOW_LOG}.
     */
    private ZstdDecompressCtx decompressContext(final long blockPosition, final ByteBuffer input)
    {
        ensureOpen();
        if (0 == blockPosition)
        {
            if (!isWindowAllowed(input, input.position(), input.remaining()))
            {
                isBroken = true;
                return null;
            }
            if (null == decompressCtx)
            {
                decompressCtx = new ZstdDecompressCtx();
            }
            decompressCtx.reset();
            decompressCtx.setMagicless(true);
            position = 0;
            isBroken = false;
        }
        else if (isBroken || blockPosition != position)
        {
            isBroken = true;
            return null;
        }
        return decompressCtx;
    }

    /**
     * A view of a block's buffer whose position and limit zstd's streaming calls may move, allocated once per buffer:
     * a direct buffer's own, or a direct copy of a block that arrived in a heap buffer, which those calls cannot read.
     *
     * @return the view, positioned at the block and limited to its end.
     */
    private ByteBuffer inputView(final DirectBuffer source, final int offset, final int length)
    {
        final ByteBuffer buffer = source.byteBuffer();
        if (null == buffer || !buffer.isDirect())
        {
            if (null == inputCopy || inputCopy.capacity() < length)
            {
                final int capacity = null == inputCopy ? 0 : inputCopy.capacity() * 2;
                inputCopy = ByteBuffer.allocateDirect(Math.max(length, capacity));
                inputCopyView.wrap(inputCopy);
            }
            inputCopyView.putBytes(0, source, offset, length);
            return inputCopy.limit(length).position(0);
        }
        ByteBuffer view = null;
        for (int i = 0; i < INPUT_VIEWS && null == view; i++)
        {
            if (inputs[i] == buffer)
            {
                view = inputViews[i];
            }
        }
        if (null == view)
        {
            view = buffer.duplicate();
            inputs[nextInputView] = buffer;
            inputViews[nextInputView] = view;
            nextInputView = (nextInputView + 1) % INPUT_VIEWS;
        }
        final int start = source.wrapAdjustment() + offset;
        return view.limit(view.capacity()).position(start).limit(start + length);
    }

    /**
     * A view of the buffer a block is compressed into whose position and limit zstd's streaming calls may move: made
     * once, as a stripe's writer compresses into the same buffer every time.
     *
     * @return the view, positioned at the block's start and limited to its capacity.
     */
    private ByteBuffer outputView(final DirectBuffer target, final int offset, final int capacity)
    {
        if (target.byteBuffer() != output)
        {
            output = target.byteBuffer();
            outputView = output.duplicate();
        }
        final int start = target.wrapAdjustment() + offset;
        return outputView.limit(outputView.capacity()).position(start).limit(start + capacity);
    }

    /**
     * Does the decoder still hold output, with its input all read and the block's pages all written?
     *
     * @return true when one more byte comes out.
     */
    private boolean holdsMore(final ZstdDecompressCtx ctx, final ByteBuffer consumedInput)
    {
        if (null == spare)
        {
            spare = ByteBuffer.allocateDirect(1);
        }
        spare.clear();
        ctx.decompressDirectByteBufferStream(spare, consumedInput);
        return spare.position() > 0;
    }

    private void ensureOpen()
    {
        if (isClosed)
        {
            throw new IllegalStateException("the stream is closed");
        }
    }

    /** A magicless zstd frame header: no single segment, and a window descriptor of at most {@link #WINDOW_LOG}. */
    private static boolean isWindowAllowed(final ByteBuffer input, final int offset, final int length)
    {
        if (length < 2 || 0 != (input.get(offset) & SINGLE_SEGMENT_FLAG))
        {
            return false;
        }
        final int descriptor = input.get(offset + 1) & 0xFF;
        final int windowLog = WINDOW_LOG_ABSOLUTE_MIN + (descriptor >>> 3);
        return windowLog < WINDOW_LOG || (windowLog == WINDOW_LOG && 0 == (descriptor & 7));
    }

    /** Free the native zstd contexts. Idempotent. */
    @Override
    public void close()
    {
        if (!isClosed)
        {
            isClosed = true;
            if (null != compressCtx)
            {
                compressCtx.close();
            }
            if (null != decompressCtx)
            {
                decompressCtx.close();
            }
        }
    }
}
