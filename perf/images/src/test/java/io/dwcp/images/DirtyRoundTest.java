package io.dwcp.images;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DirtyRoundTest
{
    private static final int PAGE_SIZE = 4096;
    private static final int PAGES = 16384;

    @ParameterizedTest
    @ValueSource(strings = { "vm", "jvm", "interpreter" })
    void presetsMatchTheMeasuredShapeOfRealMemory(final String preset)
    {
        final DirtyModel model = DirtyModel.preset(preset);
        final MemoryImageGenerator generator = new MemoryImageGenerator(5, PageMix.DEFAULT, PAGE_SIZE);
        final UnsafeBuffer before = image(generator);
        final UnsafeBuffer after = image(generator);

        final long[] dirty = new DirtyRound(model, generator).apply(new UnsafeBuffer[] { after }, PAGES, 77, 1);

        int changed = 0;
        int zeroed = 0;
        int rewritten = 0;
        double keptSum = 0;
        int keptInRange = 0;
        for (final long page : dirty)
        {
            final int offset = (int)page * PAGE_SIZE;
            int same = 0;
            boolean isZero = true;
            for (int i = 0; i < PAGE_SIZE; i++)
            {
                same += before.getByte(offset + i) == after.getByte(offset + i) ? 1 : 0;
                isZero &= after.getByte(offset + i) == 0;
            }
            if (same == PAGE_SIZE)
            {
                continue;
            }
            changed++;
            if (isZero)
            {
                zeroed++;
                continue;
            }
            final double kept = (double)same / PAGE_SIZE;
            if (kept > 0.2)
            {
                rewritten++;
                keptSum += kept;
                keptInRange += kept >= 0.28 && kept <= 0.80 ? 1 : 0;
            }
        }

        assertEquals(model.unchangedShare(), 1.0 - (double)dirty.length / PAGES, 0.04, "unchanged share");
        assertTrue(zeroed >= 0.005 * changed && zeroed <= 0.035 * changed, "zeroed " + zeroed + " of " + changed);
        // Pages that took another page's content may fall outside; they are under 6% of changed pages.
        assertTrue(keptInRange >= 0.9 * rewritten, keptInRange + " of " + rewritten + " keep 28% to 80% of bytes");
        final double keptMean = keptSum / rewritten;
        assertTrue(keptMean > 0.45 && keptMean < 0.65, "mean kept " + keptMean);
    }

    @ParameterizedTest
    @ValueSource(strings = { "vm", "interpreter" })
    void sameSeedAndRoundGiveTheSameImage(final String preset)
    {
        final MemoryImageGenerator generator = new MemoryImageGenerator(5, PageMix.DEFAULT, PAGE_SIZE);
        final UnsafeBuffer a = image(generator);
        final UnsafeBuffer b = image(generator);
        final DirtyRound round = new DirtyRound(DirtyModel.preset(preset), generator);
        assertArrayEquals(round.apply(new UnsafeBuffer[] { a }, PAGES, 3, 2),
            round.apply(new UnsafeBuffer[] { b }, PAGES, 3, 2));
        assertEquals(0, a.compareTo(b));
    }

    @ParameterizedTest
    @ValueSource(strings = { "vm", "jvm" })
    void consecutiveRoundsReDirtyTheSameWorkingSet(final String preset)
    {
        final DirtyModel model = DirtyModel.preset(preset);
        final MemoryImageGenerator generator = new MemoryImageGenerator(5, PageMix.DEFAULT, PAGE_SIZE);
        final UnsafeBuffer image = image(generator);
        final DirtyRound round = new DirtyRound(model, generator);
        final long[] first = round.apply(new UnsafeBuffer[] { image }, PAGES, 8, 1);
        final long[] second = round.apply(new UnsafeBuffer[] { image }, PAGES, 8, 2);

        final java.util.Set<Long> firstSet = new java.util.HashSet<>();
        for (final long page : first)
        {
            firstSet.add(page);
        }
        long both = 0;
        for (final long page : second)
        {
            both += firstSet.contains(page) ? 1 : 0;
        }
        // Independent rounds would overlap in about the dirty share of pages; a working set overlaps far more.
        final double overlap = (double)both / second.length;
        final double independent = 1.0 - model.unchangedShare();
        assertTrue(overlap > 1.3 * independent, "overlap " + overlap + " against " + independent + " by chance");
    }

    private static UnsafeBuffer image(final MemoryImageGenerator generator)
    {
        final UnsafeBuffer image = new UnsafeBuffer(ByteBuffer.allocateDirect(PAGES * PAGE_SIZE));
        for (int page = 0; page < PAGES; page++)
        {
            generator.fillPage(page, image, page * PAGE_SIZE);
        }
        return image;
    }
}
