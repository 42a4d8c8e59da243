package org.pkram.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pkram.DataKind;
import org.pkram.NodeLoad;
import org.pkram.NodeSave;
import org.pkram.ObjSave;
import org.pkram.Pkram;
import org.pkram.PkramOptions;
import org.pkram.boot.PfnFile;
import org.pkram.layout.SuperBlockDescriptor;
import org.pkram.testing.ScratchDir;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pkram.testing.Digests.sha256;

/**
 * The {@code ./pkram} launcher and every command, run as real processes the way a user runs them.
 */
class PkramCliIT
{
    private static final long MIB = 1L << 20;

    @ScratchDir
    Path dir;

    /** The launcher builds the jar when it is missing or stale: once, here, not inside a timed test. */
    @BeforeAll
    static void buildOnce()
    {
        final Launcher.Result help = Launcher.pkram(Duration.ofMinutes(5), "--help");
        assertEquals(0, help.status(), help::toString);
        assertTrue(help.out().startsWith("usage: pkram "), help::toString);
    }

    @Test
    void shouldPrintUsageAndExitZeroOnHelpForEveryCommand()
    {
        for (final String command : List.of("format", "save", "load", "ls", "pfn", "truncate", "inspect", "fsck",
            "exec", "demo"))
        {
            final Launcher.Result result = Launcher.pkram(command, "--help");
            assertEquals(0, result.status(), result::toString);
            assertTrue(result.out().startsWith("usage: pkram " + command), result::toString);
            assertEquals("", result.err(), result::toString);
        }
        final Launcher.Result help = Launcher.pkram("help", "load");
        assertEquals(0, help.status(), help::toString);
        assertTrue(help.out().startsWith("usage: pkram load NODE --into DIR"), help::toString);
    }

    @Test
    void shouldExitTwoWithAMessageAndAUsageHintOnUsageErrors()
    {
        assertUsageError(Launcher.pkram("bogus"), "pkram: unknown command: bogus");
        assertUsageError(Launcher.pkram(), "pkram: missing COMMAND");
        assertUsageError(Launcher.pkram("--mem"), "pkram: option --mem needs a value");
        assertUsageError(Launcher.pkram("save"), "pkram: save: missing NODE and FILE...");
        assertUsageError(Launcher.pkram("save", "node-only"), "pkram: save: missing NODE and FILE...");
        assertUsageError(Launcher.pkram("load", "n"), "pkram: load: missing --into DIR");
        assertUsageError(Launcher.pkram("ls", "--bogus"), "pkram: ls: unknown option: --bogus");
        assertUsageError(Launcher.pkram("format"), "pkram: format: missing --size SIZE");
        assertUsageError(Launcher.pkram("format", "--size", "12Q"),
            "pkram: format: option --size is not a size: 12Q (e.g. 4096, 512M, 8G)");
        assertUsageError(Launcher.pkram("exec", "--restart-code", "x", "--", "true"),
            "pkram: exec: option --restart-code is not a number: x");
        assertUsageError(Launcher.pkram("exec"), "pkram: exec: missing CMD");
    }

    @Test
    void shouldRoundTripFilesByteIdenticalWithLengthModeAndMtime() throws Exception
    {
        final Path mem = format(256 * MIB);
        final Path src = Files.createDirectory(dir.resolve("src"));
        final Path empty = file(src.resolve("empty"), 0, "rw-------", 1_500_000_000_001L);
        final Path one = file(src.resolve("one byte"), 1, "r--r-----", 1_600_000_000_123L);
        final Path page = file(src.resolve("page.bin"), 4096, "rwxr-xr-x", 1_700_000_000_999L);
        final Path big = file(src.resolve("big.bin"), 100_000_000, "rw-r--r--", 1_234_567_890_000L);

        final Launcher.Result save = pkram(mem, "save", "files", empty.toString(), one.toString(), page.toString(),
            big.toString());
        assertEquals(0, save.status(), save::toString);
        assertEquals("saved node files: 4 files, 100004097 bytes in 24417 pages\n", save.out());

        final Launcher.Result ls = pkram(mem, "ls");
        assertEquals(0, ls.status(), ls::toString);
        assertEquals(2, ls.outLines().size(), ls::toString);
        assertTrue(ls.outLines().get(1).matches("files +4 +\\d+ +24417 +\\d+  .*9:47.*"), ls::toString);

        final Path out = dir.resolve("out");
        final Launcher.Result load = pkram(mem, "load", "files", "--into", out.toString());
        assertEquals(0, load.status(), load::toString);
        for (final Path original : List.of(empty, one, page, big))
        {
            final Path restored = out.resolve(original.getFileName());
            assertEquals(Files.size(original), Files.size(restored), restored::toString);
            assertEquals(sha256(original), sha256(restored), restored::toString);
            assertEquals(Files.getPosixFilePermissions(original), Files.getPosixFilePermissions(restored),
                restored::toString);
            assertEquals(Files.getLastModifiedTime(original).toMillis(), Files.getLastModifiedTime(restored).toMillis(),
                restored::toString);
        }
        try (var listing = Files.list(out))
        {
            assertEquals(4, listing.count(), "no temporary file is left behind");
        }

        // Loading consumed the node.
        assertEquals("", pkram(mem, "ls").out());
        final Path again1 = file(src.resolve("again"), 10, "rw-r--r--", 0);
        assertEquals(0, pkram(mem, "save", "again", again1.toString(), one.toString()).status());
        assertOneLineError(pkram(mem, "load", "again", "--into", out.toString()), 1,
            "pkram: load: EEXIST: file exists, nothing was loaded (--force replaces it): path=" + out.resolve("one byte"));
        assertTrue(pkram(mem, "ls").out().contains("\nagain "), "a refused load consumes nothing");
        assertFalse(Files.exists(out.resolve("again")), "a refused load writes nothing");
        final Launcher.Result forced = pkram(mem, "load", "again", "--into", out.toString(), "--force");
        assertEquals(0, forced.status(), forced::toString);
        assertEquals(sha256(again1), sha256(out.resolve("again")));
        assertEquals("", pkram(mem, "ls").out());
        final Launcher.Result again = pkram(mem, "load", "files", "--into", out.toString());
        assertOneLineError(again, 1, "pkram: load: ENOENT: no such node: name=files");
    }

    @Test
    void shouldFailWithExitOneAndOneErrnoLine() throws Exception
    {
        final Path mem = dir.resolve("pkram.mem");
        assertOneLineError(pkram(mem, "ls"), 1, "pkram: ls: ENOENT: no such memory file: path=" + mem);

        format(8 * MIB);
        final Path note = Files.writeString(dir.resolve("note.txt"), "hello");
        assertEquals(0, pkram(mem, "save", "n", note.toString()).status());

        assertOneLineError(pkram(mem, "save", "n", note.toString()), 1, "pkram: save: EEXIST: node already exists: name=n");
        assertOneLineError(pkram(mem, "save", "d", dir.toString()), 1,
            "pkram: save: EINVAL: is a directory, only regular files can be saved: path=" + dir);
        assertOneLineError(pkram(mem, "save", "m", dir.resolve("missing").toString()), 1,
            "pkram: save: ENOENT: no such file: path=" + dir.resolve("missing"));
        assertOneLineError(pkram(mem, "load", "nope", "--into", dir.resolve("out").toString()), 1,
            "pkram: load: ENOENT: no such node: name=nope");
        assertOneLineError(pkram(mem, "format", "--size", "8M"), 1, "pkram: format: EEXIST: memory file holds " +
            "preserved data: path=" + mem + ", nodes=1 (--force replaces it)");
        assertOneLineError(pkram(mem, "--pkram", "zz", "ls"), 1,
            "pkram: ls: EINVAL: pkram= is not a hex pfn: value=zz, source=--pkram");

        // The refused commands changed nothing; --force does replace the image.
        assertTrue(pkram(mem, "ls").out().contains("\nn "));
        final Launcher.Result forced = pkram(mem, "format", "--size", "8M", "--force");
        assertEquals(0, forced.status(), forced::toString);
        assertEquals("", pkram(mem, "ls").out());
        assertEquals("0\n", pkram(mem, "pfn").out());
    }

    @Test
    void shouldRefuseAFileNameThatWouldEscapeTheTargetDirectoryAndKeepTheNode() throws Exception
    {
        final Path mem = format(8 * MIB);
        // The CLI saves base names only, so the hostile node is written through the API.
        try (Pkram pk = Pkram.boot(PkramOptions.of(mem).shutdownHook(false)); NodeSave node = pk.prepareSave("evil"))
        {
            try (ObjSave obj = node.prepareSaveObj(DataKind.FOLIOS, DataKind.BYTES))
            {
                obj.writeRecord(new FileAttributes("ok.txt", 3, 0644, 0));
                obj.saveFolio("ok!".getBytes(StandardCharsets.UTF_8), 0);
            }
            try (ObjSave obj = node.prepareSaveObj(DataKind.FOLIOS, DataKind.BYTES))
            {
                obj.writeRecord(new FileAttributes("../escaped.txt", 3, 0644, 0));
                obj.saveFolio("bad".getBytes(StandardCharsets.UTF_8), 0);
            }
            node.finish();
        }
        final Path into = dir.resolve("into");
        final Launcher.Result load = pkram(mem, "load", "evil", "--into", into.toString());
        assertOneLineError(load, 1,
            "pkram: load: EINVAL: file name would escape the target directory: name=../escaped.txt");
        assertFalse(Files.exists(dir.resolve("escaped.txt")));
        assertFalse(Files.exists(into), "nothing is written for a refused node");
        assertTrue(pkram(mem, "ls").out().contains("\nevil "), "a refused node is not consumed");
    }

    @Test
    void shouldChangeNoByteOnInspectAndFsck() throws Exception
    {
        final Path mem = format(16 * MIB);
        final Path data = file(dir.resolve("data.bin"), 3 * 4096 + 5, "rw-r--r--", 1_000L);
        assertEquals(0, pkram(mem, "save", "vm0", data.toString()).status());
        final String memBefore = sha256(mem);
        final String pfnBefore = Files.readString(PfnFile.of(mem));

        final Launcher.Result inspect = pkram(mem, "inspect");
        assertEquals(0, inspect.status(), inspect::toString);
        final String text = inspect.out();
        assertTrue(text.contains("super block at pfn 0x" + pfnBefore.trim()), text);
        assertTrue(text.contains("magic            0x706b726d (pkrm)"), text);
        assertTrue(text.contains("node \"vm0\" at pfn"), text);
        assertTrue(text.contains("regions list at pfn"), text);
        assertTrue(text.contains("problems: none"), text);
        assertTrue(text.contains("hex dump: super block page"), text);
        assertTrue(text.contains("00000000 6d 72 6b 70"), text);
        assertTrue(text.contains("hex dump: node page \"vm0\""), text);

        final Launcher.Result fsck = pkram(mem, "fsck");
        assertEquals(0, fsck.status(), fsck::toString);
        assertTrue(fsck.out().matches("clean: 1 node, \\d+ pages\n"), fsck::toString);
        assertEquals("", fsck.err());

        assertEquals(memBefore, sha256(mem), "inspect and fsck must not change the memory file");
        assertEquals(pfnBefore, Files.readString(PfnFile.of(mem)));
        assertEquals("vm0", pkram(mem, "ls").outLines().get(1).split(" +")[0], "nothing was consumed");
    }

    @Test
    void shouldReportADamagedImageInFsckWithoutRepairingIt() throws Exception
    {
        final Path mem = format(8 * MIB);
        assertEquals(0, pkram(mem, "save", "n", Files.writeString(dir.resolve("f"), "x").toString()).status());
        final long sbPfn = PfnFile.read(PfnFile.of(mem)).orElseThrow();
        try (FileChannel channel = FileChannel.open(mem, StandardOpenOption.WRITE))
        {
            final ByteBuffer bad = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 0x12345678);
            channel.write(bad, sbPfn * 4096 + SuperBlockDescriptor.MAGIC_OFFSET);
        }
        final String damaged = sha256(mem);
        final Launcher.Result fsck = pkram(mem, "fsck");
        assertEquals(1, fsck.status(), fsck::toString);
        assertTrue(fsck.out().startsWith("EINVAL: invalid super block: bad magic: pfn=0x" + Long.toHexString(sbPfn)),
            fsck::toString);
        assertOneLineError(fsck, 1, "pkram: fsck: EUCLEAN: image has 1 problem: " + mem);
        assertEquals(damaged, sha256(mem));
        assertEquals(1, pkram(mem, "ls").status());
    }

    @Test
    void shouldShowThePfnAndTruncateEveryNode() throws Exception
    {
        final Path mem = format(8 * MIB);
        assertEquals("0\n", pkram(mem, "pfn").out());
        final Path f = Files.writeString(dir.resolve("f"), "x");
        assertEquals(0, pkram(mem, "save", "a", f.toString()).status());
        assertEquals(0, pkram(mem, "save", "b", f.toString()).status());
        final OptionalLong pfn = PfnFile.read(PfnFile.of(mem));
        assertEquals(Long.toHexString(pfn.orElseThrow()) + "\n", pkram(mem, "pfn").out());

        final Launcher.Result truncate = pkram(mem, "truncate");
        assertEquals(0, truncate.status(), truncate::toString);
        assertEquals("freed 2 nodes\n", truncate.out());
        assertEquals("", pkram(mem, "ls").out());
        assertTrue(pkram(mem, "fsck").out().startsWith("clean: 0 nodes"));
    }

    @Test
    void shouldRestartAJavaChildWithTheCurrentPfnEachTime() throws Exception
    {
        final Path mem = dir.resolve("pkram.mem");
        Files.writeString(PfnFile.of(mem), "abc\n");
        final Path log = dir.resolve("exec.log");
        // A stand-in for a JVM that reboots pkram: it logs how it was started, exports a new pfn, and asks to be
        // restarted twice.
        final Path java = script(dir.resolve("bin/java"), """
            #!/usr/bin/env bash
            log="%s"
            n=$(( $(cat "$log" 2>/dev/null | wc -l) + 1 ))
            echo "run=$n PKRAM=${PKRAM:-none} MEM=${PKRAM_MEM:-none} args=$*" >> "$log"
            printf '%%x\\n' $(( 0x1000 + n )) > "$PKRAM_MEM.pfn"
            [ "$n" -lt 3 ] && exit 75
            exit 0
            """.formatted(log));
        final Launcher.Result exec = pkram(mem, "exec", "--", java.toString(), "-Dpkram=dead", "-cp", "app.jar",
            "Main", "arg one");
        assertEquals(0, exec.status(), exec::toString);
        assertEquals(List.of(
            "run=1 PKRAM=abc MEM=" + mem + " args=-Dpkram=abc -cp app.jar Main arg one",
            "run=2 PKRAM=1001 MEM=" + mem + " args=-Dpkram=1001 -cp app.jar Main arg one",
            "run=3 PKRAM=1002 MEM=" + mem + " args=-Dpkram=1002 -cp app.jar Main arg one"),
            Files.readAllLines(log));
        assertEquals(List.of(
            "pkram: exec: java exited with 75, restarting with pkram=1001",
            "pkram: exec: java exited with 75, restarting with pkram=1002"), exec.errLines());
    }

    @Test
    void shouldPassThePfnInTheEnvironmentOnlyToOtherCommandsAndTheirExitStatus() throws Exception
    {
        final Path mem = dir.resolve("pkram.mem");
        final Path log = dir.resolve("child.log");
        final Path child = script(dir.resolve("child.sh"), """
            #!/usr/bin/env bash
            echo "PKRAM=${PKRAM:-none} args=$*" >> "%s"
            exit 3
            """.formatted(log));
        final Launcher.Result none = pkram(mem, "exec", child.toString(), "-Dpkram=old", "x");
        assertEquals(3, none.status(), none::toString);
        Files.writeString(PfnFile.of(mem), "2a\n");
        final Launcher.Result some = pkram(mem, "exec", "--restart-code", "9", child.toString(), "y");
        assertEquals(3, some.status(), some::toString);
        // Only a JVM's options lose -Dpkram=: another command's arguments are its own.
        assertEquals(List.of("PKRAM=none args=-Dpkram=old x", "PKRAM=2a args=y"), Files.readAllLines(log));
        final Launcher.Result missing = pkram(mem, "exec", dir.resolve("no-such-command").toString());
        assertEquals(1, missing.status(), missing::toString);
        assertEquals(1, missing.errLines().size(), missing::toString);
        assertTrue(missing.err().startsWith("pkram: exec: ENOENT: cannot run command: cmd=" +
            dir.resolve("no-such-command") + ", cause="), missing::toString);
    }

    @Test
    void shouldForwardSigtermToTheChildAndNotRestartIt() throws Exception
    {
        final Path mem = dir.resolve("pkram.mem");
        final Path started = dir.resolve("started");
        final Path stopped = dir.resolve("stopped");
        final Path child = script(dir.resolve("service.sh"), """
            #!/usr/bin/env bash
            trap 'echo TERM > "%s"; exit 75' TERM
            echo $$ > "%s"
            while true; do sleep 0.1; done
            """.formatted(stopped, started));
        final Process exec = Launcher.builder(Launcher.ROOT, Map.of(),
                Launcher.command(Launcher.SCRIPT, "--mem", mem.toString(), "exec", child.toString()))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
        try
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(started) || Files.readString(started).isBlank())
            {
                assertTrue(System.nanoTime() < deadline, "the child never started");
                Thread.sleep(50);
            }
            final long childPid = Long.parseLong(Files.readString(started).trim());
            final List<ProcessHandle> tree = exec.descendants().toList();
            exec.destroy(); // SIGTERM to the supervisor
            assertTrue(exec.waitFor(30, TimeUnit.SECONDS), "exec did not stop");
            // Every process exec had started has ended too, so nothing is left that could start the child again.
            for (final ProcessHandle process : tree)
            {
                process.onExit().get(30, TimeUnit.SECONDS);
            }
            assertEquals("TERM\n", Files.readString(stopped), "the child got SIGTERM");
            assertFalse(ProcessHandle.of(childPid).map(ProcessHandle::isAlive).orElse(false), "child still running");
            assertEquals(String.valueOf(childPid), Files.readString(started).trim(), "no restart after SIGTERM");
        }
        finally
        {
            Launcher.kill(exec);
        }
    }

    @Test
    void shouldAllocateTheFileUnlessSparseIsGiven() throws Exception
    {
        final Path full = dir.resolve("full.mem");
        final Launcher.Result populated = pkram(full, "format", "--size", "8M");
        assertEquals(0, populated.status(), populated::toString);
        assertEquals("formatted " + full + ": 8 MiB (2048 pages)\n", populated.out());
        final Path sparse = dir.resolve("sparse.mem");
        final Launcher.Result thin = pkram(sparse, "format", "--size", "8M", "--sparse");
        assertEquals(0, thin.status(), thin::toString);
        assertEquals("formatted " + sparse + ": 8 MiB (2048 pages), sparse\n", thin.out());
        assertEquals(8 * MIB, Files.size(full));
        assertEquals(8 * MIB, Files.size(sparse));
        assertTrue(allocatedBytes(full) >= 8 * MIB, "every page allocated: " + allocatedBytes(full));
        assertTrue(allocatedBytes(sparse) < 4 * MIB, "pages left unallocated: " + allocatedBytes(sparse));
        // Either boots and holds data.
        final Path f = Files.writeString(dir.resolve("f"), "x");
        assertEquals(0, pkram(sparse, "save", "s", f.toString()).status());
        assertTrue(pkram(sparse, "fsck").out().startsWith("clean: 1 node"));
    }

    @Test
    void shouldLeaveOutTheHexDumpsWithNoDump() throws Exception
    {
        final Path mem = format(8 * MIB);
        assertEquals(0, pkram(mem, "save", "vm0", Files.writeString(dir.resolve("f"), "x").toString()).status());
        final Launcher.Result full = pkram(mem, "inspect");
        final Launcher.Result brief = pkram(mem, "inspect", "--no-dump");
        assertEquals(0, full.status(), full::toString);
        assertEquals(0, brief.status(), brief::toString);
        assertTrue(full.out().contains("hex dump: super block page"), full::toString);
        assertFalse(brief.out().contains("hex dump"), brief::toString);
        assertTrue(brief.out().contains("node \"vm0\" at pfn"), brief::toString);
        assertTrue(brief.out().contains("problems: none"), brief::toString);
        assertTrue(full.out().startsWith(brief.out()), "the same report, without the dumps at its end");
    }

    @Test
    void shouldSayMoreAndPrintTheStackTraceWithVerbose() throws Exception
    {
        final Path mem = format(8 * MIB);
        final Path a = Files.writeString(dir.resolve("a.txt"), "hello");
        Files.setPosixFilePermissions(a, PosixFilePermissions.fromString("rw-r--r--"));
        final Path b = Files.writeString(dir.resolve("b.txt"), "x".repeat(5000));
        Files.setPosixFilePermissions(b, PosixFilePermissions.fromString("rw-r-----"));
        final Launcher.Result quiet = pkram(mem, "save", "q", a.toString());
        assertEquals(List.of("saved node q: 1 file, 5 bytes in 1 page"), quiet.outLines(), quiet::toString);
        final Launcher.Result save = pkram(mem, "--verbose", "save", "v", a.toString(), b.toString());
        assertEquals(0, save.status(), save::toString);
        assertTrue(save.outLines().contains("  a.txt: 5 bytes, mode 0644"), save::toString);
        assertTrue(save.outLines().contains("  b.txt: 5000 bytes, mode 0640"), save::toString);
        final Path out = dir.resolve("out");
        final Launcher.Result load = pkram(mem, "load", "v", "--into", out.toString(), "-v");
        assertEquals(0, load.status(), load::toString);
        assertTrue(load.outLines().contains("  " + out.resolve("b.txt") + ": 5000 bytes, mode 0640"), load::toString);
        // An error: one line without --verbose, the line and a stack trace with it.
        assertOneLineError(pkram(mem, "load", "nope", "--into", out.toString()), 1,
            "pkram: load: ENOENT: no such node: name=nope");
        final Launcher.Result traced = pkram(mem, "--verbose", "load", "nope", "--into", out.toString());
        assertEquals(1, traced.status(), traced::toString);
        assertEquals("pkram: load: ENOENT: no such node: name=nope", traced.errLines().getFirst(), traced::toString);
        assertTrue(traced.errLines().size() > 2, traced::toString);
        assertTrue(traced.err().contains("NoSuchNodeException") && traced.err().contains("\tat org.pkram."),
            traced::toString);
    }

    /**
     * @return bytes the file system allocated for the file ({@code stat}'s blocks times block size).
     */
    private static long allocatedBytes(final Path file) throws IOException, InterruptedException
    {
        final Process stat = new ProcessBuilder("stat", "-c", "%b %B", file.toString()).redirectErrorStream(true)
            .start();
        final String out = new String(stat.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, stat.waitFor(), out);
        final String[] fields = out.split(" ");
        return Long.parseLong(fields[0]) * Long.parseLong(fields[1]);
    }

    @Test
    void shouldRunTheRestartDemo() throws Exception
    {
        final Launcher.Result demo = Launcher.pkram(Duration.ofMinutes(2), "demo", "--size", "32");
        assertEquals(0, demo.status(), demo::toString);
        final List<String> lines = demo.outLines();
        assertTrue(lines.get(lines.size() - 1).matches(
            "demo: OK: 32 MiB survived the restart and a kill -9; ready [0-9.]+ ms after JVM start \\(boot [0-9.]+ " +
            "ms\\) vs [0-9.]+ ms reading and verifying the same state from a plain file \\(whole restarts: [0-9.]+ ms " +
            "vs [0-9.]+ ms\\)"), demo::toString);
        assertTrue(demo.out().contains("demo: run 1 "), demo::toString);
        assertTrue(demo.out().contains("every checksum and record matches"), demo::toString);
        assertTrue(demo.err().contains("pkram: exec: java exited with 75, restarting with pkram="), demo::toString);
        final KillRound round = KillRound.of(demo);
        assertEquals(32, round.mib(), demo::toString);
        // Nothing left behind without --keep.
        final Path mem = memoryFile(demo);
        for (final Path leftover : List.of(mem, PfnFile.of(mem), mem.resolveSibling(mem.getFileName() + ".plain")))
        {
            assertFalse(Files.exists(leftover), leftover + " left behind\n" + demo);
        }
    }

    /**
     * With {@code --keep}, the memory file holds what the kill -9 round's restart found: read here, by the test,
     * it is the checkpoint the line names, every checksum and record checked.
     */
    @Test
    void shouldKeepTheLastCheckpointOfTheKillRound() throws Exception
    {
        final Launcher.Result demo = Launcher.pkram(Duration.ofMinutes(2), "demo", "--size", "8", "--keep");
        final Path mem = memoryFile(demo);
        try
        {
            assertEquals(0, demo.status(), demo::toString);
            assertTrue(demo.out().contains("demo: kept " + mem + " with node " + DemoService.NODE), demo::toString);
            final KillRound round = KillRound.of(demo);
            assertEquals(8, round.mib(), demo::toString);
            try (Pkram pk = Pkram.boot(PkramOptions.of(mem).shutdownHook(false)))
            {
                assertEquals(List.of(DemoService.NODE), pk.nodeNames());
                try (NodeLoad live = pk.openLive(DemoService.NODE))
                {
                    final DemoState.Loaded loaded = DemoState.read(live);
                    assertEquals(round.checkpoint(), loaded.checkpoint(), demo::toString);
                    assertEquals(round.records(), loaded.records(), demo::toString);
                    assertEquals(8L << 20, DemoState.bytes(loaded.state()), demo::toString);
                }
            }
        }
        finally
        {
            Files.deleteIfExists(mem);
            Files.deleteIfExists(PfnFile.of(mem));
        }
    }

    /**
     * With {@code --memfd} the same restart and kill -9 round run in a memfd the demo holds, each run reaching it
     * as {@code /proc/PID/fd/N}: while it runs, nothing bearing the demo's name or pid appears in the RAM directory
     * but its report and the baseline's plain file (the comparison), and nothing is left after it. Other demos
     * may run at the same time on this machine: their {@code pkram-demo-<their pid>} files are not this one's.
     */
    @Test
    void shouldRunTheRestartDemoInAMemfdWithNoMemoryFile() throws Exception
    {
        final Path ram = CliContext.ramDirectory();
        final Set<String> before = names(ram);
        final Set<String> seen = ConcurrentHashMap.newKeySet();
        final AtomicBoolean done = new AtomicBoolean();
        final Thread watcher = Thread.ofPlatform().name("demo-memfd-watcher").daemon().start(() ->
        {
            while (!done.get())
            {
                seen.addAll(names(ram));
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
            }
        });
        final Launcher.Result demo;
        try
        {
            demo = Launcher.pkram(Duration.ofMinutes(2), "demo", "--memfd", "--size", "8");
        }
        finally
        {
            done.set(true);
            watcher.join();
        }
        seen.addAll(names(ram));
        final Set<String> after = names(ram);
        assertEquals(0, demo.status(), demo::toString);
        final List<String> lines = demo.outLines();
        final Matcher first = Pattern.compile("demo: memory is a memfd of 512 MiB \\((/proc/([0-9]+)/fd/[0-9]+)\\): " +
            "nothing on " + Pattern.quote(ram.toString()) + "; it ends with this demo; state 8 MiB, running the " +
            "service under pkram exec \\(restart code 75\\)").matcher(lines.getFirst());
        assertTrue(first.matches(), demo::toString);
        final String pid = first.group(2);
        final String tag = "pkram-demo-" + pid;
        assertEquals("demo: the baseline's plain file, the comparison, is " + ram.resolve(tag + ".plain") +
            " (removed at the end)", lines.get(1), demo::toString);
        // Run 1 boots the memfd by its descriptor path; exec reads each restart's pfn from its header.
        assertTrue(demo.out().contains("booting " + first.group(1) + " empty"), demo::toString);
        assertTrue(demo.err().contains("pkram: exec: java exited with 75, restarting with pkram="), demo::toString);
        assertEquals(8, KillRound.of(demo).mib(), demo::toString);
        assertTrue(lines.get(lines.size() - 2).startsWith("demo: OK: 8 MiB survived the restart and a kill -9; "),
            demo::toString);
        assertEquals("demo: no memory file was created: the state lived in the memfd, closed now; nothing named " +
            tag + "* is left in " + ram, lines.getLast(), demo::toString);
        final Pattern ours = Pattern.compile("(.*[^0-9])?" + pid + "([^0-9].*)?|.*pkram-demo(?!-[0-9]).*|.*" +
            Pattern.quote(tag) + ".*");
        final Set<String> appeared = new TreeSet<>(seen);
        appeared.removeAll(before);
        appeared.removeIf(name -> !ours.matcher(name).matches());
        // The watcher saw the plain file (there for seconds, from run 2 to the baseline), and nothing else of ours.
        assertTrue(appeared.contains(tag + ".plain"), "the watcher saw " + appeared + "\n" + demo);
        assertTrue(Set.of(tag + ".report", tag + ".report.tmp", tag + ".plain").containsAll(appeared),
            "only the report and the plain file may appear: " + appeared + "\n" + demo);
        final Set<String> left = new TreeSet<>(after);
        left.removeAll(before);
        left.removeIf(name -> !ours.matcher(name).matches());
        assertEquals(Set.of(), left, demo::toString);

        assertUsageError(Launcher.pkram("demo", "--memfd", "--keep"), "pkram: demo: --keep cannot go with --memfd: " +
            "a memfd ends with the demo, there is no file to keep");
    }

    private static Set<String> names(final Path dir)
    {
        try (Stream<Path> entries = Files.list(dir))
        {
            return entries.map(path -> path.getFileName().toString()).collect(Collectors.toSet());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * The demo's kill -9 line, parsed and checked against what the round does: SIGKILL's status, the last of
     * {@link DemoLive#CHECKPOINTS} checkpoints with its records, the unsaved records gone, times measured.
     */
    private record KillRound(long pid, int checkpoint, int mib, int records)
    {
        private static final Pattern LINE = Pattern.compile("demo: kill -9 round: killed pid ([0-9]+) mid-work " +
            "\\(([0-9]+) records after the checkpoint; exit status ([0-9]+) = SIGKILL, no reboot ran\\); restarted " +
            "in ([0-9.]+) ms; state back to checkpoint #([0-9]+): ([0-9]+) MiB and ([0-9]+) records verified in " +
            "([0-9.]+) ms, the ([0-9]+) unsaved records gone, as expected");

        static KillRound of(final Launcher.Result demo)
        {
            final Matcher line = demo.outLines().stream().map(LINE::matcher).filter(Matcher::matches).findFirst()
                .orElseThrow(() -> new AssertionError("no kill -9 line\n" + demo));
            assertEquals(DemoLive.UNSAVED, Integer.parseInt(line.group(2)), demo::toString);
            assertEquals(DemoCommand.SIGKILL_STATUS, Integer.parseInt(line.group(3)), demo::toString);
            assertTrue(Double.parseDouble(line.group(4)) > Double.parseDouble(line.group(8)), demo::toString);
            assertTrue(Double.parseDouble(line.group(8)) > 0, demo::toString);
            final int checkpoint = Integer.parseInt(line.group(5));
            assertEquals(DemoLive.CHECKPOINTS, checkpoint, demo::toString);
            final int records = Integer.parseInt(line.group(7));
            assertEquals(DemoService.RECORDS + checkpoint * DemoLive.RECORDS_PER_CHECKPOINT, records, demo::toString);
            assertEquals(line.group(2), line.group(9), demo::toString);
            final long pid = Long.parseLong(line.group(1));
            assertTrue(ProcessHandle.of(pid).isEmpty(), "the killed service is gone\n" + demo);
            return new KillRound(pid, checkpoint, Integer.parseInt(line.group(6)), records);
        }
    }

    private static Path memoryFile(final Launcher.Result demo)
    {
        final Matcher first = Pattern.compile("demo: memory file (\\S+) \\(").matcher(demo.outLines().getFirst());
        assertTrue(first.lookingAt(), demo::toString);
        return Path.of(first.group(1));
    }

    @Test
    void shouldRunFromAnyDirectoryThroughASymlink() throws Exception
    {
        final Path link = Files.createSymbolicLink(dir.resolve("pk"), Launcher.SCRIPT);
        final Path mem = dir.resolve("x.mem");
        Files.writeString(PfnFile.of(mem), "1f\n");
        final Launcher.Result result = Launcher.run(dir, Launcher.TIMEOUT, Map.of("PKRAM_MEM", mem.toString()),
            List.of("./pk", "pfn"));
        assertEquals(0, result.status(), result::toString);
        assertEquals("1f\n", result.out());
    }

    // ------------------------------------------------------------------------------------------------

    private Launcher.Result pkram(final Path mem, final String... args)
    {
        final String[] all = new String[args.length + 2];
        all[0] = "--mem";
        all[1] = mem.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return Launcher.pkram(all);
    }

    private Path format(final long size)
    {
        final Path mem = dir.resolve("pkram.mem");
        final Launcher.Result result = pkram(mem, "format", "--size", Long.toString(size));
        assertEquals(0, result.status(), result::toString);
        return mem;
    }

    private static void assertUsageError(final Launcher.Result result, final String message)
    {
        assertEquals(2, result.status(), result::toString);
        assertEquals(2, result.errLines().size(), result::toString);
        assertEquals(message, result.errLines().get(0), result::toString);
        assertTrue(result.errLines().get(1).startsWith("usage: pkram "), result::toString);
    }

    private static void assertOneLineError(final Launcher.Result result, final int status, final String line)
    {
        assertEquals(status, result.status(), result::toString);
        assertEquals(List.of(line), result.errLines(), result::toString);
    }

    /** A file of pseudo-random content with the given permissions and modification time. */
    private static Path file(final Path path, final long length, final String permissions, final long mtimeMillis)
        throws IOException
    {
        final Random random = new Random(length);
        final byte[] chunk = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(path))
        {
            for (long left = length; left > 0; left -= chunk.length)
            {
                random.nextBytes(chunk);
                out.write(chunk, 0, (int)Math.min(chunk.length, left));
            }
        }
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
        Files.setLastModifiedTime(path, FileTime.fromMillis(mtimeMillis));
        return path;
    }

    private static Path script(final Path path, final String text) throws IOException
    {
        Files.createDirectories(path.getParent());
        Files.writeString(path, text);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwx------"));
        return path;
    }
}
