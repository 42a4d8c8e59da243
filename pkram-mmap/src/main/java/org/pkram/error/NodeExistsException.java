package org.pkram.error;

/**
 * EEXIST: a node with this name is already on the list, being saved, committed or inherited (pkram_prepare_save).
 */
public class NodeExistsException extends PkramException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param detail what failed, in {@code what: key=value} form.
     */
    public NodeExistsException(final String detail)
    {
        super(Errno.EEXIST, detail);
    }

    /**
     * @param detail what failed.
     * @param cause  the underlying exception.
     */
    public NodeExistsException(final String detail, final Throwable cause)
    {
        super(Errno.EEXIST, detail, cause);
    }
}
