package org.pkram.fuzz;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pkram.Mode;
import org.pkram.fuzz.BootHarness.FuzzFailure;
import org.pkram.fuzz.BootHarness.Outcome;
import org.pkram.fuzz.FuzzSeeds.Seed;
import org.pkram.testing.ScratchDir;
import org.pkram.testing.SplitMix64;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The boot fuzzer: mutations of valid images booted in-process (see {@link Mutations} for what is
 * changed and {@link BootHarness} for what is required of every outcome).
 * <p>
 * Half of the images take the next of the targeted mutations (every field of every structure of every
 * seed set to each hostile value, in an order shuffled by the run's seed), half a random one (bit flips,
 * random values, page swaps, combinations). Seeds take turns in blocks of {@value #BLOCK} images. {@code mvn verify} runs a short version; the long one:
 * <pre>
 * mvn -B -o -pl pkram-mmap test -Dtest=BootFuzzTest -Dpkram.fuzz.images=100000
 * </pre>
 * Properties: {@code pkram.fuzz.images} (default {@value #DEFAULT_IMAGES}), {@code pkram.fuzz.seed}
 * (default random, printed), {@code pkram.fuzz.from} (first image number, to replay one image: the
 * failure report prints the three values that redo it), {@code pkram.fuzz.timeoutMillis} (per boot,
 * default 10000).
 */
class BootFuzzTest
{
    static final int DEFAULT_IMAGES = 5_000;
    private static final int MAX_REPORTED = 20;
    private static final int BLOCK = 50;
    private static final int MAX_FAILURES = 100;

    @ScratchDir
    static Path dir;
    private static List<Seed> seeds;

    @BeforeAll
    static void buildSeeds()
    {
        seeds = FuzzSeeds.build(dir.resolve("seeds"));
    }

    @Test
    void everyMutatedImageBootsConsistentlyOrIsRefusedUnchanged() throws IOException
    {
        final int images = Integer.getInteger("pkram.fuzz.images", DEFAULT_IMAGES);
        final long runSeed = Long.getLong("pkram.fuzz.seed", new SplittableRandom().nextLong());
        final int from = Integer.getInteger("pkram.fuzz.from", 0);
        final long timeoutMillis = Long.getLong("pkram.fuzz.timeoutMillis", 10_000);
        System.out.println("boot fuzzer: seed " + runSeed + ", " + images + " images from #" + from + ", seeds " +
            seeds);

        // Per seed, its targeted mutations in an order shuffled by the run's seed.
        final List<List<Mutation>> targeted = new ArrayList<>();
        final List<int[]> orders = new ArrayList<>();
        int targetedCount = 0;
        for (final Seed seed : seeds)
        {
            final List<Mutation> list = Mutations.targeted(seed);
            targeted.add(list);
            orders.add(shuffled(list.size(), runSeed ^ seed.name().hashCode()));
            targetedCount += list.size();
        }

        final long[] targetedRun = new long[seeds.size()];
        long booted = 0;
        long refused = 0;
        final Map<String, Integer> failuresByKind = new TreeMap<>();
        final Map<String, long[]> outcomesBySeed = new TreeMap<>();
        final List<String> reports = new ArrayList<>();
        int failures = 0;
        final long start = System.nanoTime();
        long oracleCompared = 0;
        String exercised = "";
        try (BootHarness harness = new BootHarness(dir.resolve("run"), timeoutMillis))
        {
            for (int i = from; i < from + images; i++)
            {
                final SplittableRandom rng = new SplittableRandom(runSeed ^ (SplitMix64.GOLDEN_GAMMA * (i + 1)));
                // Blocks of BLOCK images from one seed (consecutive images then differ in a few pages only,
                // which keeps the writes small); in each block every other image takes the seed's next
                // targeted mutation, the others a random one.
                final int block = i / BLOCK;
                final int seedIndex = block % seeds.size();
                final Seed seed = seeds.get(seedIndex);
                final Mutation mutation;
                if (i % 2 == 0)
                {
                    final int k = (block / seeds.size()) * (BLOCK / 2) + (i % BLOCK) / 2;
                    final int[] order = orders.get(seedIndex);
                    mutation = targeted.get(seedIndex).get(order[k % order.length]);
                    targetedRun[seedIndex] = Math.max(targetedRun[seedIndex], Math.min(k + 1, order.length));
                }
                else
                {
                    mutation = Mutations.random(seed, rng);
                }
                final Mode mode = rng.nextBoolean() ? Mode.CRASH_SAFE : Mode.KERNEL_FAITHFUL;
                final boolean tryDrop = rng.nextInt(10) == 0;
                // One boot in four names no pfn: resume, the default, takes the image the file header names.
                final boolean resume = rng.nextInt(4) == 0;
                final Mutation.Image image = mutation.applyTo(seed.image(), seed.sbPfn());
                final long[] tally = outcomesBySeed.computeIfAbsent(seed.name(), k -> new long[2]);
                try
                {
                    if (harness.run(image.bytes, image.requested, mode, tryDrop, resume) == Outcome.BOOTED)
                    {
                        booted++;
                        tally[0]++;
                    }
                    else
                    {
                        refused++;
                        tally[1]++;
                    }
                }
                catch (final FuzzFailure failure)
                {
                    failures++;
                    failuresByKind.merge(failure.kind, 1, Integer::sum);
                    if (reports.size() < MAX_REPORTED)
                    {
                        final String report = "image #" + i + " (replay: -Dpkram.fuzz.seed=" + runSeed +
                            " -Dpkram.fuzz.from=" + i + " -Dpkram.fuzz.images=1)\n  seed image: " + seed.name() +
                            ", boot mode " + mode + (resume ? ", no pkram= (resume)" : ", pkram=0x" +
                            Long.toHexString(image.requested)) +
                            (tryDrop ? ", then dropInvalid" : "") + "\n  mutation: " + mutation.description() +
                            "\n  " + failure.report();
                        reports.add(report);
                        System.out.println("boot fuzzer FAILURE " + report);
                    }
                    if (failure.fatal || failures >= MAX_FAILURES)
                    {
                        break;
                    }
                }
                if ((i - from + 1) % 10_000 == 0)
                {
                    System.out.printf("boot fuzzer: %d images, %d booted, %d refused, %d failures, %.0f s%n",
                        i - from + 1, booted, refused, failures, (System.nanoTime() - start) / 1e9);
                }
            }
            oracleCompared = harness.oracleCompared();
            exercised = harness.exercised();
        }
        final long crashes = failuresByKind.getOrDefault("crash", 0) + failuresByKind.getOrDefault("hang", 0) +
            failuresByKind.getOrDefault("inconsistent boot", 0);
        final long changed = failuresByKind.getOrDefault("changed file", 0);
        final long disagreements = failuresByKind.getOrDefault("oracle disagrees", 0);
        System.out.printf("boot fuzzer: %d fuzzed images (%d booted consistently, %d refused with a pkram exception)," +
            " %d crashes, %d changed files, %d oracle disagreements (%d booted images read by both)%n",
            booted + refused + failures, booted, refused, crashes, changed, disagreements, oracleCompared);
        long covered = 0;
        for (final long n : targetedRun)
        {
            covered += n;
        }
        System.out.printf("boot fuzzer: seed %d, %.1f s, %d of the %d targeted mutations run, booted/refused per " +
            "seed: %s%s%n", runSeed, (System.nanoTime() - start) / 1e9, covered, targetedCount, format(outcomesBySeed),
            failures == 0 ? "" : ", failures " + failuresByKind);
        System.out.println("boot fuzzer: on the booted images, " + exercised);
        if (failures > 0)
        {
            fail(failures + " fuzzed images broke the boot contract " + failuresByKind + " (seed " + runSeed +
                "); first ones:\n" + String.join("\n", reports));
        }
    }

    private static String format(final Map<String, long[]> tally)
    {
        final StringBuilder out = new StringBuilder();
        tally.forEach((name, counts) -> out.append(out.isEmpty() ? "" : ", ").append(name).append(' ')
            .append(counts[0]).append('/').append(counts[1]));
        return out.toString();
    }

    private static int[] shuffled(final int n, final long seed)
    {
        final int[] order = new int[n];
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
        }
        final SplittableRandom rng = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--)
        {
            final int j = rng.nextInt(i + 1);
            final int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
