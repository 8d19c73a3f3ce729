/**
 * Launching and configuring the Aeron media driver: embedded in the engine's thread (INVOKER) by default,
 * standalone for production, with tuned profiles loaded from properties files.
 */
package io.dwcp.driver;
