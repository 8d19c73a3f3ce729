/**
 * The DWCP engine: a sender and a receiver agent that move memory pages over Aeron, fed by a Chronicle Queue of
 * agent commands and reporting to a queue of events.
 */
package io.dwcp.engine;
