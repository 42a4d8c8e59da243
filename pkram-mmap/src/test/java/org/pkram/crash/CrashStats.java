package org.pkram.crash;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts of a crash run, shared by its lanes, and the summary line each test prints.
 */
final class CrashStats
{
    private static final int MAX_FAILURES = 5;

    private final String name;
    private final long startNanos = System.nanoTime();
    private final LongAdder randomKills = new LongAdder();
    private final LongAdder namedHalts = new LongAdder();
    private final LongAdder checkerBoots = new LongAdder();
    private final LongAdder workloadBoots = new LongAdder();
    private final LongAdder corruptBoots = new LongAdder();
    private final LongAdder lostNodes = new LongAdder();
    private final LongAdder phantomNodes = new LongAdder();
    private final LongAdder leaks = new LongAdder();
    private final LongAdder disagreements = new LongAdder();
    private final LongAdder oracleChecks = new LongAdder();
    private final LongAdder verified = new LongAdder();
    private final LongAdder events = new LongAdder();
    private final LongAdder freshWindows = new LongAdder();
    private final LongAdder nodesAfterCrash = new LongAdder();
    private final LongAdder rolloverNodes = new LongAdder();
    private final LongAdder diedDuringRollover = new LongAdder();
    private final LongAdder reboots = new LongAdder();
    private final LongAdder truncates = new LongAdder();
    private final LongAdder replaces = new LongAdder();
    private final LongAdder writes = new LongAdder();
    private final LongAdder aborts = new LongAdder();
    private final LongAdder removes = new LongAdder();
    private final LongAdder diedWriting = new LongAdder();
    private final LongAdder diedReplacingOld = new LongAdder();
    private final LongAdder diedReplacingNew = new LongAdder();
    private final Map<String, Integer> hits = new TreeMap<>();
    private final Map<String, Integer> misses = new TreeMap<>();
    private final List<String> failures = new ArrayList<>();

    CrashStats(final String name)
    {
        this.name = name;
    }

    void randomKill()
    {
        randomKills.increment();
    }

    synchronized void namedHalt(final String point)
    {
        namedHalts.increment();
        hits.merge(point, 1, Integer::sum);
    }

    synchronized void namedMiss(final String point)
    {
        misses.merge(point, 1, Integer::sum);
    }

    void childRun(final int lines, final int boots)
    {
        events.add(lines);
        workloadBoots.add(boots);
    }

    /**
     * Operations of a child run, by their opening events.
     */
    void operations(final int rebootCount, final int truncateCount, final int replaceCount, final int writeCount,
        final int abortCount, final int removeCount)
    {
        reboots.add(rebootCount);
        truncates.add(truncateCount);
        replaces.add(replaceCount);
        writes.add(writeCount);
        aborts.add(abortCount);
        removes.add(removeCount);
    }

    /**
     * @param died true when the child died inside an in-place write through a live handle.
     */
    void diedWriting(final boolean died)
    {
        diedWriting.add(died ? 1 : 0);
    }

    /**
     * A child died inside a replace, and the image held the new version (or the old one).
     */
    void diedReplacing(final boolean newVersion)
    {
        (newVersion ? diedReplacingNew : diedReplacingOld).increment();
    }

    long replaces()
    {
        return replaces.sum();
    }

    long writes()
    {
        return writes.sum();
    }

    long aborts()
    {
        return aborts.sum();
    }

    long removes()
    {
        return removes.sum();
    }

    /**
     * @param died true when the child died inside a save of a node whose folios roll over to a second link.
     */
    void diedDuringRollover(final boolean died)
    {
        diedDuringRollover.add(died ? 1 : 0);
    }

    /**
     * @param count nodes with a link rollover found whole after a crash.
     */
    void rolloverNodes(final int count)
    {
        rolloverNodes.add(count);
    }

    long rolloverNodes()
    {
        return rolloverNodes.sum();
    }

    long diedDuringRollover()
    {
        return diedDuringRollover.sum();
    }

    long reboots()
    {
        return reboots.sum();
    }

    long truncates()
    {
        return truncates.sum();
    }

    void checked(final ImageCheck.Outcome outcome)
    {
        if (outcome.booted)
        {
            checkerBoots.increment();
        }
        if (!outcome.corrupt.isEmpty())
        {
            corruptBoots.increment();
        }
        lostNodes.add(outcome.lost.size());
        phantomNodes.add(outcome.phantom.size());
        leaks.add(outcome.leaked.isEmpty() ? 0 : 1);
        disagreements.add(outcome.disagreed.isEmpty() ? 0 : 1);
        oracleChecks.add(outcome.oracleChecked ? 1 : 0);
        verified.add(outcome.verified);
    }

    void freshWindow()
    {
        freshWindows.increment();
    }

    void nodes(final int present)
    {
        nodesAfterCrash.add(present);
    }

    synchronized void failure(final String report)
    {
        failures.add(report);
    }

    synchronized boolean tooManyFailures()
    {
        return failures.size() >= MAX_FAILURES;
    }

    synchronized List<String> failures()
    {
        return List.copyOf(failures);
    }

    synchronized Map<String, Integer> hits()
    {
        return Map.copyOf(hits);
    }

    long killPoints()
    {
        return randomKills.sum() + namedHalts.sum();
    }

    /**
     * @return the one-line summary.
     */
    synchronized String summary()
    {
        final long seconds = (System.nanoTime() - startNanos) / 1_000_000_000L;
        final StringBuilder line = new StringBuilder();
        line.append("crash harness: ").append(killPoints()).append(" kill points (")
            .append(randomKills.sum()).append(" random, ").append(namedHalts.sum()).append(" named), ")
            .append(checkerBoots.sum() + workloadBoots.sum()).append(" boots, ")
            .append(corruptBoots.sum()).append(" corrupt boots, ")
            .append(lostNodes.sum()).append(" lost nodes")
            .append("; ").append(phantomNodes.sum()).append(" half-saved or stale nodes visible, ")
            .append(leaks.sum()).append(" page leaks, ")
            .append(disagreements.sum()).append(" oracle disagreements (in ").append(oracleChecks.sum())
            .append(" images read by both), ")
            .append(verified.sum()).append(" nodes verified after a crash, ")
            .append(events.sum()).append(" workload events, ")
            .append(freshWindows.sum()).append(" deaths inside a fresh boot after it dropped the image (booted empty), ")
            .append(rolloverNodes.sum()).append(" nodes with a link rollover verified, ")
            .append(diedDuringRollover.sum()).append(" deaths inside such a save, ")
            .append(reboots.sum()).append(" reboots, ").append(truncates.sum()).append(" truncates, ")
            .append(replaces.sum()).append(" replaces (").append(diedReplacingOld.sum()).append(" deaths inside one ")
            .append("with the old version found, ").append(diedReplacingNew.sum()).append(" with the new), ")
            .append(writes.sum()).append(" in-place writes (").append(diedWriting.sum()).append(" deaths inside one), ")
            .append(aborts.sum()).append(" aborted loads, ").append(removes.sum()).append(" removes, ")
            .append(seconds).append(" s [").append(name).append(']');
        if (!hits.isEmpty() || !misses.isEmpty())
        {
            line.append(" hits=").append(hits).append(" not reached=").append(misses);
        }
        return line.toString();
    }
}
