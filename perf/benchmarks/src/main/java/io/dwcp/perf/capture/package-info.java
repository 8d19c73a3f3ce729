/**
 * Snapshots of real memory for the benchmarks: live processes this tool starts (a JVM and a CPython workload),
 * paused with SIGSTOP and read through {@code /proc/PID/mem} into files of a layout that stays put across a series.
 */
package io.dwcp.perf.capture;
