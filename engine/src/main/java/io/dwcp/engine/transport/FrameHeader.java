package io.dwcp.engine.transport;

import org.agrona.DirectBuffer;

/**
 * The one check every inbound SBE message passes before it is decoded, whatever its schema: long enough for a
 * header, the expected schema id, and a version this build can read. Every DWCP schema shares the same header
 * layout (common-types.xml):
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-------------------------------+-------------------------------+
 *  |         block length          |          template id          |
 *  +-------------------------------+-------------------------------+
 *  |           schema id           |            version            |
 *  +-------------------------------+-------------------------------+
 * </pre>
 */
public final class FrameHeader
{
    /** Bytes of the header. */
    public static final int LENGTH = 8;
    /** The message is shorter than a header. */
    public static final int TOO_SHORT = -1;
    /** The message is of another schema. */
    public static final int FOREIGN_SCHEMA = -2;
    /** The message is of a version this build cannot read. */
    public static final int UNSUPPORTED_VERSION = -3;

    private static final int TEMPLATE_ID_OFFSET = 2;
    private static final int SCHEMA_ID_OFFSET = 4;
    private static final int VERSION_OFFSET = 6;

    private FrameHeader()
    {
    }

    /**
     * Check a message's header.
     *
     * @param buffer     holding the message, bounded to it.
     * @param offset     of the header.
     * @param length     of the whole message.
     * @param schemaId   the schema it must be of.
     * @param minVersion oldest version accepted.
     * @param maxVersion newest version accepted: this build's.
     * @return the template id when the header is acceptable, otherwise {@link #TOO_SHORT}, {@link #FOREIGN_SCHEMA}
     * or {@link #UNSUPPORTED_VERSION}.
     */
    public static int check(
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final int schemaId,
        final int minVersion,
        final int maxVersion)
    {
        if (length < LENGTH)
        {
            return TOO_SHORT;
        }
        if ((buffer.getShort(offset + SCHEMA_ID_OFFSET, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF) != schemaId)
        {
            return FOREIGN_SCHEMA;
        }
        final int version = buffer.getShort(offset + VERSION_OFFSET, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        if (version < minVersion || version > maxVersion)
        {
            return UNSUPPORTED_VERSION;
        }
        return buffer.getShort(offset + TEMPLATE_ID_OFFSET, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
    }

    /**
     * Says what a negative result of {@link #check} means, for a message to the user.
     *
     * @param result    of {@link #check}.
     * @param buffer    holding the message.
     * @param offset    of the header.
     * @param schemaId  expected schema.
     * @param version   expected version.
     * @return a short sentence.
     */
    public static String describe(
        final int result, final DirectBuffer buffer, final int offset, final int schemaId, final int version)
    {
        if (TOO_SHORT == result)
        {
            return "too short for a message header";
        }
        return "has schema " + (buffer.getShort(offset + SCHEMA_ID_OFFSET, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF) +
            " version " + (buffer.getShort(offset + VERSION_OFFSET, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF) +
            ", expected schema " + schemaId + " version " + version;
    }
}
