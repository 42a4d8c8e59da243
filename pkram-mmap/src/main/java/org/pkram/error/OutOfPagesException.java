package org.pkram.error;

/**
 * ENOMEM: the memory file has no free pages of the order asked for (pkram_alloc_page failed).
 */
public class OutOfPagesException extends PkramException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param detail what failed, in {@code what: key=value} form.
     */
    public OutOfPagesException(final String detail)
    {
        super(Errno.ENOMEM, detail);
    }

    /**
     * @param detail what failed.
     * @param cause  the underlying exception.
     */
    public OutOfPagesException(final String detail, final Throwable cause)
    {
        super(Errno.ENOMEM, detail, cause);
    }
}
