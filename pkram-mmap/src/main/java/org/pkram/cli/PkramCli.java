package org.pkram.cli;

import org.pkram.error.Errno;
import org.pkram.error.PkramException;
import org.pkram.mem.JvmFlags;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code pkram} command line: {@code pkram [--mem PATH] [--pkram HEXPFN] [--verbose] COMMAND ...}.
 * <p>
 * Exit status 0 on success; 1 when the operation failed, with one line
 * {@code pkram: COMMAND: ERRNO: message} on standard error (a stack trace too with {@code --verbose});
 * 2 on a usage error. {@code --help} works everywhere. The global options may also follow the command.
 */
public final class PkramCli
{
    static final int EXIT_OK = 0;
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;

    static final Set<String> GLOBAL_VALUE_OPTIONS = Set.of("--mem", "--pkram");
    static final Set<String> GLOBAL_FLAGS = Set.of("--verbose", "--help", "--fresh", "--drop-invalid");

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;
    private final Map<String, Command> commands = new LinkedHashMap<>();

    PkramCli(final PrintStream out, final PrintStream err, final Map<String, String> env)
    {
        this.out = out;
        this.err = err;
        this.env = env;
        for (final Command command : List.of(
            new FormatCommand(), new SaveCommand(), new LoadCommand(), new LsCommand(), new PfnCommand(),
            new TruncateCommand(), new InspectCommand(), new FsckCommand(), new ExecCommand(), new DemoCommand()))
        {
            commands.put(command.name(), command);
        }
    }

    /**
     * Run one command and exit with its status.
     *
     * @param argv the command line.
     */
    public static void main(final String[] argv)
    {
        prepareRuntime();
        final int status = new PkramCli(System.out, System.err, System.getenv()).run(argv);
        System.out.flush();
        System.err.flush();
        System.exit(status);
    }

    /**
     * Settle two Chronicle start-up behaviours before any Chronicle class loads: its dependencies log
     * through SLF4J, which warns on standard error when no logger is bound (the CLI's standard error is for
     * its own one-line messages); and Chronicle Core binds POSIX calls through JNR when it initialises, some
     * 300 ms of start-up that pkram never uses (it makes its own native calls through FFM).
     */
    static void prepareRuntime()
    {
        if (System.getProperty("slf4j.internal.verbosity") == null)
        {
            System.setProperty("slf4j.internal.verbosity", "ERROR");
        }
        try
        {
            net.openhft.posix.internal.PosixAPIHolder.useNoOpPosixApi();
        }
        catch (final LinkageError ignored)
        {
            // Another Chronicle version: it binds them as it always has, only slower to start.
        }
    }

    int run(final String[] argv)
    {
        final List<String> tokens = Arrays.asList(argv);
        final GlobalOptions global;
        try
        {
            global = GlobalOptions.parse(tokens);
        }
        catch (final UsageException ex)
        {
            return usageError(null, ex.getMessage());
        }
        final int i = global.commandIndex();
        if (i == tokens.size())
        {
            if (global.help())
            {
                out.print(usage());
                return EXIT_OK;
            }
            return usageError(null, "missing COMMAND");
        }
        final String name = tokens.get(i);
        final List<String> rest = tokens.subList(i + 1, tokens.size());
        if (name.equals("help"))
        {
            return help(rest);
        }
        final Command command = commands.get(name);
        if (command == null)
        {
            return usageError(null, "unknown command: " + name);
        }
        final Args args;
        try
        {
            args = Args.parse(rest, union(command.valueOptions(), GLOBAL_VALUE_OPTIONS),
                union(command.flagOptions(), GLOBAL_FLAGS), command.operandsEndOptions());
        }
        catch (final UsageException ex)
        {
            return usageError(command, ex.getMessage());
        }
        if (global.help() || args.flag("--help"))
        {
            out.print(usage(command));
            return EXIT_OK;
        }
        final Path memory;
        try
        {
            memory = CliContext.memoryFile(args.value("--mem") != null ? args.value("--mem") : global.mem(), env);
        }
        catch (final RuntimeException ex)
        {
            err.println("pkram: " + command.name() + ": " + oneLine(describe(ex)));
            return EXIT_FAILED;
        }
        final CliContext context = new CliContext(
            memory,
            args.value("--pkram") != null ? args.value("--pkram") : global.pfn(),
            global.verbose() || args.flag("--verbose"),
            global.fresh() || args.flag("--fresh"),
            global.dropInvalid() || args.flag("--drop-invalid"),
            out,
            err);
        return execute(command, context, args);
    }

    /**
     * Run a parsed command: a usage error exits 2 with the usage line, any other failure exits 1 with a one-line
     * message (and the stack trace under {@code --verbose}).
     */
    private int execute(final Command command, final CliContext context, final Args args)
    {
        try
        {
            return command.run(context, args);
        }
        catch (final UsageException ex)
        {
            return usageError(command, ex.getMessage());
        }
        catch (final Exception | Error ex)
        {
            err.println("pkram: " + command.name() + ": " + oneLine(describe(ex)));
            if (context.verbose())
            {
                ex.printStackTrace(err);
            }
            return EXIT_FAILED;
        }
    }

    private int help(final List<String> rest)
    {
        if (rest.isEmpty())
        {
            out.print(usage());
            return EXIT_OK;
        }
        final Command command = commands.get(rest.get(0));
        if (command == null)
        {
            return usageError(null, "unknown command: " + rest.get(0));
        }
        out.print(usage(command));
        return EXIT_OK;
    }

    private int usageError(final Command command, final String message)
    {
        if (command == null)
        {
            err.println("pkram: " + message);
            err.println("usage: pkram [--mem PATH] [--pkram HEXPFN] [--verbose] COMMAND ... (try: pkram --help)");
        }
        else
        {
            err.println("pkram: " + command.name() + ": " + message);
            err.println("usage: pkram " + command.synopsis() + " (try: pkram " + command.name() + " --help)");
        }
        return EXIT_USAGE;
    }

    String usage()
    {
        final StringBuilder text = new StringBuilder();
        text.append("usage: pkram [--mem PATH] [--pkram HEXPFN] [--fresh] [--drop-invalid] [--verbose] COMMAND ...\n\n")
            .append("Preserved-over-kexec RAM for processes: named nodes of files and state kept in a memory file\n")
            .append("across process restarts.\n\ncommands:\n");
        for (final Command command : commands.values())
        {
            text.append(String.format("  %-40s %s%n", command.synopsis(), command.summary()));
        }
        text.append("\nglobal options:\n")
            .append("  --mem PATH      the memory file, or fd:N / fd:NAME for a descriptor (default: $PKRAM_MEM,\n")
            .append("                  else a descriptor systemd passed as pkram, else /dev/shm/pkram.mem)\n")
            .append("  --pkram HEXPFN  expect this super block: a cross-check of the image the memory file\n")
            .append("                  names (default: -Dpkram, $PKRAM, then PATH.pfn); another is refused as stale\n")
            .append("  --fresh         start empty, dropping the image the memory file holds (never the default)\n")
            .append("  --drop-invalid  drop an image that cannot be booted and start empty, instead of failing\n")
            .append("  --verbose, -v   say more; stack traces on errors\n")
            .append("  --help, -h      this text; 'pkram COMMAND --help' for one command\n")
            .append("\nexit status: 0 ok, 1 operation failed (pkram: COMMAND: ERRNO: message), 2 usage error\n");
        return text.toString();
    }

    static String usage(final Command command)
    {
        return "usage: pkram " + command.synopsis() + "\n\n" + command.help() +
            (command.help().endsWith("\n") ? "" : "\n");
    }

    private static Set<String> union(final Set<String> a, final Set<String> b)
    {
        final Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return all;
    }

    /**
     * @param ex a failure.
     * @return {@code ERRNO: message}: a pkram error as it is, a file system error with its errno.
     */
    static String describe(final Throwable ex)
    {
        if (ex instanceof PkramException pkram)
        {
            return pkram.getMessage();
        }
        if (ex instanceof UncheckedIOException unchecked && unchecked.getCause() != null)
        {
            return describe(unchecked.getCause());
        }
        if (ex instanceof FileSystemException fs)
        {
            final String path = fs.getFile() + (fs.getOtherFile() != null ? ", other=" + fs.getOtherFile() : "");
            final String reason = fs.getReason() != null ? ", reason=" + fs.getReason() : "";
            return switch (fs)
            {
                case NoSuchFileException ignored -> Errno.ENOENT.name() + ": no such file or directory: path=" + path;
                case AccessDeniedException ignored -> Errno.EACCES.name() + ": permission denied: path=" + path;
                case FileAlreadyExistsException ignored -> Errno.EEXIST.name() + ": file exists: path=" + path;
                case NotDirectoryException ignored -> "ENOTDIR: not a directory: path=" + path;
                case DirectoryNotEmptyException ignored -> "ENOTEMPTY: directory not empty: path=" + path;
                default -> Errno.EIO.name() + ": " + "file system error: path=" + path + reason;
            };
        }
        if (ex instanceof IOException)
        {
            return Errno.EIO.name() + ": " + ex.getMessage();
        }
        if (ex instanceof IllegalStateException && !JvmFlags.missing().isEmpty())
        {
            return Errno.EINVAL.name() + ": " + ex.getMessage() + " (the ./pkram launcher adds them)";
        }
        if (ex instanceof IllegalArgumentException)
        {
            return Errno.EINVAL.name() + ": " + ex.getMessage();
        }
        return "internal error: " + ex + " (run with --verbose for the stack trace)";
    }

    private static String oneLine(final String text)
    {
        return text == null ? "" : text.replace('\n', ' ').replace('\r', ' ');
    }

    /**
     * The global options given before the command.
     *
     * @param mem          {@code --mem}, or null.
     * @param pfn          {@code --pkram}, or null.
     * @param verbose      {@code --verbose} was given.
     * @param help         {@code --help} was given.
     * @param commandIndex the index of the first token that is not an option: the command, or the token count
     *                     when there is none.
     */
    private record GlobalOptions(String mem, String pfn, boolean verbose, boolean help, boolean fresh,
        boolean dropInvalid, int commandIndex)
    {
        /**
         * Read the options before the command: {@code --mem} and {@code --pkram} take a value (as
         * {@code --mem=FILE} or {@code --mem FILE}), {@code --verbose} and {@code --help} take none.
         *
         * @param tokens the whole command line.
         * @return the options, and where the command starts.
         * @throws UsageException on an unknown option, or a value option with no value.
         */
        static GlobalOptions parse(final List<String> tokens) throws UsageException
        {
            String mem = null;
            String pfn = null;
            boolean verbose = false;
            boolean help = false;
            boolean fresh = false;
            boolean dropInvalid = false;
            int i = 0;
            for (; i < tokens.size() && Args.isOption(tokens.get(i)); i++)
            {
                final String token = tokens.get(i);
                final int eq = token.indexOf('=');
                final String name = Args.canonical(eq < 0 ? token : token.substring(0, eq));
                if (GLOBAL_VALUE_OPTIONS.contains(name))
                {
                    final String value;
                    if (eq >= 0)
                    {
                        value = token.substring(eq + 1);
                    }
                    else if (i + 1 < tokens.size())
                    {
                        value = tokens.get(++i);
                    }
                    else
                    {
                        throw new UsageException("option " + name + " needs a value");
                    }
                    if (name.equals("--mem"))
                    {
                        mem = value;
                    }
                    else
                    {
                        pfn = value;
                    }
                }
                else if (name.equals("--verbose") && eq < 0)
                {
                    verbose = true;
                }
                else if (name.equals("--help") && eq < 0)
                {
                    help = true;
                }
                else if (name.equals("--fresh") && eq < 0)
                {
                    fresh = true;
                }
                else if (name.equals("--drop-invalid") && eq < 0)
                {
                    dropInvalid = true;
                }
                else
                {
                    throw new UsageException("unknown option: " + token);
                }
            }
            return new GlobalOptions(mem, pfn, verbose, help, fresh, dropInvalid, i);
        }
    }
}
