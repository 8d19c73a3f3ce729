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
            workCount += driverInvoker.invoke();
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
