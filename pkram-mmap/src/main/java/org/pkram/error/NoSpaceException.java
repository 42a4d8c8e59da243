package org.pkram.error;

/**
 * ENOSPC: the file system holding the memory file cannot back it.
 */
public class NoSpaceException extends PkramException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param detail what failed, in {@code what: key=value} form.
     */
    public NoSpaceException(final String detail)
    {
        super(Errno.ENOSPC, detail);
    }

    /**
     * @param detail what failed.
     * @param cause  the underlying exception.
     */
    public NoSpaceException(final String detail, final Throwable cause)
    {
        super(Errno.ENOSPC, detail, cause);
    }
}
