package org.pkram.error;

/**
 * EIO: an I/O error on the memory file, or on a file copied into or out of it
 * ({@link org.pkram.FileTransfer}); the cause is kept.
 */
public class PkramIOException extends PkramException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param detail what failed, in {@code what: key=value} form.
     */
    public PkramIOException(final String detail)
    {
        super(Errno.EIO, detail);
    }

    /**
     * @param detail what failed.
     * @param cause  the underlying exception.
     */
    public PkramIOException(final String detail, final Throwable cause)
    {
        super(Errno.EIO, detail, cause);
    }
}
