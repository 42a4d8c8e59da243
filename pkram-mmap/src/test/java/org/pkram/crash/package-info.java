/**
 * The crash harness: proof that crash-safe mode loses no committed node, never shows both or neither version of
 * a replaced node, and keeps a live node's pages as they were, when the process is killed at any instruction.
 *
 * <h2>How it works</h2>
 * A child JVM ({@link org.pkram.crash.CrashWorkload}) resumes a memory file (the image its header names, as any
 * process does by default) and runs a seeded random workload over nodes {@code n0..n49}: saves of checksummed
 * content ({@link org.pkram.crash.CrashContent}: folios of orders 0..3 with index gaps and byte streams, and in one
 * node in eight an object of 511..1020 folios, more than a link holds, so kills land in link rollover; all
 * derived from a seed recorded in the node), loads (whole or in part, folios freed before or after the load
 * finishes), moves (a load's folios saved by reference in a new node), saves discarded half way, and what a
 * service does with its live state (DESIGN section 7):
 * <ul>
 *   <li><b>replace</b>: the node opened live, checked, and a new version saved with {@code prepareReplace} that
 *       shares some of its folios by reference, copies others and writes the rest anew, byte streams and header
 *       carrying the new version, half the objects carried in one {@code shareFrom} (links copied whole) and the
 *       others folio by folio; finished (the swap), or one time in five discarded half way;</li>
 *   <li><b>in-place write</b>: the node opened live and up to 32 of its folio pages rewritten in place, then the
 *       handle closed;</li>
 *   <li><b>aborted load</b>: a load read in part and closed without {@code finish()} (meanwhile the name must be
 *       refused to a save, EEXIST), then the views of the folios it handed out are overwritten: they must be
 *       detached, the node back whole;</li>
 *   <li><b>remove</b>;</li>
 * </ul>
 * and truncates and orderly reboots (with several threads too: a truncate runs while other threads have saves,
 * loads, live handles and replaces open, and skips the nodes in use). It reports each step on stdout as it
 * happens, each line numbered ({@code 7 SAVING ...}, {@code SAVED} after {@code finish()} returned,
 * {@code REPLACING} / {@code REPLACED}, {@code WRITING} / {@code WROTE}, ...). The parent
 * ({@link org.pkram.crash.CrashLane}) ends it with SIGKILL at a random moment, recording the delay and the last
 * event it had read before the kill ({@link org.pkram.crash.CrashLane.Kill}; a failure report prints the seeds,
 * the delay and that event), or lets it halt itself at a named publication point
 * ({@code -Dpkram.fault=<point> -Dpkram.fault.skip=N}; a child that works a minute without reaching its point is
 * a failure, not a miss), and then:
 * <ul>
 *   <li>builds from the lines ({@link org.pkram.crash.CrashModel}) which nodes must be present and with what
 *       (version and the stamp of every folio page), which may be (a save, load, remove or truncate in
 *       progress: before or after its commit point), and that every other name must be absent. A replace in
 *       progress must leave exactly one version, the old or the new one (the new only once the child printed
 *       {@code REPLACED}, i.e. after the swap; only the old for a replace to be discarded). An in-place write in
 *       progress must leave its pages, in the order written, new up to some page and old from there on, every
 *       other page as it was. A node whose load was being aborted must be there, whole. A halt at a named point
 *       pins the operation it interrupted: {@code replace.before-swap} leaves the old version,
 *       {@code replace.swapped} the new one, {@code remove.unlinked} and {@code load.unlinked} no node,
 *       {@code save.before-commit} and {@code save.flags-cleared} no node, {@code save.committed} and
 *       {@code load.before-unlink} the node;</li>
 *   <li>How versions are told apart: each folio page carries, in its first 8 bytes, a stamp (the version of the
 *       save, replace or write that wrote it, and which of the page's two body slots is current), and the slot
 *       holds words that are a function of the stamp and the page's identity; a write in place fills the other
 *       slot, then publishes it with one 8-byte release store of the new stamp, so every page matches its stamp
 *       at every instant. Byte streams are a function of the node's version. A load checks each page against its
 *       own stamp and returns the stamps; the model decides whether those are stamps the node may hold. The
 *       child prints a digest of the stamps it read ({@code LOADED}, {@code REPLACED}, {@code WROTE}) and the
 *       model checks it too.</li>
 *   <li>runs fsck ({@code ImageScanner.check}) read-only on the file as the child left it, at the super block its
 *       header names (the pfn file must name the same one): no problem allowed; and reads the same file with
 *       {@link org.pkram.oracle.ImageOracle}, a second reading of docs/FORMAT.md that shares no code with the
 *       library (own constants, own little-endian reads), so that the library is not judged by itself alone;</li>
 *   <li>boots a copy as the next process would, by default ({@link org.pkram.crash.ImageCheck}): the boot must
 *       succeed and say it resumed, and the oracle must accept exactly what boot accepts; the oracle and the
 *       library must read the same image ({@link org.pkram.oracle.ScannerAgreement}: the scanner's preserved
 *       pages, regions list pages and nodes with their counts, and every node's objects, links and entries as the
 *       library's views enumerate them); right after boot the allocator must hold exactly the oracle's preserved
 *       pages but the regions list pages reserved (a disagreement ends the check there: loads over a misread
 *       image could free a page twice); the names must match the model; each node's walk (objects, folios,
 *       pages, links, data length) must match its seed; the image must reference exactly the pages its nodes
 *       account for (so a replace that left the old version's own pages referenced, or freed a shared folio, is
 *       a finding); the allocator must hold exactly those pages reserved and nothing else (free + reserved +
 *       used + banned = all pages); every node is loaded and checked byte for byte and stamp for stamp; after
 *       that only the super block page is still taken;</li>
 *   <li>lets the next child continue from the crashed file itself (the model takes what the check found as
 *       the truth from there on), so boots after crashes, and crashes during those boots, pile up across
 *       runs.</li>
 * </ul>
 * A file whose header names no image boots empty; that is accepted only when nothing must be there: the child
 * died inside a fresh boot after it cleared the header ({@code BOOTING fresh} and no {@code BOOTED}: a boot that
 * expects the old pfn is then refused as stale, and the default boot starts empty, as the fresh boot asked), or
 * nothing was ever committed. Anywhere else it is lost nodes, and a refused boot is a corrupt boot. The point
 * {@code boot.live} is visited on images with nodes and on empty ones: a kill while an empty image boots (or
 * reboots) leaves a super block with no magic and no kernel field, which the next boot must take as empty.
 * <p>
 * {@link org.pkram.crash.ConcurrentRestartTest} runs the same workload in-process with four threads
 * for five seconds, truncates and reboots included, then restarts and checks the same way.
 * {@link org.pkram.crash.KernelFaithfulCrashTest}
 * checks kernel-faithful mode, which is not crash-safe by design: an orderly run of the whole workload (replaces,
 * in-place writes, aborted loads and removes included) leaves a sealed image holding exactly what the model says;
 * after a kill the consumed image is refused, with its pfn and by the default resume alike, the file is left
 * byte-identical, and {@code fresh} or {@code dropInvalid} starts empty.
 * <p>
 * Each test prints one summary line, e.g.
 * {@code crash harness: 60 kill points (60 random, 0 named), 352 boots, 0 corrupt boots, 0 lost nodes; ...,
 * 0 oracle disagreements (in 60 images read by both), ..., 13 replaces (3 deaths inside one with the old version
 * found, 1 with the new), 10 in-place writes (5 deaths inside one), 8 aborted loads, 14 removes, ...}.
 * Findings do not stop a run: the lane keeps the evidence (image, pfn file, the child's output, a
 * report) under {@code target/crash-failures/}, starts again on a new file, and the test fails at the
 * end listing them (at most five).
 *
 * <h2>Running it</h2>
 * The normal suite ({@code mvn verify}) runs the short version, two to four minutes on a busy two-core machine:
 * 60 random kills, 12 random kills of a child with four threads, every named point at three skip counts (the
 * replace and remove points included), the kernel-faithful and fresh-boot cases, and five seconds of the
 * concurrent test. Just the crash tests:
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
 * These predate replace, live nodes, remove and aborted loads (the workload and the checks above); they have not
 * been rerun since. On the final library, {@code -Dpkram.crash.kills=3000}, two cores, 19 minutes: 3,045 kill points
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
