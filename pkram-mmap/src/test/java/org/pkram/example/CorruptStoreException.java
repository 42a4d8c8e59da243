package org.pkram.example;

/**
 * The checkpointed state does not verify (a CRC, a count, a length or a structure is wrong): the service refuses
 * to start rather than serve it.
 */
final class CorruptStoreException extends Exception
{
    private static final long serialVersionUID = 1L;

    CorruptStoreException(final String message)
    {
        super(message);
    }
}
