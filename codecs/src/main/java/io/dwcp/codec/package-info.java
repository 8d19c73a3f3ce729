/**
 * The page codec: classifies, compresses and checks memory pages on off-heap buffers.
 * SBE message codecs generated from {@code schemas/} live beside it in {@code io.dwcp.codecs.*}.
 */
package io.dwcp.codec;
