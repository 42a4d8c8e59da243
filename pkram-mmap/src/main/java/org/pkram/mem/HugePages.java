package org.pkram.mem;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Whether a memory file can be backed by huge pages, read from the system rather than assumed: the file's mount
 * in {@code /proc/self/mountinfo} (a tmpfs mounted {@code huge=always} or {@code within_size}, or hugetlbfs) and,
 * for {@code /dev/shm} files and memfds that have no such option, the machine-wide
 * {@code /sys/kernel/mm/transparent_hugepage/shmem_enabled} ({@code force} and {@code deny} override every
 * mount). With huge pages, a folio of order 9 or more is 2 MiB-aligned in the file by construction (folios are
 * naturally aligned in pfns), so it is one huge page; the mapping is advised {@code MADV_HUGEPAGE} for
 * {@code huge=advise}.
 *
 * @param huge        the file's pages may be huge pages.
 * @param needsAdvice only where the mapping is advised {@code MADV_HUGEPAGE}.
 * @param description what was found, for messages: e.g. {@code tmpfs /mnt/pkram-huge huge=always}.
 */
public record HugePages(boolean huge, boolean needsAdvice, String description)
{
    private static final Path SHMEM_ENABLED = Path.of("/sys/kernel/mm/transparent_hugepage/shmem_enabled");

    /**
     * @param file a memory file, or a descriptor path ({@code /proc/PID/fd/N}).
     * @return what backs it.
     */
    public static HugePages of(final Path file)
    {
        final String shmem = shmemEnabled();
        if (shmem.equals("force") || shmem.equals("deny"))
        {
            return new HugePages(shmem.equals("force"), false, "shmem_enabled=" + shmem + " (every tmpfs)");
        }
        if (Handover.isMemfd(file))
        {
            final boolean huge = shmem.equals("always") || shmem.equals("within_size") || shmem.equals("advise");
            return new HugePages(huge, shmem.equals("advise"), "memfd, shmem_enabled=" + shmem);
        }
        final String[] mount = mountOf(file);
        if (mount == null)
        {
            return new HugePages(false, false, "unknown file system");
        }
        final String where = mount[1] + " " + mount[0];
        if (mount[1].equals("hugetlbfs"))
        {
            return new HugePages(true, false, where);
        }
        if (!mount[1].equals("tmpfs"))
        {
            return new HugePages(false, false, where + " (no huge pages: not a tmpfs)");
        }
        String option = "never";
        for (final String o : mount[2].split(","))
        {
            if (o.startsWith("huge="))
            {
                option = o.substring("huge=".length());
            }
        }
        final boolean huge = option.equals("always") || option.equals("within_size") || option.equals("advise");
        return new HugePages(huge, option.equals("advise"), where + " huge=" + option);
    }

    /**
     * @return the bracketed word of {@code shmem_enabled}, or {@code never} when it cannot be read.
     */
    static String shmemEnabled()
    {
        try
        {
            final String text = Files.readString(SHMEM_ENABLED);
            final int open = text.indexOf('[');
            final int close = text.indexOf(']', open + 1);
            return open >= 0 && close > open ? text.substring(open + 1, close) : "never";
        }
        catch (final IOException | RuntimeException ex)
        {
            return "never";
        }
    }

    /**
     * @return {mount point, file system type, super options} of the mount holding {@code file} (the longest mount
     *         point that contains it, the last one listed when mounts are stacked), or null.
     */
    private static String[] mountOf(final Path file)
    {
        final String path;
        final List<String> lines;
        try
        {
            path = file.toAbsolutePath().getParent().toRealPath().toString();
            lines = Files.readAllLines(Path.of("/proc/self/mountinfo"));
        }
        catch (final IOException | RuntimeException ex)
        {
            return null;
        }
        String[] best = null;
        for (final String line : lines)
        {
            final String[] fields = line.split(" ");
            final int dash = line.indexOf(" - ");
            if (fields.length < 5 || dash < 0)
            {
                continue;
            }
            final String point = fields[4].replace("\\040", " ");
            final String[] tail = line.substring(dash + 3).split(" ");
            if (tail.length < 3 || !(path.equals(point) || path.startsWith(point.endsWith("/") ? point : point + "/")))
            {
                continue;
            }
            if (best == null || point.length() >= best[0].length())
            {
                best = new String[] {point, tail[0], tail[2]};
            }
        }
        return best;
    }
}
