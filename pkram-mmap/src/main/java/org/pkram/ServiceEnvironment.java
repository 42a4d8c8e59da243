package org.pkram;

import org.pkram.error.InvalidArgumentException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a service finds its memory, shared by {@link Pkram#fromEnvironment()}, the {@code pkram} command and
 * {@code pkram exec}: the memory file from {@code -Dpkram.mem} or {@code $PKRAM_MEM} (else
 * {@code /dev/shm/pkram.mem}), its size for a first start from {@code -Dpkram.size} or {@code $PKRAM_SIZE},
 * and the exit status that asks {@code pkram exec} for a restart.
 */
public final class ServiceEnvironment
{
    /** System property naming the memory file. */
    public static final String MEM_PROPERTY = "pkram.mem";
    /** Environment variable naming the memory file. */
    public static final String MEM_ENV = "PKRAM_MEM";
    /** System property giving the size to create the memory file with when it does not exist. */
    public static final String SIZE_PROPERTY = "pkram.size";
    /** Environment variable giving the size to create the memory file with when it does not exist. */
    public static final String SIZE_ENV = "PKRAM_SIZE";
    /** The memory file's name in the default directory. */
    public static final String DEFAULT_NAME = "pkram.mem";
    /**
     * The exit status that asks {@code pkram exec} to run the service again: {@code EX_TEMPFAIL} of
     * {@code sysexits.h}, "try again".
     */
    public static final int RESTART_EXIT_CODE = 75;

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([KMGT]?)(I?B)?");

    private ServiceEnvironment()
    {
    }

    /**
     * The memory file: {@code explicit}, else the property, else the environment variable, else
     * {@code /dev/shm/pkram.mem}, else {@code pkram.mem} in {@code java.io.tmpdir} on a machine without
     * {@code /dev/shm}.
     *
     * @param explicit a path given on a command line, or null.
     * @param env      the environment.
     * @param props    the system properties.
     * @return the path.
     */
    public static Path memoryFile(final String explicit, final Map<String, String> env, final Properties props)
    {
        for (final String candidate : new String[] {explicit, props.getProperty(MEM_PROPERTY), env.get(MEM_ENV)})
        {
            if (candidate != null && !candidate.isEmpty())
            {
                return Path.of(candidate);
            }
        }
        return ramDirectory().resolve(DEFAULT_NAME);
    }

    /**
     * @return {@code /dev/shm} when it exists (tmpfs: RAM that outlives a process), else the temp directory.
     */
    public static Path ramDirectory()
    {
        final Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    }

    /**
     * A service's boot options: its memory file, resumed; created with the configured size on a first start
     * when one is given; a shutdown hook.
     *
     * @param env   the environment.
     * @param props the system properties.
     * @return the options.
     * @throws InvalidArgumentException (EINVAL) a size that is not one.
     */
    public static PkramOptions options(final Map<String, String> env, final Properties props)
    {
        final PkramOptions options = PkramOptions.of(memoryFile(null, env, props));
        final String size = props.getProperty(SIZE_PROPERTY, env.get(SIZE_ENV));
        return size == null || size.isBlank() ? options : options.createIfAbsent(parseSize(size));
    }

    /**
     * Parse a byte size: {@code 4096}, {@code 64K}, {@code 512M}, {@code 8G}, {@code 1T}; binary units, an optional
     * {@code B} or {@code iB}.
     *
     * @param text the size.
     * @return bytes.
     * @throws InvalidArgumentException (EINVAL) "not a size: ..." or "too large: ...".
     */
    public static long parseSize(final String text)
    {
        final Matcher m = SIZE.matcher(text.trim().toUpperCase(Locale.ROOT));
        if (!m.matches() || (m.group(2).isEmpty() && m.group(3) != null && m.group(3).equals("IB")))
        {
            throw new InvalidArgumentException("not a size: " + text + " (e.g. 4096, 512M, 8G)");
        }
        final int shift = switch (m.group(2))
        {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            default -> 0;
        };
        try
        {
            final long number = Long.parseLong(m.group(1));
            if (number > (Long.MAX_VALUE >> shift))
            {
                throw new NumberFormatException();
            }
            return number << shift;
        }
        catch (final NumberFormatException ex)
        {
            throw new InvalidArgumentException("too large: " + text);
        }
    }
}
