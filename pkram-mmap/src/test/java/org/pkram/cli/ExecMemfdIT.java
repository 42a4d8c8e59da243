package org.pkram.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pkram.MemfdServiceChild;
import org.pkram.mem.JvmFlags;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code pkram exec --memfd}: the supervisor creates and formats a memfd, hands it to each run of the service by
 * {@code /proc/<pid>/fd/<n>}, and keeps it between runs, so a restart gets the same memory with nothing on any
 * file system.
 */
class ExecMemfdIT
{
    @BeforeAll
    static void buildOnce()
    {
        assertEquals(0, Launcher.pkram(Duration.ofMinutes(5), "--help").status());
    }

    @Test
    void shouldHandTheSameMemfdToEveryRunOfTheService()
    {
        final List<String> command = new ArrayList<>(List.of(Launcher.SCRIPT.toString(), "exec", "--memfd", "--size",
            "16M", "--", Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(JvmFlags.required());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), MemfdServiceChild.class.getName(),
            "--restart-until", "3"));
        final Launcher.Result result = Launcher.run(Launcher.ROOT, Duration.ofMinutes(2), Map.of(), command);

        assertEquals(0, result.status(), result::toString);
        assertEquals("counter 1\ncounter 2\ncounter 3\n", result.out(), result::toString);
        assertTrue(result.err().startsWith("pkram: exec: memory is a memfd of 16 MiB at /proc/"), result::toString);
        assertTrue(result.err().contains("exited with 75, restarting with pkram="), "the pfn is passed as " +
            "before, read from the memfd's header: " + result);
    }

    @Test
    void shouldRefuseMemfdWithoutASizeAndASizeWithoutMemfd()
    {
        final Launcher.Result noSize = Launcher.pkram("exec", "--memfd", "--", "true");
        assertEquals(2, noSize.status(), noSize::toString);
        assertTrue(noSize.err().contains("--memfd needs --size SIZE"), noSize::toString);
        final Launcher.Result noMemfd = Launcher.pkram("exec", "--size", "16M", "--", "true");
        assertEquals(2, noMemfd.status(), noMemfd::toString);
    }
}
