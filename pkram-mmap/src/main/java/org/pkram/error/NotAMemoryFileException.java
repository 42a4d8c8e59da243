package org.pkram.error;

/**
 * EINVAL: the file is not a pkram memory file (no "PKRAMMEM" header in page 0, a foreign page size,
 * or a newer format than this build reads); nothing in it was changed.
 */
public class NotAMemoryFileException extends PkramException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param detail what failed, in {@code what: key=value} form.
     */
    public NotAMemoryFileException(final String detail)
    {
        super(Errno.EINVAL, detail);
    }
}
