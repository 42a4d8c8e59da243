package org.pkram.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import org.pkram.bench.ResultsReport.Result;

/**
 * The restart sections of {@code restart.md}: {@link RestartBenchmark} per file system and readiness with its
 * {@code touch} floor beside pkram, the page-touch cost of the day, {@link ProcessRestartBenchmark} against JVM
 * start alone, and the restart goals, each met or not with its gap.
 * <p>
 * Results from before the {@code ready} parameter count as {@code warm}, which is what they measured.
 */
final class RestartTables
{
    /** Systems of {@link RestartBenchmark}, in table order: the floor, pkram, the peers. */
    static final List<String> SYSTEMS = List.of("touch", "pkram", "filechannel", "lmdb", "chronicle-map");

    /** The peers pkram must beat. */
    static final List<String> PEERS = List.of("filechannel", "lmdb", "chronicle-map");

    /** Systems of {@link ProcessRestartBenchmark}, in table order. */
    static final List<String> PROCESS_SYSTEMS =
        List.of("jvm", "touch", "pkram", "pkram-aot", "filechannel", "lmdb", "chronicle-map");

    /** Goal: pkram warm restart at most this many times its touch floor (at 1 GiB and more). */
    static final double GOAL_VS_TOUCH = 1.3;

    /** The smallest size the floor goal applies to, MiB. */
    static final int GOAL_VS_TOUCH_FROM_MIB = 1024;

    /** An earlier goal, kept for comparison: restart at the largest size this many times faster than a file. */
    static final double GOAL_VS_FILECHANNEL = 50;

    /** The default file system of the benchmarks; the others are experiments such as a huge-page tmpfs. */
    static final String SHM = "/dev/shm";

    private static final String NONE = "–";

    /** One table's results: the file system and the readiness. */
    record Table(String dir, String ready)
    {
        String label()
        {
            return (SHM.equals(dir) ? "/dev/shm" : "`" + dir + "` (huge-page tmpfs)") + ", ready = " + ready;
        }
    }

    private RestartTables()
    {
    }

    /**
     * @param results JMH results of one benchmark.
     * @return them by table (/dev/shm first, warm before serve), then system, then size in MiB.
     */
    static Map<Table, Map<String, Map<Integer, Result>>> group(final List<Result> results)
    {
        final TreeMap<Table, Map<String, Map<Integer, Result>>> tables = new TreeMap<>((a, b) ->
        {
            final int byDir = Boolean.compare(!SHM.equals(a.dir()), !SHM.equals(b.dir()));
            if (byDir != 0)
            {
                return byDir;
            }
            final int byName = a.dir().compareTo(b.dir());
            return byName != 0 ? byName : Ready.of(a.ready()).compareTo(Ready.of(b.ready()));
        });
        for (final Result r : results)
        {
            tables.computeIfAbsent(table(r.params()), k -> new LinkedHashMap<>())
                .computeIfAbsent(r.params().get("system"), k -> new TreeMap<>())
                .put(Integer.parseInt(r.params().get("sizeMiB")), r);
        }
        return tables;
    }

    /**
     * @param params a result's or a log's parameters.
     * @return its table.
     */
    static Table table(final Map<String, String> params)
    {
        return new Table(params.getOrDefault("dir", SHM), params.getOrDefault("ready", "warm"));
    }

    /**
     * @param params a run's parameters, from a JMH log.
     * @return how {@link ResultsReport#failures} names it, and the cells of these tables look it up.
     */
    static String failureKey(final Map<String, String> params)
    {
        final Table table = table(params);
        return params.get("system") + ", " + RestartChart.sizeLabel(Integer.parseInt(params.get("sizeMiB"))) + ", " +
            table.label();
    }

    /**
     * The {@link RestartBenchmark} tables: per file system and readiness, the median (fastest–slowest) of every
     * system by size, pkram over its floor, and how many times faster pkram is than each peer.
     */
    static void restart(final StringBuilder md, final List<Result> restart, final Map<String, String> failures)
    {
        final int iterations = restart.isEmpty() ? 0 : restart.get(0).raw().length;
        group(restart).forEach((table, bySystem) ->
        {
            final TreeSet<Integer> sizes = sizes(bySystem);
            md.append("## Restart to ready, ms: ").append(table.label()).append("\n\n");
            md.append("Median of ").append(iterations).append(" single-shot iterations (each a full cold start), ")
                .append("fastest to slowest in brackets. Lower is better. `touch` is the floor: the same pages ")
                .append("mapped and read, nothing else.\n\n");
            md.append("| size | touch (floor) | pkram | pkram ÷ touch | filechannel | lmdb | chronicle-map |\n")
                .append("|---:|---:|---:|---:|---:|---:|---:|\n");
            for (final int size : sizes)
            {
                md.append("| ").append(RestartChart.sizeLabel(size)).append(" |")
                    .append(cell(bySystem, "touch", size, table, failures))
                    .append(cell(bySystem, "pkram", size, table, failures))
                    .append(' ').append(ratio(get(bySystem, "pkram", size), get(bySystem, "touch", size))).append(" |");
                for (final String peer : PEERS)
                {
                    md.append(cell(bySystem, peer, size, table, failures));
                }
                md.append('\n');
            }
            md.append("\nHow many times faster pkram is (peer median ÷ pkram median):\n\n| size |");
            PEERS.forEach(s -> md.append(" vs ").append(s).append(" |"));
            md.append("\n|---:|---:|---:|---:|\n");
            for (final int size : sizes)
            {
                md.append("| ").append(RestartChart.sizeLabel(size)).append(" |");
                for (final String peer : PEERS)
                {
                    md.append(' ').append(ratio(get(bySystem, peer, size), get(bySystem, "pkram", size))).append(" |");
                }
                md.append('\n');
            }
            md.append('\n');
        });
    }

    /**
     * The day's price of first touching a page: the {@code touch} floor warm minus the same floor ready to serve
     * (the mapping alone), per value page.
     */
    static void pageTouch(final StringBuilder md, final List<Result> restart)
    {
        final List<String> rows = new ArrayList<>();
        final Map<Table, Map<String, Map<Integer, Result>>> tables = group(restart);
        tables.forEach((table, bySystem) ->
        {
            if (!"warm".equals(table.ready()))
            {
                return;
            }
            final Map<String, Map<Integer, Result>> serve = tables.get(new Table(table.dir(), "serve"));
            for (final int size : sizes(bySystem))
            {
                final Result warm = get(bySystem, "touch", size);
                final Result mapped = serve == null ? null : get(serve, "touch", size);
                if (warm != null && mapped != null)
                {
                    final double pages = size * 256.0;
                    rows.add(String.format(Locale.ROOT, "| %s | %s | %s | %s | %.2f |", SHM.equals(table.dir()) ?
                        "/dev/shm" : "`" + table.dir() + "`", RestartChart.sizeLabel(size),
                        RestartChart.msLabel(warm.median()), RestartChart.msLabel(mapped.median()),
                        (warm.median() - mapped.median()) * 1e3 / pages));
                }
            }
        });
        if (rows.isEmpty())
        {
            return;
        }
        md.append("## The page-touch floor of the day, µs per page\n\n");
        md.append("`touch` warm (map, read 8 bytes of every value's page) minus `touch` ready to serve (map only), ")
            .append("over the pages. This moves by 10× from day to day on a virtual machine; every ratio above is ")
            .append("against it, measured in the same run.\n\n");
        md.append("| file system | size | touch warm, ms | touch serve, ms | µs per page |\n")
            .append("|---|---:|---:|---:|---:|\n");
        rows.forEach(row -> md.append(row).append('\n'));
        md.append('\n');
    }

    /**
     * The {@link ProcessRestartBenchmark} tables: a fresh JVM per restart, each system's median and its time
     * above JVM start alone.
     */
    static void process(final StringBuilder md, final List<Result> process, final Map<String, String> failures)
    {
        if (process.isEmpty())
        {
            return;
        }
        final int iterations = process.get(0).raw().length;
        final Map<Table, Map<String, Map<Integer, Result>>> tables = group(process);
        md.append("## Whole-process restart, ms (`ProcessRestartBenchmark`)\n\n");
        md.append("A new JVM per restart, from spawn to the child's \"ready\" line: JVM start, class loading, cold ")
            .append("code and a fresh heap's page faults are all counted. Median of ").append(iterations)
            .append(" restarts; below it, the time above JVM start alone (`jvm`). `pkram-aot` is pkram with a JDK ")
            .append("AOT cache made by one training run.\n\n");
        md.append("| file system, ready | size |");
        PROCESS_SYSTEMS.forEach(s -> md.append(' ').append(s).append(" |"));
        md.append("\n|---|---:|");
        PROCESS_SYSTEMS.forEach(s -> md.append("---:|"));
        md.append('\n');
        tables.forEach((table, bySystem) ->
        {
            for (final int size : sizes(bySystem))
            {
                md.append("| ").append(table.label()).append(" | ").append(RestartChart.sizeLabel(size)).append(" |");
                PROCESS_SYSTEMS.forEach(s -> md.append(cell(bySystem, s, size, table, failures)));
                md.append("\n| above JVM start | |");
                final Result jvm = get(bySystem, "jvm", size);
                for (final String s : PROCESS_SYSTEMS)
                {
                    final Result r = get(bySystem, s, size);
                    md.append(' ').append(r == null || jvm == null ? NONE :
                        RestartChart.msLabel(r.median() - jvm.median())).append(" |");
                }
                md.append('\n');
            }
        });
        md.append('\n');
    }

    /**
     * The restart goals as table rows: pkram warm within {@link #GOAL_VS_TOUCH} of its floor at 1 GiB and more;
     * pkram faster than LMDB and Chronicle Map at every size, readiness and file system; a whole-process restart
     * with the AOT cache faster than every peer.
     */
    static void goals(final StringBuilder md, final List<Result> restart, final List<Result> process)
    {
        group(restart).forEach((table, bySystem) ->
        {
            final TreeSet<Integer> sizes = sizes(bySystem);
            final Result file = sizes.isEmpty() ? null : get(bySystem, "filechannel", sizes.last());
            final Result pkram = file == null ? null : get(bySystem, "pkram", sizes.last());
            if (pkram != null && SHM.equals(table.dir()) && "warm".equals(table.ready()))
            {
                final double ratio = file.median() / pkram.median();
                md.append(String.format(Locale.ROOT, "| restart at %s, %s: pkram ≥ %.0f× faster than filechannel " +
                    "| %.1f× (%s ms against %s ms) | %s |%n", RestartChart.sizeLabel(sizes.last()),
                    table.label(), GOAL_VS_FILECHANNEL, ratio, RestartChart.msLabel(pkram.median()),
                    RestartChart.msLabel(file.median()),
                    met(ratio >= GOAL_VS_FILECHANNEL, GOAL_VS_FILECHANNEL / ratio)));
            }
            for (final int size : sizes)
            {
                final Result mine = get(bySystem, "pkram", size);
                final Result floor = get(bySystem, "touch", size);
                if ("warm".equals(table.ready()) && size >= GOAL_VS_TOUCH_FROM_MIB && mine != null && floor != null)
                {
                    final double over = mine.median() / floor.median();
                    md.append(String.format(Locale.ROOT, "| restart at %s, %s: pkram ≤ %.1f× touch | %.2f× (%s ms " +
                        "against %s ms) | %s |%n", RestartChart.sizeLabel(size), table.label(), GOAL_VS_TOUCH, over,
                        RestartChart.msLabel(mine.median()), RestartChart.msLabel(floor.median()),
                        met(over <= GOAL_VS_TOUCH, over / GOAL_VS_TOUCH)));
                }
                for (final String peer : List.of("lmdb", "chronicle-map"))
                {
                    faster(md, "restart at " + RestartChart.sizeLabel(size) + ", " + table.label(), "pkram", mine,
                        peer, get(bySystem, peer, size));
                }
            }
        });
        group(process).forEach((table, bySystem) ->
        {
            for (final int size : sizes(bySystem))
            {
                final Result jvm = get(bySystem, "jvm", size);
                final Result mine = get(bySystem, "pkram-aot", size);
                for (final String peer : PEERS)
                {
                    faster(md, "process restart at " + RestartChart.sizeLabel(size) + ", " + table.label() +
                        (jvm == null ? "" : " (JVM start alone " + RestartChart.msLabel(jvm.median()) + " ms)"),
                        "pkram-aot", mine, peer, get(bySystem, peer, size));
                }
            }
        });
    }

    private static void faster(final StringBuilder md, final String what, final String name, final Result mine,
        final String peer, final Result theirs)
    {
        if (mine == null && theirs == null)
        {
            return;
        }
        if (mine == null || theirs == null)
        {
            md.append("| ").append(what).append(": ").append(name).append(" faster than ").append(peer)
                .append(" | no result for ").append(mine == null ? name : peer).append(" | – |\n");
            return;
        }
        final double ratio = theirs.median() / mine.median();
        md.append(String.format(Locale.ROOT, "| %s: %s faster than %s | %.2f× (%s ms against %s ms) | %s |%n", what,
            name, peer, ratio, RestartChart.msLabel(mine.median()), RestartChart.msLabel(theirs.median()),
            ratio > 1 ? "yes" : "**no**, " + name + " is " + String.format(Locale.ROOT, "%.2f×", 1 / ratio) +
                " slower"));
    }

    private static String met(final boolean met, final double gap)
    {
        return met ? "yes" : "**no**, gap " + String.format(Locale.ROOT, "%.2f×", gap);
    }

    private static TreeSet<Integer> sizes(final Map<String, Map<Integer, Result>> bySystem)
    {
        final TreeSet<Integer> sizes = new TreeSet<>();
        bySystem.values().forEach(bySize -> sizes.addAll(bySize.keySet()));
        return sizes;
    }

    private static Result get(final Map<String, Map<Integer, Result>> bySystem, final String system, final int size)
    {
        final Map<Integer, Result> bySize = bySystem.get(system);
        return bySize == null ? null : bySize.get(size);
    }

    private static String cell(final Map<String, Map<Integer, Result>> bySystem, final String system, final int size,
        final Table table, final Map<String, String> failures)
    {
        final Result r = get(bySystem, system, size);
        if (r == null)
        {
            final String key = system + ", " + RestartChart.sizeLabel(size) + ", " + table.label();
            return failures.containsKey(key) ? " failed (see below) |" : " " + NONE + " |";
        }
        final String median = RestartChart.msLabel(r.median());
        return " " + (system.startsWith("pkram") ? "**" + median + "**" : median) + " (" +
            RestartChart.msLabel(r.min()) + "–" + RestartChart.msLabel(r.max()) + ") |";
    }

    /**
     * @return the ratio of the medians as a table cell, or a dash when either result is missing.
     */
    static String ratio(final Result numerator, final Result denominator)
    {
        return numerator == null || denominator == null ? NONE :
            String.format(Locale.ROOT, "%.2f×", numerator.median() / denominator.median());
    }
}
