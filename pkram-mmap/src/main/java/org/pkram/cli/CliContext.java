package org.pkram.cli;

import org.pkram.Pkram;
import org.pkram.PkramOptions;
import org.pkram.ServiceEnvironment;
import org.pkram.boot.BootParams;
import org.pkram.error.InvalidArgumentException;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;

/**
 * What every command gets: the memory file, the {@code --pkram} boot parameter, the output streams.
 *
 * @param memoryFile  the memory file ("physical RAM").
 * @param explicitPfn the {@code --pkram} value as given, or null.
 * @param verbose     print more, and stack traces on errors.
 * @param fresh       start empty over the image the memory file holds ({@code --fresh}).
 * @param dropInvalid drop an image that cannot be booted and start empty ({@code --drop-invalid}).
 * @param out         standard output.
 * @param err         standard error.
 */
record CliContext(Path memoryFile, String explicitPfn, boolean verbose, boolean fresh, boolean dropInvalid,
    PrintStream out, PrintStream err)
{
    /** The environment variable naming the memory file when {@code --mem} is not given. */
    static final String MEM_ENV = ServiceEnvironment.MEM_ENV;

    /** The memory file's name in the default directory. */
    static final String DEFAULT_NAME = ServiceEnvironment.DEFAULT_NAME;

    /**
     * The memory file: {@code --mem}, else {@code $PKRAM_MEM}, else {@code /dev/shm/pkram.mem}, else
     * {@code pkram.mem} in {@code java.io.tmpdir} on a machine without {@code /dev/shm}.
     *
     * @param option the {@code --mem} value, or null.
     * @param env    the environment.
     * @return the path.
     */
    static Path memoryFile(final String option, final Map<String, String> env)
    {
        final Path memory = ServiceEnvironment.memoryFile(option, env, new java.util.Properties());
        if (memory == null)
        {
            throw new InvalidArgumentException("no memfd of that name was passed to this process (systemd's " +
                "LISTEN_FDNAMES); a command attaches an existing memory: memory=" + (option != null ? option :
                env.get(MEM_ENV)));
        }
        return memory;
    }

    /**
     * @return {@code /dev/shm} when it exists (tmpfs: RAM that outlives a process), else the temp directory.
     */
    static Path ramDirectory()
    {
        return ServiceEnvironment.ramDirectory();
    }

    /**
     * The boot parameter: {@code --pkram}, {@code -Dpkram}, {@code $PKRAM}, then the pfn file.
     *
     * @return the super block pfn, or empty when there is none.
     */
    OptionalLong resolvePfn()
    {
        return BootParams.resolve(explicitPfn, memoryFile);
    }

    /**
     * Boot the memory file: resume the image it names, cross-checked against the resolved boot parameter
     * (empty on {@code --fresh}; an image that cannot be booted dropped on {@code --drop-invalid}), and say what
     * boot did on standard error under {@code --verbose}, and always when an image was dropped. The CLI reboots
     * explicitly (close), so no shutdown hook is installed.
     *
     * @return the booted instance; close it to reboot.
     */
    Pkram boot()
    {
        final long pfn = resolvePfn().orElse(0);
        final Pkram pk = Pkram.boot(PkramOptions.of(memoryFile).superBlockPfn(pfn).fresh(fresh)
            .dropInvalid(dropInvalid).shutdownHook(false));
        for (final String message : pk.bootMessages())
        {
            // What boot did is said when asked, and always when it dropped an image.
            if (verbose || message.startsWith("dropped") || message.contains("(fresh)"))
            {
                err.println("pkram: " + message);
            }
        }
        return pk;
    }

    /**
     * @return true when standard output is a terminal, so progress may be shown.
     */
    static boolean onTerminal()
    {
        final java.io.Console console = System.console();
        return console != null && console.isTerminal();
    }
}
