/**
 * Running agents: one engine thread that also drives an embedded media driver and the Aeron client (INVOKER), or
 * agents beside a driver with threads of its own.
 */
package io.dwcp.engine.runtime;
