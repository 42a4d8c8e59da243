package org.pkram.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * Turns a quick-profile run into {@code restart.md} (tables, goals, errors, machine, command) and
 * {@code restart.png} (the chart): reads, from the results directory, the JMH JSON files
 * {@code restart.json}, {@code process.json}, {@code transfer.json}, {@code load.json},
 * {@code boot-floor.json}, {@code first-boot.json}, {@code durable.json}, {@code parallel.json},
 * {@code checkpoint.json} ({@link CheckpointTable}) and {@code prefault.json} ({@link PrefaultTable}), the JMH
 * logs
 * {@code restart.log} and {@code process.log} (footprints and failures), {@code machine.txt}
 * ({@code key: value} lines) and {@code peer-probe.txt}. The restart sections are {@link RestartTables}'.
 * <p>
 * Usage: {@code java -cp benchmarks.jar org.pkram.bench.ResultsReport pkram-bench/results}
 */
public final class ResultsReport
{
    /** Systems in the chart's legend order: pkram first, drawn on top, and its floor last. */
    static final List<String> CHART_SYSTEMS = List.of("pkram", "filechannel", "lmdb", "chronicle-map", "touch");

    /** Parallel save goal: 2 threads at least this many times faster than 1. */
    static final double GOAL_PARALLEL = 1.7;

    private static final Pattern PARAMETERS = Pattern.compile("^# Parameters: \\((.*)\\)$");
    private static final Pattern FOOTPRINT = Pattern.compile(
        "^footprint: system=(\\S+), sizeMiB=(\\d+), values=(\\d+), bytesOnShm=(\\d+), buildMillis=(\\d+)$");

    private ResultsReport()
    {
    }

    /**
     * One JMH result.
     *
     * @param secondary the scores of the secondary metrics, by name without JMH's leading {@code ·}
     *                  ({@code gc.alloc.rate.norm} with {@code -prof gc}).
     * @param forks     how many forks {@code raw} holds the iterations of, one fork after the other.
     */
    record Result(String benchmark, Map<String, String> params, double score, double error, String unit,
        double[] raw, String mode, Map<String, Double> secondary, int forks)
    {
        double median()
        {
            return raw.length == 0 ? score : median(raw);
        }

        /**
         * @param values at least one value.
         * @return their median (the mean of the middle two for an even count).
         */
        static double median(final double[] values)
        {
            final double[] sorted = values.clone();
            Arrays.sort(sorted);
            final int n = sorted.length;
            return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        }

        double min()
        {
            return Arrays.stream(raw).min().orElse(score);
        }

        double max()
        {
            return Arrays.stream(raw).max().orElse(score);
        }
    }

    /**
     * @param args the results directory.
     * @throws IOException when a file cannot be read or written.
     */
    public static void main(final String[] args) throws IOException
    {
        final Path dir = Path.of(args.length > 0 ? args[0] : "pkram-bench/results");
        final Map<String, String> machine = keyValues(dir.resolve("machine.txt"));
        final Map<String, Map<Integer, RestartChart.Point>> series = new LinkedHashMap<>();
        final Map<String, Map<Integer, Result>> onShm = RestartTables.group(results(dir.resolve("restart.json")))
            .getOrDefault(new RestartTables.Table(RestartTables.SHM, "warm"), Map.of());
        for (final String system : CHART_SYSTEMS)
        {
            final Map<Integer, Result> points = onShm.getOrDefault(system, Map.of());
            if (!points.isEmpty())
            {
                final Map<Integer, RestartChart.Point> line = new TreeMap<>();
                points.forEach((size, r) -> line.put(size, new RestartChart.Point(r.median(), r.min(), r.max())));
                series.put(system, line);
            }
        }
        final String subtitle = machine.getOrDefault("machine", "?") + "  |  " +
            shortJdk(machine.getOrDefault("jdk", "?")) +
            "\nfiles on /dev/shm (tmpfs)  |  load average " + firstField(machine.get("load")) + " at start, " +
            firstField(machine.get("load at end")) + " at end (shared machine)";
        RestartChart.draw(series, "Restart to ready: open the saved state, read every 4 KiB value", subtitle,
            dir.resolve("restart.png"));
        Files.writeString(dir.resolve("restart.md"), markdown(dir), StandardCharsets.UTF_8);
        System.out.println("wrote " + dir.resolve("restart.md") + " and " + dir.resolve("restart.png"));
    }

    /**
     * The text of {@code restart.md}, from the files in the results directory (missing ones leave their sections
     * out or empty).
     *
     * @param dir the results directory.
     * @return the Markdown.
     * @throws IOException when a file cannot be read.
     */
    static String markdown(final Path dir) throws IOException
    {
        final Map<String, String> machine = keyValues(dir.resolve("machine.txt"));
        final List<Result> restart = results(dir.resolve("restart.json"));
        final List<Result> process = results(dir.resolve("process.json"));
        final List<Result> transfer = results(dir.resolve("transfer.json"));
        final List<Result> floors = new ArrayList<>(results(dir.resolve("load.json")));
        floors.addAll(results(dir.resolve("boot-floor.json")));
        floors.addAll(results(dir.resolve("first-boot.json")));
        final List<Result> durable = results(dir.resolve("durable.json"));
        final List<Result> parallel = results(dir.resolve("parallel.json"));
        final List<Result> checkpoint = results(dir.resolve("checkpoint.json"));
        final List<Result> prefault = results(dir.resolve("prefault.json"));
        final List<String> log = lines(dir.resolve("restart.log"));
        final Map<String, String> failures = failures(log);
        failures.putAll(failures(lines(dir.resolve("process.log"))));

        final StringBuilder md = new StringBuilder();
        md.append("# Restart to ready: pkram and its peers (quick profile)\n\n");
        md.append("Generated by `ResultsReport` from the JMH results in this directory. Date: ")
            .append(machine.getOrDefault("date", "?")).append(".\n\n");
        md.append("![restart-to-ready](restart.png)\n\n");
        RestartTables.restart(md, restart, failures);
        RestartTables.pageTouch(md, restart);
        RestartTables.process(md, process, failures);
        TransferTable.table(md, transfer);
        FloorTable.table(md, floors);
        CheckpointTable.table(md, checkpoint);
        PrefaultTable.table(md, prefault);
        if (!failures.isEmpty())
        {
            md.append("## Failures\n\n");
            failures.forEach((key, error) -> md.append("- `").append(key).append("`: `").append(error).append("`\n"));
            md.append('\n');
        }
        footprints(md, log);
        goals(md, restart, process, transfer, floors, parallel, checkpoint, prefault);
        durableTable(md, durable);
        parallelTable(md, parallel);
        probe(md, lines(dir.resolve("peer-probe.txt")));
        machineSection(md, machine);
        return md.toString();
    }

    /** "OpenJDK Runtime Environment Temurin-25.0.3+9 (build ...)" becomes "JDK Temurin-25.0.3+9". */
    private static String shortJdk(final String jdk)
    {
        final Matcher m = Pattern.compile("(\\S*-?\\d+[.\\d]*\\+\\d+)").matcher(jdk);
        return m.find() ? "JDK " + m.group(1) : jdk;
    }

    private static String firstField(final String text)
    {
        return text == null || text.isBlank() ? "?" : text.trim().split("\\s+")[0];
    }

    private static void footprints(final StringBuilder md, final List<String> log)
    {
        final Map<String, Map<Integer, long[]>> rows = new LinkedHashMap<>();
        for (final String line : log)
        {
            final Matcher m = FOOTPRINT.matcher(line.trim());
            if (m.matches())
            {
                rows.computeIfAbsent(m.group(1), k -> new TreeMap<>()).put(Integer.parseInt(m.group(2)),
                    new long[] {Long.parseLong(m.group(4)), Long.parseLong(m.group(5))});
            }
        }
        if (rows.isEmpty())
        {
            return;
        }
        md.append("## Space on /dev/shm and time to build the state\n\n");
        md.append("Allocated bytes of each system's files (`du`), and how long its set-up took to write the values ")
            .append("(not a measured benchmark: one run, for scale).\n\n");
        md.append("| system | size | on /dev/shm | × data | build, ms |\n|---|---:|---:|---:|---:|\n");
        rows.forEach((system, bySize) -> bySize.forEach((size, v) -> md.append(String.format(Locale.ROOT,
            "| %s | %s | %,.0f MiB | %.2f | %,d |%n", system, RestartChart.sizeLabel(size), v[0] / 1048576.0,
            v[0] / (size * 1048576.0), v[1]))));
        md.append('\n');
    }

    private static void goals(final StringBuilder md, final List<Result> restart, final List<Result> process,
        final List<Result> transfer, final List<Result> floors, final List<Result> parallel,
        final List<Result> checkpoint, final List<Result> prefault)
    {
        md.append("## Goals\n\n| goal | result | met |\n|---|---|---|\n");
        if (restart.isEmpty() && process.isEmpty())
        {
            md.append("| (no restart results) | | |\n");
        }
        RestartTables.goals(md, restart, process);
        TransferTable.goals(md, transfer);
        FloorTable.goals(md, floors);
        CheckpointTable.goals(md, checkpoint);
        PrefaultTable.goals(md, prefault);
        for (final String pages : distinct(parallel, "pagesPerNode"))
        {
            for (final String source : List.of("folios", "heap"))
            {
                final Result one = find(parallel, "threads", "1", "source", source, "pagesPerNode", pages);
                final Result two = find(parallel, "threads", "2", "source", source, "pagesPerNode", pages);
                if (one != null && two != null)
                {
                    final double speedup = one.score() / two.score();
                    md.append(String.format(Locale.ROOT,
                        "| save 4 nodes of %s (%s): 2 threads ≥ %.1f× faster than 1 | %.2f× (%s ms → %s ms) | %s |%n",
                        nodeSize(pages), source, GOAL_PARALLEL, speedup, RestartChart.msLabel(one.score()),
                        RestartChart.msLabel(two.score()), speedup >= GOAL_PARALLEL ? "yes" : "**no**, gap " +
                            String.format(Locale.ROOT, "%.2f×", GOAL_PARALLEL / speedup)));
                }
            }
        }
        md.append('\n');
    }

    private static void durableTable(final StringBuilder md, final List<Result> durable)
    {
        if (durable.isEmpty())
        {
            return;
        }
        md.append("## Durable commit on a disk file (ext4 under /tmp), µs per committed node\n\n");
        md.append("JMH average time ± 99.9% error. Each node: update 8 bytes of each folio, save them by ")
            .append("reference, commit.\n\n");
        md.append("| folios per node | durable(false) | durable(true) | durable costs |\n|---:|---:|---:|---:|\n");
        final TreeSet<Integer> counts = new TreeSet<>();
        durable.forEach(r -> counts.add(Integer.parseInt(r.params().get("folios"))));
        for (final int count : counts)
        {
            final Result off = find(durable, "durable", "false", "folios", Integer.toString(count));
            final Result on = find(durable, "durable", "true", "folios", Integer.toString(count));
            md.append("| ").append(count).append(" | ").append(score(off)).append(" | ").append(score(on)).append(" | ")
                .append(off == null || on == null ? "–" :
                    String.format(Locale.ROOT, "%,.0f×", on.score() / off.score()))
                .append(" |\n");
        }
        md.append('\n');
    }

    private static void parallelTable(final StringBuilder md, final List<Result> parallel)
    {
        if (parallel.isEmpty())
        {
            return;
        }
        md.append("## Parallel save: 4 nodes, ms per 4 nodes\n\n");
        md.append("JMH average time ± 99.9% error. `folios`: state already in pkram folios, saved by reference; ")
            .append("`heap`: heap arrays copied in.\n\n");
        md.append("| node size | source | 1 thread | 2 threads | speed-up |\n|---:|---|---:|---:|---:|\n");
        for (final String pages : distinct(parallel, "pagesPerNode"))
        {
            for (final String source : List.of("folios", "heap"))
            {
                final Result one = find(parallel, "threads", "1", "source", source, "pagesPerNode", pages);
                final Result two = find(parallel, "threads", "2", "source", source, "pagesPerNode", pages);
                md.append("| ").append(nodeSize(pages)).append(" | ").append(source).append(" | ").append(score(one))
                    .append(" | ").append(score(two)).append(" | ").append(one == null || two == null ? "–" :
                        String.format(Locale.ROOT, "%.2f×", one.score() / two.score())).append(" |\n");
            }
        }
        md.append('\n');
    }

    private static List<String> distinct(final List<Result> results, final String param)
    {
        final TreeSet<Integer> values = new TreeSet<>();
        results.forEach(r -> values.add(Integer.parseInt(r.params().getOrDefault(param, "0"))));
        return values.stream().map(String::valueOf).toList();
    }

    private static String nodeSize(final String pages)
    {
        return RestartChart.sizeLabel(Integer.parseInt(pages) / 256);
    }

    private static void probe(final StringBuilder md, final List<String> probe)
    {
        if (probe.isEmpty())
        {
            return;
        }
        md.append("## Peers on JDK 25 without and with the flags (`PeerProbe`)\n\n```\n");
        probe.forEach(line -> md.append(line).append('\n'));
        md.append("```\n\n");
    }

    private static void machineSection(final StringBuilder md, final Map<String, String> machine)
    {
        md.append("## Machine, JDK and command\n\n");
        for (final String key : List.of("machine", "cpu", "nproc", "memory", "kernel", "shm", "huge", "load",
            "load at end", "jdk", "date"))
        {
            if (machine.containsKey(key))
            {
                md.append("- ").append(key).append(": ").append(machine.get(key)).append('\n');
            }
        }
        if (machine.containsKey("command"))
        {
            md.append("\nExact command (from the repository root):\n\n```\n").append(machine.get("command"))
                .append("\n```\n");
        }
        machine.forEach((key, value) ->
        {
            if (key.startsWith("jmh "))
            {
                md.append("\n").append(key).append(":\n\n```\n").append(value).append("\n```\n");
            }
        });
    }

    private static String score(final Result r)
    {
        if (r == null)
        {
            return "–";
        }
        return Double.isNaN(r.error()) ? RestartChart.msLabel(r.score()) :
            RestartChart.msLabel(r.score()) + " ± " + RestartChart.msLabel(r.error());
    }

    private static Result find(final List<Result> results, final String... keyValues)
    {
        for (final Result r : results)
        {
            boolean match = true;
            for (int i = 0; i < keyValues.length && match; i += 2)
            {
                match = keyValues[i + 1].equals(r.params().get(keyValues[i]));
            }
            if (match)
            {
                return r;
            }
        }
        return null;
    }

    /**
     * The failed runs in a JMH log ({@link RestartTables#failureKey}), with the exception line (and its deepest
     * cause).
     */
    static Map<String, String> failures(final List<String> log)
    {
        final Map<String, String> failures = new LinkedHashMap<>();
        String current = null;
        boolean failed = false;
        String first = null;
        String cause = null;
        for (final String raw : log)
        {
            final String line = raw.trim();
            final Matcher m = PARAMETERS.matcher(line);
            if (m.matches())
            {
                record(failures, current, failed, first, cause);
                final Map<String, String> params = params(m.group(1));
                current = RestartTables.failureKey(params);
                failed = false;
                first = null;
                cause = null;
            }
            else if (line.contains("<failure>"))
            {
                failed = true;
            }
            else if (failed && first == null && line.matches("^[\\w.$]+(Exception|Error)(: .*)?$"))
            {
                first = line;
            }
            else if (failed && line.startsWith("Caused by: "))
            {
                cause = line.substring("Caused by: ".length());
            }
        }
        record(failures, current, failed, first, cause);
        return failures;
    }

    private static void record(final Map<String, String> failures, final String key, final boolean failed,
        final String first, final String cause)
    {
        if (key != null && failed)
        {
            failures.put(key, (first == null ? "failed" : first) + (cause == null ? "" : " / caused by: " + cause));
        }
    }

    private static Map<String, String> params(final String text)
    {
        final Map<String, String> params = new LinkedHashMap<>();
        for (final String pair : text.split(",\\s*"))
        {
            final String[] kv = pair.split("\\s*=\\s*", 2);
            if (kv.length == 2)
            {
                params.put(kv[0].trim(), kv[1].trim());
            }
        }
        return params;
    }

    /**
     * The results in a JMH JSON file ({@code -rf json}): an array with one object per benchmark and parameter set.
     *
     * @param json the file.
     * @return its results in file order, none when the file does not exist.
     * @throws IOException when the file cannot be read.
     * @throws com.google.gson.JsonParseException when it is not JSON (JSON of another shape fails with another
     *                                            unchecked exception).
     */
    static List<Result> results(final Path json) throws IOException
    {
        if (!Files.exists(json))
        {
            return List.of();
        }
        final List<Result> out = new ArrayList<>();
        for (final JsonElement item : JsonParser.parseString(Files.readString(json, StandardCharsets.UTF_8))
            .getAsJsonArray())
        {
            final JsonObject run = item.getAsJsonObject();
            final Map<String, String> params = new LinkedHashMap<>();
            if (run.get("params") instanceof JsonObject p)
            {
                p.entrySet().forEach(e -> params.put(e.getKey(), e.getValue().getAsString()));
            }
            final JsonObject metric = run.getAsJsonObject("primaryMetric");
            final List<Double> raw = new ArrayList<>();
            if (metric.get("rawData") instanceof JsonArray forks)
            {
                for (final JsonElement fork : forks)
                {
                    fork.getAsJsonArray().forEach(v -> raw.add(number(v)));
                }
            }
            final Map<String, Double> secondary = new LinkedHashMap<>();
            if (run.get("secondaryMetrics") instanceof JsonObject metrics)
            {
                metrics.entrySet().forEach(e -> secondary.put(e.getKey().replaceFirst("^\u00b7", ""),
                    number(e.getValue().getAsJsonObject().get("score"))));
            }
            out.add(new Result(run.get("benchmark").getAsString(), params, number(metric.get("score")),
                number(metric.get("scoreError")), metric.get("scoreUnit").getAsString(),
                raw.stream().mapToDouble(Double::doubleValue).toArray(), run.get("mode").getAsString(), secondary,
                metric.get("rawData") instanceof JsonArray forks ? forks.size() : 1));
        }
        return out;
    }

    /**
     * A JMH number: JMH writes a missing one (a score error of one iteration) as the string {@code "NaN"}.
     */
    private static double number(final JsonElement v)
    {
        if (v == null || v.isJsonNull())
        {
            return Double.NaN;
        }
        try
        {
            return v.getAsDouble();
        }
        catch (final NumberFormatException ex)
        {
            return Double.NaN;
        }
    }

    private static Map<String, String> keyValues(final Path file) throws IOException
    {
        final Map<String, String> map = new LinkedHashMap<>();
        String key = null;
        for (final String line : lines(file))
        {
            final int colon = line.indexOf(": ");
            if (!line.startsWith(" ") && colon > 0)
            {
                key = line.substring(0, colon);
                map.put(key, line.substring(colon + 2));
            }
            else if (key != null && line.startsWith("  "))
            {
                // A continuation line: part of the value above (a multi-line command).
                map.put(key, map.get(key) + "\n" + line.substring(2));
            }
        }
        return map;
    }

    private static List<String> lines(final Path file) throws IOException
    {
        return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
    }
}
