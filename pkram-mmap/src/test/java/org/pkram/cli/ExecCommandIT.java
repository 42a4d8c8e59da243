package org.pkram.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pkram.testing.ScratchDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code pkram exec} run through the launcher: what CMD is given, and that CMD does not outlive it.
 */
class ExecCommandIT
{
    @ScratchDir
    Path dir;

    /** The launcher builds the jar when it is missing or stale: once, here, not inside a timed test. */
    @BeforeAll
    static void buildOnce()
    {
        final Launcher.Result help = Launcher.pkram(Duration.ofMinutes(5), "--help");
        assertEquals(0, help.status(), help::toString);
    }

    @Test
    void shouldLeaveTheArgumentsOfACommandThatIsNotJavaAlone()
    {
        final Launcher.Result result = Launcher.pkram("--mem", dir.resolve("pkram.mem").toString(), "exec", "--",
            "/bin/echo", "app", "-Dpkram=keep", "other");

        assertEquals(0, result.status(), result::toString);
        assertEquals("app -Dpkram=keep other\n", result.out(), result::toString);
        assertEquals("", result.err(), result::toString);
    }

    @Test
    void shouldTakeTheCommandDownWhenTheWrapperIsKilled() throws Exception
    {
        final Process exec = Launcher.builder(Launcher.ROOT, Map.of(), Launcher.command(Launcher.SCRIPT,
                "--mem", dir.resolve("pkram.mem").toString(), "exec", "--", "sleep", "1000"))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
        long sleepPid = -1;
        try
        {
            sleepPid = awaitChild(exec, "sleep");
            exec.destroyForcibly(); // SIGKILL: no shutdown hook runs in the wrapper
            assertTrue(exec.waitFor(30, TimeUnit.SECONDS), "the wrapper survived SIGKILL");

            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (isRunning(sleepPid))
            {
                if (System.nanoTime() > deadline)
                {
                    fail("CMD outlived its killed wrapper by 10 s: pid=" + sleepPid);
                }
                Thread.sleep(10);
            }
        }
        finally
        {
            Launcher.kill(exec);
            if (sleepPid > 0)
            {
                ProcessHandle.of(sleepPid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    /**
     * The pid of the wrapper's child once it runs {@code name} (it may first run a helper that execs it).
     */
    private static long awaitChild(final Process exec, final String name) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline)
        {
            assertTrue(exec.isAlive(), "the wrapper ended before its command started");
            final Optional<ProcessHandle> child = exec.toHandle().children()
                .filter(c -> c.info().command().map(command -> command.endsWith("/" + name)).orElse(false))
                .findFirst();
            if (child.isPresent())
            {
                return child.get().pid();
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the wrapper never ran " + name);
    }

    /** Alive and not a zombie, from {@code /proc/PID/stat}: state is the field after the parenthesised name. */
    private static boolean isRunning(final long pid) throws IOException
    {
        try
        {
            final String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            final List<String> fields = List.of(stat.substring(stat.lastIndexOf(')') + 2).split(" "));
            return !fields.get(0).equals("Z") && !fields.get(0).equals("X");
        }
        catch (final NoSuchFileException ex)
        {
            return false;
        }
    }
}
