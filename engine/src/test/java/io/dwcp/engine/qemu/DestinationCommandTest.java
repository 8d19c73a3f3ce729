package io.dwcp.engine.qemu;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DestinationCommandTest
{
    @Test
    void destinationMapsTheReceiversFileAndWaitsForTheDeviceState()
    {
        final List<String> source = List.of("qemu-system-x86_64", "-accel", "tcg", "-S", "-m", "256M",
            "-object", "memory-backend-file,id=mem,size=256M,mem-path=/dev/shm/src.ram,share=on",
            "-machine", "pc,memory-backend=mem",
            "-chardev", "file,id=serial0,path=/tmp/src.serial", "-serial", "chardev:serial0",
            "-qmp", "unix:/tmp/src.qmp,server=on,wait=off", "-incoming", "tcp:0:1");

        final List<String> destination = DestinationCommand.derive(source, Path.of("/dev/shm/out/vm-1.img"),
            Path.of("/tmp/dst.qmp"), Path.of("/tmp/dst.serial"));

        assertEquals(List.of("qemu-system-x86_64", "-accel", "tcg", "-m", "256M",
            "-object", "memory-backend-file,id=mem,size=256M,mem-path=/dev/shm/out/vm-1.img,share=on",
            "-machine", "pc,memory-backend=mem",
            "-chardev", "file,id=serial0,path=/tmp/dst.serial", "-serial", "chardev:serial0",
            "-qmp", "unix:/tmp/dst.qmp,server=on,wait=off", "-S", "-incoming", "defer"), destination);
    }
}
