package org.pkram;

import org.pkram.boot.BootParams;
import org.pkram.boot.PfnFile;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * A process of the restart tests: {@code save FILE NODES MIB} builds checksummed nodes and reboots;
 * {@code load FILE NAME...} boots from the pfn file, loads the named nodes and verifies them, and
 * reboots; {@code ls FILE} prints the committed node names; {@code halt FILE NODE} saves a node and
 * dies without a reboot (kill -9's effect on the file).
 */
public final class RestartWorkload
{
    private RestartWorkload()
    {
    }

    public static void main(final String[] args)
    {
        final Path file = Path.of(args[0 + 1]);
        final OptionalLong pfn = PfnFile.read(PfnFile.of(file));
        final Mode mode = Mode.valueOf(System.getProperty("pkram.test.mode", "CRASH_SAFE"));
        final PkramOptions options = PkramOptions.of(file).superBlockPfn(pfn.orElse(0)).mode(mode)
            .shutdownHook(false);
        switch (args[0])
        {
            case "save" -> save(options, Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            case "load" -> load(options, List.of(args).subList(2, args.length));
            case "ls" ->
            {
                try (Pkram pk = Pkram.boot(options))
                {
                    System.out.println(String.join(",", pk.nodeNames().stream().sorted().toList()));
                }
            }
            case "halt" ->
            {
                final Pkram pk = Pkram.boot(options);
                NodeContent.save(pk, args[2], 99, 2);
                System.out.flush();
                Runtime.getRuntime().halt(0);
            }
            default -> throw new IllegalArgumentException(args[0] + " " + BootParams.PROPERTY);
        }
    }

    private static void save(final PkramOptions options, final int nodes, final int mib)
    {
        try (Pkram pk = Pkram.boot(options))
        {
            for (int n = 0; n < nodes; n++)
            {
                NodeContent.save(pk, "node" + n, n, mib / nodes);
            }
        }
        System.out.println("saved");
    }

    private static void load(final PkramOptions options, final List<String> names)
    {
        try (Pkram pk = Pkram.boot(options))
        {
            for (final String name : names)
            {
                final String problem = NodeContent.loadAndVerify(pk, name, Integer.parseInt(name.replaceAll("\\D", "")));
                if (problem != null)
                {
                    System.out.println("BAD " + problem);
                    System.exit(3);
                }
            }
        }
        System.out.println("verified " + names.size());
    }
}
