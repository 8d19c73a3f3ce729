package io.dwcp.engine.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * Reads and writes an engine's key file: one line {@code private-key <base64>} and one {@code public-key <base64>},
 * in a file only its owner may read, as WireGuard and ssh keep theirs. A key file that others may read is refused.
 */
public final class KeyFiles
{
    private KeyFiles()
    {
    }

    /**
     * Write a new key file, refusing to overwrite one.
     *
     * @param file       to create, mode 0600.
     * @param privateKey 32 bytes.
     * @throws IOException when the file exists or cannot be written.
     */
    public static void write(final Path file, final byte[] privateKey) throws IOException
    {
        final Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rw-------");
        Files.createFile(file, PosixFilePermissions.asFileAttribute(ownerOnly));
        Files.writeString(file, "# DWCP engine key: keep it private\n" +
            "private-key " + encode(privateKey) + "\n" +
            "public-key " + encode(X25519.publicKey(privateKey)) + "\n",
            StandardCharsets.US_ASCII, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Read the private key of a key file.
     *
     * @param file to read.
     * @return the private key, 32 bytes.
     * @throws IOException when it cannot be read.
     * @throws IllegalArgumentException when it is not a key file, or others may read it.
     */
    public static byte[] readPrivateKey(final Path file) throws IOException
    {
        final Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
        if (permissions.contains(PosixFilePermission.GROUP_READ) ||
            permissions.contains(PosixFilePermission.OTHERS_READ))
        {
            throw new IllegalArgumentException("key file " + file + " is readable by others (" +
                PosixFilePermissions.toString(permissions) + "); chmod 600 it");
        }
        final List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
        for (final String line : lines)
        {
            final String trimmed = line.trim();
            if (trimmed.startsWith("private-key "))
            {
                return decode(trimmed.substring("private-key ".length()).trim(), file.toString());
            }
        }
        throw new IllegalArgumentException("key file " + file + " has no private-key line");
    }

    /**
     * @param key 32 bytes.
     * @return its base64 text.
     */
    public static String encode(final byte[] key)
    {
        return Base64.getEncoder().encodeToString(key);
    }

    /**
     * @param text  base64 of a 32-byte key.
     * @param where names the source in the error.
     * @return the key.
     * @throws IllegalArgumentException when it is not 32 bytes of base64.
     */
    public static byte[] decode(final String text, final String where)
    {
        final byte[] key;
        try
        {
            key = Base64.getDecoder().decode(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("a key in " + where + " is not base64: " + ex.getMessage(), ex);
        }
        if (X25519.KEY_LENGTH != key.length)
        {
            throw new IllegalArgumentException("a key in " + where + " is " + key.length + " bytes, not 32");
        }
        return key;
    }
}
