package org.pkram.error;

/**
 * EACCES: the memory file is not a regular file (a symbolic link, say), is owned by another user, or is
 * readable or writable by group or others (its state may be secret).
 */
public class UnsafeMemoryFileException extends PkramException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param detail what failed, in {@code what: key=value} form.
     */
    public UnsafeMemoryFileException(final String detail)
    {
        super(Errno.EACCES, detail);
    }

    /**
     * @param detail what failed.
     * @param cause  the underlying exception.
     */
    public UnsafeMemoryFileException(final String detail, final Throwable cause)
    {
        super(Errno.EACCES, detail, cause);
    }
}
