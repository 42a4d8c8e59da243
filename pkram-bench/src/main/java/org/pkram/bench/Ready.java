package org.pkram.bench;

import java.util.Locale;

/**
 * What "ready" means at the end of a measured restart ({@link RestartBenchmark#ready},
 * {@link ProcessRestartBenchmark#ready}).
 * <p>
 * A service is ready to serve once every value is reachable; it is warm once the values have been read. The
 * two differ by the cost of first touching every page, which on a virtual machine moves by 10× from day to
 * day, so each run measures both and the {@code touch} floor beside them.
 */
enum Ready
{
    /**
     * Every value reachable and its first 8 bytes read: the check is the sum of those 8 bytes over all
     * values, {@link RestartState#expectedSum(int)}.
     */
    WARM,

    /**
     * Every value reachable and none read (pkram: booted and every folio indexed; LMDB and Chronicle Map:
     * opened; a file: read into the heap, as that is how it becomes reachable). The check is the number of
     * values reachable.
     */
    SERVE;

    /**
     * @param name {@code warm} or {@code serve}, as the JMH parameter spells it.
     * @return the constant.
     */
    static Ready of(final String name)
    {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }

    /**
     * @param count values in the state.
     * @return what {@link RestartState#restartToReady(Ready)} returns when every value came back.
     */
    long expected(final int count)
    {
        return this == WARM ? RestartState.expectedSum(count) : count;
    }

    /**
     * @return the name as the JMH parameter spells it.
     */
    String label()
    {
        return name().toLowerCase(Locale.ROOT);
    }
}
