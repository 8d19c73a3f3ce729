package io.dwcp.perf;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where a thread's time goes, from the samples of a JFR recording, Java and native alike ({@code jdk.ExecutionSample}
 * and {@code jdk.NativeMethodSample}: zstd runs in native code): the methods on top of the stack (self time) and
 * the engine's own methods anywhere on it (total time), as shares of the thread's samples.
 * <pre>
 * perf/bench JfrSummary RECORDING.jfr THREAD_NAME_REGEX [TOP]
 * </pre>
 * Prints Markdown, one table per matching thread.
 */
public final class JfrSummary
{
    private JfrSummary()
    {
    }

    /**
     * Summarise a recording.
     *
     * @param args see the class description.
     * @throws Exception if the recording cannot be read.
     */
    public static void main(final String[] args) throws Exception
    {
        final Path file = Path.of(args[0]);
        final String threadPattern = args[1];
        final int top = args.length > 2 ? Integer.parseInt(args[2]) : 12;

        final Map<String, Map<String, Integer>> selfByThread = new HashMap<>();
        final Map<String, Map<String, Integer>> totalByThread = new HashMap<>();
        final Map<String, Integer> samplesByThread = new HashMap<>();
        for (final RecordedEvent event : RecordingFile.readAllEvents(file))
        {
            final String type = event.getEventType().getName();
            if (!"jdk.ExecutionSample".equals(type) && !"jdk.NativeMethodSample".equals(type))
            {
                continue;
            }
            final String thread = null == event.getThread("sampledThread") ? "?" :
                event.getThread("sampledThread").getJavaName();
            final RecordedStackTrace stack = event.getStackTrace();
            if (null == thread || !thread.matches(threadPattern) || null == stack || stack.getFrames().isEmpty())
            {
                continue;
            }
            samplesByThread.merge(thread, 1, Integer::sum);
            final List<RecordedFrame> frames = stack.getFrames();
            selfByThread.computeIfAbsent(thread, (k) -> new HashMap<>()).merge(name(frames.get(0)), 1, Integer::sum);
            final java.util.Set<String> seen = new java.util.HashSet<>();
            for (final RecordedFrame frame : frames)
            {
                final String name = name(frame);
                if (frame.getMethod().getType().getName().startsWith("io.dwcp.") && seen.add(name))
                {
                    totalByThread.computeIfAbsent(thread, (k) -> new HashMap<>()).merge(name, 1, Integer::sum);
                }
            }
        }

        for (final Map.Entry<String, Integer> thread : samplesByThread.entrySet())
        {
            final int samples = thread.getValue();
            System.out.printf(
                Locale.ROOT, "%nThread `%s`, %d samples (Java and native).%n%n", thread.getKey(), samples);
            System.out.println("| self (top of stack) | share | | DWCP method on the stack | share |");
            System.out.println("| --- | ---: | --- | --- | ---: |");
            final List<Map.Entry<String, Integer>> self = sorted(selfByThread.get(thread.getKey()));
            final List<Map.Entry<String, Integer>> total =
                sorted(totalByThread.getOrDefault(thread.getKey(), Map.of()));
            for (int i = 0; i < top; i++)
            {
                final String selfCell = i < self.size() ? String.format(Locale.ROOT, "`%s` | %.1f%%",
                    self.get(i).getKey(), 100.0 * self.get(i).getValue() / samples) : " | ";
                final String totalCell = i < total.size() ? String.format(Locale.ROOT, "`%s` | %.1f%%",
                    total.get(i).getKey(), 100.0 * total.get(i).getValue() / samples) : " | ";
                System.out.println("| " + selfCell + " | | " + totalCell + " |");
            }
        }
    }

    private static List<Map.Entry<String, Integer>> sorted(final Map<String, Integer> counts)
    {
        return counts.entrySet().stream()
            .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
            .toList();
    }

    private static String name(final RecordedFrame frame)
    {
        final String type = frame.getMethod().getType().getName();
        return type.substring(type.lastIndexOf('.') + 1) + "." + frame.getMethod().getName();
    }
}
