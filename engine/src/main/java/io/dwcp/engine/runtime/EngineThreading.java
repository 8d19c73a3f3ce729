package io.dwcp.engine.runtime;

/**
 * How an engine uses threads.
 */
public enum EngineThreading
{
    /**
     * One thread does everything: the embedded driver and the client conductor are invoked from the engine's duty
     * cycle. The default, and the right choice on two cores.
     */
    INVOKER,

    /** The embedded driver runs its agents on one thread of its own; the client conductor and engine share another. */
    SHARED,

    /** The embedded driver runs conductor, sender and receiver on three threads; for machines with cores to spare. */
    DEDICATED
}
