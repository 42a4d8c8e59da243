package org.pkram.error;

/**
 * EBUSY: the node is still being saved (pkram_prepare_load), or handles are still open.
 */
public class NodeBusyException extends PkramException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param detail what failed, in {@code what: key=value} form.
     */
    public NodeBusyException(final String detail)
    {
        super(Errno.EBUSY, detail);
    }

    /**
     * @param detail what failed.
     * @param cause  the underlying exception.
     */
    public NodeBusyException(final String detail, final Throwable cause)
    {
        super(Errno.EBUSY, detail, cause);
    }
}
