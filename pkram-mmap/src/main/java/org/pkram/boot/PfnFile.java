package org.pkram.boot;

import org.pkram.error.InvalidArgumentException;
import org.pkram.error.PkramException;
import org.pkram.error.PkramIOException;
import org.pkram.error.UnsafeMemoryFileException;
import org.pkram.layout.FileHeaderDescriptor;
import org.pkram.mem.Handover;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The pfn file beside the memory file: pkram's {@code /sys/kernel/pkram}. It holds the super block
 * pfn as {@code "%lx\n"} (lower-case hex, no {@code 0x}); it is written atomically (a temporary file
 * renamed over it), so a reader never sees half a number.
 * <p>
 * The default directory, {@code /dev/shm}, is writable by every user, so nothing at either name is
 * trusted: the temporary file {@code <pfn file>.tmp} is created new, mode 0600, never through a
 * symbolic link (whatever was at its name, a leftover of a crash or a planted link, is unlinked first,
 * which removes a link and never touches its target), and the rename replaces whatever is at the pfn
 * file's name without following it. A reader accepts only a regular file owned by this user and not
 * writable by group or others, opened without following a link.
 */
public final class PfnFile
{
    /** Longest pfn file read: 16 hex digits and a newline fit, anything much longer is not a pfn file. */
    private static final int MAX_LENGTH = 64;

    private static final Set<PosixFilePermission> OWNER_RW =
        EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

    private PfnFile()
    {
    }

    /**
     * @param memoryFile the memory file.
     * @return its pfn file: the same path with {@code .pfn} appended; null for memory handed over by
     *         descriptor ({@code /proc/PID/fd/N}), which has no name to put a pfn file beside (its header names
     *         its super block, which boot resumes).
     */
    public static Path of(final Path memoryFile)
    {
        if (Handover.isDescriptorPath(memoryFile))
        {
            return null;
        }
        return memoryFile.resolveSibling(memoryFile.getFileName() + ".pfn");
    }

    /**
     * The pfn an orderly reboot of {@code memoryFile} exported: its pfn file's, or, for memory handed over by
     * descriptor (no name, no pfn file), the super block its header names, read with {@code pread} (no mapping,
     * no lock: the owner may be running).
     *
     * @param memoryFile the memory file or descriptor path.
     * @return the pfn, or empty when none was exported.
     * @throws PkramIOException (EIO) the memory cannot be read.
     */
    public static OptionalLong exported(final Path memoryFile)
    {
        final Path pfnFile = of(memoryFile);
        if (pfnFile != null)
        {
            return read(pfnFile);
        }
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(memoryFile,
            StandardOpenOption.READ))
        {
            final ByteBuffer header = ByteBuffer.allocate(FileHeaderDescriptor.SUPER_BLOCK_PFN_OFFSET + Long.BYTES);
            int read;
            do
            {
                read = channel.read(header, header.position());
            }
            while (read >= 0 && header.hasRemaining());
            final long pfn = FileHeaderDescriptor.superBlockPfn(new org.agrona.concurrent.UnsafeBuffer(header.array()));
            return pfn == 0 ? OptionalLong.empty() : OptionalLong.of(pfn);
        }
        catch (final IOException ex)
        {
            throw new PkramIOException("cannot read the memory's header: path=" + memoryFile + ", cause=" + ex, ex);
        }
    }

    /**
     * Read the exported pfn.
     * <p>
     * Errors: EACCES the pfn file is a symbolic link or not a regular file, is owned by another user, or
     * is writable by group or others (the message says how to fix it); EINVAL it does not hold a hex
     * number; EIO it cannot be read.
     *
     * @param pfnFile the pfn file, or null for none.
     * @return the pfn it holds, or empty when there is no pfn file.
     * @throws UnsafeMemoryFileException (EACCES) when the file is not one this user can trust.
     * @throws InvalidArgumentException  (EINVAL) when it does not hold a hex number.
     * @throws PkramIOException          (EIO) when it cannot be read.
     */
    public static OptionalLong read(final Path pfnFile)
    {
        if (pfnFile == null)
        {
            return OptionalLong.empty();
        }
        final PosixFileAttributes attributes;
        final int uid;
        try
        {
            attributes = Files.readAttributes(pfnFile, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            uid = (Integer)Files.getAttribute(pfnFile, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        }
        catch (final NoSuchFileException ex)
        {
            return OptionalLong.empty();
        }
        catch (final IOException ex)
        {
            throw new PkramIOException("cannot stat pfn file: path=" + pfnFile + ", cause=" + ex, ex);
        }
        checkTrusted(pfnFile, attributes, uid);

        final ByteBuffer buffer = ByteBuffer.allocate(MAX_LENGTH + 1);
        // NOFOLLOW_LINKS is O_NOFOLLOW: a link put in place since the check above fails the open.
        try (SeekableByteChannel channel = Files.newByteChannel(
            pfnFile, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)))
        {
            while (buffer.hasRemaining() && channel.read(buffer) >= 0)
            {
                // Read on: a regular file returns what it has, then -1.
            }
        }
        catch (final NoSuchFileException ex)
        {
            return OptionalLong.empty();
        }
        catch (final FileSystemException ex)
        {
            if (Files.isSymbolicLink(pfnFile))
            {
                throw notRegular(pfnFile);
            }
            throw new PkramIOException("cannot read pfn file: path=" + pfnFile + ", cause=" + ex, ex);
        }
        catch (final IOException ex)
        {
            throw new PkramIOException("cannot read pfn file: path=" + pfnFile + ", cause=" + ex, ex);
        }
        if (buffer.position() > MAX_LENGTH)
        {
            throw new InvalidArgumentException("pfn file is too long to hold a pfn: path=" + pfnFile +
                ", maxLength=" + MAX_LENGTH);
        }
        final String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII);
        return OptionalLong.of(BootParams.parseHexPfn(text.trim(), pfnFile.toString()));
    }

    /**
     * Remove the pfn file, before an image is dropped: a pfn file left naming the dropped image beside a header
     * that names none would look like a damaged header at the next boot. Errors: EIO the file system failed.
     *
     * @param pfnFile the pfn file, or null for none.
     * @throws PkramIOException (EIO) when it cannot be removed.
     */
    public static void delete(final Path pfnFile)
    {
        if (pfnFile == null)
        {
            return;
        }
        try
        {
            // Unlinking a symbolic link removes the link, never its target.
            Files.deleteIfExists(pfnFile);
        }
        catch (final IOException ex)
        {
            throw new PkramIOException("cannot remove the pfn file: path=" + pfnFile + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * Export a pfn: write it to a new temporary file, mode 0600, and rename that over the pfn file.
     * <p>
     * Errors: EACCES something at the temporary name came back while it was being replaced, or the
     * directory does not let this user remove or replace what is at either name (another user's file in
     * a sticky directory such as {@code /dev/shm}); EIO the file system failed.
     *
     * @param pfnFile the pfn file, or null for none (nothing is written).
     * @param pfn     the super block pfn to export.
     * @throws UnsafeMemoryFileException (EACCES) when another user's file is in the way.
     * @throws PkramIOException          (EIO) when the file cannot be written.
     */
    public static void write(final Path pfnFile, final long pfn)
    {
        if (pfnFile == null)
        {
            return;
        }
        final Path tmp = pfnFile.resolveSibling(pfnFile.getFileName() + ".tmp");
        final byte[] text = (Long.toHexString(pfn) + "\n").getBytes(StandardCharsets.US_ASCII);
        try
        {
            // Unlinking a symbolic link removes the link, never its target.
            Files.deleteIfExists(tmp);
            writeNew(tmp, text);
        }
        catch (final IOException ex)
        {
            throw failure(pfnFile, tmp, ex);
        }
        try
        {
            // rename(2) replaces a link at the pfn file's name; it never writes through it.
            try
            {
                Files.move(tmp, pfnFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            catch (final AtomicMoveNotSupportedException ex)
            {
                Files.move(tmp, pfnFile, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        catch (final IOException ex)
        {
            deleteAfterFailure(tmp, ex);
            throw failure(pfnFile, tmp, ex);
        }
    }

    /**
     * Create {@code tmp} new, mode 0600, without following a link (O_CREAT | O_EXCL | O_NOFOLLOW: anything
     * at the name, a dangling link included, fails it), and write {@code text}; removed again on failure.
     */
    private static void writeNew(final Path tmp, final byte[] text) throws IOException
    {
        final SeekableByteChannel channel = Files.newByteChannel(tmp,
            Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
            PosixFilePermissions.asFileAttribute(OWNER_RW));
        try (channel)
        {
            final ByteBuffer buffer = ByteBuffer.wrap(text);
            while (buffer.hasRemaining())
            {
                channel.write(buffer);
            }
        }
        catch (final IOException ex)
        {
            deleteAfterFailure(tmp, ex);
            throw ex;
        }
    }

    private static void deleteAfterFailure(final Path tmp, final IOException failure)
    {
        try
        {
            Files.deleteIfExists(tmp);
        }
        catch (final IOException ex)
        {
            failure.addSuppressed(ex);
        }
    }

    private static PkramException failure(final Path pfnFile, final Path tmp, final IOException ex)
    {
        if (ex instanceof FileAlreadyExistsException)
        {
            return new UnsafeMemoryFileException("pfn temporary file reappeared while it was replaced, another " +
                "process writes beside the memory file: path=" + tmp + " (keep the memory file in a directory " +
                "only you can write, with --mem)", ex);
        }
        if (ex instanceof final AccessDeniedException denied)
        {
            return new UnsafeMemoryFileException("cannot replace a file beside the memory file, it may belong to " +
                "another user: path=" + denied.getFile() + " (remove it, or use another --mem)", denied);
        }
        return new PkramIOException("cannot write pfn file: path=" + pfnFile + ", cause=" + ex, ex);
    }

    private static void checkTrusted(final Path pfnFile, final PosixFileAttributes attributes, final int uid)
    {
        if (!attributes.isRegularFile())
        {
            throw notRegular(pfnFile);
        }
        final int self = selfUid();
        if (uid != self)
        {
            throw new UnsafeMemoryFileException("pfn file is owned by another user: path=" + pfnFile +
                ", owner=" + attributes.owner().getName() + ", uid=" + uid + ", self=" + self +
                " (remove it; the next orderly reboot writes it again, or give --pkram)");
        }
        final Set<PosixFilePermission> permissions = attributes.permissions();
        if (permissions.contains(PosixFilePermission.GROUP_WRITE) ||
            permissions.contains(PosixFilePermission.OTHERS_WRITE))
        {
            throw new UnsafeMemoryFileException("pfn file is writable by group or others: path=" + pfnFile +
                ", mode=" + PosixFilePermissions.toString(permissions) + " (chmod 600 it)");
        }
    }

    private static UnsafeMemoryFileException notRegular(final Path pfnFile)
    {
        return new UnsafeMemoryFileException("pfn file is not a regular file (symbolic links are refused): " +
            "path=" + pfnFile + " (remove it; the next orderly reboot writes it again, or give --pkram)");
    }

    /**
     * The user id this process runs as: the owner of {@code /proc/self} (the effective uid), as
     * {@code PhysMem} checks the memory file's owner.
     */
    private static int selfUid()
    {
        try
        {
            return (Integer)Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        }
        catch (final IOException | UnsupportedOperationException ex)
        {
            throw new IllegalStateException("cannot read this process's uid from /proc/self", ex);
        }
    }
}
