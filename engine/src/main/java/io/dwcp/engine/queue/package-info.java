/**
 * Chronicle Queues that carry SBE messages: agent commands into an engine and events out of it.
 * One excerpt holds one SBE message with its header.
 */
package io.dwcp.engine.queue;
