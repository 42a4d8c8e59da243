package org.pkram.cli;

import java.util.Set;

/**
 * One {@code pkram} verb: its usage, the options it takes, and what it does.
 */
interface Command
{
    /**
     * @return the verb, e.g. {@code save}.
     */
    String name();

    /**
     * @return the one-line synopsis after {@code pkram}, e.g. {@code save NODE FILE...}.
     */
    String synopsis();

    /**
     * @return what the command does, in a few words, for the list of commands.
     */
    String summary();

    /**
     * @return the body of {@code --help}: what the command does and its options, one per line.
     */
    String help();

    /**
     * @return the command's options that take a value (global ones are added by the parser).
     */
    default Set<String> valueOptions()
    {
        return Set.of();
    }

    /**
     * @return the command's options that take no value.
     */
    default Set<String> flagOptions()
    {
        return Set.of();
    }

    /**
     * @return true when every token after the first operand is an operand too ({@code exec CMD ARGS...}).
     */
    default boolean operandsEndOptions()
    {
        return false;
    }

    /**
     * Run the command.
     *
     * @param context the memory file, the boot parameter and the output streams.
     * @param args    the parsed command line.
     * @return the exit status.
     * @throws Exception an operation error (exit 1) or a {@link UsageException} (exit 2).
     */
    int run(CliContext context, Args args) throws Exception;
}
