/**
 * The boot fuzzer and hostile-image tests: every damaged or hostile image is refused with a specific
 * {@link org.pkram.error.PkramException} and leaves the memory file byte-identical, or boots into a
 * consistent state; never a JVM error, a hang or an OutOfMemoryError (DESIGN.md section 4, "Fail closed").
 * <ul>
 * <li>{@link org.pkram.fuzz.BootFuzzTest}: mutations of valid seed images ({@link org.pkram.fuzz.FuzzSeeds})
 * booted in-process ({@link org.pkram.fuzz.BootHarness}); the verdict must agree with an independent
 * reading of docs/FORMAT.md ({@link org.pkram.oracle.ImageOracle}, which shares no code with the library),
 * and on every image that boots the library must read what the oracle reads
 * ({@link org.pkram.oracle.ScannerAgreement}): the scanner's preserved pages, regions list pages and nodes
 * with their counts, every node's objects, links and entries through the library's views, and the
 * allocator's reserved pages right after boot (the oracle's preserved pages but the regions list pages).
 * The same comparison runs on the image each orderly reboot leaves. Seeds include a service's images
 * ({@code service-sealed}: a node replaced by a version sharing half its folios, pages written in place through
 * a live handle, an aborted load, a removed node; {@code service-live}: that image resumed and caught alive with
 * a live handle open, a new version written but not swapped in, and a load open). On every image that boots,
 * every other node is loaded and finished, and each of the others is loaded in part and aborted, read through
 * a live handle, or replaced by a version sharing all its folios; after an orderly reboot exactly those nodes
 * must be back, each as the image held it. One boot in four names no pfn: resume, the default, takes the super
 * block the file header names (the oracle reads the image there), and a valid header that names none must
 * start empty.</li>
 * <li>{@link org.pkram.fuzz.HostileImageTest}: one kind of damage at a time, with the exception each gets,
 * and a regression test for each validation bug the fuzzer found; among them what a replace must never leave,
 * both versions chained (two nodes of one name, or folios referenced twice).</li>
 * </ul>
 * Running them:
 * <pre>
 * # the fuzz package alone (the short fuzz run: 5,000 images, about 30 s)
 * mvn -B -pl pkram-mmap test -Dtest='org.pkram.fuzz.**'
 *
 * # the long run: 100,000 images (about 10 minutes on two cores); surefire passes -D properties given
 * # to mvn on to the forked test JVM
 * mvn -B -pl pkram-mmap test -Dtest=BootFuzzTest -Dpkram.fuzz.images=100000
 *
 * # replay one image from a failure report (it prints these three values)
 * mvn -B -pl pkram-mmap test -Dtest=BootFuzzTest -Dpkram.fuzz.seed=S -Dpkram.fuzz.from=N -Dpkram.fuzz.images=1
 * </pre>
 * (With surefire 3.5, {@code -Dtest='org.pkram.fuzz.*'} matches nothing; use {@code org.pkram.fuzz.**}.)
 * The run ends with {@code boot fuzzer: M fuzzed images (B booted consistently, R refused with a pkram
 * exception), C crashes, F changed files, D oracle disagreements (K booted images read by both)}, and a line
 * saying how many nodes of the booted images were aborted, read live and replaced, and how many boots named no
 * pfn.
 */
package org.pkram.fuzz;
