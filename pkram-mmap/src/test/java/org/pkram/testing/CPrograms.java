package org.pkram.testing;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The C programs of {@code src/test/c} (the kernel-struct walker, the stand-in for systemd and its test
 * service), compiled by the tests that run them: one gcc command line, warnings as errors. Needs gcc, which
 * {@code .ci/run} installs where it is missing.
 */
public final class CPrograms
{
    private CPrograms()
    {
    }

    /**
     * Compile a C program of {@code src/test/c}.
     *
     * @param source the file name in {@code src/test/c}, such as {@code pkram_walk.c}.
     * @param dir    where the binary goes; it is named after the source, without {@code .c}.
     * @return the binary.
     * @throws Exception when gcc fails or does not finish in a minute.
     */
    public static Path compile(final String source, final Path dir) throws Exception
    {
        final Path binary = dir.resolve(source.replace(".c", ""));
        final Process gcc = new ProcessBuilder("gcc", "-std=c11", "-O1", "-Wall", "-Wextra", "-Werror", "-o",
            binary.toString(), Path.of("src/test/c", source).toAbsolutePath().toString()).redirectErrorStream(true)
            .start();
        final String out = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!gcc.waitFor(60, TimeUnit.SECONDS) || gcc.exitValue() != 0)
        {
            gcc.destroyForcibly();
            throw new AssertionError("gcc " + source + " failed: " + out);
        }
        return binary;
    }
}
