package org.pkram.error;

/**
 * The Linux error numbers pkram reports, with the kernel's numeric values (x86-64,
 * {@code include/uapi/asm-generic/errno-base.h} and {@code errno.h}).
 * <p>
 * Every {@link PkramException} carries one, so a caller (or the CLI's one-line error) can name the
 * cause exactly as {@code mm/pkram.c} would.
 */
public enum Errno
{
    /** Operation not permitted. */
    EPERM(1, "operation not permitted"),
    /** No such node (pkram_prepare_load), or no such file. */
    ENOENT(2, "no such file or node"),
    /** I/O error from the memory file. */
    EIO(5, "input/output error"),
    /** Out of pages in the memory file (pkram_alloc_page failed). */
    ENOMEM(12, "out of memory"),
    /** Permission denied: the memory file's owner or mode is unsafe. */
    EACCES(13, "permission denied"),
    /** Busy: the node is being saved, or the memory file is attached by another owner. */
    EBUSY(16, "device or resource busy"),
    /** A node (or file) with this name already exists. */
    EEXIST(17, "file exists"),
    /** pkram is not available: not booted, or closed. */
    ENODEV(19, "no such device"),
    /** Invalid argument, or an invalid super block (the kernel's -EINVAL at boot). */
    EINVAL(22, "invalid argument"),
    /** No space left on the file system that holds the memory file. */
    ENOSPC(28, "no space left on device"),
    /** Name too long: UTF-8 length >= PKRAM_NAME_MAX (256). */
    ENAMETOOLONG(36, "file name too long"),
    /** No more data (objects, folios); pkram reports it as a return value, never thrown by the API. */
    ENODATA(61, "no data available"),
    /** Structure needs cleaning: the image is damaged (cycle, double reference, bad order...). */
    EUCLEAN(117, "structure needs cleaning");

    private final int number;
    private final String description;

    Errno(final int number, final String description)
    {
        this.number = number;
        this.description = description;
    }

    /**
     * The kernel's numeric value.
     *
     * @return the errno value, positive.
     */
    public int number()
    {
        return number;
    }

    /**
     * A short text, as {@code strerror} would give it.
     *
     * @return the description.
     */
    public String description()
    {
        return description;
    }
}
