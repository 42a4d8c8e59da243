package org.pkram.mem;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Memory handed over by descriptor rather than by name (DESIGN section 8): a memfd a supervisor created, or one
 * systemd kept in its fd store. A process reaches such a descriptor through {@code /proc/self/fd/N} (its own,
 * inherited through {@code LISTEN_FDS}) or {@code /proc/PID/fd/N} (its supervisor's, same user): opening that
 * path opens a new description of the same file, so the attach's open file description lock keeps a second
 * owner out exactly as it does for a named file.
 * <p>
 * Such a path is the one place pkram follows a symbolic link: {@code /proc/PID/fd/N} is made by the kernel, not
 * planted by a user, and is refused unless it names a regular file (a memfd is one) owned by this user, mode
 * 0600, like any memory file. No pfn file goes beside it: boot resumes the image the memory names.
 */
public final class Handover
{
    private static final String PROC = "/proc/";
    private static final String FD = "/fd/";
    private static final String SELF = "self";

    private Handover()
    {
    }

    /**
     * @param path a memory file path.
     * @return true when it names a descriptor ({@code /proc/self/fd/N} or {@code /proc/PID/fd/N}).
     */
    public static boolean isDescriptorPath(final Path path)
    {
        return path != null && owner(path.toString()) != null;
    }

    /**
     * @param fd a descriptor of this process.
     * @return the path that reaches it from this process.
     */
    public static Path ofDescriptor(final int fd)
    {
        return Path.of("/proc/self/fd/" + fd);
    }

    /**
     * @param fd a descriptor of this process.
     * @return the path that reaches it from this process and its children, while this process lives.
     */
    public static Path ofDescriptorForChildren(final int fd)
    {
        return Path.of("/proc/" + ProcessHandle.current().pid() + "/fd/" + fd);
    }

    /**
     * @param path a descriptor path of this process ({@code /proc/self/fd/N}).
     * @return N.
     * @throws IllegalArgumentException not such a path.
     */
    public static int descriptorOf(final Path path)
    {
        final String text = path.toString();
        final String owner = owner(text);
        if (owner == null || !(owner.equals(SELF) || owner.equals(Long.toString(ProcessHandle.current().pid()))))
        {
            throw new IllegalArgumentException("not a descriptor of this process: " + path);
        }
        return Integer.parseInt(text.substring(text.indexOf(FD, PROC.length()) + FD.length()));
    }

    /**
     * Parsed by hand, not with a regular expression: every boot asks, and a fresh JVM's first boot would load
     * and compile {@code java.util.regex} for it.
     *
     * @param path a path.
     * @return {@code self} or the pid of {@code /proc/(self|PID)/fd/N} (PID and N decimal, no leading zero but
     *         N = 0), or null for any other path.
     */
    private static String owner(final String path)
    {
        if (!path.startsWith(PROC))
        {
            return null;
        }
        final int fd = path.indexOf(FD, PROC.length());
        if (fd < 0)
        {
            return null;
        }
        final String owner = path.substring(PROC.length(), fd);
        final String number = path.substring(fd + FD.length());
        final boolean ownerOk = owner.equals(SELF) || isDecimal(owner, false);
        return ownerOk && isDecimal(number, true) ? owner : null;
    }

    /**
     * @return true for a decimal number of at most 10 digits without a leading zero ({@code 0} itself only when
     *         {@code zeroAllowed}).
     */
    private static boolean isDecimal(final String text, final boolean zeroAllowed)
    {
        if (text.isEmpty() || text.length() > 10 || (text.charAt(0) == '0' && !(zeroAllowed && text.length() == 1)))
        {
            return false;
        }
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (c < '0' || c > '9')
            {
                return false;
            }
        }
        return true;
    }

    /**
     * @param path a descriptor path.
     * @return true when the descriptor is a memfd ({@code /proc} shows it as {@code /memfd:NAME (deleted)}).
     */
    public static boolean isMemfd(final Path path)
    {
        try
        {
            return isDescriptorPath(path) && Files.readSymbolicLink(path).toString().startsWith("/memfd:");
        }
        catch (final IOException | UnsupportedOperationException ex)
        {
            return false;
        }
    }
}
