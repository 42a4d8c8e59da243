package org.pkram.boot;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkram.error.Errno;
import org.pkram.error.InvalidArgumentException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BootParamsTest
{
    @TempDir
    Path dir;

    @Test
    void shouldParseHexLikeKstrtoulBase16()
    {
        assertEquals(0x1a3, BootParams.parseHexPfn("1a3", "t"));
        assertEquals(0x1a3, BootParams.parseHexPfn("0x1A3", "t"));
        assertEquals(0x1a3, BootParams.parseHexPfn("pkram=1a3", "t"));
        assertEquals(0x7fffffffffffffffL, BootParams.parseHexPfn("7fffffffffffffff", "t"));
    }

    @Test
    void shouldRefuseAnythingElseWithEinval()
    {
        for (final String bad : new String[] {"", "0x", "xyz", "-1", "1a3g", "ffffffffffffffff", "12345678901234567"})
        {
            final InvalidArgumentException ex = assertThrows(InvalidArgumentException.class,
                () -> BootParams.parseHexPfn(bad, "test"), bad);
            assertEquals(Errno.EINVAL, ex.errno());
        }
    }

    @Test
    void shouldPreferThePropertyOverTheEnvironment()
    {
        assertEquals(OptionalLong.of(0x10), BootParams.fromProcess("10", Map.of("PKRAM", "20")));
        assertEquals(OptionalLong.of(0x20), BootParams.fromProcess(null, Map.of("PKRAM", "20")));
        assertEquals(OptionalLong.empty(), BootParams.fromProcess(" ", Map.of()));
    }

    @Test
    void shouldWriteAndReadThePfnFileAsLowerCaseHexWithANewline() throws Exception
    {
        final Path mem = dir.resolve("x.mem");
        final Path pfnFile = PfnFile.of(mem);
        assertEquals(dir.resolve("x.mem.pfn"), pfnFile);
        assertEquals(OptionalLong.empty(), PfnFile.read(pfnFile));
        PfnFile.write(pfnFile, 0xABCDEFL);
        assertEquals("abcdef\n", Files.readString(pfnFile));
        assertEquals(OptionalLong.of(0xabcdef), PfnFile.read(pfnFile));
        assertEquals(OptionalLong.of(0x5), BootParams.resolve("5", mem));
        Files.writeString(pfnFile, "garbage\n");
        assertThrows(InvalidArgumentException.class, () -> PfnFile.read(pfnFile));
    }
}
