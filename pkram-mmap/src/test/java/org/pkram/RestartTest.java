package org.pkram;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The heart of the mission, in real processes: one JVM saves and reboots, the next boots from the
 * pfn file and gets every byte back in place. Each child runs in the mode under test
 * ({@code -Dpkram.test.mode}, read by {@link RestartWorkload}).
 */
class RestartTest
{
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Mode.class)
    void shouldHandStateFromOneJvmToTheNextAndLeaveNothingBehind(final Mode mode) throws Exception
    {
        final Path file = Images.format(dir, 256L << 20);
        final String mem = file.toString();
        ok(run(mode, "save", mem, "4", "64"), "saved");
        ok(run(mode, "ls", mem), "node0,node1,node2,node3");
        ok(run(mode, "load", mem, "node0", "node1", "node2", "node3"), "verified 4");
        ok(run(mode, "ls", mem), "");
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void shouldKeepUnloadedNodesAcrossTwoFurtherRestarts(final Mode mode) throws Exception
    {
        final Path file = Images.format(dir, 128L << 20);
        final String mem = file.toString();
        ok(run(mode, "save", mem, "3", "6"), "saved");
        ok(run(mode, "load", mem, "node1"), "verified 1");
        ok(run(mode, "ls", mem), "node0,node2");
        ok(run(mode, "ls", mem), "node0,node2");
        ok(run(mode, "load", mem, "node0", "node2"), "verified 2");
    }

    @Test
    void shouldRecoverCommittedNodesAfterAProcessDiesWithoutReboot() throws Exception
    {
        final Path file = Images.format(dir, 64L << 20);
        final String mem = file.toString();
        ok(run(Mode.CRASH_SAFE, "save", mem, "1", "2"), "saved");
        // Dies (Runtime.halt: no hooks, no reboot) right after committing node "crash99".
        assertEquals(0, run(Mode.CRASH_SAFE, "halt", mem, "crash99").exitCode());
        ok(run(Mode.CRASH_SAFE, "ls", mem), "crash99,node0");
        ok(run(Mode.CRASH_SAFE, "load", mem, "crash99", "node0"), "verified 2");
    }

    @Test
    void shouldRefuseTheConsumedImageAfterAKernelFaithfulProcessDiesWithoutReboot() throws Exception
    {
        final Path file = Images.format(dir, 64L << 20);
        final String mem = file.toString();
        ok(run(Mode.KERNEL_FAITHFUL, "save", mem, "1", "2"), "saved");
        // Only an orderly reboot preserves in kernel-faithful mode: this process boots (consuming the image) and dies.
        assertEquals(0, run(Mode.KERNEL_FAITHFUL, "halt", mem, "crash99").exitCode());
        final ChildJvm.Result refused = run(Mode.KERNEL_FAITHFUL, "ls", mem);
        assertTrue(refused.exitCode() != 0, refused.stdout() + refused.stderr());
        assertTrue(refused.stderr().contains("InvalidSuperBlockException") && refused.stderr().contains("consumed"),
            refused.stderr());
    }

    private static ChildJvm.Result run(final Mode mode, final String... args) throws IOException, InterruptedException
    {
        return ChildJvm.run(List.of("-Dpkram.test.mode=" + mode.name()), RestartWorkload.class, args);
    }

    private static void ok(final ChildJvm.Result result, final String expectedLastLine)
    {
        assertEquals(0, result.exitCode(), result.stdout() + result.stderr());
        final String[] lines = result.stdout().strip().split("\n");
        assertEquals(expectedLastLine, lines[lines.length - 1].strip(), result.stdout() + result.stderr());
        assertTrue(result.stderr().isEmpty() || !result.stderr().contains("Exception"), result.stderr());
    }
}
