package org.pkram.cli;

import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Temporary directories in {@code /dev/shm} (RAM, where memory files belong), else the default location.
 */
final class ShmTempDirFactory implements TempDirFactory
{
    @Override
    public Path createTempDirectory(final AnnotatedElementContext elementContext,
        final ExtensionContext extensionContext) throws Exception
    {
        final Path shm = Path.of("/dev/shm");
        if (Files.isDirectory(shm) && Files.isWritable(shm))
        {
            return Files.createTempDirectory(shm, "pkram-cli-test");
        }
        return Files.createTempDirectory("pkram-cli-test");
    }
}
