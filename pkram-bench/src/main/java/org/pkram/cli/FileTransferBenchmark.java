package org.pkram.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.SplittableRandom;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.pkram.Pkram;
import org.pkram.bench.BaseBenchmark;
import org.pkram.bench.BenchFlags;

/**
 * Files in and out of pkram memory, through the commands themselves, against what the kernel does with the
 * same bytes in the same run: {@code pkram save} and {@code pkram load} of one file against
 * {@code copy_file_range(2)} of it between two files ({@link FileChannel#transferTo}, which uses it on Linux),
 * and {@code pkram format} against {@code fallocate(2)} of a file of the same size.
 * <p>
 * The commands run in this JVM through {@link PkramCli#run}, the entry point of the {@code pkram} command,
 * with its arguments, so what is measured is each command's whole path (boot, the transfer, the reboot)
 * without a JVM start. That is why this class lives in {@code org.pkram.cli}: {@code PkramCli}'s constructor
 * is the package's own. Every file is on {@code dir} (a tmpfs); the set-up of each invocation, unmeasured,
 * makes the state the operation starts from (a formatted memory file, a saved node, no target file) and its
 * tear-down checks the result and removes it.
 * <p>
 * The goals of the files-at-kernel-speed work are ratios in one run: save and load each ≤ 1.5× copy of the
 * same bytes, format ≤ 1.5× {@code fallocate}.
 */
@BenchmarkMode(Mode.SingleShotTime)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(jvmArgsPrepend = BenchFlags.HEAP)
public class FileTransferBenchmark extends BaseBenchmark
{
    /** Memory file beyond the data: the node, object and link pages, and slack. */
    static final long SLACK = 64L << 20;

    private static final String NODE = "data";

    /** The tmpfs the files are on. */
    @Param({"/dev/shm"})
    String dir;

    /** Bytes moved, MiB. */
    @Param({"1024"})
    int sizeMiB;

    /**
     * {@code save} and {@code load}: the commands; {@code copy}: the kernel's copy of the same file;
     * {@code format}: the command; {@code fallocate}: the kernel's allocation of the same size.
     */
    @Param({"copy", "save", "load", "fallocate", "format"})
    String op;

    private Path trialDir;
    private Path source;
    private Path target;
    private Path memory;
    private Path into;
    private long bytes;

    /**
     * Made by JMH.
     */
    public FileTransferBenchmark()
    {
    }

    /**
     * Write the source file: {@code sizeMiB} of pseudo-random bytes and an odd tail, so that the last page is
     * partial as most files' are.
     *
     * @throws IOException when it cannot be written.
     */
    @Setup(Level.Trial)
    public void writeSource() throws IOException
    {
        PkramCli.prepareRuntime();
        trialDir = Files.createTempDirectory(Path.of(dir), "pkram-transfer-");
        source = trialDir.resolve("source.bin");
        target = trialDir.resolve("target.bin");
        memory = trialDir.resolve("pkram.mem");
        into = trialDir.resolve("restored");
        bytes = ((long)sizeMiB << 20) - 123;
        try
        {
            write(source, bytes, sizeMiB);
        }
        catch (final IOException | RuntimeException ex)
        {
            // JMH runs no tear-down after a failed set-up: leave nothing behind on the tmpfs.
            Files.deleteIfExists(source);
            Files.deleteIfExists(trialDir);
            throw ex;
        }
    }

    private static void write(final Path source, final long bytes, final long seed) throws IOException
    {
        final SplittableRandom random = new SplittableRandom(seed);
        final ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel out = FileChannel.open(source, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))
        {
            long left = bytes;
            while (left > 0)
            {
                chunk.clear();
                while (chunk.remaining() >= Long.BYTES)
                {
                    chunk.putLong(random.nextLong());
                }
                chunk.flip().limit((int)Math.min(chunk.limit(), left));
                while (chunk.hasRemaining())
                {
                    left -= out.write(chunk);
                }
            }
        }
    }

    /**
     * The state the operation starts from: for {@code save} a formatted memory file; for {@code load} the same
     * with the source saved in it; nothing for the others.
     *
     * @throws IOException when it cannot be made.
     */
    @Setup(Level.Invocation)
    public void prepare() throws IOException
    {
        if ("save".equals(op) || "load".equals(op))
        {
            Pkram.format(memory, memorySize(), true);
        }
        if ("load".equals(op))
        {
            run("save", NODE, source.toString());
        }
    }

    /**
     * One operation.
     *
     * @return the bytes moved or allocated.
     * @throws Throwable when it fails.
     */
    @Benchmark
    public long transfer() throws Throwable
    {
        switch (op)
        {
            case "copy" ->
            {
                try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
                    FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE))
                {
                    long done = 0;
                    while (done < bytes)
                    {
                        done += in.transferTo(done, bytes - done, out);
                    }
                }
            }
            case "save" -> run("save", NODE, source.toString());
            case "load" -> run("load", NODE, "--into", into.toString());
            case "fallocate" -> Fallocate.newFile(target, memorySize());
            case "format" -> run("format", "--size", Long.toString(memorySize()));
            default -> throw new IllegalArgumentException("unknown op: " + op);
        }
        return bytes;
    }

    /**
     * Check what the operation left (a copy or a load must equal the source byte for byte) and remove it.
     *
     * @throws IOException when it cannot be read or removed.
     */
    @TearDown(Level.Invocation)
    public void checkAndRemove() throws IOException
    {
        final Path result = switch (op)
        {
            case "copy" -> target;
            case "load" -> into.resolve(source.getFileName());
            default -> null;
        };
        if (result != null && Files.mismatch(source, result) != -1)
        {
            throw new IllegalStateException(op + " did not give back the source byte for byte: " + result);
        }
        if ("format".equals(op) && Files.size(memory) < bytes)
        {
            throw new IllegalStateException("format made a file of " + Files.size(memory) + " bytes");
        }
        if ("fallocate".equals(op) && Files.size(target) != memorySize())
        {
            throw new IllegalStateException("fallocate made a file of " + Files.size(target) + " bytes");
        }
        removeMade();
    }

    private void removeMade() throws IOException
    {
        final Path[] made = {target, memory, Path.of(memory + ".pfn"), into.resolve(source.getFileName())};
        for (final Path path : made)
        {
            Files.deleteIfExists(path);
        }
    }

    /**
     * Remove the trial's files.
     *
     * @throws IOException when they cannot be removed.
     */
    @TearDown(Level.Trial)
    public void removeSource() throws IOException
    {
        removeMade();
        Files.deleteIfExists(source);
        Files.deleteIfExists(into);
        Files.deleteIfExists(trialDir);
    }

    /**
     * @return the memory file's size: the data and {@link #SLACK}, in whole pages; {@code fallocate} allocates
     *         the same.
     */
    private long memorySize()
    {
        return (bytes + SLACK + 4095) & -4096L;
    }

    private void run(final String... args)
    {
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final String[] argv = new String[args.length + 2];
        argv[0] = "--mem";
        argv[1] = memory.toString();
        System.arraycopy(args, 0, argv, 2, args.length);
        final int status;
        try (PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
            PrintStream outStream = new PrintStream(ByteArrayOutputStream.nullOutputStream(), false,
                StandardCharsets.UTF_8))
        {
            status = new PkramCli(outStream, errStream, Map.of()).run(argv);
        }
        if (status != PkramCli.EXIT_OK)
        {
            throw new IllegalStateException("pkram " + String.join(" ", argv) + " exited " + status + ": " +
                err.toString(StandardCharsets.UTF_8).trim());
        }
    }

    /**
     * {@code open(2)} and {@code fallocate(2)} through FFM: the JDK has no call that allocates a file's blocks.
     */
    @SuppressWarnings("restricted") // downcalls to libc: native access is granted by pkram's flags in every fork
    static final class Fallocate
    {
        private static final int O_WRONLY = 1;
        private static final int O_CREAT = 0100;
        private static final int O_EXCL = 0200;
        private static final int MODE_0600 = 0600;

        private static final Linker LINKER = Linker.nativeLinker();
        private static final MethodHandle OPEN = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("open"),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT),
            Linker.Option.firstVariadicArg(2));
        private static final MethodHandle FALLOCATE = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("fallocate"),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
        private static final MethodHandle CLOSE = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("close"),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

        private Fallocate()
        {
        }

        /**
         * Create {@code file} and allocate {@code length} bytes of it, as {@code fallocate -l LENGTH FILE} does.
         *
         * @param file   a file that does not exist.
         * @param length bytes.
         * @throws Throwable when a call fails.
         */
        static void newFile(final Path file, final long length) throws Throwable
        {
            try (Arena arena = Arena.ofConfined())
            {
                final MemorySegment path = arena.allocateFrom(file.toString());
                final int fd = (int)OPEN.invokeExact(path, O_WRONLY | O_CREAT | O_EXCL, MODE_0600);
                if (fd < 0)
                {
                    throw new IOException("open failed: " + file);
                }
                try
                {
                    if ((int)FALLOCATE.invokeExact(fd, 0, 0L, length) != 0)
                    {
                        throw new IOException("fallocate failed: " + file + ", length=" + length);
                    }
                }
                finally
                {
                    final int closed = (int)CLOSE.invokeExact(fd);
                    assert closed == 0 : "close failed";
                }
            }
        }
    }
}
