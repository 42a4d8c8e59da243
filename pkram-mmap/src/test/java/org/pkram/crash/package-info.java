/**
 * The crash harness: proof that crash-safe mode loses no committed node when the process is killed
 * at any instruction.
 *
 * <h2>How it works</h2>
 * A child JVM ({@link org.pkram.crash.CrashWorkload}) boots a memory file from its pfn file and runs
 * a seeded random workload over nodes {@code n0..n49}: saves of checksummed content
 * ({@link org.pkram.crash.CrashContent}: folios of orders 0..3 with index gaps and byte streams, and in one
 * node in eight an object of 511..1020 folios, more than a link holds, so kills land in link rollover; all
 * derived from a seed recorded in the node), loads (whole or in part, folios freed before or after the
 * load finishes), moves (a load's folios saved by reference in a new node), saves discarded half way,
 * truncates and orderly reboots (with several threads too: a truncate runs while other threads have saves and
 * loads open). It reports each step on stdout as it happens, each line numbered ({@code 7 SAVING ...},
 * {@code SAVED} after {@code finish()} returned, {@code LOADING}, {@code LOADED}, ...). The parent
 * ({@link org.pkram.crash.CrashLane}) ends it with SIGKILL at a random moment, recording the delay and the last
 * event it had read before the kill ({@link org.pkram.crash.CrashLane.Kill}; a failure report prints the seeds,
 * the delay and that event), or lets it halt itself at a named publication point
 * ({@code -Dpkram.fault=<point> -Dpkram.fault.skip=N}; a child that works a minute without reaching its point is
 * a failure, not a miss), and then:
 * <ul>
 *   <li>builds from the lines ({@link org.pkram.crash.CrashModel}) which nodes must be present (saved
 *       and not loaded since), which may be (a save, load or truncate in progress: before or after its
 *       commit point), and that every other name must be absent;</li>
 *   <li>runs fsck ({@code ImageScanner.check}) read-only on the file as the child left it: no problem
 *       allowed; and reads the same file with {@link org.pkram.oracle.ImageOracle}, a second reading of
 *       docs/FORMAT.md that shares no code with the library (own constants, own little-endian reads), so
 *       that the library is not judged by itself alone;</li>
 *   <li>boots a copy ({@link org.pkram.crash.ImageCheck}): the boot must succeed, and the oracle must
 *       accept exactly what boot accepts; the oracle and the library must read the same image
 *       ({@link org.pkram.oracle.ScannerAgreement}: the scanner's preserved pages, regions list pages and
 *       nodes with their counts, and every node's objects, links and entries as the library's views
 *       enumerate them); right after boot the allocator must hold exactly the oracle's preserved pages
 *       but the regions list pages reserved (a disagreement ends the check there: loads over a misread
 *       image could free a page twice); the names must match the model; each node's walk (objects,
 *       folios, pages, links, data length) must match its seed; the image must reference exactly the
 *       pages its nodes account for; the allocator must hold exactly those pages reserved and nothing
 *       else (free + reserved + used + banned = all pages); every node is loaded and checked byte for
 *       byte; after that only the super block page is still taken;</li>
 *   <li>lets the next child continue from the crashed file itself, so boots after crashes, and
 *       crashes during those boots, pile up across runs.</li>
 * </ul>
 * The only boot failure accepted is the documented fail-closed window of a fresh boot: the child died
 * after {@code BOOTING fresh} and before {@code BOOTED}, and the pfn file names the old super block,
 * which boot refuses as stale (EINVAL), or there is no pfn file yet. Anywhere else a refused boot is a
 * corrupt boot. The point {@code boot.live} is visited on images with nodes and on empty ones: a kill
 * while an empty image boots (or reboots) leaves a super block with no magic and no kernel field, which
 * the next boot must take as empty.
 * <p>
 * {@link org.pkram.crash.ConcurrentRestartTest} runs the same workload in-process with four threads
 * for five seconds, truncates and reboots included, then restarts and checks the same way.
 * {@link org.pkram.crash.KernelFaithfulCrashTest}
 * checks kernel-faithful mode, which is not crash-safe by design: after a kill the consumed image is
 * refused, the file is left byte-identical, and {@code dropInvalid} starts empty.
 * <p>
 * Each test prints one summary line, e.g.
 * {@code crash harness: 60 kill points (60 random, 0 named), 352 boots, 0 corrupt boots, 0 lost nodes; ...,
 * 0 oracle disagreements (in 60 images read by both), ...}.
 * Findings do not stop a run: the lane keeps the evidence (image, pfn file, the child's output, a
 * report) under {@code target/crash-failures/}, starts again on a new file, and the test fails at the
 * end listing them (at most five).
 *
 * <h2>Running it</h2>
 * The normal suite ({@code mvn verify}) runs the short version, about a minute: 60 random kills, 12
 * random kills of a child with four threads, every named point at three skip counts, the kernel-faithful
 * and fresh-boot cases, and five seconds of the concurrent test. Just the crash tests:
 * <pre>
 * mvn -B -pl pkram-mmap test -Dtest='org.pkram.crash.*Test'
 * </pre>
 * ({@code -Dtest='org.pkram.crash.*'} matches nothing in surefire 3.5.) The long run:
 * <pre>
 * mvn -B -pl pkram-mmap test -Dtest='CrashHarnessTest#shouldLoseNoCommittedNodeWhenKilledAtRandomMoments' \
 *     -Dpkram.crash.kills=10000 -Dpkram.crash.lanes=2
 * </pre>
 * Surefire passes {@code -D} properties given on the mvn command line to the forked test JVM as system
 * properties; no {@code argLine} is needed. Properties: {@code pkram.crash.kills} random kill points
 * (default 60); {@code pkram.crash.threadedKills} those with four threads in the child (default 12);
 * {@code pkram.crash.lanes} memory files crashed in parallel (default 1; 2 suits a two-core machine);
 * {@code pkram.crash.maxDelayMillis} the latest kill after the child's boot (default 300);
 * {@code pkram.crash.seed} to replay a run (each summary prints its seed);
 * {@code pkram.crash.concurrentMillis} how long the concurrent test works (default 5000).
 *
 * <h2>Figures of the last long runs</h2>
 * On the final library, {@code -Dpkram.crash.kills=3000}, two cores, 19 minutes: 3,045 kill points
 * (3,000 random, 33 named, 12 with 4 threads), 16,139 boots, 0 corrupt boots, 0 lost nodes, 0 page
 * leaks, 17,218 nodes verified after a crash.
 * <p>
 * Before the empty-image fix, with empty images never rebooted ({@code nonEmpty=true} everywhere),
 * {@code -Dpkram.crash.kills=10000 -Dpkram.crash.threadedKills=1000 -Dpkram.crash.lanes=2}, 43 minutes:
 * 11,034 kill points (10,000 random, 1,000 with 4 threads, 34 named), 58,974 boots, 0 corrupt boots,
 * 0 lost nodes. The run before that, without {@code nonEmpty}, found the empty-reboot bug once in
 * 10,000 random kills (a super block left without its magic; fixed: such a page now boots empty) and
 * nothing else.
 */
package org.pkram.crash;
