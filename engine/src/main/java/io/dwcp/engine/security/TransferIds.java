package io.dwcp.engine.security;

import java.security.SecureRandom;

/**
 * Default transfer ids: 63 random bits, so that nobody can guess the next one to squat it.
 */
public final class TransferIds
{
    private static final SecureRandom RANDOM = new SecureRandom();

    private TransferIds()
    {
    }

    /**
     * @return a positive id from a strong random source.
     */
    public static long unguessable()
    {
        long id;
        do
        {
            id = RANDOM.nextLong() & Long.MAX_VALUE;
        }
        while (0 == id);
        return id;
    }
}
