/**
 * Counters in Aeron's counters file, readable from another process (for example with AeronStat).
 */
package io.dwcp.engine.status;
