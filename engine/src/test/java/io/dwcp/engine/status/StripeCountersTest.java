package io.dwcp.engine.status;

import io.dwcp.engine.test.SteppedAgents;
import org.agrona.CloseHelper;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StripeCountersTest
{
    private static final long TRANSFER_ID = 42;
    private static final int STRIPES = 5;

    @Test
    void allocatesEveryStripesCountersAtOnceWithTheirKeysAndFreesThem()
    {
        try (SteppedAgents agents = new SteppedAgents())
        {
            final StripeCounters[] all = StripeCounters.allocate(
                agents.aeron(), "test", EngineCounter.Role.SENDER, TRANSFER_ID, STRIPES);
            final List<String> labels = new ArrayList<>();
            final CountersReader reader = agents.aeron().countersReader();
            for (int k = 0; k < STRIPES; k++)
            {
                for (final StripeCounter counter : StripeCounter.values())
                {
                    if (counter.role() != EngineCounter.Role.SENDER)
                    {
                        continue;
                    }
                    assertNotNull(all[k].get(counter), counter + " of stripe " + k);
                    final int id = all[k].get(counter).id();
                    final int key = CountersReader.metaDataOffset(id) + CountersReader.KEY_OFFSET;
                    assertEquals(counter.typeId(), reader.getCounterTypeId(id));
                    assertEquals(TRANSFER_ID,
                        reader.metaDataBuffer().getLong(key + StripeCounters.TRANSFER_ID_OFFSET));
                    assertEquals(k, reader.metaDataBuffer().getInt(key + StripeCounters.STRIPE_OFFSET));
                    labels.add(reader.getCounterLabel(id));
                }
            }
            assertTrue(labels.contains("dwcp test transfer 42 stripe 4: " + StripeCounter.FRAMES_SENT.label()),
                labels::toString);
            final int ids = countOfType(reader, StripeCounter.FRAMES_SENT.typeId());
            assertEquals(STRIPES, ids);

            CloseHelper.closeAll(all);
            final int typeId = StripeCounter.FRAMES_SENT.typeId();
            agents.doWorkUntil("the driver to free them", () -> 0 == countOfType(reader, typeId));
        }
    }

    private static int countOfType(final CountersReader reader, final int typeId)
    {
        final int[] count = new int[1];
        reader.forEach((counterId, type, keyBuffer, label) ->
        {
            if (type == typeId && reader.getCounterState(counterId) == CountersReader.RECORD_ALLOCATED)
            {
                count[0]++;
            }
        });
        return count[0];
    }
}
