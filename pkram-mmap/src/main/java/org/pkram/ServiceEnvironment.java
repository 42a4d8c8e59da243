package org.pkram;

import org.pkram.error.InvalidArgumentException;
import org.pkram.mem.Handover;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a service finds its memory, shared by {@link Pkram#fromEnvironment()}, the {@code pkram} command and
 * {@code pkram exec}: the memory file from {@code -Dpkram.mem} or {@code $PKRAM_MEM} (else a descriptor systemd
 * passed as {@code pkram}, else {@code /dev/shm/pkram.mem}), or a descriptor ({@code fd:N}, {@code fd:NAME},
 * {@code memfd:NAME}); its size for a first start from {@code -Dpkram.size} or {@code $PKRAM_SIZE}; and the exit
 * status that asks {@code pkram exec} for a restart.
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

    /** The name a service's memfd has in systemd's fd store ({@code FDNAME=pkram}). */
    public static final String DEFAULT_FD_NAME = "pkram";
    /** The first descriptor systemd passes ({@code SD_LISTEN_FDS_START}). */
    public static final int LISTEN_FDS_START = 3;

    private static final String FD_PREFIX = "fd:";
    private static final String MEMFD_PREFIX = "memfd:";
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([KMGT]?)(I?B)?");

    private ServiceEnvironment()
    {
    }

    /**
     * The memory: {@code explicit}, else the property, else the environment variable, else a descriptor named
     * {@code pkram} that systemd passed ({@code LISTEN_FDNAMES}), else {@code /dev/shm/pkram.mem}, else
     * {@code pkram.mem} in {@code java.io.tmpdir} on a machine without {@code /dev/shm}.
     * <p>
     * Besides a path, the value may name a descriptor: {@code fd:N} (descriptor N of this process),
     * {@code fd:NAME} (the descriptor systemd passed under that name, {@code LISTEN_FDS} /
     * {@code LISTEN_FDNAMES} / {@code LISTEN_PID}), or {@code memfd:NAME} (the same, when there is one; else
     * {@link #newMemfdName} says a new memfd is wanted). A descriptor is reached as {@code /proc/self/fd/N}.
     *
     * @param explicit a path given on a command line, or null.
     * @param env      the environment.
     * @param props    the system properties.
     * @return the path.
     * @throws InvalidArgumentException (EINVAL) a malformed descriptor, or a name systemd did not pass.
     */
    public static Path memoryFile(final String explicit, final Map<String, String> env, final Properties props)
    {
        final String value = configured(explicit, env, props);
        if (value == null)
        {
            final int listened = listenedDescriptor(DEFAULT_FD_NAME, env);
            return listened >= 0 ? Handover.ofDescriptor(listened) : ramDirectory().resolve(DEFAULT_NAME);
        }
        if (value.startsWith(FD_PREFIX))
        {
            final String fd = value.substring(FD_PREFIX.length());
            if (fd.matches("[0-9]{1,9}"))
            {
                return Handover.ofDescriptor(Integer.parseInt(fd));
            }
            final int listened = listenedDescriptor(fd, env);
            if (listened < 0)
            {
                throw new InvalidArgumentException("no descriptor named " + fd + " was passed to this process " +
                    "(LISTEN_FDNAMES=" + env.getOrDefault("LISTEN_FDNAMES", "") + ", LISTEN_PID=" +
                    env.getOrDefault("LISTEN_PID", "") + "): memory=" + value);
            }
            return Handover.ofDescriptor(listened);
        }
        if (value.startsWith(MEMFD_PREFIX))
        {
            final int listened = listenedDescriptor(value.substring(MEMFD_PREFIX.length()), env);
            return listened >= 0 ? Handover.ofDescriptor(listened) : null;
        }
        return Path.of(value);
    }

    /**
     * @param env   the environment.
     * @param props the system properties.
     * @return the name of the memfd to create, when the memory is configured as {@code memfd:NAME} and no
     *         descriptor of that name was passed; null otherwise.
     */
    public static String newMemfdName(final Map<String, String> env, final Properties props)
    {
        final String value = configured(null, env, props);
        if (value == null || !value.startsWith(MEMFD_PREFIX))
        {
            return null;
        }
        final String name = value.substring(MEMFD_PREFIX.length());
        if (!name.matches("[A-Za-z0-9_.-]{1,64}"))
        {
            throw new InvalidArgumentException("memfd name must be 1 to 64 of [A-Za-z0-9_.-]: memory=" + value);
        }
        return listenedDescriptor(name, env) < 0 ? name : null;
    }

    /**
     * The descriptor systemd passed under {@code name}: {@code LISTEN_PID} must be this process (the variables
     * are not this process's otherwise), descriptors start at 3 ({@code SD_LISTEN_FDS_START}) in the order
     * of the colon-separated {@code LISTEN_FDNAMES}.
     *
     * @param name the name ({@code FDNAME=} when it was stored).
     * @param env  the environment.
     * @return the descriptor, or -1.
     */
    public static int listenedDescriptor(final String name, final Map<String, String> env)
    {
        final String pid = env.get("LISTEN_PID");
        final String count = env.get("LISTEN_FDS");
        final String names = env.get("LISTEN_FDNAMES");
        if (pid == null || count == null || names == null ||
            !pid.equals(Long.toString(ProcessHandle.current().pid())) || !count.matches("[0-9]{1,6}"))
        {
            return -1;
        }
        final String[] listed = names.split(":", -1);
        final int fds = Integer.parseInt(count);
        for (int i = 0; i < Math.min(fds, listed.length); i++)
        {
            if (listed[i].equals(name))
            {
                return LISTEN_FDS_START + i;
            }
        }
        return -1;
    }

    private static String configured(final String explicit, final Map<String, String> env, final Properties props)
    {
        for (final String candidate : new String[] {explicit, props.getProperty(MEM_PROPERTY), env.get(MEM_ENV)})
        {
            if (candidate != null && !candidate.isEmpty())
            {
                return candidate;
            }
        }
        return null;
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
        final Path memory = memoryFile(null, env, props);
        if (memory == null)
        {
            throw new InvalidArgumentException("the memory is a new memfd: create it first (Pkram.fromEnvironment " +
                "does): memory=" + configured(null, env, props));
        }
        return PkramOptions.of(memory).createIfAbsent(size(env, props));
    }

    /**
     * @param env   the environment.
     * @param props the system properties.
     * @return the size to create the memory with ({@code -Dpkram.size}, else {@code PKRAM_SIZE}), 0 when none.
     * @throws InvalidArgumentException (EINVAL) a size that is not one.
     */
    public static long size(final Map<String, String> env, final Properties props)
    {
        final String size = props.getProperty(SIZE_PROPERTY, env.get(SIZE_ENV));
        return size == null || size.isBlank() ? 0 : parseSize(size);
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
