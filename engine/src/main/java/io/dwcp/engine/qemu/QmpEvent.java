package io.dwcp.engine.qemu;

import java.util.Map;

/**
 * An asynchronous QMP event.
 *
 * @param name        of the event, e.g. STOP, RESUME or MIGRATION.
 * @param data        its data member, empty when it has none.
 * @param timestampUs QEMU's wall-clock time of the event in microseconds since the epoch.
 */
public record QmpEvent(String name, Map<String, Object> data, long timestampUs)
{
}
