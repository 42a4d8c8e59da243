package org.pkram;

import org.pkram.mem.PhysMem;

import java.util.function.Supplier;

/**
 * A memory file truncated under the mapping makes an access past its new end fault (SIGBUS), which the JVM
 * raises as {@code InternalError}. The coarse calls (prepare save or load, commit, load finish, truncate,
 * reboot, boot) run through here, so such a fault is reported as what it is: EUCLEAN, naming the
 * truncation.
 * <p>
 * Compiled code raises the fault asynchronously, at the thread's next poll, which may come after the call
 * has returned past a plain handler. So every guarded call ends with a native call (an fstat), where the JVM
 * delivers a pending fault inside the handler; the fstat also reports the truncation directly. The hot paths
 * (a folio loaded, bytes read or written) and the caller's own views are not guarded: a fault there surfaces
 * as {@code InternalError} in the caller, and the next coarse call reports EUCLEAN.
 */
final class Faults
{
    private Faults()
    {
    }

    /**
     * @param mem  the mapping the call walks.
     * @param call the call.
     * @param <T>  its result.
     * @return its result.
     * @throws org.pkram.error.CorruptImageException (EUCLEAN) the file was truncated while attached.
     */
    static <T> T guarded(final PhysMem mem, final Supplier<T> call)
    {
        try
        {
            final T result = call.get();
            mem.checkIntact();
            return result;
        }
        catch (final InternalError fault)
        {
            mem.checkIntact();
            throw fault;
        }
    }

    /**
     * As {@link #guarded(PhysMem, Supplier)}, for a call with no result.
     *
     * @param mem  the mapping the call walks.
     * @param call the call.
     */
    static void guarded(final PhysMem mem, final Runnable call)
    {
        guarded(mem, () ->
        {
            call.run();
            return null;
        });
    }
}
