package org.pkram;

import java.util.ArrayList;
import java.util.List;

/**
 * Test helpers for services' nodes: a node of {@code n} order-0 folios whose content encodes (version, index), so
 * a test can tell which version of each page it reads, and a helper that reads every folio of a node through a live
 * handle.
 */
final class Versions
{
    static final int PAGE = Folio.PAGE_SIZE;

    private Versions()
    {
    }

    /** Fill a page with the content of ({@code version}, {@code index}). */
    static void stamp(final Folio folio, final long version, final long index)
    {
        for (int i = 0; i < PAGE; i += 8)
        {
            folio.buffer().putLong(i, version * 1_000_003L + index * 7919L + i);
        }
    }

    /** @return the version a page holds, or -1 when its content is no version's (torn or foreign). */
    static long versionOf(final Folio folio)
    {
        final long index = folio.index();
        final long version = (folio.buffer().getLong(0) - index * 7919L) / 1_000_003L;
        for (int i = 0; i < PAGE; i += 8)
        {
            if (folio.buffer().getLong(i) != version * 1_000_003L + index * 7919L + i)
            {
                return -1;
            }
        }
        return version;
    }

    /** Save node {@code name}: {@code pages} order-0 folios at indices 0.., all of {@code version}, and bytes. */
    static void save(final Pkram pk, final String name, final long version, final int pages)
    {
        try (NodeSave save = pk.prepareSave(name))
        {
            try (ObjSave obj = save.prepareSaveObj(DataKind.FOLIOS, DataKind.BYTES))
            {
                for (int i = 0; i < pages; i++)
                {
                    final Folio folio = pk.allocFolio(0);
                    stamp(folio, version, i);
                    obj.saveFolio(folio, i);
                }
                final byte[] bytes = ("version " + version).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                obj.write(bytes, 0, bytes.length);
            }
            save.finish();
        }
    }

    /** @return the version of each folio of the node's first object, read through a live handle. */
    static List<Long> liveVersions(final Pkram pk, final String name)
    {
        final List<Long> versions = new ArrayList<>();
        try (NodeLoad live = pk.openLive(name); ObjLoad obj = live.prepareLoadObj())
        {
            Folio folio;
            while ((folio = obj.loadFolio()) != null)
            {
                versions.add(versionOf(folio));
            }
        }
        return versions;
    }

    /** @return {@code pages} copies of {@code version}. */
    static List<Long> all(final long version, final int pages)
    {
        final List<Long> list = new ArrayList<>();
        for (int i = 0; i < pages; i++)
        {
            list.add(version);
        }
        return list;
    }
}
