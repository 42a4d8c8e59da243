package org.pkram.mem;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.pkram.error.CorruptImageException;
import org.pkram.error.NotAMemoryFileException;
import org.pkram.layout.FileHeaderDescriptor;
import org.pkram.layout.Pfn;

import java.nio.file.Path;

/**
 * Writing and validating pkram's file header in page 0 ({@link FileHeaderDescriptor}): written once when
 * the file is created, checked at every attach before anything else in the file is read.
 */
final class MemoryFileHeader
{
    private MemoryFileHeader()
    {
    }

    /**
     * Write the header of a new memory file, magic last.
     *
     * @param header page 0 of the new file, all zeros.
     * @param size   the file's size.
     */
    static void write(final AtomicBuffer header, final long size)
    {
        FileHeaderDescriptor.formatVersion(header, FileHeaderDescriptor.FORMAT_VERSION);
        FileHeaderDescriptor.pageSize(header, Pfn.PAGE_SIZE);
        FileHeaderDescriptor.fileSize(header, size);
        FileHeaderDescriptor.createdMillis(header, System.currentTimeMillis());
        // The magic last: a file whose creation died half way is not a memory file.
        FileHeaderDescriptor.magicRelease(header, FileHeaderDescriptor.FILE_MAGIC);
    }

    /**
     * Check the header of an attached file: a pkram memory file this build reads, no shorter than it says.
     *
     * @param header     page 0 of the file.
     * @param path       the file, for the messages.
     * @param actualSize the file's size now.
     * @throws NotAMemoryFileException EINVAL: no magic, a newer or invalid format version, a foreign page size.
     * @throws CorruptImageException   EUCLEAN: truncated, non-zero reserved bytes, an impossible size.
     */
    static void validate(final DirectBuffer header, final Path path, final long actualSize)
    {
        final long magic = FileHeaderDescriptor.magic(header);
        if (magic != FileHeaderDescriptor.FILE_MAGIC)
        {
            throw new NotAMemoryFileException("not a pkram memory file (no PKRAMMEM header): path=" + path +
                ", magic=0x" + Long.toHexString(magic));
        }
        final int version = FileHeaderDescriptor.formatVersion(header);
        if (version > FileHeaderDescriptor.FORMAT_VERSION || version < 1)
        {
            throw new NotAMemoryFileException("memory file format not supported by this build: path=" + path +
                ", formatVersion=" + version + ", supported=" + FileHeaderDescriptor.FORMAT_VERSION);
        }
        final int pageSize = FileHeaderDescriptor.pageSize(header);
        if (pageSize != Pfn.PAGE_SIZE)
        {
            throw new NotAMemoryFileException("memory file has a foreign page size: path=" + path +
                ", pageSize=" + pageSize + ", supported=" + Pfn.PAGE_SIZE);
        }
        final long recorded = FileHeaderDescriptor.fileSize(header);
        if (recorded > actualSize)
        {
            throw new CorruptImageException("memory file is truncated: path=" + path + ", recordedSize=" +
                recorded + ", actualSize=" + actualSize);
        }
        for (int offset = FileHeaderDescriptor.LENGTH; offset < Pfn.PAGE_SIZE; offset += Long.BYTES)
        {
            if (header.getLong(offset) != 0)
            {
                throw new CorruptImageException("memory file header has non-zero reserved bytes: path=" + path +
                    ", offset=" + offset);
            }
        }
        if (recorded < PhysMem.MIN_SIZE || (recorded & (Pfn.PAGE_SIZE - 1)) != 0)
        {
            throw new CorruptImageException("memory file header records an impossible size: path=" + path +
                ", recordedSize=" + recorded);
        }
    }
}
