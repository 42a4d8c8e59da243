package org.pkram.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import org.pkram.bench.ResultsReport.Result;

/**
 * The {@link CheckpointBenchmark} section of {@code restart.md}: a checkpoint after changing 1% of the state, by
 * pkram's replace (unchanged folios shared) against a full copy of the state and against the floor (only the
 * changed pages' bytes written), and the goal, met or not with its gap.
 */
final class CheckpointTable
{
    /** Goal: the replace at most this fraction of the full copy. */
    static final double GOAL = 0.05;

    private static final String REPLACE = "replace";
    private static final String FULL_COPY = "fullCopy";
    private static final String FLOOR = "touchChanged";
    private static final String NONE = "–";

    private CheckpointTable()
    {
    }

    /**
     * @param checkpoint the JMH results of {@code CheckpointBenchmark}.
     * @return them by row label (the size, and the directory when not /dev/shm), then method.
     */
    static Map<String, Map<String, Result>> byRow(final List<Result> checkpoint)
    {
        final Map<String, Map<String, Result>> rows = new LinkedHashMap<>();
        final TreeMap<String, Result> sorted = new TreeMap<>();
        for (final Result r : checkpoint)
        {
            final String dir = r.params().getOrDefault("dir", RestartTables.SHM);
            final int size = Integer.parseInt(r.params().get("sizeMiB"));
            sorted.put(String.format(Locale.ROOT, "%d %s %010d %s", RestartTables.SHM.equals(dir) ? 0 : 1, dir, size,
                method(r)), r);
        }
        for (final Result r : sorted.values())
        {
            final String dir = r.params().getOrDefault("dir", RestartTables.SHM);
            final String label = RestartChart.sizeLabel(Integer.parseInt(r.params().get("sizeMiB"))) +
                (RestartTables.SHM.equals(dir) ? "" : ", `" + dir + "`");
            rows.computeIfAbsent(label, k -> new LinkedHashMap<>()).put(method(r), r);
        }
        return rows;
    }

    private static String method(final Result r)
    {
        return r.benchmark().substring(r.benchmark().lastIndexOf('.') + 1);
    }

    /**
     * The table: per size, the median (fastest–slowest) of the floor, the replace and the full copy, and the
     * replace over each.
     */
    static void table(final StringBuilder md, final List<Result> checkpoint)
    {
        if (checkpoint.isEmpty())
        {
            return;
        }
        md.append("## Checkpoint after changing 1% of the state, ms (`CheckpointBenchmark`)\n\n");
        md.append("Median of ").append(checkpoint.get(0).raw().length).append(" single-shot checkpoints, fastest ")
            .append("to slowest in brackets; the state is order-0 folios in one node (on /dev/shm unless the row ")
            .append("names another directory), and each ")
            .append("invocation changes ").append(CheckpointBenchmark.CHANGED_PERCENT).append("% of its pages ")
            .append("(distinct, at random) before the measured checkpoint. `replace`: a new version sharing every ")
            .append("unchanged folio, a copy-on-write folio per changed page, committed; the old pages of the ")
            .append("changed ones freed. `fullCopy`: the same replace with every page copied into a new one, the ")
            .append("whole old version freed. `touchChanged` (floor): only the changed pages' bytes written.\n\n");
        md.append("| size | pages changed | touchChanged (floor) | replace | fullCopy | replace ÷ fullCopy | ")
            .append("replace ÷ floor |\n|---:|---:|---:|---:|---:|---:|---:|\n");
        byRow(checkpoint).forEach((label, methods) ->
        {
            final Result any = methods.values().iterator().next();
            final long pages = Integer.parseInt(any.params().get("sizeMiB")) * 256L;
            final Result replace = methods.get(REPLACE);
            final Result copy = methods.get(FULL_COPY);
            md.append("| ").append(label).append(" | ")
                .append(String.format(Locale.ROOT, "%,d", Math.max(1, pages * CheckpointBenchmark.CHANGED_PERCENT /
                    100)))
                .append(" | ").append(cell(methods.get(FLOOR), false)).append(" | ").append(cell(replace, true))
                .append(" | ").append(cell(copy, false)).append(" | ").append(replace == null || copy == null ? NONE :
                    String.format(Locale.ROOT, "%.1f%%", 100 * replace.median() / copy.median()))
                .append(" | ").append(RestartTables.ratio(replace, methods.get(FLOOR))).append(" |\n");
        });
        md.append('\n');
    }

    private static String cell(final Result r, final boolean bold)
    {
        if (r == null)
        {
            return NONE;
        }
        final String median = RestartChart.msLabel(r.median());
        return (bold ? "**" + median + "**" : median) + " (" + RestartChart.msLabel(r.min()) + "–" +
            RestartChart.msLabel(r.max()) + ")";
    }

    /**
     * The goal as rows of the goals table: at each size, the replace ≤ {@link #GOAL} of the full copy.
     */
    static void goals(final StringBuilder md, final List<Result> checkpoint)
    {
        byRow(checkpoint).forEach((label, methods) ->
        {
            final Result replace = methods.get(REPLACE);
            final Result copy = methods.get(FULL_COPY);
            if (replace == null || copy == null)
            {
                return;
            }
            final double ratio = replace.median() / copy.median();
            md.append(String.format(Locale.ROOT,
                "| checkpoint of %s after changing %d%%: replace ≤ %.0f%% of a full copy | %.1f%% (%s ms against " +
                "%s ms) | %s |%n", label, CheckpointBenchmark.CHANGED_PERCENT, 100 * GOAL, 100 * ratio,
                RestartChart.msLabel(replace.median()), RestartChart.msLabel(copy.median()),
                ratio <= GOAL ? "yes" : "**no**, gap " + String.format(Locale.ROOT, "%.2f×", ratio / GOAL)));
        });
    }
}
