package org.pkram.image;

import org.agrona.DirectBuffer;
import org.pkram.layout.FileHeaderDescriptor;
import org.pkram.mem.PhysMem;

/**
 * Every field of the memory file's header (page 0), as read: what {@code inspect} prints and where the
 * current super block is found.
 *
 * @param magic         the file magic ("PKRAMMEM").
 * @param formatVersion the file's format version.
 * @param pageSize      the page size it was made with.
 * @param fileSize      the size recorded at creation.
 * @param createdMillis when it was created, epoch milliseconds.
 * @param superBlockPfn the current super block, 0 for none.
 */
public record FileHeaderInfo(
    long magic,
    int formatVersion,
    int pageSize,
    long fileSize,
    long createdMillis,
    long superBlockPfn)
{
    /**
     * @param mem the mapping.
     * @return its header.
     */
    public static FileHeaderInfo read(final PhysMem mem)
    {
        final DirectBuffer header = mem.page(0);
        return new FileHeaderInfo(FileHeaderDescriptor.magic(header), FileHeaderDescriptor.formatVersion(header),
            FileHeaderDescriptor.pageSize(header), FileHeaderDescriptor.fileSize(header),
            FileHeaderDescriptor.createdMillis(header), FileHeaderDescriptor.superBlockPfn(header));
    }
}
