package org.pkram;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The README's API example, as a test: format, boot, save, reboot, boot with the pfn, load in place.
 */
class TutorialTest
{
    @TempDir
    Path dir;

    @Test
    void shouldWalkThroughTheReadmeExample()
    {
        final Path memoryFile = dir.resolve("pkram.mem");
        // A memory file of 64 MiB: "physical RAM".
        Pkram.format(memoryFile, 64 << 20, false);

        // First process: boot empty, save a node with one object: a folio and a byte stream.
        final long pfn;
        try (Pkram pk = Pkram.boot(PkramOptions.of(memoryFile)))
        {
            try (NodeSave node = pk.prepareSave("cache"))
            {
                try (ObjSave obj = node.prepareSaveObj(DataKind.FOLIOS, DataKind.BYTES))
                {
                    final Folio folio = pk.allocFolio(0);          // one 4 KiB page of pkram memory
                    folio.buffer().putLong(0, 42L);                // fill it in place
                    obj.saveFolio(folio, 0);                       // saved by reference: no copy
                    obj.write("v1".getBytes(), 0, 2);              // bytes are copied into the stream
                }
                node.finish();                                     // commit; closing unfinished discards
            }
            pfn = pk.superBlockPfn();                              // also in the pfn file beside it
        }                                                          // close() = orderly reboot

        // Next process: boot with pkram=<pfn>, get the folio back in place.
        try (Pkram pk = Pkram.boot(PkramOptions.of(memoryFile).superBlockPfn(pfn));   // pfn: a cross-check
             NodeLoad node = pk.prepareLoad("cache");
             ObjLoad obj = node.prepareLoadObj())
        {
            final Folio folio = obj.loadFolio();                   // zero copy: same page, same bytes
            assertEquals(42L, folio.buffer().getLong(0));
            final byte[] version = new byte[2];
            obj.read(version, 0, 2);
            assertEquals("v1", new String(version));
            assertNull(obj.loadFolio());                           // end of stream is null, not an error
            node.finish();                                         // consumed; closing unfinished puts it back
            assertEquals(List.of(), pk.nodeNames());
        }
    }
}
