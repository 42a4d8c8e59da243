package org.pkram;

import org.agrona.MutableDirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pkram.error.PkramUnavailableException;
import org.pkram.mem.PageAllocator;

import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Page views used after their pages stopped being the caller's: never a JVM crash, never a write into a page
 * that belongs to something else, with Agrona's bounds checks on or off, from any thread. The crashing cases
 * run in a child JVM, so a regression shows as its exit code and output rather than taking the test run down.
 */
final class ViewSafetyTest
{
    private static final String NO_BOUNDS_CHECKS = "-Dagrona.disable.bounds.checks=true";

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void shouldNotCrashOrTouchTheFileWhenAViewIsUsedAfterClose(final boolean boundsChecksOff) throws Exception
    {
        final ChildJvm.Result result = child("after-close", boundsChecksOff);
        assertEquals(0, result.exitCode(), result.stdout() + result.stderr());
        assertTrue(result.stdout().contains("file unchanged: true"), result.stdout());
        assertTrue(result.stdout().contains("survived"), result.stdout());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void shouldNotCrashWhenAnotherThreadFillsAFolioWhileCloseRuns(final boolean boundsChecksOff) throws Exception
    {
        final ChildJvm.Result result = child("fill-during-close", boundsChecksOff);
        assertEquals(0, result.exitCode(), result.stdout() + result.stderr());
        assertTrue(result.stdout().contains("filler done"), result.stdout());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void shouldKeepTheImageBootableWhenASavedFoliosViewIsWrittenAfterTruncate(final boolean boundsChecksOff)
        throws Exception
    {
        final ChildJvm.Result result = child("after-truncate", boundsChecksOff);
        assertEquals(0, result.exitCode(), result.stdout() + result.stderr());
        assertTrue(result.stdout().contains("second intact: true"), result.stdout());
    }

    @Test
    void shouldNotWriteIntoANewInstanceThroughAViewKeptAcrossReboot()
    {
        final Path file = Images.format(dir, Images.SMALL);
        final MutableDirectBuffer stale;
        final long sbPfn;
        try (Pkram pk = Images.bootFresh(file, Mode.CRASH_SAFE))
        {
            stale = ViewSafetyChild.saveOne(pk, "vm0", 77);
            sbPfn = pk.superBlockPfn();
        }
        try (Pkram pk = Images.boot(file, sbPfn, Mode.CRASH_SAFE))
        {
            stale.putLong(0, 99);
            stale.setMemory(8, stale.capacity() - 8, (byte)0x33);
            try (NodeLoad load = pk.prepareLoad("vm0"); ObjLoad obj = load.prepareLoadObj())
            {
                final Folio folio = obj.loadFolio();
                assertEquals(77, folio.buffer().getLong(0), "the new instance's page is untouched");
                assertEquals(0, folio.buffer().getLong(8));
                load.finish();
                pk.freeFolio(folio);
            }
        }
    }

    @Test
    void shouldDetachASavedFoliosViewWhenTheNodeIsDiscarded()
    {
        try (Pkram pk = Images.bootFresh(Images.format(dir, Images.SMALL), Mode.CRASH_SAFE))
        {
            final Folio folio = pk.allocFolio(0);
            final MutableDirectBuffer view = folio.buffer();
            try (NodeSave save = pk.prepareSave("gone"); ObjSave obj = save.prepareSaveObj(DataKind.FOLIOS))
            {
                obj.saveFolio(folio, 0);
            }
            final Folio reused = pk.allocFolio(0);
            assertEquals(folio.pfn(), reused.pfn(), "the discarded node's page is handed out again");
            view.putLong(0, -1L);
            assertEquals(0, reused.buffer().getLong(0), "the stale write went to scratch");
            assertThrows(IllegalStateException.class, folio::buffer);
            pk.freeFolio(reused);
        }
    }

    @Test
    void shouldDetachASavedFoliosViewWhenItsNodeIsLoadedAndTheFolioFreed()
    {
        try (Pkram pk = Images.bootFresh(Images.format(dir, Images.SMALL), Mode.CRASH_SAFE))
        {
            final MutableDirectBuffer stale = ViewSafetyChild.saveOne(pk, "vm0", 5);
            final long pfn;
            try (NodeLoad load = pk.prepareLoad("vm0"); ObjLoad obj = load.prepareLoadObj())
            {
                final Folio folio = obj.loadFolio();
                pfn = folio.pfn();
                load.finish();
                pk.freeFolio(folio);
            }
            final List<Folio> taken = new ArrayList<>();
            Folio reused = pk.allocFolio(0);
            while (reused.pfn() != pfn && taken.size() < 16)
            {
                taken.add(reused); // the node, obj and link pages were freed too: take pages until the folio's
                reused = pk.allocFolio(0);
            }
            assertEquals(pfn, reused.pfn(), "the loaded folio's page is handed out again");
            stale.putLong(0, -1L);
            assertEquals(0, reused.buffer().getLong(0));
            taken.add(reused);
            taken.forEach(pk::freeFolio);
        }
    }

    @Test
    void shouldRefuseTheBufferOfAFolioAfterCloseWithAPkramException()
    {
        final Pkram pk = Images.bootFresh(Images.format(dir, Images.SMALL), Mode.CRASH_SAFE);
        final Folio folio = pk.allocFolio(0);
        pk.close();
        assertThrows(PkramUnavailableException.class, folio::buffer);
    }

    @Test
    void shouldReachNoAllocatorFromThePublicApi()
    {
        final List<String> leaks = new ArrayList<>();
        for (final Class<?> type : List.of(Pkram.class, NodeSave.class, NodeLoad.class, ObjSave.class, ObjLoad.class,
            Folio.class, PageCounts.class))
        {
            for (final Method method : type.getMethods())
            {
                if (PageAllocator.class.isAssignableFrom(method.getReturnType()))
                {
                    leaks.add(type.getSimpleName() + "." + method.getName());
                }
            }
        }
        assertEquals(List.of(), leaks);
    }

    private ChildJvm.Result child(final String scenario, final boolean boundsChecksOff) throws Exception
    {
        final Path file = Images.format(dir, Images.SMALL);
        return ChildJvm.run(boundsChecksOff ? List.of(NO_BOUNDS_CHECKS) : List.of(), ViewSafetyChild.class, scenario,
            file.toString());
    }
}
