package io.dwcp.engine.cli;

import io.dwcp.driver.DriverProfile;
import io.dwcp.engine.config.EngineConfiguration;
import io.dwcp.engine.memory.ImageComparison;
import io.dwcp.engine.memory.MappedImage;
import io.dwcp.engine.queue.EventAdapter;
import io.dwcp.engine.runtime.LocalMigration;
import io.dwcp.engine.security.EngineSecurity;
import io.dwcp.engine.status.EngineCounter;
import io.dwcp.engine.status.EngineCounters;
import io.dwcp.images.DirtyModel;
import io.dwcp.images.DirtyRound;
import io.dwcp.images.ImageSummary;
import io.dwcp.images.MemoryImageGenerator;
import io.dwcp.images.PageKind;
import io.dwcp.images.PageMix;
import org.agrona.IoUtil;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code dwcp demo}: a real local migration from a generated image to a verified destination.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {
        "Generate a realistic memory image, start a receiver and a sender engine (each with an embedded media",
        "driver), submit the transfer through the real command queue, show live progress, verify the destination",
        "byte for byte and print a summary." })
final class DemoCommand implements Callable<Integer>
{
    @Option(names = "--size", defaultValue = "1g", converter = Sizes.class,
        description = "Image size, e.g. 64m or 1g (default: ${DEFAULT-VALUE}).")
    long size;

    @Option(names = "--page-size", defaultValue = "4096",
        description = "Bytes per page, a power of two from 4096 to 65536 (default: ${DEFAULT-VALUE}).")
    int pageSize;

    @Option(names = "--seed", defaultValue = "42",
        description = "Seed of the generated image (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--mix", description = {
        "Page mix as kind=share pairs, e.g. zero=0.4,text=0.15,heap=0.25,code=0.1,random=0.1 (the default).",
        "Kinds left out keep their default share." })
    String mix;

    @Option(names = "--transport", defaultValue = "udp",
        description = "udp: two engines over UDP loopback; ipc: one engine over aeron:ipc (default: ${DEFAULT-VALUE}).")
    String transport;

    @Option(names = "--level", defaultValue = "0",
        description = "zstd level for the transfer; 0 uses the engine default (${sys:dwcp.compression.level:-1}).")
    int level;

    @Mixin
    ProfileOptions profileOptions;

    @Option(names = "--dir", description = "Working directory (default: a new directory in the temp dir).")
    Path directory;

    @Option(names = "--keep", description = "Keep the image, the destination and the queues afterwards.")
    boolean keep;

    @Option(names = "--rounds", defaultValue = "1", description = {
        "Pre-copy rounds: round 0 sends every page, each later round the pages the guest dirtied, the last one",
        "after the guest is paused (default: ${DEFAULT-VALUE})." })
    int rounds;

    @Option(names = "--dirty-model", defaultValue = "jvm",
        description = "How the guest dirties memory between rounds: vm, jvm or interpreter " +
            "(default: ${DEFAULT-VALUE}).")
    String dirtyModel;

    @Mixin
    SenderOptions sender;

    @Option(names = "--qemu", description = {
        "Live-migrate a real, running QEMU guest instead (TCG; built at run time by perf/qemu/guest.sh, which",
        "installs qemu-system-x86 when missing and root): shows the heartbeat going on on the destination." })
    boolean qemu;

    @Option(names = "--guest-ram", defaultValue = "512m", converter = Sizes.class,
        description = "RAM of the --qemu guest (default: ${DEFAULT-VALUE}).")
    long guestRam;

    @Option(names = "--insecure", description = {
        "Run both engines without authentication, frames in clear, as over a trusted loopback; every progress line",
        "says so. By default each engine gets a new key and trusts the other's."})
    boolean isInsecure;

    private static final long TIMEOUT_NS = TimeUnit.MINUTES.toNanos(10);

    private final PrintStream out;
    private DirtyModel model;

    DemoCommand(final PrintStream out)
    {
        this.out = out;
    }

    public Integer call() throws Exception
    {
        if (qemu)
        {
            return new QemuDemo(out, guestRam, profileOptions.driverProfile(), profileOptions.threading)
                .run(directory, keep);
        }
        if (!EngineConfiguration.isValidPageSize(pageSize))
        {
            throw new UsageException("--page-size " + pageSize + " is not a power of two from 4096 to 65536");
        }
        if (0 != size % pageSize)
        {
            throw new UsageException("--size " + size + " is not a whole number of " + pageSize + "-byte pages");
        }
        if (!"udp".equals(transport) && !"ipc".equals(transport))
        {
            throw new UsageException("--transport must be udp or ipc, not '" + transport + "'");
        }
        if (rounds < 1 || rounds > 1000)
        {
            throw new UsageException("--rounds " + rounds + " must be from 1 to 1000");
        }
        final PageMix pageMix;
        final DriverProfile driverProfile = profileOptions.driverProfile();
        try
        {
            pageMix = null == mix ? PageMix.DEFAULT : PageMix.parse(mix);
            model = DirtyModel.preset(dirtyModel);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new UsageException(ex.getMessage());
        }

        final Path workDirectory = null != directory ?
            Files.createDirectories(directory) : Files.createTempDirectory("dwcp-demo-");
        try
        {
            return run(workDirectory, pageMix, driverProfile);
        }
        finally
        {
            if (!keep)
            {
                IoUtil.delete(workDirectory.toFile(), true);
            }
        }
    }

    private int run(final Path workDirectory, final PageMix pageMix, final DriverProfile driverProfile)
        throws Exception
    {
        final Path image = workDirectory.resolve("source.img");
        out.printf(Locale.ROOT, "generating %s image (seed %d, %d-byte pages) in %s%n",
            Sizes.format(size), seed, pageSize, workDirectory);
        final long generateStartNs = System.nanoTime();
        final MemoryImageGenerator generator = new MemoryImageGenerator(seed, pageMix, pageSize);
        final ImageSummary summary = generator.generate(image, size);
        out.printf(Locale.ROOT, "generated in %.2f s: %s%n", seconds(System.nanoTime() - generateStartNs), summary);

        final boolean isIpc = "ipc".equals(transport);
        final long transferId = 1;
        final String vmId = "demo-vm";
        final DemoProgress progress = new DemoProgress(out, size, pageSize, isInsecure ? "INSECURE " : "");
        try (LocalMigration migration = new LocalMigration(
            workDirectory.resolve("engines"), isIpc, driverProfile, profileOptions.threading,
            (context) -> sender.apply(isInsecure ? context.security(EngineSecurity.insecure()) : context),
            (context) -> context.security(isInsecure ? EngineSecurity.insecure() : context.security()),
            (ex) -> out.println("engine error: " + ex));
            EventAdapter events = migration.newEventAdapter(progress))
        {
            out.printf(Locale.ROOT, "engines up: %s, %s threading, profile %s, %s; submitting transfer %d%n",
                isIpc ? "one engine over aeron:ipc" : "sender -> receiver over UDP loopback " +
                migration.receiverEndpoint(), profileOptions.threading, driverProfile.name(),
                isInsecure ? EngineSecurity.insecure() : "authenticated (Noise IK, AES-256-GCM), keys new for this run",
                transferId);
            long[] allocatedAtHalf = null;
            if (1 == rounds)
            {
                migration.submitWholeImage(transferId, vmId, image, pageSize, level);
            }
            else
            {
                runPreCopyRounds(migration, events, progress, generator, image, transferId, vmId);
            }
            while (!progress.isEnded())
            {
                if (0 == events.poll(100))
                {
                    Thread.sleep(1);
                }
                if (null == allocatedAtHalf && progress.fractionApplied() >= 0.5)
                {
                    allocatedAtHalf = engineThreadAllocations();
                }
            }
            final long[] allocatedAtEnd = engineThreadAllocations();
            progress.finishLine();
            if (rounds > 1)
            {
                progress.printRounds();
            }

            if (!progress.isCompleted())
            {
                out.println("FAILED: " + progress.failure());
                return 1;
            }

            final String threadCpu = engineThreadCpu();
            final long verifyStartNs = System.nanoTime();
            final long difference = ImageComparison.firstDifference(image, migration.destinationOf(vmId, transferId));
            final double verifySeconds = seconds(System.nanoTime() - verifyStartNs);
            printSummary(summary, progress, migration.senderEngine().senderCounters());
            out.println("cpu        " + threadCpu);
            if (null != allocatedAtHalf)
            {
                out.printf(Locale.ROOT, "allocation sender %d bytes, receiver %d bytes in the second half of the " +
                    "transfer (steady state; includes the final verify, digest and events)%n",
                    allocatedAtEnd[0] - allocatedAtHalf[0], allocatedAtEnd[1] - allocatedAtHalf[1]);
            }
            if (difference >= 0)
            {
                out.printf(Locale.ROOT, "verified   FAILED: destination differs from the source at byte %d%n",
                    difference);
                return 1;
            }
            out.printf(Locale.ROOT, "verified   destination matches the source byte for byte (%.2f s to compare); " +
                "digest %016x agreed by both engines%n", verifySeconds, progress.digest());
            return 0;
        }
    }

    private void runPreCopyRounds(
        final LocalMigration migration,
        final EventAdapter events,
        final DemoProgress progress,
        final MemoryImageGenerator generator,
        final Path image,
        final long transferId,
        final String vmId) throws Exception
    {
        final long pageCount = size / pageSize;
        final DirtyRound dirtyRound = new DirtyRound(model, generator);
        migration.startTransfer(transferId, vmId, image, pageSize, level);
        final int batchPages = 1 << 16;
        for (long first = 0; first < pageCount; first += batchPages)
        {
            migration.commands().pageRange(transferId, 0, first, (int)Math.min(batchPages, pageCount - first));
        }
        migration.commands().endOfRound(transferId, 0);
        LocalMigration.pollUntil(events, () -> progress.roundsCompleted() >= 1 || progress.isEnded(), TIMEOUT_NS);

        // The guest runs between rounds: each round dirties pages in place, as the live VM's memory would change.
        try (MappedImage guest = MappedImage.openReadWrite(image, pageSize, size))
        {
            for (int round = 1; round < rounds && !progress.isEnded(); round++)
            {
                final long[] dirty = dirtyRound.apply(guest.segments(), pageCount, seed, round);
                migration.commands().pages(transferId, round, dirty, dirty.length);
                migration.commands().endOfRound(transferId, round);
                final int completed = round + 1;
                LocalMigration.pollUntil(events, () -> progress.roundsCompleted() >= completed || progress.isEnded(),
                    TIMEOUT_NS);
            }
        }
        migration.commands().endOfTransfer(transferId);
    }

    private void printSummary(final ImageSummary summary, final DemoProgress progress, final EngineCounters sender)
    {
        final long pages = summary.pageCount();
        final double elapsedSeconds = seconds(progress.elapsedNs());
        final long wireBytes = progress.wireBytes();
        out.println();
        out.printf(Locale.ROOT, "image      %s, %d pages of %d bytes%n", Sizes.format(size), pages, pageSize);
        out.printf(Locale.ROOT, "page kinds zero %s, text %s, heap %s, code %s, random %s%n",
            share(summary.pages(PageKind.ZERO), pages), share(summary.pages(PageKind.TEXT), pages),
            share(summary.pages(PageKind.HEAP), pages), share(summary.pages(PageKind.CODE), pages),
            share(summary.pages(PageKind.RANDOM), pages));
        final long pagesSent = sender.value(EngineCounter.PAGES_SENT);
        final long logicalBytes = sender.value(EngineCounter.LOGICAL_BYTES_SENT);
        out.printf(Locale.ROOT, "encodings  of %d pages sent: zero %s, unchanged %s, delta %s, zstd %s, raw %s, " +
            "duplicate %s; in frame blocks %s%n",
            pagesSent,
            share(sender.value(EngineCounter.ZERO_PAGES_SENT), pagesSent),
            share(sender.value(EngineCounter.UNCHANGED_PAGES_SENT), pagesSent),
            share(sender.value(EngineCounter.DELTA_PAGES_SENT), pagesSent),
            share(sender.value(EngineCounter.COMPRESSED_PAGES_SENT), pagesSent),
            share(sender.value(EngineCounter.RAW_PAGES_SENT), pagesSent),
            share(sender.value(EngineCounter.DUPLICATE_PAGES_SENT), pagesSent),
            share(sender.value(EngineCounter.BLOCK_PAGES_SENT), pagesSent));
        out.printf(Locale.ROOT, "wire       %s in %d frames (%d by tryClaim) for %s of pages, ratio %.2fx%n",
            Sizes.format(wireBytes), sender.value(EngineCounter.FRAMES_SENT),
            sender.value(EngineCounter.FRAMES_CLAIMED), Sizes.format(logicalBytes), (double)logicalBytes / wireBytes);
        out.printf(Locale.ROOT, "time       %.2f s from submit to verified digest%s%n", elapsedSeconds,
            rounds > 1 ? " (including the guest's time between rounds)" : "");
        out.printf(Locale.ROOT, "throughput %.0f MB/s logical, %.0f MB/s on the wire%n",
            logicalBytes / 1e6 / elapsedSeconds, wireBytes / 1e6 / elapsedSeconds);
        out.printf(Locale.ROOT, "sender     back pressure %d, longest duty cycle %.2f ms%n",
            sender.value(EngineCounter.BACK_PRESSURE), sender.value(EngineCounter.DUTY_CYCLE_MAX_NS) / 1e6);
    }

    private static String engineThreadCpu()
    {
        final java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        final StringBuilder text = new StringBuilder();
        for (final Thread thread : Thread.getAllStackTraces().keySet())
        {
            final String name = thread.getName();
            if ("sender".equals(name) || "receiver".equals(name) || "local".equals(name))
            {
                text.append(String.format(Locale.ROOT, "%s thread %.2f s  ", name,
                    threads.getThreadCpuTime(thread.getId()) / 1e9));
            }
        }
        return text.toString().trim();
    }

    private static long[] engineThreadAllocations()
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)java.lang.management.ManagementFactory.getThreadMXBean();
        final long[] allocated = new long[2];
        for (final Thread thread : Thread.getAllStackTraces().keySet())
        {
            final String name = thread.getName();
            if ("sender".equals(name) || "local".equals(name))
            {
                allocated[0] = threads.getThreadAllocatedBytes(thread.getId());
            }
            else if ("receiver".equals(name))
            {
                allocated[1] = threads.getThreadAllocatedBytes(thread.getId());
            }
        }
        return allocated;
    }

    private static String share(final long count, final long total)
    {
        return String.format(Locale.ROOT, "%d (%.1f%%)", count, 100.0 * count / total);
    }

    private static double seconds(final long nanos)
    {
        return nanos / 1e9;
    }
}
