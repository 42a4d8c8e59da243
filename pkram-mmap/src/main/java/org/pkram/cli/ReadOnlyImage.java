package org.pkram.cli;

import org.pkram.boot.ImageScanner;
import org.pkram.boot.NodeEntry;
import org.pkram.boot.ScanResult;
import org.pkram.error.PkramException;
import org.pkram.image.FileHeaderInfo;
import org.pkram.image.NodeView;
import org.pkram.mem.PhysMem;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * The memory file attached read-only and walked without changing a byte or consuming anything: the
 * kdump kernel's view, shared by {@code ls}, {@code inspect}, {@code fsck}, {@code format} and the checks
 * {@code load} makes before it consumes a node.
 * <p>
 * The super block walked is the boot parameter ({@code --pkram}, {@code -Dpkram}, {@code $PKRAM}, the pfn
 * file), else the one the file's header records.
 */
final class ReadOnlyImage implements AutoCloseable
{
    private final PhysMem mem;
    private final long headerPfn;
    private final OptionalLong bootPfn;
    private final long pfn;
    private final List<String> problems = new ArrayList<>();
    private final ScanResult scan;
    private final PkramException failure;

    private ReadOnlyImage(final PhysMem mem, final OptionalLong bootPfn)
    {
        this.mem = mem;
        this.headerPfn = FileHeaderInfo.read(mem).superBlockPfn();
        this.bootPfn = bootPfn;
        this.pfn = bootPfn.orElse(headerPfn);
        ScanResult result = null;
        PkramException error = null;
        if (pfn != 0)
        {
            try
            {
                result = ImageScanner.check(mem, pfn, problems);
            }
            catch (final PkramException ex)
            {
                error = ex;
            }
        }
        this.scan = result;
        this.failure = error;
    }

    /**
     * Attach read-only and walk the image.
     * <p>
     * Errors: as {@link PhysMem#openReadOnly}: ENOENT, EACCES, EBUSY (attached read-write by a process
     * now), EINVAL not a memory file, EUCLEAN truncated; EINVAL a malformed boot parameter or pfn file.
     *
     * @param context the memory file and the boot parameter.
     * @return the attached image; close it.
     */
    static ReadOnlyImage open(final CliContext context)
    {
        final OptionalLong bootPfn = context.resolvePfn();
        final PhysMem mem = PhysMem.openReadOnly(context.memoryFile());
        try
        {
            return new ReadOnlyImage(mem, bootPfn);
        }
        catch (final RuntimeException ex)
        {
            mem.close();
            throw ex;
        }
    }

    /**
     * @return the mapping, read-only.
     */
    PhysMem mem()
    {
        return mem;
    }

    /**
     * @return the super block pfn recorded in the file's header, 0 for none.
     */
    long headerPfn()
    {
        return headerPfn;
    }

    /**
     * @return the boot parameter, when there is one.
     */
    OptionalLong bootPfn()
    {
        return bootPfn;
    }

    /**
     * @return the super block walked, 0 when there is none.
     */
    long pfn()
    {
        return pfn;
    }

    /**
     * @return true when the boot parameter names a super block other than the file's current one: boot
     *         would refuse it (EINVAL).
     */
    boolean stale()
    {
        return bootPfn.isPresent() && bootPfn.getAsLong() != headerPfn;
    }

    /**
     * @return the walk, or null when there is no super block or it could not be walked at all.
     */
    ScanResult scan()
    {
        return scan;
    }

    /**
     * @return why the super block could not be walked at all (EINVAL bad magic, ...), or null.
     */
    PkramException failure()
    {
        return failure;
    }

    /**
     * @return the damage found while walking, one line each.
     */
    List<String> problems()
    {
        return problems;
    }

    /**
     * @return the committed nodes found, in chain order (empty when there is no image).
     */
    List<NodeEntry> nodes()
    {
        return scan == null ? List.of() : scan.nodes();
    }

    /**
     * @param name a node name.
     * @return the node, or null.
     */
    NodeEntry node(final String name)
    {
        for (final NodeEntry node : nodes())
        {
            if (name.equals(node.name()))
            {
                return node;
            }
        }
        return null;
    }

    /**
     * @param node a node the walk found.
     * @return a view of it, reading in place and consuming nothing.
     */
    NodeView view(final NodeEntry node)
    {
        return new NodeView(mem, node.pfn());
    }

    /**
     * @return every problem, including one for a stale boot parameter or a super block that cannot be walked.
     */
    List<String> allProblems()
    {
        final List<String> all = new ArrayList<>();
        if (stale())
        {
            all.add("boot parameter is stale: pkram=" + Long.toHexString(bootPfn.getAsLong()) +
                ", but the memory file's current super block is pfn=0x" + Long.toHexString(headerPfn));
        }
        if (failure != null)
        {
            all.add(failure.getMessage());
        }
        all.addAll(problems);
        return all;
    }

    @Override
    public void close()
    {
        mem.close();
    }
}
