package org.pkram.crash;

import org.pkram.FaultPoints;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the image must hold, built from the lines a {@link CrashWorkload} printed before it died.
 * <p>
 * A node whose {@code SAVED} was printed, and no {@code LOADING}, {@code REMOVING} or {@code TRUNCATING} since,
 * must be present with exactly that version and the page stamps the model tracks ({@link CrashContent}). A node
 * that was between {@code SAVING} and {@code SAVED}, between {@code LOADING} and {@code LOADED}, between
 * {@code REMOVING} and {@code REMOVED}, or committed when a {@code TRUNCATING} began that did not end, may be
 * present (whole, with that version) or absent: the crash came inside the call, before or after its commit
 * point. Nodes in use that never leave the image must be present:
 * <ul>
 *   <li>a replace ({@code REPLACING} to {@code REPLACED}): exactly one version, the old or the new one (only the
 *       old when the replace was to be discarded); after {@code REPLACED}, the new one;</li>
 *   <li>an in-place write through a live handle ({@code WRITING} to {@code WROTE}): the pages it writes, in
 *       order, hold the new stamp up to some page and the old one from there on (each page is published by one
 *       store), every other page as it was; after {@code WROTE}, all new;</li>
 *   <li>a load to be aborted ({@code ABORTING} to {@code ABORTED}): whole, as it was.</li>
 * </ul>
 * Every other name must be absent: a discarded save, a finished load, a removed node, anything half saved. A
 * fresh boot ({@code BOOTING fresh}) drops whatever the file held: until its {@code BOOTED} the old nodes may
 * still be there.
 * <p>
 * A child halted at a named point ({@link #haltedAt(String)}) pins the operation it was in to the side of its
 * commit point the point names: a save before its commit is absent and after it present, a load before its
 * unlink present and after it absent, a replace before its swap the old version and after it the new one, a
 * remove after its unlink absent.
 * <p>
 * The model also checks the child against itself as it goes: the names a boot found and whether it resumed, the
 * version and stamps a load read back, the stamps a replace or a write started from, the count a truncate
 * freed. Those findings are in {@link #violations()}.
 */
final class CrashModel
{
    /**
     * A node's version, content seed and the stamp of each of its folio pages; with {@code writing}, an in-place
     * write in progress: those pages, in the order written, and the stamps they get.
     */
    record Expected(long version, long seed, long[] stamps, int[] writing, long[] written)
    {
        Expected(final long version, final long seed, final long[] stamps)
        {
            this(version, seed, stamps, null, null);
        }

        /**
         * @param observed the stamps a load read.
         * @return null when the node may hold them, else what is wrong.
         */
        String mismatch(final long[] observed)
        {
            if (observed.length != stamps.length)
            {
                return observed.length + " folio pages, expected " + stamps.length;
            }
            final long[] allowed = stamps.clone();
            int prefix = 0;
            if (writing != null)
            {
                while (prefix < writing.length && observed[writing[prefix]] == written[prefix])
                {
                    allowed[writing[prefix]] = written[prefix];
                    prefix++;
                }
            }
            for (int p = 0; p < allowed.length; p++)
            {
                if (observed[p] != allowed[p])
                {
                    return "folio page " + p + " holds stamp " + describe(observed[p]) + ", expected " +
                        describe(allowed[p]) + (writing == null ? "" : " (an in-place write of " + writing.length +
                        " pages was in progress, the first " + prefix + " of them written)");
                }
            }
            return null;
        }

        /** @return the same node with exactly these stamps (a write in progress resolved). */
        Expected exactly(final long[] observed)
        {
            return new Expected(version, seed, observed.clone());
        }

        private static String describe(final long stamp)
        {
            return "v" + (stamp >>> 1) + "/slot" + (stamp & 1);
        }
    }

    private final Map<String, Expected> committed = new TreeMap<>();
    private final Map<String, Expected> saving = new TreeMap<>();
    private final Map<String, Expected> loading = new TreeMap<>();
    private final Map<String, Expected> loaded = new TreeMap<>();
    private final Map<String, Expected> truncating = new TreeMap<>();
    private final Map<String, Expected> removing = new TreeMap<>();
    private final Map<String, Expected> dropping = new TreeMap<>();
    /** Replaces in progress: the old version, then (unless it is to be discarded) the new one. */
    private final Map<String, List<Expected>> replacing = new TreeMap<>();
    private final Map<String, Expected> writing = new TreeMap<>();
    private final Map<String, Expected> aborting = new TreeMap<>();
    private final List<String> violations = new ArrayList<>();
    private boolean inFreshBoot;
    private int boots;
    private int events;
    private int reboots;
    private int truncates;
    private int replaces;
    private int writes;
    private int aborts;
    private int removes;

    /**
     * Apply one line the child printed, in order.
     */
    void apply(final String line)
    {
        events++;
        final String[] f = line.split(" ");
        switch (f[0])
        {
            case "BOOTING" ->
            {
                inFreshBoot = f[1].equals("fresh");
                if (inFreshBoot)
                {
                    dropping.putAll(committed);
                    committed.clear();
                }
            }
            case "BOOTED" -> booted(line, f);
            case "SAVING" ->
            {
                if (committed.containsKey(f[1]))
                {
                    violations.add("the child saves over committed node " + f[1]);
                }
                final long version = Long.parseLong(f[2]);
                final long seed = Long.parseLong(f[3]);
                long[] stamps = CrashContent.freshStamps(seed, version);
                if (f.length > 4)
                {
                    // A move: the folios of a node just loaded, saved by reference, with their stamps.
                    final Expected from = loaded.get(f[4]);
                    if (from == null || from.seed() != seed)
                    {
                        violations.add("the child moves folios of a node the model did not see loaded: " + line);
                    }
                    else
                    {
                        stamps = from.stamps();
                    }
                }
                saving.put(f[1], new Expected(version, seed, stamps));
            }
            case "SAVED" ->
            {
                final Expected e = saving.remove(f[1]);
                if (e == null || e.version() != Long.parseLong(f[2]))
                {
                    violations.add("SAVED without its SAVING: " + line);
                }
                else
                {
                    committed.put(f[1], e);
                }
            }
            case "LOADING" -> take(f[1], line, loading);
            case "LOADED" ->
            {
                final Expected e = loading.remove(f[1]);
                if (e == null || e.version() != Long.parseLong(f[2]))
                {
                    violations.add("the child loaded " + line + ", the model expected version " +
                        (e == null ? "none" : e.version()));
                }
                else if (!f[3].equals("-") && Long.parseLong(f[3]) != CrashContent.digest(e.stamps()))
                {
                    violations.add("the child loaded " + f[1] + " with other page stamps than the model has: " + line);
                }
                else
                {
                    loaded.put(f[1], e);
                }
            }
            case "REPLACING" ->
            {
                replaces++;
                final Expected old = take(f[1], line, null);
                if (old != null)
                {
                    final long version = Long.parseLong(f[2]);
                    final long shareSeed = Long.parseLong(f[3]);
                    final boolean discard = Integer.parseInt(f[4]) >= 0;
                    final Expected next = new Expected(version, old.seed(),
                        CrashContent.replacedStamps(old.seed(), old.stamps(), shareSeed, version));
                    replacing.put(f[1], discard ? List.of(old) : List.of(old, next));
                }
            }
            case "REPLACED", "KEPT" ->
            {
                final List<Expected> versions = replacing.remove(f[1]);
                final boolean replaced = f[0].equals("REPLACED");
                if (versions == null || (replaced && (versions.size() != 2 ||
                    versions.get(1).version() != Long.parseLong(f[2]))))
                {
                    violations.add("the child ended a replace the model does not have: " + line);
                    return;
                }
                final Expected old = versions.getFirst();
                if (Long.parseLong(f[replaced ? 3 : 2]) != CrashContent.digest(old.stamps()))
                {
                    violations.add("the child replaced " + f[1] + " reading other page stamps than the model has: " +
                        line);
                }
                committed.put(f[1], replaced ? versions.get(1) : old);
            }
            case "WRITING" ->
            {
                writes++;
                final Expected old = take(f[1], line, null);
                if (old != null)
                {
                    final int[] pages = CrashContent.writePages(old.seed(), Long.parseLong(f[3]));
                    writing.put(f[1], new Expected(old.version(), old.seed(), old.stamps(), pages,
                        CrashContent.written(old.stamps(), pages, Long.parseLong(f[2]))));
                }
            }
            case "WROTE" ->
            {
                final Expected w = writing.remove(f[1]);
                if (w == null)
                {
                    violations.add("the child ended a write the model does not have: " + line);
                    return;
                }
                if (Long.parseLong(f[3]) != CrashContent.digest(w.stamps()))
                {
                    violations.add("the child wrote " + f[1] + " in place reading other page stamps than the model " +
                        "has: " + line);
                }
                final long[] after = w.stamps().clone();
                for (int k = 0; k < w.writing().length; k++)
                {
                    after[w.writing()[k]] = w.written()[k];
                }
                committed.put(f[1], w.exactly(after));
            }
            case "ABORTING" ->
            {
                aborts++;
                take(f[1], line, aborting);
            }
            case "ABORTED" -> back(f[1], line, aborting);
            case "REMOVING" ->
            {
                removes++;
                take(f[1], line, removing);
            }
            case "REMOVED" ->
            {
                if (removing.remove(f[1]) == null)
                {
                    violations.add("REMOVED without its REMOVING: " + line);
                }
            }
            case "TRUNCATING" ->
            {
                // Nodes in use (loaded, open live, being replaced) are not truncated: they are not in committed.
                truncates++;
                truncating.putAll(committed);
                committed.clear();
            }
            case "TRUNCATED" ->
            {
                if (Integer.parseInt(f[1]) != truncating.size())
                {
                    violations.add("truncate freed " + f[1] + " nodes, the model had " + truncating.size());
                }
                truncating.clear();
            }
            case "REBOOTING" -> reboots++;
            case "DISCARDING", "DISCARDED", "CLOSED" ->
            {
                // Nothing changes: a discarded save must never be visible.
            }
            default -> violations.add("the child reported: " + line);
        }
    }

    private void booted(final String line, final String[] f)
    {
        boots++;
        final String expected = committed.isEmpty() ? "-" : String.join(",", committed.keySet());
        if (!f[1].equals(expected))
        {
            violations.add("the child booted with nodes " + f[1] + ", the model has " + expected);
        }
        if (inFreshBoot ? !f[2].equals("empty") : !committed.isEmpty() && !f[2].equals("resumed"))
        {
            violations.add("the child's boot says it " + (f[2].equals("empty") ? "started empty" : "resumed") +
                " (" + line + "), the model " + (inFreshBoot ? "asked for a fresh start" : "has nodes"));
        }
        inFreshBoot = false;
        dropping.clear();
    }

    /** A committed node goes into {@code to} (when not null) for an operation; null when the model lacks it. */
    private Expected take(final String name, final String line, final Map<String, Expected> to)
    {
        final Expected e = committed.remove(name);
        if (e == null)
        {
            violations.add("the child uses a node the model does not have committed: " + line);
        }
        else if (to != null)
        {
            to.put(name, e);
        }
        return e;
    }

    private void back(final String name, final String line, final Map<String, Expected> from)
    {
        final Expected e = from.remove(name);
        if (e == null)
        {
            violations.add("the child ended an operation the model does not have: " + line);
        }
        else
        {
            committed.put(name, e);
        }
    }

    /**
     * The child halted itself at a named point: the operation in progress there is pinned to that side of its
     * commit point. With one thread in the child, exactly one such operation is in progress.
     */
    void haltedAt(final String point)
    {
        switch (point)
        {
            case FaultPoints.SAVE_BEFORE_COMMIT, FaultPoints.SAVE_FLAGS_CLEARED -> pin(point, saving, false);
            case FaultPoints.SAVE_COMMITTED -> pin(point, saving, true);
            case FaultPoints.LOAD_BEFORE_UNLINK -> pin(point, loading, true);
            case FaultPoints.LOAD_UNLINKED -> pin(point, loading, false);
            case FaultPoints.REMOVE_UNLINKED -> pin(point, removing, false);
            case FaultPoints.REPLACE_BEFORE_SWAP, FaultPoints.REPLACE_SWAPPED ->
            {
                final List<String> names = replacing.entrySet().stream()
                    .filter(e -> e.getValue().size() == 2).map(Map.Entry::getKey).toList();
                if (names.size() != 1)
                {
                    violations.add("halted at " + point + " with replaces " + names + " in progress (expected one)");
                    return;
                }
                final List<Expected> versions = replacing.get(names.getFirst());
                replacing.put(names.getFirst(), List.of(
                    versions.get(point.equals(FaultPoints.REPLACE_SWAPPED) ? 1 : 0)));
            }
            default ->
            {
                // Boots, reboots and truncates leave nothing to pin: the checks hold as they are.
            }
        }
    }

    private void pin(final String point, final Map<String, Expected> inProgress, final boolean present)
    {
        if (inProgress.size() != 1)
        {
            violations.add("halted at " + point + " with " + inProgress.keySet() + " in progress (expected one)");
            return;
        }
        if (present)
        {
            committed.putAll(inProgress);
        }
        inProgress.clear();
    }

    /**
     * @return nodes that must be present, each with the versions it may hold (one, or two for a replace in
     *         progress).
     */
    Map<String, List<Expected>> must()
    {
        final Map<String, List<Expected>> must = new TreeMap<>();
        committed.forEach((name, e) -> must.put(name, List.of(e)));
        writing.forEach((name, e) -> must.put(name, List.of(e)));
        aborting.forEach((name, e) -> must.put(name, List.of(e)));
        must.putAll(replacing);
        return must;
    }

    /**
     * @return nodes that may be present (whole, with these versions) or absent.
     */
    Map<String, List<Expected>> may()
    {
        final Map<String, List<Expected>> may = new TreeMap<>();
        for (final Map<String, Expected> map : List.of(dropping, truncating, removing, loading, saving))
        {
            map.forEach((name, e) -> may.put(name, List.of(e)));
        }
        return may;
    }

    /**
     * @return true when the child died inside a fresh boot (after BOOTING fresh, before BOOTED).
     */
    boolean diedInFreshBoot()
    {
        return inFreshBoot;
    }

    /**
     * @return nodes the child was replacing when it died, with the old and the new version.
     */
    Map<String, List<Expected>> replacing()
    {
        return Map.copyOf(replacing);
    }

    /**
     * @return true when the child died inside an in-place write (between WRITING and WROTE).
     */
    boolean diedWriting()
    {
        return !writing.isEmpty();
    }

    /**
     * After the image was checked: the nodes found, as found, are the committed ones from now on.
     *
     * @param found every node the image holds, with what the check read from it (each checked against
     *              {@link #must()} and {@link #may()}).
     */
    void resolve(final Map<String, Expected> found)
    {
        committed.clear();
        committed.putAll(found);
        for (final Map<String, Expected> map : List.of(saving, loading, loaded, truncating, removing, dropping,
            writing, aborting))
        {
            map.clear();
        }
        replacing.clear();
        inFreshBoot = false;
    }

    /** Forget everything: the lane starts again on a new file. */
    void reset()
    {
        resolve(Map.of());
        violations.clear();
    }

    boolean isEmpty()
    {
        return must().isEmpty() && may().isEmpty();
    }

    List<String> violations()
    {
        return violations;
    }

    /**
     * @return true when a save in progress (the child died inside it) is of a node whose folios roll over
     *         to a second link.
     */
    boolean savingRollover()
    {
        for (final Expected e : saving.values())
        {
            if (CrashContent.rollsOver(e.seed()))
            {
                return true;
            }
        }
        return false;
    }

    /** @return REBOOTING lines seen so far. */
    int reboots()
    {
        return reboots;
    }

    /** @return TRUNCATING lines seen so far. */
    int truncates()
    {
        return truncates;
    }

    /** @return REPLACING lines seen so far. */
    int replaces()
    {
        return replaces;
    }

    /** @return WRITING lines seen so far. */
    int writes()
    {
        return writes;
    }

    /** @return ABORTING lines seen so far. */
    int aborts()
    {
        return aborts;
    }

    /** @return REMOVING lines seen so far. */
    int removes()
    {
        return removes;
    }

    /** @return BOOTED lines seen so far. */
    int boots()
    {
        return boots;
    }

    /** @return lines applied so far. */
    int events()
    {
        return events;
    }

    @Override
    public String toString()
    {
        return "must=" + must().keySet() + " may=" + may().keySet() + (replacing.isEmpty() ? "" : " replacing=" +
            replacing.keySet()) + (writing.isEmpty() ? "" : " writing=" + writing.keySet() +
            Arrays.toString(writing.values().iterator().next().writing()));
    }
}
