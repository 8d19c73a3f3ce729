/**
 * The sender engine: reads agent commands, encodes pages from the mapped source into frames claimed in an Aeron
 * publication, and tracks acknowledgements and verdicts from the receiver.
 */
package io.dwcp.engine.sender;
