package org.pkram.error;

/**
 * EINVAL: the super block cannot be booted (bad magic, foreign or newer format, pfn out of range, consumed by an
 * earlier boot with no orderly reboot since); the file was left as it was.
 */
public class InvalidSuperBlockException extends PkramException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param detail what failed, in {@code what: key=value} form.
     */
    public InvalidSuperBlockException(final String detail)
    {
        super(Errno.EINVAL, detail);
    }

    /**
     * @param detail what failed.
     * @param cause  the underlying exception.
     */
    public InvalidSuperBlockException(final String detail, final Throwable cause)
    {
        super(Errno.EINVAL, detail, cause);
    }
}
