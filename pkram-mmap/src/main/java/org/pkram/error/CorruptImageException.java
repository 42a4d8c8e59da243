package org.pkram.error;

/**
 * EUCLEAN: the preserved image is damaged (a reference out of range, a cycle, a page referenced twice, an
 * impossible order...); the file was left as it was.
 */
public class CorruptImageException extends PkramException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param detail what failed, in {@code what: key=value} form.
     */
    public CorruptImageException(final String detail)
    {
        super(Errno.EUCLEAN, detail);
    }

    /**
     * @param detail what failed.
     * @param cause  the underlying exception.
     */
    public CorruptImageException(final String detail, final Throwable cause)
    {
        super(Errno.EUCLEAN, detail, cause);
    }
}
