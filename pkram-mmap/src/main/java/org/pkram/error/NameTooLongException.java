package org.pkram.error;

/**
 * ENAMETOOLONG: a node name whose UTF-8 length is PKRAM_NAME_MAX (256) or more; 255 bytes and the NUL fit.
 */
public class NameTooLongException extends PkramException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param detail what failed, in {@code what: key=value} form.
     */
    public NameTooLongException(final String detail)
    {
        super(Errno.ENAMETOOLONG, detail);
    }

    /**
     * @param detail what failed.
     * @param cause  the underlying exception.
     */
    public NameTooLongException(final String detail, final Throwable cause)
    {
        super(Errno.ENAMETOOLONG, detail, cause);
    }
}
