package org.pkram;

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

    @Test
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

    private static void assertEuclean(final Runnable call)
    {
        final CorruptImageException ex = assertThrows(CorruptImageException.class, call::run);
        assertEquals(Errno.EUCLEAN, ex.errno());
        assertEquals(true, ex.getMessage().contains("truncated while attached"), ex.getMessage());
    }
}
