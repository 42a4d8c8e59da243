package org.pkram.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pkram.testing.ScratchDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command resumes the image its memory file names, whatever became of the pfn file; starting empty over an
 * image takes {@code --fresh}; and {@code pkram load} consumes a node only once it restored every file.
 */
class CliResumeIT
{
    @ScratchDir
    Path dir;

    @BeforeAll
    static void buildOnce()
    {
        assertEquals(0, Launcher.pkram(Duration.ofMinutes(5), "--help").status());
    }

    @Test
    void shouldResumeWithoutThePfnFileAndStartEmptyOnlyOnFresh() throws Exception
    {
        final String mem = dir.resolve("pkram.mem").toString();
        final Path data = Files.write(dir.resolve("data.bin"), new byte[10_000]);
        ok(Launcher.pkram("--mem", mem, "format", "--size", "16M"));
        ok(Launcher.pkram("--mem", mem, "save", "n1", data.toString()));
        Files.delete(Path.of(mem + ".pfn"));
        ok(Launcher.pkram("--mem", mem, "save", "n2", data.toString()));
        final Launcher.Result ls = ok(Launcher.pkram("--mem", mem, "ls"));
        assertTrue(ls.out().contains("n1") && ls.out().contains("n2"), "the next save kept n1: " + ls);

        final Launcher.Result stale = Launcher.pkram("--mem", mem, "--pkram", "7777", "save", "n3", data.toString());
        assertEquals(1, stale.status(), stale::toString);
        assertTrue(stale.err().contains("EINVAL") && stale.err().contains("stale"), stale::toString);

        final Launcher.Result fresh = ok(Launcher.pkram("--mem", mem, "--fresh", "save", "n3", data.toString()));
        assertTrue(fresh.err().startsWith("pkram: started empty on request (fresh): dropped the image at pfn=0x"),
            fresh::toString);
        final Launcher.Result after = ok(Launcher.pkram("--mem", mem, "ls"));
        assertTrue(after.out().contains("n3") && !after.out().contains("n1"), after::toString);
    }

    @Test
    void shouldKeepTheNodeWhenALoadFailsHalfWayAndLoadItOnTheRetry() throws Exception
    {
        final String mem = dir.resolve("pkram.mem").toString();
        final byte[] content = new byte[200_000];
        new java.util.Random(7).nextBytes(content);
        final Path data = Files.write(dir.resolve("big.bin"), content);
        ok(Launcher.pkram("--mem", mem, "format", "--size", "16M"));
        ok(Launcher.pkram("--mem", mem, "save", "vm0", data.toString()));
        final Path out = dir.resolve("out");
        // A file size limit of 16 blocks (16 KiB): the restore fails half way with EFBIG.
        final List<String> limited = List.of("bash", "-c", "ulimit -f 16 && exec \"$0\" \"$@\"",
            Launcher.SCRIPT.toString(), "--mem", mem, "load", "vm0", "--into", out.toString());
        final Launcher.Result failed = Launcher.run(Launcher.ROOT, Launcher.TIMEOUT, Map.of(), limited);
        assertEquals(1, failed.status(), failed::toString);
        assertTrue(failed.err().contains("EIO") || failed.err().contains("EFBIG"), failed::toString);
        final Launcher.Result ls = ok(Launcher.pkram("--mem", mem, "ls"));
        assertTrue(ls.out().contains("vm0"), "a load that did not restore every file consumed nothing: " + ls);

        ok(Launcher.pkram("--mem", mem, "load", "vm0", "--into", out.toString(), "--force"));
        assertTrue(java.util.Arrays.equals(content, Files.readAllBytes(out.resolve("big.bin"))));
        assertFalse(ok(Launcher.pkram("--mem", mem, "ls")).out().contains("vm0"), "the finished load consumed it");
    }

    @Test
    void shouldFormatWithHugeOnlyWhereTheFileSystemGivesHugePages()
    {
        final Path mem = dir.resolve("huge.mem");
        final org.pkram.mem.HugePages backing = org.pkram.mem.HugePages.of(mem);
        final Launcher.Result result = Launcher.pkram("--mem", mem.toString(), "format", "--size", "16M", "--huge");
        if (backing.huge())
        {
            assertEquals(0, result.status(), result::toString);
            assertTrue(result.out().contains(", huge pages ("), result::toString);
        }
        else
        {
            assertEquals(1, result.status(), result::toString);
            assertTrue(result.err().startsWith("pkram: format: EINVAL: the file system cannot give huge pages: " +
                backing.description()), result::toString);
            assertFalse(java.nio.file.Files.exists(mem), "nothing created");
        }
    }

    private static Launcher.Result ok(final Launcher.Result result)
    {
        assertEquals(0, result.status(), result::toString);
        return result;
    }
}
