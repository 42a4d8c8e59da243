package org.pkram.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ChildLines}: a child's lines come through; a child that says nothing in time is killed and the read
 * fails instead of hanging the benchmark.
 */
class ChildLinesTest
{
    private static BufferedReader out(final Process process)
    {
        return new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    @Test
    void shouldReturnTheChildsLinesThenNullAtItsEnd() throws Exception
    {
        final Process child = new ProcessBuilder("printf", "ready 42\\nclosed 7\\n").start();
        final BufferedReader out = out(child);

        assertEquals("ready 42", ChildLines.next(out, child, 10_000));
        assertEquals("closed 7", ChildLines.next(out, child, 10_000));
        assertNull(ChildLines.next(out, child, 10_000));
        assertTrue(child.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, child.exitValue(), "a child that answered in time is not killed");
    }

    @Test
    void shouldKillAChildThatSaysNothingInTimeAndSaySo() throws Exception
    {
        final Process child = new ProcessBuilder("sleep", "60").start();
        final long start = System.nanoTime();

        final TimeoutException ex = assertThrows(TimeoutException.class, () -> ChildLines.next(out(child), child, 300));

        assertTrue(ex.getMessage().contains("300 ms"), ex.getMessage());
        assertTrue(child.waitFor(10, TimeUnit.SECONDS));
        assertFalse(child.isAlive());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30), "the read did not wait for the child");
    }
}
