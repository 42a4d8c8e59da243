package org.pkram.error;

/**
 * EBUSY: the memory file is already attached, by another process or by this one (exclusive lock).
 */
public class MemoryFileBusyException extends PkramException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param detail what failed, in {@code what: key=value} form.
     */
    public MemoryFileBusyException(final String detail)
    {
        super(Errno.EBUSY, detail);
    }

    /**
     * @param detail what failed.
     * @param cause  the underlying exception.
     */
    public MemoryFileBusyException(final String detail, final Throwable cause)
    {
        super(Errno.EBUSY, detail, cause);
    }
}
