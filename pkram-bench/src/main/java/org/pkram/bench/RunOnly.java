package org.pkram.bench;

import java.util.regex.Pattern;

import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * What each benchmark class's {@code main} does: run that class's benchmarks alone, failing on the first
 * error.
 */
final class RunOnly
{
    private RunOnly()
    {
    }

    /**
     * @param type the benchmark class.
     * @throws RunnerException when JMH cannot run or a benchmark fails.
     */
    static void run(final Class<?> type) throws RunnerException
    {
        new Runner(new OptionsBuilder()
            .include("^" + Pattern.quote(type.getName()) + "\\.")
            .shouldFailOnError(true)
            .build()).run();
    }
}
