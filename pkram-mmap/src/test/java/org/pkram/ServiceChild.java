package org.pkram;

import java.nio.file.Path;

/**
 * A service process for the tests of resume, live nodes, replace, remove and the service kit.
 * <p>
 * Arguments: {@code MODE FILE}, where MODE is
 * <ul>
 *     <li>{@code live-halt}: save node {@code n} (4 pages of version 1), open it live, write version 2 into its
 *     first page in place, print {@code written}, and die by {@code Runtime.halt(9)} (no hook, no reboot);</li>
 *     <li>{@code replace}: node {@code n} must exist; open it live, save a new version sharing every page but the
 *     first, whose copy holds version 3, and finish (run with {@code -Dpkram.fault=...} to die on the way);</li>
 *     <li>{@code remove}: remove node {@code n} (with a fault point armed, to die on the way);</li>
 *     <li>{@code hook}: with the shutdown hook, register a callback that saves node {@code from-hook}, and exit
 *     with {@code System.exit(0)}, never closing;</li>
 *     <li>{@code names}: boot (resume) and print the node names;</li>
 *     <li>{@code env}: {@link Pkram#fromEnvironment()}, print the boot messages and node names, save node
 *     {@code run-K} (K = nodes found) and exit without closing: the hook reboots.</li>
 * </ul>
 */
public final class ServiceChild
{
    private ServiceChild()
    {
    }

    public static void main(final String[] args)
    {
        try
        {
            run(args[0], args.length > 1 ? Path.of(args[1]) : null);
        }
        catch (final RuntimeException ex)
        {
            System.err.println(ex);
            System.exit(1);
        }
    }

    private static void run(final String mode, final Path file)
    {
        switch (mode)
        {
            case "live-halt" ->
            {
                final Pkram pk = Pkram.boot(PkramOptions.of(file).shutdownHook(false));
                Versions.save(pk, "n", 1, 4);
                final NodeLoad live = pk.openLive("n");
                final Folio first = live.prepareLoadObj().loadFolio();
                Versions.stamp(first, 2, first.index());
                System.out.println("written");
                System.out.flush();
                Runtime.getRuntime().halt(9);
            }
            case "replace" ->
            {
                final Pkram pk = Pkram.boot(PkramOptions.of(file).shutdownHook(false));
                replaceFirstPage(pk, "n", 3);
                pk.close();
            }
            case "remove" ->
            {
                final Pkram pk = Pkram.boot(PkramOptions.of(file).shutdownHook(false));
                pk.remove("n");
                pk.close();
            }
            case "hook" ->
            {
                final Pkram pk = Pkram.boot(PkramOptions.of(file).shutdownHook(true));
                pk.onShutdown(() -> Versions.save(pk, "from-hook", 5, 2));
                System.exit(0);
            }
            case "names" ->
            {
                try (Pkram pk = Pkram.boot(PkramOptions.of(file).shutdownHook(false)))
                {
                    System.out.println(pk.nodeNames());
                }
            }
            case "env" ->
            {
                final Pkram pk = Pkram.fromEnvironment();
                System.out.println("messages " + pk.bootMessages());
                System.out.println("names " + pk.nodeNames());
                Versions.save(pk, "run-" + pk.nodeNames().size(), 1, 1);
                System.exit(0);
            }
            default -> throw new IllegalArgumentException("unknown mode: " + mode);
        }
    }

    /**
     * Replace node {@code name} with a version that shares every page but the first, whose copy holds
     * {@code version}.
     */
    static void replaceFirstPage(final Pkram pk, final String name, final long version)
    {
        try (NodeLoad live = pk.openLive(name); NodeSave next = pk.prepareReplace(name))
        {
            try (ObjSave out = next.prepareSaveObj(DataKind.FOLIOS))
            {
                // A service's checkpoint: every folio shared but the changed one, carried a link at a time.
                out.shareFrom(live.prepareLoadObj(), index ->
                {
                    if (index != 0)
                    {
                        return null;
                    }
                    final Folio copy = pk.allocFolio(0);
                    Versions.stamp(copy, version, 0);
                    return copy;
                });
            }
            next.finish();
        }
    }
}
