/**
 * Engine settings: defaults and system property names in {@link io.dwcp.engine.config.EngineConfiguration},
 * and a context per agent that validates them.
 */
package io.dwcp.engine.config;
