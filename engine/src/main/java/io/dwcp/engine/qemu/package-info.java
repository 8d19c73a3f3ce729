/**
 * The reference hypervisor agent: live migration of a running QEMU guest whose RAM is a shared file, moved by the
 * engine while QEMU moves only the device state ({@code x-ignore-shared}). Holds the QMP client, the dirty-page
 * scanner, the migration itself and a launcher for the small test guest.
 */
package io.dwcp.engine.qemu;
