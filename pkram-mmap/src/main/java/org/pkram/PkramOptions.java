package org.pkram;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How to boot: the memory file, the {@code pkram=} super block pfn, the mode. A small immutable
 * builder-style value: {@code PkramOptions.of(path).superBlockPfn(0x1a3)}.
 *
 * @param memoryFile    the memory file ("physical RAM").
 * @param superBlockPfn the super block to boot from ({@code pkram=}); 0 boots fresh and empty.
 * @param mode          crash-safe (default) or kernel-faithful.
 * @param dropInvalid   when the image cannot be booted, drop it and start empty (the kernel's policy)
 *                      instead of failing closed with the file untouched.
 * @param durable       force the mapping to storage at every commit point (for a disk-backed file).
 * @param shutdownHook  reboot in a JVM shutdown hook if the instance is still open at exit.
 */
public record PkramOptions(
    Path memoryFile,
    long superBlockPfn,
    Mode mode,
    boolean dropInvalid,
    boolean durable,
    boolean shutdownHook)
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
    }

    /**
     * @param memoryFile the memory file.
     * @return options to boot it fresh, crash-safe, failing closed, with a shutdown hook.
     */
    public static PkramOptions of(final Path memoryFile)
    {
        return new PkramOptions(memoryFile, 0, Mode.CRASH_SAFE, false, false, true);
    }

    /**
     * @param pfn the {@code pkram=} value, 0 for none.
     * @return a copy booting from that super block.
     */
    public PkramOptions superBlockPfn(final long pfn)
    {
        return new PkramOptions(memoryFile, pfn, mode, dropInvalid, durable, shutdownHook);
    }

    /**
     * @param newMode the mode.
     * @return a copy with that mode.
     */
    public PkramOptions mode(final Mode newMode)
    {
        return new PkramOptions(memoryFile, superBlockPfn, newMode, dropInvalid, durable, shutdownHook);
    }

    /**
     * @param drop drop an image that cannot be booted and start empty.
     * @return a copy with that policy.
     */
    public PkramOptions dropInvalid(final boolean drop)
    {
        return new PkramOptions(memoryFile, superBlockPfn, mode, drop, durable, shutdownHook);
    }

    /**
     * @param force force to storage at every commit.
     * @return a copy with that setting.
     */
    public PkramOptions durable(final boolean force)
    {
        return new PkramOptions(memoryFile, superBlockPfn, mode, dropInvalid, force, shutdownHook);
    }

    /**
     * @param hook register a shutdown hook that reboots.
     * @return a copy with that setting.
     */
    public PkramOptions shutdownHook(final boolean hook)
    {
        return new PkramOptions(memoryFile, superBlockPfn, mode, dropInvalid, durable, hook);
    }
}
