/**
 * The receiver engine: accepts transfers, decodes page frames straight into memory-mapped destination files,
 * acknowledges applied pages and verifies the final digest.
 */
package io.dwcp.engine.receiver;
