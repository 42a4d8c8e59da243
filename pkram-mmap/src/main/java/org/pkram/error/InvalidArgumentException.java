package org.pkram.error;

/**
 * EINVAL: a bad argument (data-kind flags, an order above 10, a malformed pkram= value...).
 */
public class InvalidArgumentException extends PkramException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param detail what failed, in {@code what: key=value} form.
     */
    public InvalidArgumentException(final String detail)
    {
        super(Errno.EINVAL, detail);
    }

    /**
     * @param detail what failed.
     * @param cause  the underlying exception.
     */
    public InvalidArgumentException(final String detail, final Throwable cause)
    {
        super(Errno.EINVAL, detail, cause);
    }
}
