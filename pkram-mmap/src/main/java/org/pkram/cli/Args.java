package org.pkram.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed command line: {@code --name value} or {@code --name=value} options, flags, and operands.
 * {@code --} ends the options; {@code -h} and {@code -v} are {@code --help} and {@code --verbose}.
 */
final class Args
{
    private final Map<String, String> values = new HashMap<>();
    private final Set<String> flags = new HashSet<>();
    private final List<String> operands = new ArrayList<>();

    private Args()
    {
    }

    /**
     * @param tokens           the words after the command name.
     * @param valueOptions     options that take a value.
     * @param flagOptions      options that take none.
     * @param operandsEndOptions once the first operand is seen, the rest are operands too.
     * @return the parsed line.
     * @throws UsageException on an unknown option or a missing value.
     */
    static Args parse(
        final List<String> tokens,
        final Set<String> valueOptions,
        final Set<String> flagOptions,
        final boolean operandsEndOptions) throws UsageException
    {
        final Args args = new Args();
        boolean optionsEnded = false;
        for (int i = 0; i < tokens.size(); i++)
        {
            final String token = tokens.get(i);
            if (optionsEnded || !isOption(token))
            {
                args.operands.add(token);
                optionsEnded |= operandsEndOptions;
                continue;
            }
            if (token.equals("--"))
            {
                optionsEnded = true;
                continue;
            }
            final int eq = token.indexOf('=');
            final String name = canonical(eq < 0 ? token : token.substring(0, eq));
            if (valueOptions.contains(name))
            {
                if (eq >= 0)
                {
                    args.values.put(name, token.substring(eq + 1));
                }
                else if (i + 1 < tokens.size())
                {
                    args.values.put(name, tokens.get(++i));
                }
                else
                {
                    throw new UsageException("option " + name + " needs a value");
                }
            }
            else if (flagOptions.contains(name))
            {
                if (eq >= 0)
                {
                    throw new UsageException("option " + name + " takes no value");
                }
                args.flags.add(name);
            }
            else
            {
                throw new UsageException("unknown option: " + (eq < 0 ? token : name));
            }
        }
        return args;
    }

    static boolean isOption(final String token)
    {
        return token.startsWith("-") && token.length() > 1;
    }

    static String canonical(final String name)
    {
        return switch (name)
        {
            case "-h" -> "--help";
            case "-v" -> "--verbose";
            default -> name;
        };
    }

    /**
     * @param name an option that takes a value.
     * @return its value, or null when not given.
     */
    String value(final String name)
    {
        return values.get(name);
    }

    /**
     * @param name a flag.
     * @return true when given.
     */
    boolean flag(final String name)
    {
        return flags.contains(name);
    }

    /**
     * @return the operands, in order.
     */
    List<String> operands()
    {
        return operands;
    }

    /**
     * @param name     an option taking a whole number.
     * @param fallback the value when it is not given.
     * @param min      the smallest value allowed.
     * @param max      the largest value allowed.
     * @return the number.
     * @throws UsageException when it is not a number in range.
     */
    int intValue(final String name, final int fallback, final int min, final int max) throws UsageException
    {
        final String text = values.get(name);
        if (text == null)
        {
            return fallback;
        }
        try
        {
            final int value = Integer.parseInt(text.trim());
            if (value < min || value > max)
            {
                throw new UsageException("option " + name + " out of range: " + text + " (" + min + ".." + max + ")");
            }
            return value;
        }
        catch (final NumberFormatException ex)
        {
            throw new UsageException("option " + name + " is not a number: " + text);
        }
    }

    /**
     * Check the operand count.
     *
     * @param min   fewest operands.
     * @param max   most operands.
     * @param names what the operands are, for the message, e.g. {@code "NODE"}.
     * @throws UsageException when there are too few or too many.
     */
    void expectOperands(final int min, final int max, final String names) throws UsageException
    {
        if (operands.size() < min)
        {
            throw new UsageException("missing " + names);
        }
        if (operands.size() > max)
        {
            throw new UsageException("unexpected operand: " + operands.get(max));
        }
    }
}
