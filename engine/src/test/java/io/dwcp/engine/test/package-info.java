/**
 * Shared test harness: engines on embedded drivers, an agent that drives the command queue, free ports and
 * bounded waits. Packaged as the engine's test jar for the benchmarks to reuse.
 */
package io.dwcp.engine.test;
