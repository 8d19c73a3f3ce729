package io.dwcp.engine.runtime;

import org.agrona.CloseHelper;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * One duty cycle of an engine: invoke the embedded driver (if this thread drives it), invoke the Aeron client
 * conductor, then do the engine's work, and record the longest cycle.
 * <p>
 * Not thread safe: runs on the engine thread.
 */
final class DutyCycleAgent implements Agent
{
    /** Most invocations of the embedded driver in one duty cycle. */
    static final int DRIVER_INVOKES_PER_CYCLE = 64;

    private final String roleName;
    private final AgentInvoker driverInvoker;
    private final AgentInvoker clientInvoker;
    private final Agent engine;
    private final AtomicCounter dutyCycleMaxNs;

    DutyCycleAgent(
        final String roleName,
        final AgentInvoker driverInvoker,
        final AgentInvoker clientInvoker,
        final Agent engine,
        final AtomicCounter dutyCycleMaxNs)
    {
        this.roleName = roleName;
        this.driverInvoker = driverInvoker;
        this.clientInvoker = clientInvoker;
        this.engine = engine;
        this.dutyCycleMaxNs = dutyCycleMaxNs;
    }

    public void onStart()
    {
        if (null != driverInvoker)
        {
            driverInvoker.start();
        }
        clientInvoker.start();
        engine.onStart();
    }

    public int doWork() throws Exception
    {
        final long startNs = System.nanoTime();
        int workCount = 0;
        if (null != driverInvoker)
        {
            // Aeron's sender agent sends at most one MTU per publication per duty cycle, and its receiver reads one
            // datagram per endpoint: invoked once behind a cycle that encoded frames for a millisecond, it let out
            // 9 KB per stripe per millisecond on a 9000-byte MTU. It runs again while it has work, up to a bound.
            for (int i = 0; i < DRIVER_INVOKES_PER_CYCLE; i++)
            {
                final int driverWork = driverInvoker.invoke();
                workCount += driverWork;
                if (0 == driverWork)
                {
                    break;
                }
            }
        }
        workCount += clientInvoker.invoke();
        workCount += engine.doWork();
        dutyCycleMaxNs.proposeMaxOrdered(System.nanoTime() - startNs);
        return workCount;
    }

    public void onClose()
    {
        CloseHelper.quietClose(engine::onClose);
    }

    public String roleName()
    {
        return roleName;
    }
}
