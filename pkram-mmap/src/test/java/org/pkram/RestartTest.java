package org.pkram;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The heart of the mission, in real processes: one JVM saves and reboots, the next boots from the
 * pfn file and gets every byte back in place.
 */
class RestartTest
{
    @TempDir
    Path dir;

    @Test
    void shouldHandStateFromOneJvmToTheNextAndLeaveNothingBehind() throws Exception
    {
        final Path file = Images.format(dir, 256L << 20);
        final String mem = file.toString();
        ok(ChildJvm.run(RestartWorkload.class, "save", mem, "4", "64"), "saved");
        ok(ChildJvm.run(RestartWorkload.class, "ls", mem), "node0,node1,node2,node3");
        ok(ChildJvm.run(RestartWorkload.class, "load", mem, "node0", "node1", "node2", "node3"), "verified 4");
        ok(ChildJvm.run(RestartWorkload.class, "ls", mem), "");
    }

    @Test
    void shouldKeepUnloadedNodesAcrossTwoFurtherRestarts() throws Exception
    {
        final Path file = Images.format(dir, 128L << 20);
        final String mem = file.toString();
        ok(ChildJvm.run(RestartWorkload.class, "save", mem, "3", "6"), "saved");
        ok(ChildJvm.run(RestartWorkload.class, "load", mem, "node1"), "verified 1");
        ok(ChildJvm.run(RestartWorkload.class, "ls", mem), "node0,node2");
        ok(ChildJvm.run(RestartWorkload.class, "ls", mem), "node0,node2");
        ok(ChildJvm.run(RestartWorkload.class, "load", mem, "node0", "node2"), "verified 2");
    }

    @Test
    void shouldRecoverCommittedNodesAfterAProcessDiesWithoutReboot() throws Exception
    {
        final Path file = Images.format(dir, 64L << 20);
        final String mem = file.toString();
        ok(ChildJvm.run(RestartWorkload.class, "save", mem, "1", "2"), "saved");
        // Dies (Runtime.halt: no hooks, no reboot) right after committing node "crash99".
        assertEquals(0, ChildJvm.run(RestartWorkload.class, "halt", mem, "crash99").exitCode());
        ok(ChildJvm.run(RestartWorkload.class, "ls", mem), "crash99,node0");
        ok(ChildJvm.run(RestartWorkload.class, "load", mem, "crash99", "node0"), "verified 2");
    }

    private static void ok(final ChildJvm.Result result, final String expectedLastLine)
    {
        assertEquals(0, result.exitCode(), result.stdout() + result.stderr());
        final String[] lines = result.stdout().strip().split("\n");
        assertEquals(expectedLastLine, lines[lines.length - 1].strip(), result.stdout() + result.stderr());
        assertTrue(result.stderr().isEmpty() || !result.stderr().contains("Exception"), result.stderr());
    }
}
