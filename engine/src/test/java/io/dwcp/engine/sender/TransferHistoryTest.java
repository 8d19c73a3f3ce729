package io.dwcp.engine.sender;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TransferHistoryTest
{
    @Test
    void aFirstAttemptReportsItselfAlone()
    {
        final TransferHistory history = new TransferHistory();
        assertEquals(500, history.firstStartNs(500));
        assertEquals(0, history.earlierPagesSent());
        assertEquals(0, history.earlierWireBytes());
        assertEquals(0, history.earlierAttempts());
    }

    @Test
    void reopenedAttemptsCarryTheFirstStartAndEverythingSentBefore()
    {
        final TransferHistory first = new TransferHistory();
        final TransferHistory second = new TransferHistory();
        second.continues(first, 100, 1_000, 40_000);
        assertEquals(100, second.firstStartNs(900), "the first attempt's start, not this one's");
        assertEquals(1_000, second.earlierPagesSent());
        assertEquals(40_000, second.earlierWireBytes());
        assertEquals(1, second.earlierAttempts());

        final TransferHistory third = new TransferHistory();
        third.continues(second, 900, 700, 3_000);
        assertEquals(100, third.firstStartNs(2_000));
        assertEquals(1_700, third.earlierPagesSent());
        assertEquals(43_000, third.earlierWireBytes());
        assertEquals(2, third.earlierAttempts());
    }
}
