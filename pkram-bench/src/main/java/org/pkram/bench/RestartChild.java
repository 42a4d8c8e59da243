package org.pkram.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The process {@link ProcessRestartBenchmark} starts once per measured restart: a new JVM that takes over a
 * system's files, gets to ready, says so, and on a line from its parent shuts down and says what the next
 * process needs.
 * <p>
 * Protocol, one line each on standard output: {@code ready CHECK} once ready (the parent stops its clock on
 * it); then, after any line on standard input, {@code closed HANDOVER}; or {@code error MESSAGE} and exit
 * status 1 when the state did not come back whole. The system {@code jvm} is JVM start alone: it says ready
 * before touching any class of pkram or of a peer.
 * <p>
 * Arguments: {@code SYSTEM DIR COUNT READY HANDOVER}, as {@link RestartState#adopt} takes them; or
 * {@code build SYSTEM DIR COUNT}, which builds the system's state in {@code DIR}, prints its handover and exits,
 * so that a benchmark can have its files made without loading any of the system's classes itself.
 */
public final class RestartChild
{
    private RestartChild()
    {
    }

    /**
     * @param args {@code SYSTEM DIR COUNT READY HANDOVER}.
     * @throws Exception whatever the system throws; the parent reports the child's standard error.
     */
    public static void main(final String[] args) throws Exception
    {
        final PrintStream out = System.out;
        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        final String system = args[0];
        if ("build".equals(system))
        {
            final RestartState state = RestartState.of(args[1]);
            state.build(Path.of(args[2]), Integer.parseInt(args[3]));
            state.delete();
            out.println(state.handover());
            out.flush();
            return;
        }
        if ("jvm".equals(system))
        {
            out.println("ready 0");
            out.flush();
            in.readLine();
            out.println("closed -");
            out.flush();
            return;
        }
        final int count = Integer.parseInt(args[2]);
        final Ready ready = Ready.of(args[3]);
        final RestartState state = RestartState.of(ProcessRestartBenchmark.stateOf(system));
        state.adopt(Path.of(args[1]), count, args[4]);
        final long check = state.restartToReady(ready);
        if (check != ready.expected(count))
        {
            out.println("error wrong values after restart: system=" + system + ", ready=" + ready.label() +
                ", check=" + check + ", expected=" + ready.expected(count));
            out.flush();
            System.exit(1);
        }
        out.println("ready " + check);
        out.flush();
        in.readLine();
        state.shutDown();
        out.println("closed " + state.handover());
        out.flush();
    }
}
