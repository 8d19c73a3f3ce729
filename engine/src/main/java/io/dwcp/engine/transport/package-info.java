/**
 * Transports between engines: Aeron channel strings for UDP and IPC.
 */
package io.dwcp.engine.transport;
