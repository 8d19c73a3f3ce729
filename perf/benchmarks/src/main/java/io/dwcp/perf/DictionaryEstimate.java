package io.dwcp.perf;

import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDictCompress;
import com.github.luben.zstd.ZstdDictTrainer;
import io.dwcp.codec.PageCodec;
import io.dwcp.images.MemoryImageGenerator;
import io.dwcp.images.PageMix;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.util.Locale;

/**
 * Would a zstd dictionary trained on a transfer's own pages pay? Trains dictionaries of 16, 64 and 110 KiB on every
 * 16th non-zero page of a generated image, then compresses every non-zero page at level 1 with and without one.
 * <pre>
 * perf/bench DictionaryEstimate [--pages 32768]
 * </pre>
 */
public final class DictionaryEstimate
{
    private static final int PAGE_SIZE = 4096;

    private DictionaryEstimate()
    {
    }

    /**
     * Print, per dictionary size, the training time and the size ratio with and without the dictionary.
     *
     * @param args see the class description.
     */
    public static void main(final String[] args)
    {
        final int pages = args.length == 2 && "--pages".equals(args[0]) ? Integer.parseInt(args[1]) : 32768;
        final MemoryImageGenerator generator = new MemoryImageGenerator(42, PageMix.DEFAULT, PAGE_SIZE);
        final UnsafeBuffer image = new UnsafeBuffer(ByteBuffer.allocateDirect(pages * PAGE_SIZE));
        for (int p = 0; p < pages; p++)
        {
            generator.fillPage(p, image, p * PAGE_SIZE);
        }
        final byte[] page = new byte[PAGE_SIZE];
        for (final int dictionarySize : new int[] { 16 << 10, 64 << 10, 110 << 10 })
        {
            final long startNs = System.nanoTime();
            final ZstdDictTrainer trainer = new ZstdDictTrainer(4 << 20, dictionarySize);
            for (int p = 0; p < pages; p += 16)
            {
                if (!PageCodec.isZero(image, p * PAGE_SIZE, PAGE_SIZE))
                {
                    image.getBytes(p * PAGE_SIZE, page);
                    trainer.addSample(page.clone());
                }
            }
            final byte[] dictionary = trainer.trainSamples();
            final long trainMs = (System.nanoTime() - startNs) / 1_000_000;

            long plainBytes = 0;
            long dictionaryBytes = 0;
            try (ZstdCompressCtx plain = new ZstdCompressCtx();
                ZstdCompressCtx withDictionary = new ZstdCompressCtx();
                ZstdDictCompress compiled = new ZstdDictCompress(dictionary, 1))
            {
                plain.setLevel(1).setMagicless(true).setContentSize(false).setChecksum(false);
                withDictionary.setLevel(1).setMagicless(true).setContentSize(false).setChecksum(false).setDictID(false);
                withDictionary.loadDict(compiled);
                for (int p = 0; p < pages; p++)
                {
                    if (!PageCodec.isZero(image, p * PAGE_SIZE, PAGE_SIZE))
                    {
                        image.getBytes(p * PAGE_SIZE, page);
                        plainBytes += Math.min(PAGE_SIZE, plain.compress(page).length);
                        dictionaryBytes += Math.min(PAGE_SIZE, withDictionary.compress(page).length);
                    }
                }
            }
            System.out.printf(
                Locale.ROOT, "dictionary %d KiB, trained in %d ms: non-zero pages with it / without = %.3f%n",
                dictionarySize >> 10, trainMs, (double)dictionaryBytes / plainBytes);
        }
    }
}
