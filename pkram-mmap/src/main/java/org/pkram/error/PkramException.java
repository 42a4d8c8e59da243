package org.pkram.error;

import java.util.Objects;

/**
 * Base of every error pkram reports: unchecked, carrying the {@link Errno} the kernel would return
 * for the same cause. The message starts with the errno name: {@code "EEXIST: node already exists: name=vm0"}.
 * <p>
 * Catch a subclass for the cases a caller handles; the base class is also thrown directly for
 * errnos that have no subclass of their own.
 */
public class PkramException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final Errno errno;

    /**
     * @param errno  the error number.
     * @param detail what failed, in {@code what: key=value} form.
     */
    public PkramException(final Errno errno, final String detail)
    {
        super(errno.name() + ": " + detail);
        this.errno = Objects.requireNonNull(errno);
    }

    /**
     * @param errno  the error number.
     * @param detail what failed.
     * @param cause  the underlying exception.
     */
    public PkramException(final Errno errno, final String detail, final Throwable cause)
    {
        super(errno.name() + ": " + detail, cause);
        this.errno = Objects.requireNonNull(errno);
    }

    /**
     * @return the error number of this failure.
     */
    public Errno errno()
    {
        return errno;
    }
}
