package org.pkram.mem;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

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
    private static final Pattern DESCRIPTOR_PATH = Pattern.compile("/proc/(self|[1-9][0-9]*)/fd/(0|[1-9][0-9]*)");

    private Handover()
    {
    }

    /**
     * @param path a memory file path.
     * @return true when it names a descriptor ({@code /proc/self/fd/N} or {@code /proc/PID/fd/N}).
     */
    public static boolean isDescriptorPath(final Path path)
    {
        return path != null && DESCRIPTOR_PATH.matcher(path.toString()).matches();
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
        final java.util.regex.Matcher m = DESCRIPTOR_PATH.matcher(path.toString());
        if (!m.matches() || !(m.group(1).equals("self") || m.group(1).equals(Long.toString(ProcessHandle.current()
            .pid()))))
        {
            throw new IllegalArgumentException("not a descriptor of this process: " + path);
        }
        return Integer.parseInt(m.group(2));
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
