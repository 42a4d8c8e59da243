package org.pkram.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.pkram.bench.ResultsReport.Result;

/**
 * The boot and load section of {@code restart.md}: {@code LoadBenchmark.load} against reading the same link
 * entries once, the bytes it allocates per folio ({@code -prof gc}), and {@code BootBenchmark.bootOnly} against
 * reading every metadata page once; with the goals, each met or not with its gap.
 */
final class FloorTable
{
    /** Goal: loading at most this many times reading the same link entries once. */
    static final double GOAL_LOAD = 2;

    /** Goal: booting at most this many times reading every metadata page once. */
    static final double GOAL_BOOT = 3;

    /** Goal: the first boot in a fresh JVM at most this many times a second boot in the same JVM. */
    static final double GOAL_FIRST_BOOT = 3;

    /** Goal: bytes allocated per folio loaded. */
    static final double GOAL_BYTES_PER_FOLIO = 0;

    private static final String ALLOCATED = "gc.alloc.rate.norm";

    private FloorTable()
    {
    }

    /** One goal's figures: what pkram does, its floor, and the size in MiB. */
    private record Pair(String what, Result mine, Result floor, int sizeMiB)
    {
        double ratio()
        {
            return mine.median() / floor.median();
        }
    }

    private static List<Pair> pairs(final List<Result> floors)
    {
        final Result load = find(floors, "LoadBenchmark.load");
        final Result cursor = find(floors, "LoadBenchmark.liveCursor");
        final Result links = find(floors, "LoadBenchmark.linkEntriesBaseline");
        final Result boot = find(floors, "BootBenchmark.bootOnly");
        final Result metadata = find(floors, "BootBenchmark.metadataBaseline");
        final List<Pair> pairs = new ArrayList<>();
        if (load != null && links != null)
        {
            pairs.add(new Pair("load", load, links, Integer.parseInt(load.params().get("sizeMiB"))));
        }
        if (cursor != null && links != null)
        {
            pairs.add(new Pair("live cursor", cursor, links, Integer.parseInt(cursor.params().get("sizeMiB"))));
        }
        if (boot != null && metadata != null)
        {
            pairs.add(new Pair("boot", boot, metadata, Integer.parseInt(boot.params().get("sizeMiB"))));
        }
        return pairs;
    }

    /**
     * The table: each path's median, its floor's and the ratio, and the bytes allocated per folio loaded.
     */
    static void table(final StringBuilder md, final List<Result> floors)
    {
        final List<Pair> pairs = pairs(floors);
        final List<FirstBoots> firstBoots = firstAndSecondBoots(floors);
        if (pairs.isEmpty() && firstBoots.isEmpty())
        {
            return;
        }
        md.append("## Boot and load against their metadata floors, ms\n\n");
        md.append("`load`: `prepareLoad`, `loadFolio` of every order-0 folio and the finish, after a boot; its floor ")
            .append("reads the same link entries once from pages already touched. `live cursor`: `openLive` and a ")
            .append("`FolioCursor` over every folio (no object per folio, nothing consumed), same floor. `boot`: ")
            .append("`bootOnly`; its floor ")
            .append("maps the file and reads every word of every metadata page once. Neither floor runs pkram ")
            .append("code. Medians of single-shot runs.\n\n");
        md.append("| path | size | folios | pkram | floor | pkram ÷ floor | bytes allocated per folio |\n")
            .append("|---|---:|---:|---:|---:|---:|---:|\n");
        for (final Pair pair : pairs)
        {
            final long folios = pair.sizeMiB() * 256L;
            final Double allocated = pair.mine().secondary().get(ALLOCATED);
            md.append(String.format(Locale.ROOT, "| %s | %s | %,d | %s | %s | %.2f× | %s |%n", pair.what(),
                RestartChart.sizeLabel(pair.sizeMiB()), folios, RestartChart.msLabel(pair.mine().median()),
                RestartChart.msLabel(pair.floor().median()), pair.ratio(), allocated == null ? "–" :
                    String.format(Locale.ROOT, "%.1f", allocated / folios)));
        }
        md.append('\n');
        for (final FirstBoots boots : firstBoots)
        {
            md.append(String.format(Locale.ROOT, "First boot in a fresh JVM (`FirstBootBenchmark`, %s): %s ms, " +
                "against %s ms for a second boot of the same image in the same JVM: %.1f×. Medians over the forks; " +
                "the image was built by another process%s.%n%n", boots.label(), RestartChart.msLabel(boots.first()),
                RestartChart.msLabel(boots.second()), boots.ratio(), boots.aot() ? ", the JDK AOT cache by a " +
                "training run of the same boots" : ""));
        }
    }

    /**
     * The goals as rows of the goals table.
     */
    static void goals(final StringBuilder md, final List<Result> floors)
    {
        for (final FirstBoots boots : firstAndSecondBoots(floors))
        {
            final double ratio = boots.ratio();
            md.append(String.format(Locale.ROOT, "| first boot in a fresh JVM ≤ %.0f× a second boot (%s) | %.1f× " +
                "(%s ms against %s ms) | %s |%n", GOAL_FIRST_BOOT, boots.label(), ratio,
                RestartChart.msLabel(boots.first()), RestartChart.msLabel(boots.second()), ratio <= GOAL_FIRST_BOOT ?
                    "yes" : "**no**, gap " + String.format(Locale.ROOT, "%.1f×", ratio / GOAL_FIRST_BOOT)));
        }
        for (final Pair pair : pairs(floors))
        {
            final double goal = "boot".equals(pair.what()) ? GOAL_BOOT : GOAL_LOAD;
            final double ratio = pair.ratio();
            md.append(String.format(Locale.ROOT, "| %s of %s in order-0 folios ≤ %.0f× its floor | %.2f× (%s ms " +
                "against %s ms) | %s |%n", pair.what(), RestartChart.sizeLabel(pair.sizeMiB()), goal, ratio,
                RestartChart.msLabel(pair.mine().median()), RestartChart.msLabel(pair.floor().median()),
                ratio <= goal ? "yes" : "**no**, gap " + String.format(Locale.ROOT, "%.2f×", ratio / goal)));
            final Double allocated = pair.mine().secondary().get(ALLOCATED);
            if (!"boot".equals(pair.what()) && allocated != null)
            {
                final double perFolio = allocated / (pair.sizeMiB() * 256.0);
                md.append(String.format(Locale.ROOT, "| %s allocates %.0f B per folio | %.1f B | %s |%n",
                    pair.what(), GOAL_BYTES_PER_FOLIO, perFolio, perFolio <= GOAL_BYTES_PER_FOLIO + 0.5 ? "yes" :
                    "**no**"));
            }
        }
    }

    /**
     * The medians of one {@code FirstBootBenchmark} result's first and second boots.
     *
     * @param first   the first boots' median, ms.
     * @param second  the second boots' median, ms.
     * @param sizeMiB the image's size.
     * @param aot     the fresh JVMs started from a JDK AOT cache ({@code cache=aot}).
     */
    record FirstBoots(double first, double second, int sizeMiB, boolean aot)
    {
        double ratio()
        {
            return first / second;
        }

        String label()
        {
            return RestartChart.sizeLabel(sizeMiB) + (aot ? ", AOT cache" : "");
        }
    }

    /**
     * The first-boot rows: {@code FirstBootBenchmark}'s forks each start a fresh JVM whose first boot is the first
     * iteration and whose second is a boot again; the medians of each, and their ratio.
     *
     * @return per size and cache, the medians of the first and of the second boots.
     */
    static List<FirstBoots> firstAndSecondBoots(final List<Result> floors)
    {
        final List<FirstBoots> boots = new ArrayList<>();
        for (final Result r : floors)
        {
            if (!r.benchmark().endsWith("FirstBootBenchmark.boot") || r.forks() < 1 || r.raw().length != 2 * r.forks())
            {
                continue;
            }
            final double[] first = new double[r.forks()];
            final double[] second = new double[r.forks()];
            for (int f = 0; f < r.forks(); f++)
            {
                first[f] = r.raw()[2 * f];
                second[f] = r.raw()[2 * f + 1];
            }
            boots.add(new FirstBoots(Result.median(first), Result.median(second),
                Integer.parseInt(r.params().get("sizeMiB")), "aot".equals(r.params().get("cache"))));
        }
        return boots;
    }

    private static Result find(final List<Result> results, final String suffix)
    {
        return results.stream().filter(r -> r.benchmark().endsWith(suffix)).findFirst().orElse(null);
    }
}
