package io.dwcp.codec;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class ImageDigestTest
{
    @Test
    void digestChangesWithAnyPageCrcAndTheirOrder()
    {
        final UnsafeBuffer crcs = new UnsafeBuffer(ByteBuffer.allocateDirect(4 * 8));
        for (int i = 0; i < 8; i++)
        {
            crcs.putInt(i * 4, i * 7919);
        }
        final long digest = ImageDigest.of(crcs, 8);
        assertEquals(digest, ImageDigest.of(crcs, 8));

        crcs.putInt(12, crcs.getInt(12) ^ 1);
        assertNotEquals(digest, ImageDigest.of(crcs, 8));
        crcs.putInt(12, crcs.getInt(12) ^ 1);

        final int a = crcs.getInt(0);
        crcs.putInt(0, crcs.getInt(4));
        crcs.putInt(4, a);
        assertNotEquals(digest, ImageDigest.of(crcs, 8));
    }
}
