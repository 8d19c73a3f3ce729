/**
 * Who may talk to an engine and how its frames are protected: X25519 identities and the peers a node trusts, the
 * Noise IK handshake that opens each transfer, and the AES-GCM sealing of every frame after it.
 */
package io.dwcp.engine.security;
