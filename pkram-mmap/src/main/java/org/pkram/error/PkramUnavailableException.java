package org.pkram.error;

/**
 * ENODEV: pkram is not available (not booted, or already closed); the kernel's "no super block".
 */
public class PkramUnavailableException extends PkramException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param detail what failed, in {@code what: key=value} form.
     */
    public PkramUnavailableException(final String detail)
    {
        super(Errno.ENODEV, detail);
    }

    /**
     * @param detail what failed.
     * @param cause  the underlying exception.
     */
    public PkramUnavailableException(final String detail, final Throwable cause)
    {
        super(Errno.ENODEV, detail, cause);
    }
}
