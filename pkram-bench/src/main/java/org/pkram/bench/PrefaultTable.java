package org.pkram.bench;

import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

import org.pkram.bench.ResultsReport.Result;

/**
 * The {@link PrefaultBenchmark} section of {@code restart.md}: per size and fault kind, pkram's prefault and its two
 * floors (the kernel's populate and a Java loop touching each page) on 1 and 2 threads, the speed-up of each, and
 * the goal, 2 threads at least {@link #GOAL}× faster than one, met or not with its gap.
 */
final class PrefaultTable
{
    /** Goal: the prefault on 2 threads at least this many times faster than on 1. */
    static final double GOAL = 1.6;

    private static final String NONE = "–";
    private static final List<String> METHODS = List.of("touch", "populate", "prefault");

    private PrefaultTable()
    {
    }

    /**
     * The table: median single shots, ms.
     */
    static void table(final StringBuilder md, final List<Result> prefault)
    {
        if (prefault.isEmpty())
        {
            return;
        }
        md.append("## Prefault on 1 and 2 threads, ms (`PrefaultBenchmark`)\n\n");
        md.append("Median of ").append(prefault.get(0).raw().length).append(" single shots, each from pages ")
            .append("resident in the tmpfs but mapped nowhere in the process. `prefault`: `Pkram.prefault(threads, ")
            .append("write)` of a booted image of order-9 folios. Floors, no pkram code: `populate`, ")
            .append("`madvise(MADV_POPULATE_READ / _WRITE)` over one range per thread; `touch`, a Java loop ")
            .append("touching one byte of each page (written back for `write`), one range per thread.\n\n");
        md.append("| size | faults | method | 1 thread | 2 threads | speed-up |\n|---:|---|---|---:|---:|---:|\n");
        for (final int size : sizes(prefault))
        {
            for (final boolean write : List.of(false, true))
            {
                for (final String method : METHODS)
                {
                    final Result one = find(prefault, method, size, write, 1);
                    final Result two = find(prefault, method, size, write, 2);
                    if (one == null && two == null)
                    {
                        continue;
                    }
                    final String name = "prefault".equals(method) ? "**prefault**" : method + " (floor)";
                    md.append("| ").append(RestartChart.sizeLabel(size)).append(" | ").append(write ? "write" : "read")
                        .append(" | ").append(name).append(" | ").append(ms(one)).append(" | ").append(ms(two))
                        .append(" | ").append(speedUp(one, two)).append(" |\n");
                }
            }
        }
        md.append('\n');
    }

    /**
     * The goal as rows of the goals table: per size and fault kind, the prefault's speed-up on 2 threads.
     */
    static void goals(final StringBuilder md, final List<Result> prefault)
    {
        for (final int size : sizes(prefault))
        {
            for (final boolean write : List.of(false, true))
            {
                final Result one = find(prefault, "prefault", size, write, 1);
                final Result two = find(prefault, "prefault", size, write, 2);
                if (one == null || two == null)
                {
                    continue;
                }
                final double speedUp = one.median() / two.median();
                md.append(String.format(Locale.ROOT, "| prefault of %s (%s): 2 threads ≥ %.1f× faster than 1 | " +
                    "%.2f× (%s ms → %s ms) | %s |%n", RestartChart.sizeLabel(size), write ? "write" : "read", GOAL,
                    speedUp, RestartChart.msLabel(one.median()), RestartChart.msLabel(two.median()),
                    speedUp >= GOAL ? "yes" : "**no**, gap " + String.format(Locale.ROOT, "%.2f×", GOAL / speedUp)));
            }
        }
    }

    private static TreeSet<Integer> sizes(final List<Result> prefault)
    {
        final TreeSet<Integer> sizes = new TreeSet<>();
        prefault.forEach(r -> sizes.add(Integer.parseInt(r.params().get("sizeMiB"))));
        return sizes;
    }

    private static Result find(final List<Result> prefault, final String method, final int size, final boolean write,
        final int threads)
    {
        for (final Result r : prefault)
        {
            if (r.benchmark().endsWith("." + method) && Integer.parseInt(r.params().get("sizeMiB")) == size &&
                Boolean.parseBoolean(r.params().get("write")) == write &&
                Integer.parseInt(r.params().get("threads")) == threads)
            {
                return r;
            }
        }
        return null;
    }

    private static String ms(final Result r)
    {
        return r == null ? NONE : RestartChart.msLabel(r.median());
    }

    private static String speedUp(final Result one, final Result two)
    {
        return one == null || two == null ? NONE : String.format(Locale.ROOT, "%.2f×", one.median() / two.median());
    }
}
