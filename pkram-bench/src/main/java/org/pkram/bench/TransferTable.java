package org.pkram.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import org.pkram.bench.ResultsReport.Result;

/**
 * The {@code FileTransferBenchmark} section of {@code restart.md}: {@code pkram save} and {@code load} against
 * {@code copy_file_range} of the same bytes, {@code pkram format} against {@code fallocate} of the same size,
 * and the goals, each met or not with its gap.
 */
final class TransferTable
{
    /** Goal: each command at most this many times its kernel baseline. */
    static final double GOAL = 1.5;

    /** Each command and the baseline it is held to. */
    static final Map<String, String> BASELINES = Map.of("save", "copy", "load", "copy", "format", "fallocate");

    private static final List<String> COMMANDS = List.of("save", "load", "format");

    private TransferTable()
    {
    }

    /**
     * @param transfer the JMH results of {@code FileTransferBenchmark}.
     * @return them by size in MiB, then operation.
     */
    static Map<Integer, Map<String, Result>> bySize(final List<Result> transfer)
    {
        final Map<Integer, Map<String, Result>> bySize = new TreeMap<>();
        for (final Result r : transfer)
        {
            bySize.computeIfAbsent(Integer.parseInt(r.params().get("sizeMiB")), k -> new TreeMap<>())
                .put(r.params().get("op"), r);
        }
        return bySize;
    }

    /**
     * The table: per size, each operation's median and each command over its baseline.
     */
    static void table(final StringBuilder md, final List<Result> transfer)
    {
        if (transfer.isEmpty())
        {
            return;
        }
        md.append("## Files in and out, ms (`FileTransferBenchmark`)\n\n");
        md.append("Median of ").append(transfer.get(0).raw().length).append(" single-shot runs. `save`, `load` and ")
            .append("`format` are the commands' whole paths (boot, transfer, reboot), run in the benchmark's JVM; ")
            .append("`copy` is `copy_file_range(2)` of the same file into a new one, `fallocate` allocates a file ")
            .append("of the memory file's size.\n\n");
        md.append("| size | copy | save | save ÷ copy | load | load ÷ copy | fallocate | format | ")
            .append("format ÷ fallocate |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        bySize(transfer).forEach((size, ops) ->
        {
            md.append("| ").append(RestartChart.sizeLabel(size)).append(" | ").append(median(ops.get("copy")));
            for (final String command : COMMANDS)
            {
                if ("format".equals(command))
                {
                    md.append(" | ").append(median(ops.get("fallocate")));
                }
                md.append(" | ").append(median(ops.get(command))).append(" | ")
                    .append(RestartTables.ratio(ops.get(command), ops.get(BASELINES.get(command))));
            }
            md.append(" |\n");
        });
        md.append('\n');
    }

    /**
     * The goals as rows of the goals table: each command ≤ {@link #GOAL}× its baseline, at every size.
     */
    static void goals(final StringBuilder md, final List<Result> transfer)
    {
        bySize(transfer).forEach((size, ops) ->
        {
            for (final String command : COMMANDS)
            {
                final Result mine = ops.get(command);
                final String baseline = BASELINES.get(command);
                final Result floor = ops.get(baseline);
                if (mine == null || floor == null)
                {
                    continue;
                }
                final double over = mine.median() / floor.median();
                md.append(String.format(Locale.ROOT,
                    "| `pkram %s` of %s ≤ %.1f× %s | %.2f× (%s ms against %s ms) | %s |%n", command,
                    RestartChart.sizeLabel(size), GOAL, "copy".equals(baseline) ? "copy_file_range" : baseline, over,
                    RestartChart.msLabel(mine.median()), RestartChart.msLabel(floor.median()),
                    over <= GOAL ? "yes" : "**no**, gap " + String.format(Locale.ROOT, "%.2f×", over / GOAL)));
            }
        });
    }

    private static String median(final Result r)
    {
        return r == null ? "–" : RestartChart.msLabel(r.median());
    }
}
