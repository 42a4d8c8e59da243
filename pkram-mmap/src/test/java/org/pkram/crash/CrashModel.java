package org.pkram.crash;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the image must hold, built from the lines a {@link CrashWorkload} printed before it died.
 * <p>
 * A node whose {@code SAVED} was printed, and no {@code LOADING} or {@code TRUNCATING} since, must be
 * present with exactly that version. A node that was between {@code SAVING} and {@code SAVED}, between
 * {@code LOADING} and {@code LOADED}, or committed when a {@code TRUNCATING} began that did not end, may
 * be present (whole, with that version) or absent: the crash came inside the call, before or after its
 * commit point. Every other name must be absent: a discarded save, a finished load, anything half
 * saved. A fresh boot ({@code BOOTING fresh}) drops whatever the file held.
 * <p>
 * The model also checks the child against itself as it goes: the names a boot found, the version a
 * load read back, the count a truncate freed. Those findings are in {@link #violations()}.
 */
final class CrashModel
{
    /** A node's version and content seed. */
    record Expected(long version, long seed)
    {
    }

    private final Map<String, Expected> committed = new TreeMap<>();
    private final Map<String, Expected> saving = new TreeMap<>();
    private final Map<String, Expected> loading = new TreeMap<>();
    private final Map<String, Expected> truncating = new TreeMap<>();
    private final List<String> violations = new ArrayList<>();
    private boolean inFreshBoot;
    private int boots;
    private int events;
    private int reboots;
    private int truncates;

    /**
     * Apply one line the child printed, in order.
     */
    void apply(final String line)
    {
        final String[] f = line.split(" ");
        switch (f[0])
        {
            case "BOOTING" ->
            {
                inFreshBoot = f[1].equals("fresh");
                if (inFreshBoot)
                {
                    committed.clear();
                }
            }
            case "BOOTED" ->
            {
                inFreshBoot = false;
                boots++;
                final String expected = committed.isEmpty() ? "-" : String.join(",", committed.keySet());
                if (!f[1].equals(expected))
                {
                    violations.add("the child booted with nodes " + f[1] + ", the model has " + expected);
                }
            }
            case "SAVING" ->
            {
                if (committed.containsKey(f[1]))
                {
                    violations.add("the child saves over committed node " + f[1]);
                }
                saving.put(f[1], new Expected(Long.parseLong(f[2]), Long.parseLong(f[3])));
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
            case "LOADING" ->
            {
                final Expected e = committed.remove(f[1]);
                if (e == null)
                {
                    violations.add("the child loads a node the model does not have: " + f[1]);
                }
                else
                {
                    loading.put(f[1], e);
                }
            }
            case "LOADED" ->
            {
                final Expected e = loading.remove(f[1]);
                if (e == null || e.version() != Long.parseLong(f[2]))
                {
                    violations.add("the child loaded " + line + ", the model expected version " +
                        (e == null ? "none" : e.version()));
                }
            }
            case "TRUNCATING" ->
            {
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
        events++;
    }

    /**
     * @return nodes that must be present, with their versions.
     */
    Map<String, Expected> must()
    {
        return committed;
    }

    /**
     * @return nodes that may be present (whole, with these versions) or absent.
     */
    Map<String, Expected> may()
    {
        final Map<String, Expected> may = new TreeMap<>(truncating);
        may.putAll(loading);
        may.putAll(saving);
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
     * After the image was checked: the nodes found are the committed ones from now on.
     *
     * @param present the names the image holds (each checked against {@link #must()} and {@link #may()}).
     */
    void resolve(final Set<String> present)
    {
        final Map<String, Expected> may = may();
        committed.keySet().retainAll(present);
        for (final Map.Entry<String, Expected> e : may.entrySet())
        {
            if (present.contains(e.getKey()))
            {
                committed.put(e.getKey(), e.getValue());
            }
        }
        saving.clear();
        loading.clear();
        truncating.clear();
        inFreshBoot = false;
    }

    /** Forget everything: the lane starts again on a new file. */
    void reset()
    {
        committed.clear();
        resolve(Set.of());
        violations.clear();
    }

    boolean isEmpty()
    {
        return committed.isEmpty() && may().isEmpty();
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

    /**
     * @return REBOOTING lines seen so far.
     */
    int reboots()
    {
        return reboots;
    }

    /**
     * @return TRUNCATING lines seen so far.
     */
    int truncates()
    {
        return truncates;
    }

    /**
     * @return BOOTED lines seen so far.
     */
    int boots()
    {
        return boots;
    }

    /**
     * @return lines applied so far.
     */
    int events()
    {
        return events;
    }
}
