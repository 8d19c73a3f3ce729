package io.dwcp.engine.runtime;

import org.agrona.concurrent.Agent;

import java.util.List;

/**
 * The agents of an engine, by where they may run: conductors (and the receiver's agents) share the engine's main
 * thread; workers share it too, unless the threading gives each a thread of its own.
 *
 * @param conductors agents of the main thread, in duty-cycle order.
 * @param workers    agents that may run on threads of their own.
 */
public record EngineAgents(List<Agent> conductors, List<Agent> workers)
{
}
