package org.pkram.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The training run of the launcher's JDK AOT cache for the command line ({@code ./pkram} starts it in the
 * background after a build, with {@code -XX:AOTCacheOutput}): the usual commands once each, in one JVM, on a
 * scratch memory file of their own in a directory the launcher made, their output discarded. The cache then holds
 * the classes they load, linked, and the next commands start from it. {@code exec} and {@code demo}, which start
 * other processes, are left out.
 */
final class CliTraining
{
    private CliTraining()
    {
    }

    /**
     * @param args the scratch directory, empty, this user's.
     * @throws IOException when the scratch files cannot be written.
     */
    public static void main(final String[] args) throws IOException
    {
        PkramCli.prepareRuntime();
        final Path dir = Path.of(args[0]);
        final String mem = dir.resolve("training.mem").toString();
        final Path small = Files.writeString(dir.resolve("small.txt"), "pkram\n");
        final byte[] bytes = new byte[100_000];
        for (int i = 0; i < bytes.length; i++)
        {
            bytes[i] = (byte)(i * 31);
        }
        final Path large = Files.write(dir.resolve("large.bin"), bytes);
        final Map<String, String> env = new HashMap<>(System.getenv());
        env.remove(CliContext.MEM_ENV);
        env.remove("PKRAM");
        final PrintStream discard = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        final List<List<String>> commands = List.of(
            List.of("format", "--size", "16M"),
            List.of("save", "n0", small.toString(), large.toString()),
            List.of("ls"),
            List.of("inspect"),
            List.of("fsck"),
            List.of("pfn"),
            List.of("load", "n0", "--into", dir.resolve("restored").toString()),
            List.of("save", "n1", small.toString()),
            List.of("truncate"),
            List.of("--help"));
        for (final List<String> command : commands)
        {
            final String[] argv = new String[command.size() + 2];
            argv[0] = "--mem";
            argv[1] = mem;
            for (int i = 0; i < command.size(); i++)
            {
                argv[i + 2] = command.get(i);
            }
            new PkramCli(discard, discard, env).run(argv);
        }
    }
}
