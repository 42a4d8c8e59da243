package org.pkram;

/**
 * Checksummed node content for restart and crash tests: per node, folios of mixed orders (0, 1, 4,
 * 9) with index gaps, plus a byte stream, all derived from a seed so any process can verify them.
 */
final class NodeContent
{
    private static final int[] ORDERS = {0, 1, 4, 9};

    private NodeContent()
    {
    }

    /** Save node {@code name}: about {@code mib} MiB of folios and one byte stream. */
    static void save(final Pkram pk, final String name, final long seed, final int mib)
    {
        final long pagesWanted = Math.max(1, (long)mib << 8);
        try (NodeSave save = pk.prepareSave(name))
        {
            try (ObjSave obj = save.prepareSaveObj(DataKind.FOLIOS, DataKind.BYTES))
            {
                long pages = 0;
                long index = 0;
                int i = 0;
                while (pages < pagesWanted)
                {
                    final int order = ORDERS[i++ % ORDERS.length];
                    final Folio folio = pk.allocFolio(order);
                    Images.fill(folio, seed, index);
                    obj.saveFolio(folio, index);
                    pages += folio.pageCount();
                    index += folio.pageCount() + (i % 7 == 0 ? 3 : 0); // a gap now and then
                }
                final byte[] bytes = Images.bytes(seed, 12_345 + (int)seed);
                obj.write(bytes, 0, bytes.length);
            }
            try (ObjSave attrs = save.prepareSaveObj(DataKind.BYTES))
            {
                final byte[] name8 = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                attrs.write(name8, 0, name8.length);
            }
            save.finish();
        }
    }

    /**
     * Load node {@code name}, check every byte and, when all is well, finish the load (the node is consumed):
     * null when all is well, else what was wrong (the load is then aborted and the node stays whole).
     */
    static String loadAndVerify(final Pkram pk, final String name, final long seed)
    {
        try (NodeLoad load = pk.prepareLoad(name))
        {
            try (ObjLoad attrs = load.prepareLoadObj())
            {
                final byte[] back = new byte[(int)attrs.dataLength()];
                attrs.read(back, 0, back.length);
                if (!name.equals(new String(back, java.nio.charset.StandardCharsets.UTF_8)))
                {
                    return name + ": attributes object";
                }
            }
            try (ObjLoad obj = load.prepareLoadObj())
            {
                Folio folio;
                long folios = 0;
                while ((folio = obj.loadFolio()) != null)
                {
                    if (!Images.matches(folio, seed))
                    {
                        return name + ": folio content " + folio;
                    }
                    folios++;
                }
                final byte[] expected = Images.bytes(seed, 12_345 + (int)seed);
                final byte[] back = new byte[expected.length];
                if (obj.read(back, 0, back.length) != back.length || Images.crc(back) != Images.crc(expected))
                {
                    return name + ": byte stream";
                }
                if (folios == 0)
                {
                    return name + ": no folios";
                }
            }
            if (load.prepareLoadObj() != null)
            {
                return name + ": unexpected object";
            }
            load.finish(); // verified: consume the node (a problem above aborts the load, the node stays whole)
        }
        return null;
    }
}
