package org.pkram;

import org.agrona.MutableDirectBuffer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.CountDownLatch;

/**
 * A child JVM for {@link ViewSafetyTest}: uses page views the way a careless caller would, after their pages
 * stopped being its own, and prints what it finds. A JVM crash here (SIGSEGV, exit 134) fails the test.
 * Arguments: the scenario, then the memory file.
 */
public final class ViewSafetyChild
{
    private ViewSafetyChild()
    {
    }

    /**
     * @param args scenario, memory file.
     * @throws Exception on failure (exit 1).
     */
    public static void main(final String[] args) throws Exception
    {
        final Path file = Path.of(args[1]);
        switch (args[0])
        {
            case "after-close" -> afterClose(file);
            case "fill-during-close" -> fillDuringClose(file);
            case "after-truncate" -> afterTruncate(file);
            default -> throw new IllegalArgumentException(args[0]);
        }
        System.out.println("survived");
    }

    /** A folio's buffer, and a saved folio's buffer, written after close: the file must not change. */
    private static void afterClose(final Path file) throws Exception
    {
        final MutableDirectBuffer owned;
        final MutableDirectBuffer saved;
        try (Pkram pk = Pkram.boot(PkramOptions.of(file).shutdownHook(false)))
        {
            owned = pk.allocFolio(2).buffer();
            final Folio folio = pk.allocFolio(0);
            saved = folio.buffer();
            try (NodeSave save = pk.prepareSave("kept"); ObjSave obj = save.prepareSaveObj(DataKind.FOLIOS))
            {
                saved.putLong(0, 1234);
                obj.saveFolio(folio, 0);
                obj.finish();
                save.finish();
            }
        }
        final String before = sha256(file);
        fill(owned, (byte)0x5A);
        fill(saved, (byte)0x5A);
        System.out.println("file unchanged: " + before.equals(sha256(file)));
        System.out.println("stale read: " + saved.getLong(0));
    }

    /** Another thread fills a folio while close() runs, and goes on after it. */
    private static void fillDuringClose(final Path file) throws Exception
    {
        final Pkram pk = Pkram.boot(PkramOptions.of(file).shutdownHook(false));
        final MutableDirectBuffer view = pk.allocFolio(4).buffer();
        final CountDownLatch running = new CountDownLatch(1);
        final Thread filler = new Thread(() ->
        {
            running.countDown();
            for (int round = 0; round < 2_000; round++)
            {
                fill(view, (byte)round);
            }
        });
        filler.start();
        running.await();
        pk.close();
        filler.join();
        System.out.println("filler done");
    }

    /**
     * A saved folio's view written after truncate, once its page went to another node: the next boot must
     * find that node intact.
     */
    private static void afterTruncate(final Path file)
    {
        final long sbPfn;
        try (Pkram pk = Pkram.boot(PkramOptions.of(file).shutdownHook(false)))
        {
            final MutableDirectBuffer stale = saveOne(pk, "first", 1);
            pk.truncate();
            saveOne(pk, "second", 2);
            fill(stale, (byte)0xFF);
            sbPfn = pk.superBlockPfn();
        }
        try (Pkram pk = Pkram.boot(PkramOptions.of(file).superBlockPfn(sbPfn).shutdownHook(false));
             NodeLoad load = pk.prepareLoad("second");
             ObjLoad obj = load.prepareLoadObj())
        {
            final Folio folio = obj.loadFolio();
            System.out.println("second intact: " + (folio.buffer().getLong(0) == 2 && obj.loadFolio() == null));
            load.finish();
            pk.freeFolio(folio);
        }
    }

    /**
     * Save one node holding one order-0 folio whose first word is {@code value}.
     *
     * @return the saved folio's view.
     */
    static MutableDirectBuffer saveOne(final Pkram pk, final String name, final long value)
    {
        try (NodeSave save = pk.prepareSave(name); ObjSave obj = save.prepareSaveObj(DataKind.FOLIOS))
        {
            final Folio folio = pk.allocFolio(0);
            folio.buffer().putLong(0, value);
            obj.saveFolio(folio, 0);
            obj.finish();
            save.finish();
            return folio.buffer();
        }
    }

    private static void fill(final MutableDirectBuffer view, final byte value)
    {
        view.setMemory(0, view.capacity(), value);
    }

    private static String sha256(final Path file) throws Exception
    {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
