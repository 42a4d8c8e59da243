package org.pkram.mem;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which paths name a descriptor: {@code /proc/self/fd/N} and {@code /proc/PID/fd/N}, decimal, no leading zeros.
 */
class HandoverTest
{
    @Test
    void shouldTellDescriptorPathsFromOthers()
    {
        for (final String path : List.of("/proc/self/fd/3", "/proc/self/fd/0", "/proc/123/fd/45", "/proc/9/fd/10"))
        {
            assertTrue(Handover.isDescriptorPath(Path.of(path)), path);
        }
        for (final String path : List.of("/proc/self/fd/03", "/proc/0123/fd/3", "/proc/0/fd/3", "/proc//fd/3",
            "/proc/self/fd/", "/proc/self/fd/3/x", "/proc/self/fdx/3", "/proc/self/task/1/fd/3", "/proc/x/fd/3",
            "/dev/shm/pkram.mem", "proc/self/fd/3", "/proc/self/fd/-1", "/proc/self/fd/1a"))
        {
            assertFalse(Handover.isDescriptorPath(Path.of(path)), path);
        }
        assertFalse(Handover.isDescriptorPath(null));
    }

    @Test
    void shouldReadTheNumberOfADescriptorOfThisProcessOnly()
    {
        assertEquals(7, Handover.descriptorOf(Path.of("/proc/self/fd/7")));
        assertEquals(12, Handover.descriptorOf(Handover.ofDescriptorForChildren(12)));
        assertEquals(Path.of("/proc/self/fd/5"), Handover.ofDescriptor(5));
        assertThrows(IllegalArgumentException.class, () -> Handover.descriptorOf(Path.of("/proc/1/fd/7")));
        assertThrows(IllegalArgumentException.class, () -> Handover.descriptorOf(Path.of("/tmp/x")));
    }
}
