package org.pkram.cli;

import org.pkram.FileTransfer;
import org.pkram.Folio;
import org.pkram.NodeLoad;
import org.pkram.ObjLoad;
import org.pkram.Pkram;
import org.pkram.boot.NodeEntry;
import org.pkram.error.CorruptImageException;
import org.pkram.error.Errno;
import org.pkram.error.InvalidArgumentException;
import org.pkram.error.NoSuchNodeException;
import org.pkram.error.PkramException;
import org.pkram.image.ObjView;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;

/**
 * {@code pkram load NODE --into DIR}: restore the files of a node saved by {@code save}, byte for byte,
 * with their length, permission bits and modification time, consuming the node. The bytes are copied from
 * the folios to the files in the kernel ({@link FileTransfer}: no page goes through the mapping).
 * <p>
 * Loading consumes, so every check that can fail is made first, on a read-only walk of the image: the
 * node exists, every object starts with a {@link FileAttributes} record, every name is a plain file name
 * (nothing can land outside DIR), no two are the same, and none exists in DIR yet (unless
 * {@code --force}). A node that fails a check is left as it is. Each file is written under a temporary
 * name in DIR and renamed into place once complete.
 */
final class LoadCommand implements Command
{
    @Override
    public String name()
    {
        return "load";
    }

    @Override
    public String synopsis()
    {
        return "load NODE --into DIR [--force]";
    }

    @Override
    public String summary()
    {
        return "restore a node's files into DIR, consuming the node";
    }

    @Override
    public String help()
    {
        return """
            Restore the files of NODE into DIR (created if missing) and consume the node.
              --into DIR  where to restore the files
              --force     replace files that already exist in DIR
            Nothing is consumed or written when a check fails: ENOENT no such node; EINVAL a name that would
            escape DIR (.., absolute, containing /), or an object that is not a saved file; EEXIST a file
            exists in DIR.
            """;
    }

    @Override
    public Set<String> valueOptions()
    {
        return Set.of("--into");
    }

    @Override
    public Set<String> flagOptions()
    {
        return Set.of("--force");
    }

    @Override
    public int run(final CliContext context, final Args args) throws Exception
    {
        args.expectOperands(1, 1, "NODE");
        final String intoText = args.value("--into");
        if (intoText == null || intoText.isEmpty())
        {
            throw new UsageException("missing --into DIR");
        }
        final String nodeName = args.operands().get(0);
        final Path dir = Path.of(intoText);
        final boolean force = args.flag("--force");
        if (Files.exists(dir) && !Files.isDirectory(dir))
        {
            throw new PkramException(Errno.EEXIST, "target exists and is not a directory: path=" + dir);
        }
        preflight(context, nodeName, dir, force);
        Files.createDirectories(dir);

        int files = 0;
        long bytes = 0;
        try (Pkram pk = context.boot(); NodeLoad load = pk.prepareLoad(nodeName);
             FileTransfer transfer = pk.openFileTransfer())
        {
            final Set<String> restored = new HashSet<>();
            while (true)
            {
                try (ObjLoad obj = load.prepareLoadObj())
                {
                    if (obj == null)
                    {
                        break;
                    }
                    final FileAttributes attributes = obj.readRecord(new FileAttributes());
                    if (attributes == null)
                    {
                        throw new InvalidArgumentException("object is not a saved file (no attributes record): node=" +
                            nodeName);
                    }
                    attributes.checkSafe();
                    if (!restored.add(attributes.name))
                    {
                        throw new InvalidArgumentException("two files have the same name: name=" + attributes.name);
                    }
                    restore(context, pk, transfer, obj, attributes, dir, force);
                    files++;
                    bytes += attributes.length;
                }
            }
            // Consumed only once every file is restored: a failure before this line (a full disk, a file size
            // limit) closes the load unfinished, which puts the node back whole for a retry.
            load.finish();
        }
        context.out().println("loaded node " + nodeName + ": " + Sizes.plural(files, "file") + ", " + bytes +
            " bytes into " + dir);
        return PkramCli.EXIT_OK;
    }

    /**
     * Every check that can fail, made read-only before the node is consumed.
     */
    private static void preflight(final CliContext context, final String nodeName, final Path dir,
        final boolean force)
    {
        try (ReadOnlyImage image = ReadOnlyImage.open(context))
        {
            final NodeEntry node = image.node(nodeName);
            if (node == null)
            {
                if (image.failure() != null)
                {
                    throw image.failure();
                }
                throw new NoSuchNodeException("no such node: name=" + nodeName);
            }
            final Set<String> names = new HashSet<>();
            for (final ObjView obj : image.view(node).objects())
            {
                final FileAttributes attributes = peekAttributes(obj, nodeName);
                attributes.checkSafe();
                if (!names.add(attributes.name))
                {
                    throw new InvalidArgumentException("two files in the node have the same name: node=" + nodeName +
                        ", name=" + attributes.name);
                }
                final Path target = dir.resolve(attributes.name);
                if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS))
                {
                    throw new PkramException(Errno.EEXIST, "a directory has the file's name, nothing was loaded: " +
                        "path=" + target);
                }
                if (!force && Files.exists(target, LinkOption.NOFOLLOW_LINKS))
                {
                    throw new PkramException(Errno.EEXIST, "file exists, nothing was loaded (--force replaces it): " +
                        "path=" + target);
                }
            }
        }
    }

    /**
     * Read the first record of an object's byte stream in place, without consuming: the read path a load
     * uses, through a view.
     */
    private static FileAttributes peekAttributes(final ObjView obj, final String nodeName)
    {
        try
        {
            final FileAttributes attributes = obj.bytes().readRecord(new FileAttributes(),
                FileAttributes.MAX_RECORD_LENGTH);
            if (attributes == null)
            {
                throw new InvalidArgumentException("object is not a saved file (no attributes record): node=" +
                    nodeName);
            }
            return attributes;
        }
        catch (final InvalidArgumentException ex)
        {
            throw ex;
        }
        catch (final PkramException ex)
        {
            throw new InvalidArgumentException("object is not a saved file (bad attributes record): node=" +
                nodeName + ", cause=" + ex.getMessage(), ex);
        }
    }

    private static void restore(final CliContext context, final Pkram pk, final FileTransfer transfer,
        final ObjLoad obj, final FileAttributes attributes, final Path dir, final boolean force) throws IOException
    {
        final Path target = dir.resolve(attributes.name);
        final Path tmp = dir.resolve("." + attributes.name + ".pkram-" + ProcessHandle.current().pid());
        boolean done = false;
        // Mode 0600 while the content goes in; the saved bits are given once it is complete.
        try (FileChannel channel = PrivateFile.createNew(tmp);
             Progress progress = Progress.start(context.err(), "loading " + attributes.name, attributes.length))
        {
            long written = 0;
            // One copy in the kernel per folio (FileTransfer): each moves up to 2 MiB, and joining physically
            // adjacent folios into one call measured no faster, the kernel copying in pipe-sized pieces either way.
            for (Folio folio = obj.loadFolio(); folio != null; folio = obj.loadFolio())
            {
                final long position = folio.index() << Folio.PAGE_SHIFT;
                if (position < attributes.length)
                {
                    final int length = (int)Math.min(folio.byteLength(), attributes.length - position);
                    transfer.writeFolio(folio, length, channel, position);
                    written += length;
                    progress.update(written);
                }
                pk.freeFolio(folio);
            }
            if (written != attributes.length)
            {
                throw new CorruptImageException("file content does not match its length: name=" + attributes.name +
                    ", length=" + attributes.length + ", restored=" + written);
            }
            channel.force(false);
            done = true;
        }
        finally
        {
            if (!done)
            {
                Files.deleteIfExists(tmp);
            }
        }
        final PosixFileAttributeView view =
            Files.getFileAttributeView(tmp, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        view.setPermissions(permissions(attributes.mode));
        view.setTimes(FileTime.fromMillis(attributes.mtimeMillis), null, null);
        if (force)
        {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        else
        {
            // No REPLACE_EXISTING: a file that appeared since the checks is not overwritten.
            Files.move(tmp, target);
        }
        if (context.verbose())
        {
            context.out().println("  " + target + ": " + attributes.length + " bytes, mode 0" +
                Integer.toOctalString(attributes.mode));
        }
    }

    static Set<PosixFilePermission> permissions(final int mode)
    {
        final Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        final PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE
        for (int i = 0; i < bits.length; i++)
        {
            if ((mode & (0400 >> i)) != 0)
            {
                set.add(bits[i]);
            }
        }
        return set;
    }
}
