package io.dwcp.engine.qemu;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Starts the destination QEMU once the receiver has created the destination file: it must map that file as its RAM
 * with {@code share=on}, listen with {@code -incoming defer}, and stay paused after the device state arrives
 * ({@code -S}).
 */
@FunctionalInterface
public interface DestinationLauncher
{
    /**
     * Start the destination QEMU.
     *
     * @param ramFile the receiver's destination file, which exists with the guest's RAM size.
     * @return the process, whose QMP socket the agent connects to.
     * @throws IOException if it cannot start.
     */
    QemuProcess launch(Path ramFile) throws IOException;
}
