/**
 * Benchmarks and comparison harnesses, each a {@code main()} with a documented command line: the engine measured
 * against raw Aeron and raw zstd-jni in the same run.
 */
package io.dwcp.perf;
