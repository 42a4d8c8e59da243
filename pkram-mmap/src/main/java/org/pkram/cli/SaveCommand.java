package org.pkram.cli;

import org.pkram.DataKind;
import org.pkram.FileTransfer;
import org.pkram.Folio;
import org.pkram.NodeSave;
import org.pkram.ObjSave;
import org.pkram.Pkram;
import org.pkram.error.Errno;
import org.pkram.error.OutOfPagesException;
import org.pkram.error.PkramException;
import org.pkram.error.PkramIOException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code pkram save NODE FILE...}: each file becomes one object of a new node. Its content is a folio
 * stream (the mapping index of a page is its page number in the file; the last page is zero-filled),
 * copied from the file into pkram folios in the kernel ({@link FileTransfer}: no page goes through the
 * mapping) and saved by reference; its {@link FileAttributes} are the object's byte stream. Aligned runs use
 * folios up to order {@value #MAX_ORDER}.
 */
final class SaveCommand implements Command
{
    /** Largest folio used for a file's content: 2 MiB, a huge page. */
    static final int MAX_ORDER = 9;

    @Override
    public String name()
    {
        return "save";
    }

    @Override
    public String synopsis()
    {
        return "save NODE FILE...";
    }

    @Override
    public String summary()
    {
        return "save files as a new node";
    }

    @Override
    public String help()
    {
        return """
            Save regular files as a new node: each FILE one object (its content as folios, its name, length,
            mode and modification time as a record). The node is committed, then the image rebooted.
            Errors: EEXIST a node of that name exists; ENOMEM the memory file is full; ENOENT no such file;
            EINVAL a directory or other non-regular file, or two files with the same name.
            """;
    }

    @Override
    public int run(final CliContext context, final Args args) throws Exception
    {
        args.expectOperands(2, Integer.MAX_VALUE, "NODE and FILE...");
        final String nodeName = args.operands().get(0);
        final List<Path> files = new ArrayList<>();
        for (final String name : args.operands().subList(1, args.operands().size()))
        {
            files.add(Path.of(name));
        }
        final List<FileAttributes> attributes = attributesOf(files);
        long pages = 0;
        long bytes = 0;
        try (Pkram pk = context.boot(); NodeSave node = pk.prepareSave(nodeName);
             FileTransfer transfer = pk.openFileTransfer())
        {
            for (int i = 0; i < files.size(); i++)
            {
                pages += saveFile(context, transfer, node, files.get(i), attributes.get(i));
                bytes += attributes.get(i).length;
            }
            node.finish();
        }
        context.out().println("saved node " + nodeName + ": " + Sizes.plural(files.size(), "file") + ", " +
            bytes + " bytes in " + Sizes.pages(pages));
        return PkramCli.EXIT_OK;
    }

    /**
     * Check every file before anything is booted, so a bad argument costs nothing.
     */
    private static List<FileAttributes> attributesOf(final List<Path> files) throws IOException
    {
        final List<FileAttributes> all = new ArrayList<>();
        final Set<String> names = new HashSet<>();
        for (final Path file : files)
        {
            final BasicFileAttributes basic;
            try
            {
                basic = Files.readAttributes(file, BasicFileAttributes.class);
            }
            catch (final NoSuchFileException ex)
            {
                throw new PkramException(Errno.ENOENT, "no such file: path=" + file);
            }
            if (!basic.isRegularFile())
            {
                throw new PkramException(Errno.EINVAL, (basic.isDirectory() ? "is a directory" : "not a regular file") +
                    ", only regular files can be saved: path=" + file);
            }
            if (!Files.isReadable(file))
            {
                throw new PkramException(Errno.EACCES, "file is not readable: path=" + file);
            }
            final Path fileName = file.toAbsolutePath().normalize().getFileName();
            final String name = fileName == null ? "" : fileName.toString();
            if (!names.add(name))
            {
                throw new PkramException(Errno.EINVAL, "two files have the same name, load could not restore both: " +
                    "name=" + name);
            }
            final int mode = (Integer)Files.getAttribute(file, "unix:mode") & 0777;
            final FileAttributes attributes = new FileAttributes(name, basic.size(), mode,
                basic.lastModifiedTime().toMillis());
            attributes.checkSafe();
            all.add(attributes);
        }
        return all;
    }

    /**
     * @return pages saved.
     */
    private static long saveFile(final CliContext context, final FileTransfer transfer, final NodeSave node,
        final Path file, final FileAttributes attributes) throws IOException
    {
        final long length = attributes.length;
        try (ObjSave obj = node.prepareSaveObj(DataKind.FOLIOS, DataKind.BYTES);
             FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
             Progress progress = Progress.start(context.err(), "saving " + attributes.name, length))
        {
            obj.writeRecord(attributes);
            final long pages = saveContent(transfer, obj, channel, length, file, progress);
            if (context.verbose())
            {
                context.out().println("  " + attributes.name + ": " + length + " bytes, mode 0" +
                    Integer.toOctalString(attributes.mode));
            }
            return pages;
        }
    }

    /**
     * A file's first {@code length} bytes into the object's folio stream, page {@code i} at mapping index
     * {@code i}: each folio filled in the kernel from the file ({@link FileTransfer}), the end of its last page
     * zero, and saved by reference.
     * <p>
     * Errors: ENOMEM the memory file is full; EIO the file shrank below {@code length} while it was read, or a read
     * failed. Nothing past what the file holds is ever saved: a short file is an error, not a folio of stale bytes.
     *
     * @return pages saved.
     */
    static long saveContent(final FileTransfer transfer, final ObjSave obj, final FileChannel channel,
        final long length, final Path file, final Progress progress) throws IOException
    {
        final long pages = (length + Folio.PAGE_SIZE - 1) >>> Folio.PAGE_SHIFT;
        long index = 0;
        while (index < pages)
        {
            final Folio folio = readFolio(transfer, orderAt(index, pages - index), channel, index, length, file);
            obj.saveFolio(folio, index);
            index += folio.pageCount();
            progress.update(Math.min(length, index << Folio.PAGE_SHIFT));
        }
        return pages;
    }

    /**
     * @return the largest order up to {@link #MAX_ORDER} that is naturally aligned at {@code index} and
     *         does not run past the end of the file.
     */
    static int orderAt(final long index, final long pagesLeft)
    {
        int order = Math.min(MAX_ORDER, index == 0 ? MAX_ORDER : Long.numberOfTrailingZeros(index));
        while (order > 0 && (1 << order) > pagesLeft)
        {
            order--;
        }
        return order;
    }

    /**
     * A folio filled from the file at page {@code index}: a large one when there is one, smaller ones when the
     * memory file is fragmented.
     */
    private static Folio readFolio(final FileTransfer transfer, final int order, final FileChannel channel,
        final long index, final long length, final Path file) throws IOException
    {
        final long position = index << Folio.PAGE_SHIFT;
        for (int o = order; ; o--)
        {
            final int wanted = (int)Math.min((long)Folio.PAGE_SIZE << o, length - position);
            try
            {
                return transfer.allocFolio(o, channel, position, wanted);
            }
            catch (final OutOfPagesException ex)
            {
                if (o == 0)
                {
                    throw ex;
                }
            }
            catch (final PkramIOException ex)
            {
                final long size = channel.size();
                if (size < length)
                {
                    throw new PkramException(Errno.EIO, "file shrank while it was being saved: path=" + file +
                        ", length=" + length + ", size=" + size, ex);
                }
                throw ex;
            }
        }
    }
}
