package org.pkram.error;

/**
 * ENOENT: no committed node has this name (pkram_prepare_load).
 */
public class NoSuchNodeException extends PkramException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param detail what failed, in {@code what: key=value} form.
     */
    public NoSuchNodeException(final String detail)
    {
        super(Errno.ENOENT, detail);
    }

    /**
     * @param detail what failed.
     * @param cause  the underlying exception.
     */
    public NoSuchNodeException(final String detail, final Throwable cause)
    {
        super(Errno.ENOENT, detail, cause);
    }
}
