/**
 * The {@code dwcp} command line: demo, send, receive, submit, media-driver and generate.
 */
package io.dwcp.engine.cli;
