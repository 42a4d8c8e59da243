package org.pkram.cli;

import org.pkram.error.Errno;
import org.pkram.error.PkramException;
import org.pkram.error.PkramIOException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code pkram exec --aot-cache FILE}: a JDK AOT cache (JEP 483) for a {@code java} CMD. The first run trains it
 * (JEP 514's {@code -XX:AOTCacheOutput}: the JVM writes the cache when CMD exits), and every later run, restarts
 * included, starts from it ({@code -XX:AOTCache=FILE -XX:AOTMode=auto}).
 * <p>
 * The files, all beside FILE:
 * <ul>
 * <li>FILE, the cache. A training run writes {@code FILE.<exec pid>.tmp}, and exec renames it over FILE only once
 * the JVM has finished it (see {@link Run#finish}), so FILE is never half written, whatever kills what when.</li>
 * <li>{@code FILE.key}, what FILE was made from ({@link AotCacheKey}). A run whose key differs (a rebuilt jar,
 * another JDK, other JVM options) trains a new cache instead of running old classes, which JDK 25 would do
 * silently. It is also the lock: a run holds it shared while its CMD runs, and a cache is published under it
 * exclusively, without waiting; a run of another command line using FILE at that moment keeps it (the new cache is
 * dropped, and a later run trains again). A FILE without a key file was made by someone else (the build): it is
 * used as it is and never replaced, and keeping it matched to the jars is its maker's job.</li>
 * </ul>
 * Everything the JVM says about the cache goes to standard error ({@code -Xlog:aot*} warnings and errors, and in a
 * training run the JVM's own lines, {@code -XX:+DisplayVMOutputToStderr}), so CMD's standard output stays its own.
 * Not thread safe: one {@code exec} runs one CMD at a time.
 */
final class AotCache
{
    /** Beside FILE: what it was made from, and the lock. */
    static final String KEY_SUFFIX = ".key";

    /** A training run's cache until exec publishes it: {@code FILE.<exec pid>.tmp}. */
    static final String TEMP_SUFFIX = ".tmp";

    /**
     * The JVM's temporary beside its {@code -XX:AOTCacheOutput}: created empty when the JVM starts, filled when CMD
     * exits, then read by the child JVM that writes the cache, and removed once that child has finished (JDK 25):
     * while it is there, the cache is not complete.
     */
    static final String CONFIG_SUFFIX = ".config";

    /** The first JDK with {@code -XX:AOTCacheOutput} (JEP 514). */
    static final int JDK_FEATURE_MIN = 25;

    /** JVM options that would fight the ones exec adds. */
    private static final List<String> OWN_OPTIONS = List.of("-XX:AOT", "-XX:SharedArchiveFile",
        "-XX:ArchiveClassesAtExit", "-Xshare");

    /** Exit statuses after which the JVM ran its exit path (and so finished the cache): SIGINT and SIGTERM. */
    private static final Set<Integer> ORDERLY_SIGNAL_EXITS = Set.of(128 + 2, 128 + 15);
    private static final int SIGNAL_EXITS = 128;

    private static final Set<PosixFilePermission> OWNER_RW =
        EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

    private final Path file;
    private final Path keyFile;
    private final List<String> command;
    private final Path java;
    private final Path cwd;
    private boolean saidForeign;
    private boolean trainingFailed;

    private AotCache(final Path file, final List<String> command, final Path java, final Path cwd)
    {
        this.file = file;
        this.keyFile = file.resolveSibling(file.getFileName() + KEY_SUFFIX);
        this.command = List.copyOf(command);
        this.java = java;
        this.cwd = cwd;
    }

    /**
     * Check that a cache can work for CMD at all, before the first run.
     *
     * @param file    FILE, as given.
     * @param command CMD and its ARGS.
     * @param env     CMD's environment.
     * @param cwd     CMD's working directory.
     * @return the cache.
     * @throws UsageException when CMD is not {@code java} or not JDK 25 or later, runs modules, sets AOT or CDS
     *                        options of its own, has a directory of classes on its class path, or FILE's directory
     *                        does not exist.
     */
    static AotCache of(final Path file, final List<String> command, final Map<String, String> env, final Path cwd)
        throws UsageException
    {
        if (!JavaCommandLine.isJava(command.get(0)))
        {
            throw new UsageException("--aot-cache needs a java CMD (its file name is java): cmd=" + command.get(0));
        }
        final Path absolute = cwd.resolve(file).normalize();
        if (absolute.getParent() == null || !Files.isDirectory(absolute.getParent()))
        {
            throw new UsageException("--aot-cache: no such directory: " + absolute.getParent());
        }
        if (Files.isDirectory(absolute, LinkOption.NOFOLLOW_LINKS))
        {
            throw new UsageException("--aot-cache names a directory: " + absolute);
        }
        final Path java = ExecCommand.findExecutable(command.get(0), env.get("PATH"), cwd);
        if (java == null)
        {
            throw new UsageException("--aot-cache: cannot find " + command.get(0));
        }
        // An older JVM refuses the options at start: CMD would not run at all.
        final int feature = featureVersion(java);
        if (feature < JDK_FEATURE_MIN)
        {
            throw new UsageException("--aot-cache needs JDK " + JDK_FEATURE_MIN + " or later; " + command.get(0) +
                " is " + java + (feature > 0 ? ", JDK " + feature : ", a JDK of unknown version (no release file)"));
        }
        final List<String> jvmPart = jvmPart(command);
        final String modules = JavaCommandLine.moduleOption(jvmPart);
        if (modules != null)
        {
            throw new UsageException("--aot-cache supports a class path (-cp, -jar), not modules: " + modules);
        }
        for (final String arg : jvmPart)
        {
            if (OWN_OPTIONS.stream().anyMatch(arg::startsWith))
            {
                throw new UsageException("--aot-cache sets the AOT options itself; remove " + arg + " from CMD");
            }
        }
        final Path directory = classDirectory(jvmPart, env, cwd);
        if (directory != null)
        {
            throw new UsageException("--aot-cache needs a class path of jar files; it has a directory of classes " +
                "(the JDK's AOT cache takes classes from jars only): " + directory);
        }
        return new AotCache(absolute, command, java, cwd);
    }

    /**
     * @return FILE, absolute.
     */
    Path file()
    {
        return file;
    }

    /**
     * Decide what the run about to start does: start from FILE, train a new one, or run without (a directory of
     * classes appeared on the class path, or a training run of this exec already failed to make one).
     * <p>
     * Errors: EACCES FILE or its key file is a symbolic link, not a regular file, another user's, or writable by
     * group or others (a cache is code the JVM runs); EIO they cannot be read.
     *
     * @param env CMD's environment.
     * @param err where exec's notes go.
     * @return the run's part; close it once CMD has exited.
     * @throws PkramException when FILE cannot be trusted or read.
     */
    Run prepare(final Map<String, String> env, final PrintStream err)
    {
        try
        {
            final List<String> jvmPart = JavaCommandLine.jvmPart(command);
            final List<Path> classPath = JavaCommandLine.classPath(jvmPart, env, cwd);
            final Path directory = JavaCommandLine.nonEmptyDirectory(classPath);
            if (directory != null)
            {
                err.println("pkram: exec: no AOT cache for this run: the class path has a directory of classes, " +
                    directory + " (the JDK's AOT cache takes classes from jars only)");
                return Run.NONE;
            }
            final String key = AotCacheKey.of(java, jvmPart, classPath, env);
            if (exists(file))
            {
                checkTrusted(file);
                if (!exists(keyFile))
                {
                    if (!saidForeign)
                    {
                        saidForeign = true;
                        err.println("pkram: exec: starting from the AOT cache " + file + " as it is: exec did not " +
                            "make it (no " + keyFile.getFileName() + "), so it is not checked against the class path " +
                            "and never replaced");
                    }
                    return new Run(this, useOptions(), null, null, null);
                }
                final Run use = useIfMatching(key);
                if (use != null)
                {
                    return use;
                }
            }
            if (trainingFailed)
            {
                return Run.NONE;
            }
            return train(key, err);
        }
        catch (final IOException ex)
        {
            throw new PkramIOException("cannot prepare the AOT cache: path=" + file + ", cause=" + ex, ex);
        }
    }

    /**
     * @return a run starting from FILE with the key file's shared lock held, or null (the lock released) when
     *         FILE was made from something else.
     */
    private Run useIfMatching(final String key) throws IOException
    {
        final FileChannel channel = FileChannel.open(keyFile, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        try
        {
            checkTrusted(keyFile);
            // Blocks only while another exec publishes (a rename and a few bytes).
            final FileLock lock = channel.lock(0, Long.MAX_VALUE, true);
            if (key.equals(read(channel)) && exists(file))
            {
                return new Run(this, useOptions(), channel, null, null);
            }
            lock.release();
        }
        catch (final IOException | RuntimeException | Error ex)
        {
            closeAfter(channel, ex);
            throw ex;
        }
        channel.close();
        return null;
    }

    private Run train(final String key, final PrintStream err) throws IOException
    {
        removeStaleTemporaries();
        final Path temp = file.resolveSibling(file.getFileName() + "." + ProcessHandle.current().pid() + TEMP_SUFFIX);
        Files.deleteIfExists(temp);
        Files.deleteIfExists(config(temp));
        err.println("pkram: exec: training the AOT cache " + file + " in this run" + (exists(file) ?
            " (the one there was made from another class path, JDK or JVM options)" : "") + ": the JVM writes it " +
            "when CMD exits, which takes a few seconds more once");
        return new Run(this, List.of("-XX:AOTCacheOutput=" + temp, "-XX:+DisplayVMOutputToStderr", "-Xlog:aot*=off",
            "-Xlog:aot*=warning:stderr"), null, temp, key);
    }

    private List<String> useOptions()
    {
        return List.of("-XX:AOTCache=" + file, "-XX:AOTMode=auto", "-Xlog:aot*=off", "-Xlog:aot*=warning:stderr");
    }

    /**
     * Publish a finished training run's cache: FILE replaced by a rename, then its key written, both under the
     * key file's exclusive lock. A crash between the two leaves a key that matches nothing (it is emptied first),
     * so the next run trains again rather than trusting the wrong cache.
     */
    private void publish(final Path temp, final String key, final PrintStream err) throws IOException
    {
        try (FileChannel channel = FileChannel.open(keyFile, Set.of(StandardOpenOption.READ,
            StandardOpenOption.WRITE, StandardOpenOption.CREATE, LinkOption.NOFOLLOW_LINKS),
            PosixFilePermissions.asFileAttribute(OWNER_RW)))
        {
            checkTrusted(keyFile);
            final FileLock lock = channel.tryLock();
            if (lock == null)
            {
                Files.deleteIfExists(temp);
                if (!key.equals(read(channel)))
                {
                    err.println("pkram: exec: the new AOT cache was dropped: another run of a different command " +
                        "line is using " + file + " (give each service its own --aot-cache)");
                }
                return;
            }
            channel.truncate(0);
            try
            {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            catch (final AtomicMoveNotSupportedException ex)
            {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            final ByteBuffer bytes = ByteBuffer.wrap(key.getBytes(StandardCharsets.UTF_8));
            long position = 0;
            while (bytes.hasRemaining())
            {
                position += channel.write(bytes, position);
            }
            err.println("pkram: exec: made the AOT cache " + file + " (" + Sizes.mib(Files.size(file)) +
                "): the next runs start from it");
        }
    }

    /**
     * Remove what training runs of exec processes that are gone left beside FILE: a cache never published, or the
     * JVM's temporary of a run killed while it wrote the cache.
     */
    private void removeStaleTemporaries() throws IOException
    {
        final String prefix = file.getFileName() + ".";
        try (DirectoryStream<Path> siblings = Files.newDirectoryStream(file.getParent(), prefix + "*" + TEMP_SUFFIX +
            "*"))
        {
            for (final Path sibling : siblings)
            {
                final String name = sibling.getFileName().toString();
                final String rest = name.substring(prefix.length());
                final int end = rest.indexOf(TEMP_SUFFIX);
                final String pid = end > 0 ? rest.substring(0, end) : "";
                final String tail = end > 0 ? rest.substring(end) : "";
                if (!pid.isEmpty() && pid.chars().allMatch(Character::isDigit) &&
                    (tail.equals(TEMP_SUFFIX) || tail.equals(TEMP_SUFFIX + CONFIG_SUFFIX)) &&
                    ProcessHandle.of(Long.parseLong(pid)).isEmpty())
                {
                    Files.deleteIfExists(sibling);
                }
            }
        }
    }

    /**
     * @return the feature version of the JDK {@code java} belongs to, from its {@code release} file
     *         ({@code JAVA_VERSION="25.0.3"}), or 0 when it cannot be read.
     */
    static int featureVersion(final Path java)
    {
        try
        {
            final Path home = java.toRealPath().getParent().getParent();
            for (final String line : Files.readAllLines(home.resolve("release"), StandardCharsets.UTF_8))
            {
                if (line.startsWith("JAVA_VERSION=\""))
                {
                    final String quoted = line.substring("JAVA_VERSION=\"".length()).replace("\"", "");
                    final String version = quoted.startsWith("1.") ? quoted.substring(2) : quoted;
                    int end = 0;
                    while (end < version.length() && Character.isDigit(version.charAt(end)))
                    {
                        end++;
                    }
                    return end == 0 ? 0 : Integer.parseInt(version.substring(0, end));
                }
            }
            return 0;
        }
        catch (final IOException | RuntimeException ex)
        {
            return 0;
        }
    }

    private static List<String> jvmPart(final List<String> command) throws UsageException
    {
        try
        {
            return JavaCommandLine.jvmPart(command);
        }
        catch (final IOException ex)
        {
            throw new UsageException("--aot-cache: cannot read an argfile of CMD: " + ex.getMessage());
        }
    }

    private static Path classDirectory(final List<String> jvmPart, final Map<String, String> env, final Path cwd)
        throws UsageException
    {
        try
        {
            return JavaCommandLine.nonEmptyDirectory(JavaCommandLine.classPath(jvmPart, env, cwd));
        }
        catch (final IOException ex)
        {
            throw new UsageException("--aot-cache: cannot read CMD's class path: " + ex.getMessage());
        }
    }

    private static Path config(final Path temp)
    {
        return temp.resolveSibling(temp.getFileName() + CONFIG_SUFFIX);
    }

    private static boolean exists(final Path path)
    {
        return Files.exists(path, LinkOption.NOFOLLOW_LINKS);
    }

    private static String read(final FileChannel channel) throws IOException
    {
        final long size = channel.size();
        if (size > Integer.MAX_VALUE / 2)
        {
            return "";
        }
        final ByteBuffer bytes = ByteBuffer.allocate((int)size);
        long position = 0;
        while (bytes.hasRemaining())
        {
            final int read = channel.read(bytes, position);
            if (read < 0)
            {
                break;
            }
            position += read;
        }
        return new String(bytes.array(), 0, bytes.position(), StandardCharsets.UTF_8);
    }

    /**
     * A cache is code the JVM runs: only a regular file of this user's that no one else can write is used.
     */
    private static void checkTrusted(final Path path) throws IOException
    {
        final PosixFileAttributes attributes;
        final int uid;
        try
        {
            attributes = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            uid = (Integer)Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        }
        catch (final NoSuchFileException ex)
        {
            return;
        }
        final int self = (Integer)Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        final Set<PosixFilePermission> permissions = attributes.permissions();
        if (!attributes.isRegularFile() || uid != self || permissions.contains(PosixFilePermission.GROUP_WRITE) ||
            permissions.contains(PosixFilePermission.OTHERS_WRITE))
        {
            throw new PkramException(Errno.EACCES, "AOT cache file is not one this user can trust (a regular file " +
                "of this user's, not writable by group or others, not a symbolic link): path=" + path + ", uid=" +
                uid + ", self=" + self + ", mode=" + PosixFilePermissions.toString(permissions) + " (remove it)");
        }
    }

    private static void closeAfter(final FileChannel channel, final Throwable failure)
    {
        try
        {
            channel.close();
        }
        catch (final IOException ex)
        {
            failure.addSuppressed(ex);
        }
    }

    /**
     * One run's part: the JVM options to put after CMD, and, once CMD has exited, the cache a training run made
     * published. Closing it releases the key file's lock.
     */
    static final class Run implements AutoCloseable
    {
        /** A run without a cache. */
        static final Run NONE = new Run(null, List.of(), null, null, null);

        private final AotCache cache;
        private final List<String> jvmOptions;
        private final FileChannel lock;
        private final Path temp;
        private final String key;

        private Run(final AotCache cache, final List<String> jvmOptions, final FileChannel lock, final Path temp,
            final String key)
        {
            this.cache = cache;
            this.jvmOptions = jvmOptions;
            this.lock = lock;
            this.temp = temp;
            this.key = key;
        }

        /**
         * @return the options for the JVM, right after CMD; none for a run without a cache.
         */
        List<String> jvmOptions()
        {
            return jvmOptions;
        }

        /**
         * @return true when this run trains a new cache.
         */
        boolean trains()
        {
            return temp != null;
        }

        /**
         * After CMD exited: for a training run, publish the cache when the JVM finished it, which it did when it
         * went through its exit path (any status of its own, or SIGINT / SIGTERM) and removed its temporary
         * configuration file; anything else (SIGKILL, a crash) leaves no FILE, and the next run trains again.
         * <p>
         * Errors: EACCES the key file cannot be trusted; EIO the files cannot be written.
         *
         * @param status CMD's exit status.
         * @param err    where exec's notes go.
         * @throws PkramException when the cache cannot be published.
         */
        void finish(final int status, final PrintStream err)
        {
            if (temp == null)
            {
                return;
            }
            try
            {
                final boolean exited = status < SIGNAL_EXITS || ORDERLY_SIGNAL_EXITS.contains(status);
                final boolean complete = exited && Files.isRegularFile(temp, LinkOption.NOFOLLOW_LINKS) &&
                    Files.size(temp) > 0 && !exists(config(temp));
                if (complete)
                {
                    cache.publish(temp, key, err);
                }
                else if (exited)
                {
                    cache.trainingFailed = true;
                    err.println("pkram: exec: the training run made no AOT cache (the JVM's messages above say " +
                        "why); this exec runs CMD without one from now on");
                }
                else
                {
                    err.println("pkram: exec: the training run ended with status " + status + " before its AOT " +
                        "cache was complete: none kept, a later run trains again");
                }
            }
            catch (final IOException ex)
            {
                throw new PkramIOException("cannot publish the AOT cache: path=" + cache.file + ", cause=" + ex, ex);
            }
        }

        /**
         * Release the key file's lock; remove what a training run left unpublished.
         */
        @Override
        public void close()
        {
            IOException failure = null;
            if (lock != null)
            {
                try
                {
                    lock.close();
                }
                catch (final IOException ex)
                {
                    failure = ex;
                }
            }
            if (temp != null)
            {
                try
                {
                    Files.deleteIfExists(temp);
                    Files.deleteIfExists(config(temp));
                }
                catch (final IOException ex)
                {
                    if (failure == null)
                    {
                        failure = ex;
                    }
                    else
                    {
                        failure.addSuppressed(ex);
                    }
                }
            }
            if (failure != null)
            {
                throw new PkramIOException("cannot release the AOT cache: cause=" + failure, failure);
            }
        }
    }
}
