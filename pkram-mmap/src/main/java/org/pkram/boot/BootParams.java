package org.pkram.boot;

import org.pkram.error.InvalidArgumentException;

import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The {@code pkram=<hex pfn>} boot parameter of a process. Parsed like the kernel's
 * {@code early_param("pkram")} ({@code kstrtoul(arg, 16, ...)}): hexadecimal, an optional {@code 0x}.
 * <p>
 * Where it comes from, first found wins: an explicit value (API argument or CLI {@code --pkram}),
 * the system property {@code -Dpkram=}, the environment variable {@code PKRAM}, and, for the CLI
 * and launcher only, the pfn file (the answer to "who appends pkram= for the next kernel?").
 */
public final class BootParams
{
    /** The system property and environment variable name. */
    public static final String PROPERTY = "pkram";

    /** The environment variable. */
    public static final String ENV = "PKRAM";

    private BootParams()
    {
    }

    /**
     * @param text   hex digits, optionally with {@code 0x}.
     * @param source where the text came from, for the error message.
     * @return the pfn.
     * @throws InvalidArgumentException (EINVAL) not a hex number in range.
     */
    public static long parseHexPfn(final String text, final String source)
    {
        String digits = text.trim();
        if (digits.startsWith("pkram="))
        {
            digits = digits.substring("pkram=".length());
        }
        if (digits.startsWith("0x") || digits.startsWith("0X"))
        {
            digits = digits.substring(2);
        }
        if (digits.isEmpty() || digits.length() > 16)
        {
            throw new InvalidArgumentException("pkram= is not a hex pfn: value=" + text + ", source=" + source);
        }
        try
        {
            final long pfn = Long.parseUnsignedLong(digits, 16);
            if (pfn < 0)
            {
                throw new InvalidArgumentException("pkram= pfn out of range: value=" + text + ", source=" + source);
            }
            return pfn;
        }
        catch (final NumberFormatException ex)
        {
            throw new InvalidArgumentException("pkram= is not a hex pfn: value=" + text + ", source=" + source);
        }
    }

    /**
     * The boot parameter from the process: {@code -Dpkram=}, then {@code PKRAM}.
     *
     * @return the pfn, or empty when neither is set (or set empty).
     */
    public static OptionalLong fromProcess()
    {
        return fromProcess(System.getProperty(PROPERTY), System.getenv());
    }

    static OptionalLong fromProcess(final String property, final Map<String, String> env)
    {
        if (property != null && !property.isBlank())
        {
            return OptionalLong.of(parseHexPfn(property, "-D" + PROPERTY));
        }
        final String fromEnv = env.get(ENV);
        if (fromEnv != null && !fromEnv.isBlank())
        {
            return OptionalLong.of(parseHexPfn(fromEnv, "env " + ENV));
        }
        return OptionalLong.empty();
    }

    /**
     * Resolve the pfn the way the CLI and launcher do: explicit, property, environment, pfn file.
     *
     * @param explicit   an explicit value ({@code --pkram}), or null.
     * @param memoryFile the memory file whose pfn file is the last resort.
     * @return the pfn, or empty: boot fresh.
     */
    public static OptionalLong resolve(final String explicit, final Path memoryFile)
    {
        if (explicit != null)
        {
            return OptionalLong.of(parseHexPfn(explicit, "--pkram"));
        }
        final OptionalLong fromProcess = fromProcess();
        if (fromProcess.isPresent())
        {
            return fromProcess;
        }
        return PfnFile.read(PfnFile.of(memoryFile));
    }
}
