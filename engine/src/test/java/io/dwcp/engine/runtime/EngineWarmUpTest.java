package io.dwcp.engine.runtime;

import io.dwcp.driver.DriverProfile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EngineWarmUpTest
{
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void migratesVerifiesAndLeavesNothingBehind() throws Exception
    {
        final Path temp = Path.of(System.getProperty("java.io.tmpdir"));
        final long before = warmUpDirectories(temp);
        final Set<String> properties = aeronProperties();
        // Three rounds through real engines over UDP loopback, once or more; a destination that differed would throw.
        final EngineWarmUp.Outcome outcome = EngineWarmUp.run(8L * 1024 * 1024, 2, DriverProfile.load("lan"));
        assertTrue(outcome.elapsedNs() > 0 && outcome.transfers() >= 1 && outcome.transfers() <= 2, outcome::toString);
        assertEquals(before, warmUpDirectories(temp), "its directory is removed");
        assertEquals(properties, aeronProperties(),
            "the profile's settings are not left to the engine that serves after it");
    }

    private static Set<String> aeronProperties()
    {
        final Set<String> names = new HashSet<>();
        for (final String name : System.getProperties().stringPropertyNames())
        {
            if (name.startsWith("aeron."))
            {
                names.add(name);
            }
        }
        return names;
    }

    private static long warmUpDirectories(final Path temp) throws Exception
    {
        try (Stream<Path> files = Files.list(temp))
        {
            return files.filter((file) -> file.getFileName().toString().startsWith("dwcp-warmup-")).count();
        }
    }
}
