/**
 * Memory images mapped from files: the read-only source of a transfer and its read-write destination.
 */
package io.dwcp.engine.memory;
