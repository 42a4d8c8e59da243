package org.pkram;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How to boot: the memory file, an expected super block pfn, the mode, and what to do with the image found.
 * A small immutable builder-style value: {@code PkramOptions.of(path)} resumes whatever the memory file holds.
 * <p>
 * Resume is the default: the memory file's header names its current super block, and boot takes that image.
 * A pfn given here, by {@code -Dpkram} / {@code PKRAM}, or by the pfn file is only a cross-check; a different
 * one is refused as stale. Starting empty over an image happens only when asked for by name ({@link #fresh}).
 *
 * @param memoryFile    the memory file ("physical RAM").
 * @param superBlockPfn the super block the caller expects ({@code pkram=}); 0 takes the one the file names.
 * @param mode          crash-safe (default) or kernel-faithful.
 * @param dropInvalid   when the image cannot be booted, drop it and start empty (the kernel's policy)
 *                      instead of failing closed with the file untouched.
 * @param durable       force the mapping to storage at every commit point (for a disk-backed file).
 * @param shutdownHook  reboot in a JVM shutdown hook if the instance is still open at exit.
 * @param fresh         start empty even if the file holds an image (that image is dropped).
 * @param createSize    when the memory file does not exist, create it with this many bytes (a multiple of
 *                      4096) before booting; 0 never creates.
 */
public record PkramOptions(
    Path memoryFile,
    long superBlockPfn,
    Mode mode,
    boolean dropInvalid,
    boolean durable,
    boolean shutdownHook,
    boolean fresh,
    long createSize)
{
    /**
     * Validates the components.
     */
    public PkramOptions
    {
        Objects.requireNonNull(memoryFile, "memoryFile");
        Objects.requireNonNull(mode, "mode");
        if (superBlockPfn < 0)
        {
            throw new IllegalArgumentException("superBlockPfn must be >= 0: " + superBlockPfn);
        }
        if (createSize < 0)
        {
            throw new IllegalArgumentException("createSize must be >= 0: " + createSize);
        }
    }

    /**
     * @param memoryFile the memory file.
     * @return options to resume its image (or start empty on a file that holds none), crash-safe, failing
     *         closed, with a shutdown hook.
     */
    public static PkramOptions of(final Path memoryFile)
    {
        return new PkramOptions(memoryFile, 0, Mode.CRASH_SAFE, false, false, true, false, 0);
    }

    /**
     * @param pfn the {@code pkram=} value the caller expects, 0 for "whatever the file names".
     * @return a copy cross-checking that super block.
     */
    public PkramOptions superBlockPfn(final long pfn)
    {
        return new PkramOptions(memoryFile, pfn, mode, dropInvalid, durable, shutdownHook, fresh, createSize);
    }

    /**
     * @param newMode the mode.
     * @return a copy with that mode.
     */
    public PkramOptions mode(final Mode newMode)
    {
        return new PkramOptions(memoryFile, superBlockPfn, newMode, dropInvalid, durable, shutdownHook, fresh,
            createSize);
    }

    /**
     * @param drop drop an image that cannot be booted and start empty.
     * @return a copy with that policy.
     */
    public PkramOptions dropInvalid(final boolean drop)
    {
        return new PkramOptions(memoryFile, superBlockPfn, mode, drop, durable, shutdownHook, fresh, createSize);
    }

    /**
     * @param force force to storage at every commit.
     * @return a copy with that setting.
     */
    public PkramOptions durable(final boolean force)
    {
        return new PkramOptions(memoryFile, superBlockPfn, mode, dropInvalid, force, shutdownHook, fresh,
            createSize);
    }

    /**
     * @param hook register a shutdown hook that reboots.
     * @return a copy with that setting.
     */
    public PkramOptions shutdownHook(final boolean hook)
    {
        return new PkramOptions(memoryFile, superBlockPfn, mode, dropInvalid, durable, hook, fresh, createSize);
    }

    /**
     * @param empty start empty, dropping any image the file holds (never the default).
     * @return a copy with that setting.
     */
    public PkramOptions fresh(final boolean empty)
    {
        return new PkramOptions(memoryFile, superBlockPfn, mode, dropInvalid, durable, shutdownHook, empty,
            createSize);
    }

    /**
     * @param bytes create the memory file with this size when it does not exist (a service's first start).
     * @return a copy with that setting.
     */
    public PkramOptions createIfAbsent(final long bytes)
    {
        return new PkramOptions(memoryFile, superBlockPfn, mode, dropInvalid, durable, shutdownHook, fresh,
            bytes);
    }
}
