package org.pkram.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Files the CLI creates before it may show them to anyone: {@code load} writes a restored file under a
 * temporary name and gives it its saved mode only once its content is complete. Created mode 0600 (the
 * umask can only narrow that), so a secret is never readable by others while it is written.
 */
final class PrivateFile
{
    private static final Set<PosixFilePermission> OWNER_RW =
        EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

    private PrivateFile()
    {
    }

    /**
     * Create a file that must not exist yet, mode 0600, for writing ({@code O_CREAT | O_EXCL | O_NOFOLLOW}).
     *
     * @param path where; nothing may be there, not even a symbolic link.
     * @return the open channel; close it.
     * @throws java.nio.file.FileAlreadyExistsException when something is at {@code path}.
     * @throws IOException                              when it cannot be created.
     */
    static FileChannel createNew(final Path path) throws IOException
    {
        return FileChannel.open(path, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
            LinkOption.NOFOLLOW_LINKS), PosixFilePermissions.asFileAttribute(OWNER_RW));
    }
}
