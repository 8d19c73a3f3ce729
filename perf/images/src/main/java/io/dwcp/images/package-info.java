/**
 * Deterministic, realistic memory images for the demo, the tests and the benchmarks.
 */
package io.dwcp.images;
