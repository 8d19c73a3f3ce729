package io.dwcp.engine.receiver;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VerifiedPagesTest
{
    private static final long PAGE_COUNT = 200;

    @Test
    void sweepsOnceAndAgainOnlyAfterAWrite()
    {
        try (VerifiedPages pages = new VerifiedPages(PAGE_COUNT, 4096, null))
        {
            assertEquals(PAGE_COUNT, pages.unverified());
            assertEquals(0, pages.sweepFrom(), "a new transfer's pages are all to check");
            long page = 0;
            int visited = 0;
            while ((page = pages.nextUnverified(page)) < PAGE_COUNT)
            {
                pages.verified(page, (int)page * 3);
                visited++;
                page++;
            }
            pages.sweptTo(page);
            assertEquals(PAGE_COUNT, visited);
            assertEquals(0, pages.unverified());
            assertEquals(PAGE_COUNT, pages.sweepFrom(), "nothing written since: no new sweep");

            pages.onWritten(63);
            pages.onWritten(64);
            pages.onWritten(199);
            pages.onWritten(199);
            assertEquals(3, pages.unverified());
            assertFalse(pages.isVerified(64));
            assertTrue(pages.isVerified(65));
            assertFalse(pages.isWordVerified(0));
            assertFalse(pages.isWordVerified(64));
            assertTrue(pages.isWordVerified(128));
            assertEquals(0, pages.sweepFrom(), "written since: a new sweep");
            assertEquals(63, pages.nextUnverified(0));
            assertEquals(64, pages.nextUnverified(64));
            assertEquals(199, pages.nextUnverified(65));
            assertEquals(PAGE_COUNT, pages.nextUnverified(200));

            final UnsafeBuffer crcs = new UnsafeBuffer(new byte[64 * Integer.BYTES]);
            pages.copyCrcs(128, 64, crcs, 0);
            assertEquals(128 * 3, crcs.getInt(0));
            assertEquals(191 * 3, crcs.getInt(63 * Integer.BYTES));
            assertEquals(65 * 3, pages.crc(65));
        }
    }

    @Test
    void aLastWordOfFewerPagesIsNeverWhollyVerified()
    {
        try (VerifiedPages pages = new VerifiedPages(PAGE_COUNT, 4096, null))
        {
            for (long page = 192; page < PAGE_COUNT; page++)
            {
                pages.verified(page, 1);
            }
            assertFalse(pages.isWordVerified(192), "the bits past the last page are never set");
            assertEquals(PAGE_COUNT, pages.nextUnverified(192));
        }
    }
}
