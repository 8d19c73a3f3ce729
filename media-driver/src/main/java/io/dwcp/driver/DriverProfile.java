package io.dwcp.driver;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * A tuned set of Aeron driver properties, loaded from {@code profiles/NAME.properties} on the class path.
 * <p>
 * Properties the user already set as system properties win over the profile, so a profile is a set of defaults.
 */
public final class DriverProfile
{
    /** Profiles shipped with the engine. */
    public static final String[] NAMES = { "loopback", "lan", "wan", "low-cpu" };

    /** Profile used when none is named: tuned for two engines on one host. */
    public static final String DEFAULT_NAME = "loopback";

    private final String name;
    private final Map<String, String> properties;

    private DriverProfile(final String name, final Map<String, String> properties)
    {
        this.name = name;
        this.properties = properties;
    }

    /**
     * Load a shipped profile by name.
     *
     * @param name of the profile, one of {@link #NAMES}.
     * @return the profile.
     * @throws IllegalArgumentException if no such profile exists.
     */
    public static DriverProfile load(final String name)
    {
        final String resource = "profiles/" + name + ".properties";
        try (InputStream in = DriverProfile.class.getResourceAsStream(resource))
        {
            if (null == in)
            {
                throw new IllegalArgumentException(
                    "unknown driver profile '" + name + "', expected one of " + String.join(", ", NAMES));
            }

            final Properties properties = new Properties();
            properties.load(in);
            final Map<String, String> map = new TreeMap<>();
            for (final String key : properties.stringPropertyNames())
            {
                map.put(key, properties.getProperty(key).trim());
            }

            return new DriverProfile(name, map);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot read driver profile " + resource, ex);
        }
    }

    /**
     * Set each property of the profile as a system property unless the user already set it.
     * Aeron's contexts read these when they are constructed, so call this before creating them.
     */
    public void applyAsDefaults()
    {
        for (final Map.Entry<String, String> entry : properties.entrySet())
        {
            if (null == System.getProperty(entry.getKey()))
            {
                System.setProperty(entry.getKey(), entry.getValue());
            }
        }
    }

    /**
     * The profile's value for a key, or the default when it has none.
     *
     * @param key          property name.
     * @param defaultValue value when the profile does not set the key.
     * @return the value.
     */
    public String get(final String key, final String defaultValue)
    {
        return properties.getOrDefault(key, defaultValue);
    }

    /**
     * Name of the profile.
     *
     * @return name of the profile.
     */
    public String name()
    {
        return name;
    }
}
