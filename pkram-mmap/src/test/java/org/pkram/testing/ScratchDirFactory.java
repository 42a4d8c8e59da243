package org.pkram.testing;

import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Makes the directories of {@link ScratchDir}: in {@code /dev/shm} when it is a writable directory,
 * else in {@code java.io.tmpdir}; named after the test class, mode 0700.
 */
final class ScratchDirFactory implements TempDirFactory
{
    private static final Path SHM = Path.of("/dev/shm");

    @Override
    public Path createTempDirectory(final AnnotatedElementContext elementContext,
        final ExtensionContext extensionContext) throws IOException
    {
        final String prefix = "pkram-" + extensionContext.getRequiredTestClass().getSimpleName() + "-";
        return Files.isDirectory(SHM) && Files.isWritable(SHM) ?
            Files.createTempDirectory(SHM, prefix) : Files.createTempDirectory(prefix);
    }
}
