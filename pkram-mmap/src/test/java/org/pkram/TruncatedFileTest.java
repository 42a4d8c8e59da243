package org.pkram;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkram.error.CorruptImageException;
import org.pkram.error.Errno;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A memory file truncated by someone else while it is attached: the pages past the new end fault (SIGBUS),
 * which the JVM raises as {@code InternalError}. pkram reports it as what it is, EUCLEAN, naming the
 * truncation.
 */
final class TruncatedFileTest
{
    @TempDir
    Path dir;

    /**
     * Compile the calls first: compiled code raises the fault asynchronously, at the thread's next poll,
     * which a handler around the access alone would miss (the interpreter raises it at once).
     */
    @BeforeAll
    static void warmUp(@TempDir final Path warm)
    {
        try (Pkram pk = Images.bootFresh(Images.format(warm, Images.SMALL), Mode.CRASH_SAFE))
        {
            for (int i = 0; i < 20_000; i++)
            {
                try (NodeSave save = pk.prepareSave("w"); ObjSave obj = save.prepareSaveObj(DataKind.BYTES))
                {
                    obj.write(new byte[8], 0, 8);
                    obj.finish();
                    save.finish();
                }
                if (i % 2 == 0)
                {
                    pk.prepareLoad("w").finish();
                }
                else
                {
                    pk.truncate();
                }
            }
        }
    }

    @RepeatedTest(10)
    void shouldReportATruncationUnderTheMappingAsEucleanOnLoadTruncateAndReboot() throws Exception
    {
        final Path file = Images.format(dir, Images.SMALL);
        final Pkram pk = Images.bootFresh(file, Mode.CRASH_SAFE);
        for (int n = 0; n < 3; n++)
        {
            NodeContent.save(pk, "vm" + n, n, 1);
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            channel.truncate(2L * Folio.PAGE_SIZE);
        }
        assertEuclean(() -> pk.prepareLoad("vm0"));
        assertEuclean(pk::truncate);
        assertEuclean(pk::close);
    }

    @Test
    void shouldReportEveryFaultOfACompiledCallAsEuclean() throws Exception
    {
        final Path file = Images.format(dir, Images.SMALL);
        final Pkram pk = Images.bootFresh(file, Mode.CRASH_SAFE);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE))
        {
            channel.truncate(2L * Folio.PAGE_SIZE);
        }
        // The same call site, hot enough to be compiled with prepareSave inlined: each call faults on the new
        // node's page, past the end of the file.
        for (int i = 0; i < 10_000; i++) // each call takes a page: fewer calls than the file has pages
        {
            final String name = "n" + i;
            assertEuclean(() -> pk.prepareSave(name));
        }
    }

    private static void assertEuclean(final Runnable call)
    {
        final CorruptImageException ex = assertThrows(CorruptImageException.class, call::run);
        assertEquals(Errno.EUCLEAN, ex.errno());
        assertEquals(true, ex.getMessage().contains("truncated while attached"), ex.getMessage());
    }
}
