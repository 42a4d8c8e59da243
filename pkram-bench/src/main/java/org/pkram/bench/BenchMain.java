package org.pkram.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import org.openjdk.jmh.runner.NoBenchmarksException;
import org.openjdk.jmh.runner.ProfilersFailedException;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.pkram.mem.JvmFlags;

/**
 * The main class of {@code benchmarks.jar}: JMH's own command line ({@code org.openjdk.jmh.Main}, same options,
 * same exit codes), with the JVM flags pkram needs added to every fork. The flags come from the resource
 * {@code org/pkram/jvm-flags.txt} ({@link JvmFlags#required()}), which the build filters from the parent pom's
 * {@code pkram.jvm.flags}, the list surefire and the {@code ./pkram} launcher use too.
 * <p>
 * How JMH combines the fork's JVM arguments: {@code jvmArgsPrepend}, then {@code jvmArgs} (by default this JVM's
 * own arguments), then {@code jvmArgsAppend}; for each of the three, a value in the options replaces the one in
 * the {@code @Fork} annotation. pkram's flags therefore go in the options' {@code jvmArgsAppend}, followed by
 * any {@code -jvmArgsAppend} given on the command line, and a class's own extra flags (heap, the peers' flags) go in
 * its {@code @Fork(jvmArgsPrepend = ...)}, which only a {@code -jvmArgsPrepend} on the command line replaces.
 * <p>
 * With {@code -f 0} the benchmarks run in this JVM, which then needs the flags on its own command line.
 * <p>
 * Usage: {@code java -jar benchmarks.jar [JMH options] [patterns]} ({@code -h} lists the options).
 */
public final class BenchMain
{
    private BenchMain()
    {
    }

    /**
     * @param args JMH's command line.
     * @throws IOException when the help text cannot be printed.
     */
    public static void main(final String[] args) throws IOException
    {
        exitOnFailure(run(args, null));
    }

    /**
     * What a benchmark class's {@code main} does ({@link BaseBenchmark#main(String[])}): run that class's
     * benchmarks alone, failing on the first error unless {@code -foe false} is given.
     *
     * @param args JMH options; patterns are refused, the class is the pattern.
     * @param type the benchmark class.
     * @throws IOException when the help text cannot be printed.
     */
    static void runOnly(final String[] args, final Class<?> type) throws IOException
    {
        exitOnFailure(run(args, type));
    }

    /**
     * @param args JMH's command line.
     * @param only the one class to run, or null for the patterns on the command line.
     * @return the exit status: 0 when everything that was asked for ran.
     * @throws IOException when the help text cannot be printed.
     */
    static int run(final String[] args, final Class<?> only) throws IOException
    {
        final CommandLineOptions cmd;
        try
        {
            cmd = new CommandLineOptions(args);
        }
        catch (final CommandLineOptionException ex)
        {
            System.err.println("Error parsing command line:");
            System.err.println(" " + ex.getMessage());
            return 1;
        }
        if (cmd.shouldHelp())
        {
            cmd.showHelp();
            return 0;
        }
        if (only != null && !cmd.getIncludes().isEmpty())
        {
            // JMH ORs the patterns with the class's own, which would run other classes' benchmarks too.
            System.err.println(only.getSimpleName() + " runs all of its own benchmarks and takes no patterns " +
                "(given: " + cmd.getIncludes() + "); use -e to leave some out, or java -jar benchmarks.jar " +
                only.getSimpleName() + ".method");
            return 1;
        }

        final Runner runner = new Runner(withFlags(cmd, only));
        if (cmd.shouldList())
        {
            runner.list();
            return 0;
        }
        if (cmd.shouldListWithParams())
        {
            runner.listWithParams(cmd);
            return 0;
        }
        if (cmd.shouldListProfilers())
        {
            cmd.listProfilers();
            return 0;
        }
        if (cmd.shouldListResultFormats())
        {
            cmd.listResultFormats();
            return 0;
        }
        try
        {
            runner.run();
            return 0;
        }
        catch (final NoBenchmarksException ex)
        {
            System.err.println("No matching benchmarks. Miss-spelled regexp? (-l lists them)");
            return 1;
        }
        catch (final ProfilersFailedException ex)
        {
            // Not a benchmark failure: print what the profilers said and exit non-zero, as JMH does.
            for (Throwable cause = ex; cause != null; cause = cause.getCause())
            {
                System.err.println(cause.getMessage());
                for (final Throwable suppressed : cause.getSuppressed())
                {
                    System.err.println(suppressed.getMessage());
                }
            }
            return 1;
        }
        catch (final RunnerException ex)
        {
            System.err.print("ERROR: ");
            ex.printStackTrace(System.err);
            return 1;
        }
    }

    /**
     * The command line's options, with pkram's flags appended to every fork's JVM arguments (before the command
     * line's own {@code -jvmArgsAppend}).
     *
     * @param cmd  JMH's parsed command line.
     * @param only the one class to run, or null.
     * @return the options to run with.
     */
    static Options withFlags(final CommandLineOptions cmd, final Class<?> only)
    {
        // The command line's own -jvmArgsAppend last, so that it has the last word.
        final List<String> append = new ArrayList<>(JvmFlags.required());
        append.addAll(cmd.getJvmArgsAppend().orElse(List.of()));
        final ChainedOptionsBuilder builder = new OptionsBuilder()
            .parent(cmd)
            .jvmArgsAppend(append.toArray(new String[0]));
        if (only != null)
        {
            builder.include("^" + Pattern.quote(only.getName()) + "\\.");
            if (!cmd.shouldFailOnError().hasValue())
            {
                builder.shouldFailOnError(true);
            }
        }
        return builder.build();
    }

    private static void exitOnFailure(final int status)
    {
        if (status != 0)
        {
            System.exit(status);
        }
    }
}
