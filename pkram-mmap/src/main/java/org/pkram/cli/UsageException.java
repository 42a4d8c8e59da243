package org.pkram.cli;

/**
 * A command line that cannot be run as given: exit status 2, a one-line message and the usage line.
 */
final class UsageException extends Exception
{
    private static final long serialVersionUID = 1L;

    UsageException(final String message)
    {
        super(message);
    }
}
