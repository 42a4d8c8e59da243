package org.pkram.bench;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.pkram.mem.JvmFlags;

/**
 * What every benchmark class shares: one fork, times in milliseconds, one instance per trial shared by its
 * threads, a check at the start of each trial that the fork got pkram's JVM flags, and a {@code main} that runs
 * the class alone. The average-time classes extend {@link AverageTimeBenchmark}, which adds the mode and the
 * iterations; the single-shot ones set theirs.
 * <p>
 * JMH takes each of these annotations from the nearest class that sets it, attribute by attribute for
 * {@code @Fork}: a subclass's {@code @Fork(jvmArgsPrepend = ...)} keeps the one fork set here. pkram's JVM flags
 * are in no annotation: {@link BenchMain} adds them to every fork from the one list the build writes.
 */
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@State(Scope.Benchmark)
public abstract class BaseBenchmark
{
    /**
     * For the subclasses, which JMH makes.
     */
    protected BaseBenchmark()
    {
    }

    /**
     * Fails the trial at once, naming the missing flags, when the fork was started without pkram's JVM flags
     * (run through {@code org.openjdk.jmh.Main} instead of {@link BenchMain}, say), before the class's own
     * set-up can fail on them less clearly (an {@code IllegalAccessError} from Agrona) or not at all.
     * <p>
     * The check is the set-up of {@link FlagsChecked}, which this method asks for: JMH runs the set-ups of one
     * state object in the order of their names (here the subclass's own would come first), but the states a
     * set-up takes as arguments before any of them.
     *
     * @param checked the state whose set-up checked the flags.
     */
    @Setup(Level.Trial)
    public void requireJvmFlags(final FlagsChecked checked)
    {
        // Nothing left to do: JMH set up the argument, and so checked the flags, before this instance's set-ups.
    }

    /**
     * Runs this class's benchmarks alone through {@link BenchMain}, with pkram's flags in the forks, failing on
     * the first error: {@code java -cp benchmarks.jar org.pkram.bench.FolioBenchmark [JMH options]}. An instance
     * {@code main} (JDK 25), so that the launcher finds it in every subclass and {@link #getClass()} names the
     * class it was started for.
     *
     * @param args JMH options, without patterns.
     * @throws IOException when the help text cannot be printed.
     */
    public void main(final String[] args) throws IOException
    {
        BenchMain.runOnly(args, getClass());
    }

    /**
     * A state whose trial set-up checks that the fork has pkram's JVM flags.
     */
    @State(Scope.Benchmark)
    public static class FlagsChecked
    {
        /**
         * Made by JMH.
         */
        public FlagsChecked()
        {
        }

        /**
         * Checks the flags, once per trial.
         *
         * @throws IllegalStateException naming the missing flags.
         */
        @Setup(Level.Trial)
        public void check()
        {
            JvmFlags.check();
        }
    }
}
