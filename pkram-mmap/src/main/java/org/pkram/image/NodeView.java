package org.pkram.image;

import org.agrona.DirectBuffer;
import org.pkram.error.CorruptImageException;
import org.pkram.layout.NodeDescriptor;
import org.pkram.layout.Pfn;
import org.pkram.mem.PhysMem;

import java.util.ArrayList;
import java.util.List;

/**
 * A committed node read in place, consuming nothing: its name, flags and objects, newest first (the
 * order {@code pkram_prepare_load_obj} hands them out). A view of {@code struct pkram_node}.
 * <p>
 * Valid while the mapping is attached and the node is not consumed or freed. Walks are bounded: an object
 * chain longer than the file has pages is reported as {@link CorruptImageException} (EUCLEAN).
 */
public final class NodeView
{
    private final PhysMem mem;
    private final long pfn;

    /**
     * @param mem the mapping.
     * @param pfn the node page, from a validated image (a boot scan or fsck walk).
     */
    public NodeView(final PhysMem mem, final long pfn)
    {
        this.mem = mem;
        this.pfn = pfn;
    }

    /**
     * @return the node page's pfn.
     */
    public long pfn()
    {
        return pfn;
    }

    /**
     * @return the node's name.
     * @throws CorruptImageException (EUCLEAN) the name is not NUL-terminated.
     */
    public String name()
    {
        final DirectBuffer page = mem.page(pfn);
        if (NodeDescriptor.nameLength(page) < 0)
        {
            throw new CorruptImageException("node name has no NUL within " + NodeDescriptor.NAME_MAX +
                " bytes: pfn=0x" + Long.toHexString(pfn));
        }
        return NodeDescriptor.name(page);
    }

    /**
     * @return the node's access-mode flags (0 when committed).
     */
    public int flags()
    {
        return NodeDescriptor.flags(mem.page(pfn));
    }

    /**
     * @return the node's objects, newest first.
     */
    public List<ObjView> objects()
    {
        final List<ObjView> objs = new ArrayList<>();
        long obj = NodeDescriptor.objPfn(mem.page(pfn));
        while (obj != Pfn.NULL_PFN)
        {
            if (objs.size() >= mem.pfnCount() || !mem.contains(obj))
            {
                throw new CorruptImageException("object chain out of range or longer than the file (a cycle): " +
                    "node=0x" + Long.toHexString(pfn) + ", obj=0x" + Long.toHexString(obj));
            }
            final ObjView view = new ObjView(mem, obj);
            objs.add(view);
            obj = view.nextObjPfn();
        }
        return objs;
    }

    /**
     * @return the node page's bytes, read-only (for a hex dump).
     */
    public DirectBuffer page()
    {
        return mem.page(pfn);
    }

    @Override
    public String toString()
    {
        return "NodeView{pfn=0x" + Long.toHexString(pfn) + "}";
    }
}
