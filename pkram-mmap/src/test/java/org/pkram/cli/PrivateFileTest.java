package org.pkram.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@code load} writes a restored file under a temporary name before it gives it the saved mode: the
 * temporary file must be the owner's alone from the moment it exists, whatever the umask.
 */
class PrivateFileTest
{
    @TempDir
    Path dir;

    @Test
    void shouldCreateTheFileReadableByItsOwnerOnlyWhileItIsWritten() throws Exception
    {
        final Path tmp = dir.resolve(".secret.pkram-1");
        try (FileChannel channel = PrivateFile.createNew(tmp))
        {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp)),
                "mode at creation");
            channel.write(ByteBuffer.wrap("secret".getBytes(StandardCharsets.US_ASCII)));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp)),
                "mode while written");
        }
    }

    @Test
    void shouldNeverOpenWhatIsAlreadyThereNorFollowALink() throws Exception
    {
        final Path victim = dir.resolve("victim");
        Files.writeString(victim, "precious");
        final Path tmp = dir.resolve(".secret.pkram-1");
        Files.createSymbolicLink(tmp, victim);
        final Path dangling = dir.resolve(".other.pkram-1");
        Files.createSymbolicLink(dangling, dir.resolve("created-through-link"));

        assertThrows(FileAlreadyExistsException.class, () -> PrivateFile.createNew(tmp));
        assertThrows(FileAlreadyExistsException.class, () -> PrivateFile.createNew(dangling));
        assertThrows(FileAlreadyExistsException.class, () -> PrivateFile.createNew(victim));

        assertEquals("precious", Files.readString(victim));
        assertFalse(Files.exists(dir.resolve("created-through-link")));
    }
}
