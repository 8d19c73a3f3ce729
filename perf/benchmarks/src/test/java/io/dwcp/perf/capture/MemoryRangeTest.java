package io.dwcp.perf.capture;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which mappings a snapshot takes, and how they are laid out in the file.
 */
class MemoryRangeTest
{
    @Test
    void takesAnonymousAndWritableMappingsButNotCodeOrKernelPages()
    {
        assertTrue(MemoryRange.parse("555e8acee000-555e8ad0f000 rw-p 00000000 00:00 0          [heap]")
            .isSnapshotCandidate());
        assertTrue(MemoryRange.parse("7f9fe217b000-7f9fe219d000 rw-p 00000000 00:00 0 ").isSnapshotCandidate());
        assertTrue(MemoryRange.parse("7f9fe23d3000-7f9fe23d5000 rw-p 001d3000 fe:00 339380   /usr/lib/libc.so.6")
            .isSnapshotCandidate());
        assertTrue(MemoryRange.parse("7f8791400000-7f8791670000 rwxp 00000000 00:00 0 ").isSnapshotCandidate());
        assertFalse(MemoryRange.parse("7f9fe2226000-7f9fe237c000 r-xp 00026000 fe:00 339380   /usr/lib/libc.so.6")
            .isSnapshotCandidate());
        assertFalse(MemoryRange.parse("7f9fe237c000-7f9fe23cf000 r--p 0017c000 fe:00 339380   /usr/lib/libc.so.6")
            .isSnapshotCandidate());
        assertFalse(MemoryRange.parse("7f9fe23ed000-7f9fe23f1000 r--p 00000000 00:00 0          [vvar]")
            .isSnapshotCandidate());
        assertFalse(MemoryRange.parse("7ffd1a5f0000-7ffd1a5f2000 r-xp 00000000 00:00 0          [vdso]")
            .isSnapshotCandidate());
        assertFalse(MemoryRange.parse("ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0  [vsyscall]")
            .isSnapshotCandidate());
        assertFalse(MemoryRange.parse("7f87af000000-7f87af800000 ---p 00000000 00:00 0 ").isSnapshotCandidate());
    }

    @Test
    void keepsPathsWithSpaces()
    {
        final MemoryRange range = MemoryRange.parse("1000-3000 rw-s 00000000 00:05 42   /dev/shm/a b (deleted)");
        assertEquals(0x1000, range.start());
        assertEquals(0x2000, range.length());
        assertEquals("/dev/shm/a b (deleted)", range.path());
        assertEquals(42, range.inode());
    }

    @Test
    void refusesLinesThatAreNotMappings()
    {
        assertThrows(IllegalArgumentException.class, () -> MemoryRange.parse("hello world"));
    }

    @Test
    void laysRangesOutBackToBackInWholePages()
    {
        final SnapshotLayout layout = SnapshotLayout.of(List.of(
            new MemoryRange(0x10000, 0x12000, "rw-p", 0, ""),
            new MemoryRange(0x20000, 0x20800, "rw-p", 0, ""),
            new MemoryRange(0x30000, 0x31000, "rw-p", 0, "[stack]")), 4096);
        assertEquals(0, layout.entries().get(0).fileOffset());
        assertEquals(0x2000, layout.entries().get(1).fileOffset());
        assertEquals(4096, layout.entries().get(1).fileLength());
        assertEquals(0x3000, layout.entries().get(2).fileOffset());
        assertEquals(0x4000, layout.sizeBytes());
        assertThrows(IllegalArgumentException.class, () -> SnapshotLayout.of(List.of(
            new MemoryRange(0x20000, 0x22000, "rw-p", 0, ""),
            new MemoryRange(0x21000, 0x23000, "rw-p", 0, "")), 4096));
        assertThrows(IllegalArgumentException.class, () -> SnapshotLayout.of(List.of(), 4096));
    }
}
