package org.pkram;

/**
 * The reboot notifier at JVM exit: a shutdown hook that seals the image if the instance is still open.
 */
final class ShutdownHook
{
    private ShutdownHook()
    {
    }

    static Thread install(final Pkram pkram)
    {
        final Thread hook = new Thread(pkram::rebootAtExit, "pkram-reboot");
        Runtime.getRuntime().addShutdownHook(hook);
        return hook;
    }

    static void remove(final Thread hook)
    {
        if (hook != null && Thread.currentThread() != hook)
        {
            try
            {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
            catch (final IllegalStateException ignored)
            {
                // Already shutting down: the hook finds the image sealed and does nothing.
            }
        }
    }
}
