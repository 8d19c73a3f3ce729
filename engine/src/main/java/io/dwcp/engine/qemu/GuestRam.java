package io.dwcp.engine.qemu;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where a guest's RAM lives, read over QMP: the one shared {@code memory-backend-file} that must back all of the
 * guest's base memory for the engine to move it.
 *
 * @param backendId id of the memory backend object.
 * @param file      the backend's mem-path.
 * @param sizeBytes bytes of RAM.
 */
public record GuestRam(String backendId, Path file, long sizeBytes)
{
    /** What to tell a user whose guest's RAM is not a shared file. */
    static final String ADVICE = "start QEMU with -object memory-backend-file,id=mem,size=SIZE," +
        "mem-path=/dev/shm/VM.ram,share=on -machine memory-backend=mem (or -numa node,memdev=mem)";

    /**
     * Find the guest's RAM and check that the engine can move it.
     *
     * @param qmp the guest's QMP connection.
     * @return the RAM's backend.
     * @throws QmpException         if QEMU does not answer.
     * @throws NotSharedException if the RAM is not one shared memory-backend-file, with what to change.
     */
    @SuppressWarnings("unchecked")
    public static GuestRam of(final QmpClient qmp) throws QmpException, NotSharedException
    {
        final long baseMemory = ((Number)qmp.query("query-memory-size-summary", Map.of()).get("base-memory"))
            .longValue();
        final List<Object> objects = (List<Object>)qmp.execute("qom-list", Map.of("path", "/objects"));
        final List<String> problems = new ArrayList<>();
        GuestRam found = null;
        for (final Object entry : objects)
        {
            final Map<String, Object> object = (Map<String, Object>)entry;
            final String type = String.valueOf(object.get("type"));
            if (!type.startsWith("child<memory-backend-"))
            {
                continue;
            }
            final String id = String.valueOf(object.get("name"));
            final String path = "/objects/" + id;
            final long size = ((Number)qmp.execute("qom-get", Map.of("path", path, "property", "size")))
                .longValue();
            if (!"child<memory-backend-file>".equals(type))
            {
                problems.add("backend '" + id + "' is " + type.substring(6, type.length() - 1) + ", not a file");
                continue;
            }
            final boolean isShared = Boolean.TRUE.equals(
                qmp.execute("qom-get", Map.of("path", path, "property", "share")));
            final String memPath = String.valueOf(qmp.execute("qom-get", Map.of("path", path, "property", "mem-path")));
            if (!isShared)
            {
                problems.add("backend '" + id + "' (" + memPath + ") has share=off; add share=on");
                continue;
            }
            if (size != baseMemory)
            {
                problems.add("backend '" + id + "' holds " + size + " bytes of the guest's " + baseMemory +
                    "; one shared file must hold all of it");
                continue;
            }
            if (null != found)
            {
                throw new NotSharedException("the guest has two shared file backends of its whole RAM ('" +
                    found.backendId() + "' and '" + id + "'); it must have one");
            }
            found = new GuestRam(id, Path.of(memPath), size);
        }
        if (null == found)
        {
            throw new NotSharedException("the guest's RAM is not a shared file" +
                (problems.isEmpty() ? "" : " (" + String.join("; ", problems) + ")") + ": " + ADVICE);
        }
        return found;
    }

    /**
     * The guest's RAM cannot be moved by the engine as QEMU is configured.
     */
    public static final class NotSharedException extends Exception
    {
        private static final long serialVersionUID = 1L;

        /**
         * @param message what is wrong and what to change.
         */
        public NotSharedException(final String message)
        {
            super(message);
        }
    }
}
