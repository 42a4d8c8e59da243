package org.pkram.mem;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link SyscallNumbers} against the kernel's own tables: {@code asm/unistd_64.h} for x86_64 and the generic
 * {@code asm-generic/unistd.h} for aarch64, wherever the Linux headers are installed (both are on an x86_64 Debian
 * with {@code linux-libc-dev}, so the aarch64 table is checked there too). A machine without them checks the
 * calls themselves, through every other test of the package.
 */
class SyscallNumbersTest
{
    private static final Pattern DEFINE = Pattern.compile("^#define __NR(?:3264)?_(\\w+)\\s+(\\d+)\\b.*$");

    @Test
    void shouldMatchTheKernelHeadersOfEachArchitecture() throws IOException
    {
        final List<Path> x86 = List.of(Path.of("/usr/include/x86_64-linux-gnu/asm/unistd_64.h"),
            Path.of("/usr/include/asm/unistd_64.h"));
        final List<Path> generic = List.of(Path.of("/usr/include/asm-generic/unistd.h"));
        int checked = 0;
        for (final Path header : x86)
        {
            if (Files.isRegularFile(header))
            {
                assertArrayEquals(numbers(header), SyscallNumbers.of("amd64"), header.toString());
                checked++;
                break;
            }
        }
        for (final Path header : generic)
        {
            if (Files.isRegularFile(header))
            {
                assertArrayEquals(numbers(header), SyscallNumbers.of("aarch64"), header.toString());
                checked++;
            }
        }
        System.out.println("SyscallNumbersTest: checked against " + checked + " kernel header(s)");
    }

    @Test
    void shouldHaveNoNumbersForAnArchitecturePkramDoesNotSupport()
    {
        for (final long number : SyscallNumbers.of("riscv64"))
        {
            assertEquals(-1, number);
        }
        assertArrayEquals(SyscallNumbers.of("x86_64"), SyscallNumbers.of("amd64"));
        assertArrayEquals(SyscallNumbers.of("arm64"), SyscallNumbers.of("aarch64"));
    }

    /** The numbers of {@link SyscallNumbers#NAMES} as a header defines them. */
    private static long[] numbers(final Path header) throws IOException
    {
        final Map<String, Long> defined = new HashMap<>();
        for (final String line : Files.readAllLines(header))
        {
            final Matcher m = DEFINE.matcher(line.trim());
            if (m.matches())
            {
                defined.putIfAbsent(m.group(1), Long.parseLong(m.group(2)));
            }
        }
        final List<Long> numbers = new ArrayList<>();
        for (final String name : SyscallNumbers.NAMES)
        {
            numbers.add(defined.getOrDefault(name, -2L));
        }
        return numbers.stream().mapToLong(Long::longValue).toArray();
    }
}
