package org.pkram;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;

/**
 * A process of {@link ShutdownHookTest}: boots {@code FILE} fresh in {@code MODE} with the shutdown hook on,
 * saves nodes {@code h0} and {@code h1}, and with {@code open} first leaves node {@code open} being saved on
 * another thread (objects written, never finished); then ends with {@code System.exit(0)}, never calling
 * {@code reboot()} or {@code close()}: only the hook can seal the image.
 * <p>
 * Arguments: {@code MODE FILE closed|open}.
 */
public final class ShutdownHookChild
{
    private ShutdownHookChild()
    {
    }

    public static void main(final String[] args) throws InterruptedException
    {
        final Mode mode = Mode.valueOf(args[0]);
        final Path file = Path.of(args[1]);
        final Pkram pk = Pkram.boot(PkramOptions.of(file).mode(mode).shutdownHook(true));
        final CountDownLatch opened = new CountDownLatch(1);
        if (args[2].equals("open"))
        {
            Thread.ofPlatform().daemon().name("open-save").start(() ->
            {
                final NodeSave save = pk.prepareSave("open");
                final ObjSave obj = save.prepareSaveObj(DataKind.FOLIOS, DataKind.BYTES);
                for (int i = 0; i < 3; i++)
                {
                    final Folio folio = pk.allocFolio(i);
                    Images.fill(folio, 99, i * 8L);
                    obj.saveFolio(folio, i * 8L);
                }
                obj.write(new byte[5000], 0, 5000);
                opened.countDown();
                while (true)
                {
                    LockSupport.park();
                }
            });
            opened.await();
        }
        NodeContent.save(pk, "h0", 10, 1);
        NodeContent.save(pk, "h1", 11, 1);
        System.out.println("exiting with " + pk.openHandles() + " open handles, pfn " +
            Long.toHexString(pk.superBlockPfn()));
        System.exit(0);
    }
}
