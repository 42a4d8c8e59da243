package org.pkram.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * What {@code pkram exec} reads of a {@code java} command line: where the JVM's options end and the application's
 * arguments begin, and the class path the JVM will load classes from (for the AOT cache's key and its one hard
 * limit, no class directories). The rules are those of JDK 25's launcher ({@code java.c}, {@code args.c}) for the
 * forms services use; anything this class cannot follow is reported, never guessed.
 */
final class JavaCommandLine
{
    /**
     * The {@code java} launcher's options that take their value as the next argument (JDK 25's
     * {@code java.c}: class path, module and launcher options); every other option is one argument.
     */
    static final Set<String> OPTIONS_WITH_VALUE = Set.of(
        "-cp", "-classpath", "--class-path", "-p", "--module-path", "--upgrade-module-path", "--add-modules",
        "--enable-native-access", "--limit-modules", "--add-exports", "--add-opens", "--add-reads",
        "--patch-module", "--describe-module", "-d", "--source");

    /** The launcher options after which comes what the JVM runs, then the application's arguments. */
    static final Set<String> MAIN_OPTIONS = Set.of("-jar", "-m", "--module");

    private static final Set<String> CLASS_PATH_OPTIONS = Set.of("-cp", "-classpath", "--class-path");
    private static final Set<String> MODULE_OPTIONS = Set.of("-p", "--module-path", "--upgrade-module-path", "-m",
        "--module");
    private static final String CLASS_PATH_ENV = "CLASSPATH";
    private static final String WILDCARD = "*";

    private JavaCommandLine()
    {
    }

    /**
     * @param cmd the command's first word.
     * @return true when it names a {@code java} executable (its file name is {@code java}).
     */
    static boolean isJava(final String cmd)
    {
        final Path name = Path.of(cmd).getFileName();
        return name != null && name.toString().equals("java");
    }

    /**
     * Where the JVM's options end in a java command line: after the main class (or source file), after
     * {@code -jar FILE}, {@code -m MODULE[/CLASS]} or {@code --module=MODULE[/CLASS]}. An {@code @argfile} is
     * taken as options; when it names the main class itself, everything after it is taken as options too.
     *
     * @param command {@code java} and its arguments.
     * @return the index in {@code command} of the application's first argument; its size when there is none.
     */
    static int applicationArgs(final List<String> command)
    {
        int i = 1;
        while (i < command.size())
        {
            final String arg = command.get(i);
            if (MAIN_OPTIONS.contains(arg))
            {
                return Math.min(i + 2, command.size());
            }
            if (arg.startsWith("--module="))
            {
                return i + 1;
            }
            if (OPTIONS_WITH_VALUE.contains(arg))
            {
                i += 2;
            }
            else if (arg.startsWith("-") || arg.startsWith("@"))
            {
                i++;
            }
            else
            {
                return i + 1;
            }
        }
        return command.size();
    }

    /**
     * The JVM's part of a java command line with every {@code @argfile} replaced by the arguments in it, as the
     * launcher reads it: arguments separated by white space, single or double quotes around one with blanks, a
     * line starting with {@code #} a comment; {@code @@} at the start escapes an {@code @}.
     *
     * @param command {@code java} and its arguments.
     * @return the JVM's options and what it runs (main class, {@code -jar FILE}...), without {@code java}.
     * @throws IOException when an argfile cannot be read.
     */
    static List<String> jvmPart(final List<String> command) throws IOException
    {
        final List<String> expanded = new ArrayList<>();
        final int end = applicationArgs(command);
        for (int i = 1; i < end; i++)
        {
            final String arg = command.get(i);
            if (arg.startsWith("@@"))
            {
                expanded.add(arg.substring(1));
            }
            else if (arg.startsWith("@") && arg.length() > 1)
            {
                expanded.addAll(argfile(Files.readString(Path.of(arg.substring(1)), StandardCharsets.UTF_8)));
            }
            else
            {
                expanded.add(arg);
            }
        }
        return expanded;
    }

    /**
     * @param text an argfile's content.
     * @return its arguments.
     */
    static List<String> argfile(final String text)
    {
        final List<String> args = new ArrayList<>();
        final StringBuilder arg = new StringBuilder();
        boolean inArg = false;
        char quote = 0;
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (quote != 0)
            {
                if (c == quote)
                {
                    quote = 0;
                }
                else
                {
                    arg.append(c);
                }
            }
            else if (c == '"' || c == '\'')
            {
                quote = c;
                inArg = true;
            }
            else if (Character.isWhitespace(c))
            {
                if (inArg)
                {
                    args.add(arg.toString());
                    arg.setLength(0);
                    inArg = false;
                }
            }
            else if (c == '#' && !inArg)
            {
                while (i + 1 < text.length() && text.charAt(i + 1) != '\n')
                {
                    i++;
                }
            }
            else
            {
                arg.append(c);
                inArg = true;
            }
        }
        if (inArg)
        {
            args.add(arg.toString());
        }
        return args;
    }

    /**
     * @param jvmPart the JVM's part of the command line ({@link #jvmPart}).
     * @return the first option that puts modules in play (a module path, a main module), or null for a class path
     *         application.
     */
    static String moduleOption(final List<String> jvmPart)
    {
        for (final String arg : jvmPart)
        {
            final int eq = arg.indexOf('=');
            if (MODULE_OPTIONS.contains(eq < 0 ? arg : arg.substring(0, eq)))
            {
                return arg;
            }
        }
        return null;
    }

    /**
     * The class path the JVM will have, as the launcher builds it: {@code -jar FILE} (and the jars its manifest's
     * {@code Class-Path} names), else the last {@code -cp} / {@code -classpath} / {@code --class-path}, else
     * {@code $CLASSPATH}, else the current directory; {@code DIR/*} is every jar in DIR; an empty entry is the
     * current directory. Relative entries are resolved against {@code cwd}, where the child runs.
     *
     * @param jvmPart the JVM's part of the command line ({@link #jvmPart}).
     * @param env     the child's environment.
     * @param cwd     the child's working directory.
     * @return the entries, absolute, in order.
     * @throws IOException when a wildcard's directory or the jar's manifest cannot be read.
     */
    static List<Path> classPath(final List<String> jvmPart, final Map<String, String> env, final Path cwd)
        throws IOException
    {
        String classPath = null;
        for (int i = 0; i < jvmPart.size(); i++)
        {
            final String arg = jvmPart.get(i);
            if (arg.equals("-jar") && i + 1 < jvmPart.size())
            {
                final Path jar = cwd.resolve(jvmPart.get(i + 1)).normalize();
                final List<Path> entries = new ArrayList<>(List.of(jar));
                entries.addAll(manifestClassPath(jar));
                return entries;
            }
            if (CLASS_PATH_OPTIONS.contains(arg) && i + 1 < jvmPart.size())
            {
                classPath = jvmPart.get(++i);
            }
            else if (arg.startsWith("--class-path="))
            {
                classPath = arg.substring("--class-path=".length());
            }
        }
        if (classPath == null)
        {
            classPath = env.getOrDefault(CLASS_PATH_ENV, ".");
        }
        final List<Path> entries = new ArrayList<>();
        for (final String entry : classPath.split(":", -1))
        {
            final Path path = cwd.resolve(entry.isEmpty() ? "." : entry).normalize();
            if (entry.equals(WILDCARD) || entry.endsWith("/" + WILDCARD))
            {
                entries.addAll(jarsIn(path.getParent() == null ? cwd : path.getParent()));
            }
            else
            {
                entries.add(path);
            }
        }
        return entries;
    }

    /**
     * @param entries class path entries.
     * @return the first that is a directory holding anything, or null: the JDK's AOT cache takes classes from jar
     *         files only, and a training run with such a directory fails its dump (JDK 25 exits with status 1 when
     *         the whole class path is one).
     * @throws IOException when a directory cannot be listed.
     */
    static Path nonEmptyDirectory(final List<Path> entries) throws IOException
    {
        for (final Path entry : entries)
        {
            if (Files.isDirectory(entry))
            {
                try (DirectoryStream<Path> children = Files.newDirectoryStream(entry))
                {
                    if (children.iterator().hasNext())
                    {
                        return entry;
                    }
                }
            }
        }
        return null;
    }

    /**
     * The jars of a wildcard entry, sorted: the launcher's order is the directory's, which no one can rely on.
     */
    private static List<Path> jarsIn(final Path dir) throws IOException
    {
        final List<Path> jars = new ArrayList<>();
        if (!Files.isDirectory(dir))
        {
            return jars;
        }
        try (DirectoryStream<Path> children = Files.newDirectoryStream(dir))
        {
            for (final Path child : children)
            {
                final String name = child.getFileName().toString();
                if (name.endsWith(".jar") || name.endsWith(".JAR"))
                {
                    jars.add(child);
                }
            }
        }
        jars.sort(null);
        return jars;
    }

    /**
     * The entries of a jar's {@code Class-Path} manifest attribute, relative to the jar's directory.
     */
    private static List<Path> manifestClassPath(final Path jar) throws IOException
    {
        final List<Path> entries = new ArrayList<>();
        if (!Files.isRegularFile(jar))
        {
            return entries;
        }
        try (JarFile file = new JarFile(jar.toFile()))
        {
            final Manifest manifest = file.getManifest();
            final String value = manifest == null ? null :
                manifest.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
            if (value != null)
            {
                for (final String entry : value.trim().split("\\s+"))
                {
                    if (!entry.isEmpty())
                    {
                        entries.add(jar.resolveSibling(entry).normalize());
                    }
                }
            }
        }
        return entries;
    }
}
