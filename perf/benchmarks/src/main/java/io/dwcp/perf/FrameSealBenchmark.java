package io.dwcp.perf;

import io.dwcp.engine.security.FrameOpener;
import io.dwcp.engine.security.FrameSealer;
import io.dwcp.engine.security.TransferKeys;
import io.dwcp.engine.security.X25519;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * The cost of sealing a frame and of opening it, AES-256-GCM through the JDK as the engine does it, on one core,
 * for frames of the sizes the engine sends: a page, an MTU's worth and a 64-page block. Multiply ops/s by the
 * frame length for bytes per second; {@code -prof gc} gives the bytes allocated per frame.
 * <pre>
 * perf/bench jmh FrameSealBenchmark -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FrameSealBenchmark
{
    /** Bytes of the inner frame. */
    @Param({ "4096", "65504", "262144" })
    public int frameLength;

    private FrameSealer sealer;
    private FrameOpener opener;
    private UnsafeBuffer wire;
    private UnsafeBuffer plain;
    private int sealedLength;

    /** Keys, buffers and one sealed frame to open. */
    @Setup
    public void setUp()
    {
        final byte[][] keys = {X25519.generatePrivateKey(), X25519.generatePrivateKey()};
        sealer = new TransferKeys(keys, 1, Long.MAX_VALUE).sealer(1);
        opener = new TransferKeys(new byte[][]{keys[1], keys[0]}, 2, Long.MAX_VALUE).opener(1);
        wire = new UnsafeBuffer(ByteBuffer.allocateDirect(frameLength + FrameSealer.OVERHEAD));
        plain = new UnsafeBuffer(ByteBuffer.allocateDirect(frameLength));
        for (int i = 0; i < frameLength; i++)
        {
            wire.putByte(FrameSealer.HEADER_LENGTH + i, (byte)(i * 31));
        }
    }

    /**
     * Seal a frame in place, then open it: a frame's whole cost between the two engines.
     *
     * @return the inner length opened.
     */
    @Benchmark
    public int sealAndOpen()
    {
        sealedLength = sealer.seal(wire, 0, frameLength);
        if (FrameOpener.OPENED != opener.open(wire, 0, sealedLength, plain))
        {
            throw new IllegalStateException("a sealed frame failed to open");
        }
        return opener.frameLength();
    }
}
