package org.pkram;

import java.util.Arrays;
import java.util.function.LongFunction;

import org.agrona.collections.LongArrayList;
import org.pkram.image.LinkCursor;
import org.pkram.layout.EntryCodec;
import org.pkram.layout.LinkDescriptor;
import org.pkram.layout.Pfn;

/**
 * The walk of {@link ObjSave#shareFrom}: an old version's folio stream carried into the new version a link at a
 * time.
 * <p>
 * A checkpoint carries hundreds of thousands of entries of which a few change. Appending them one by one costs a
 * decode, an encode and a store each, and zeroes every new link page first; the same link copied whole costs one
 * 4 KiB copy. So each old link is read once, every entry's change asked for and every shared folio claimed, and then:
 * <ul>
 * <li>when every change is a fresh folio of the caller's, of the order of the entry it replaces and outside the banned
 * ranges, and the new stream is at a link boundary, the link is copied whole with the changed entries patched
 * ({@link StreamWriter#appendLink}): the same entries {@link StreamWriter#append} would have written, since boot
 * refuses an entry with flags and every entry read is {@code encode(pfn, order)};</li>
 * <li>otherwise (a folio of another order, a banned one, a folio of the old version shared again, the rest of a link
 * already partly read) each entry is appended as {@link ObjSave#saveFolio(Folio, long)} would.</li>
 * </ul>
 * When a change or a claim fails part way through a link, the entries before it are appended first, so the new
 * version holds exactly the entries shared or saved before the error, as with an entry-by-entry walk.
 */
final class StreamCarry
{
    private final ObjSave save;
    private final NodeSave node;
    private final StreamWriter writer;
    private final Pages pages;

    /** The current link's entries, their indexes and their changes (null: shared). */
    private final long[] entries = new long[LinkDescriptor.ENTRIES_MAX];
    private final long[] indexes = new long[LinkDescriptor.ENTRIES_MAX];
    private final Folio[] changes = new Folio[LinkDescriptor.ENTRIES_MAX];
    private final int[] patchSlots = new int[LinkDescriptor.ENTRIES_MAX];
    private final long[] patchEntries = new long[LinkDescriptor.ENTRIES_MAX];

    StreamCarry(final ObjSave save, final NodeSave node, final StreamWriter writer, final Pages pages)
    {
        this.save = save;
        this.node = node;
        this.writer = writer;
        this.pages = pages;
    }

    /**
     * Carry the rest of a stream, from where the cursor stands to its end.
     *
     * @param cursor   the old version's stream.
     * @param changeOf for an index, the caller's folio that replaces the old one, or null to share it.
     * @param replaced where the replaced entries go, or null.
     * @return the folios shared.
     */
    long carry(final LinkCursor cursor, final LongFunction<Folio> changeOf, final LongArrayList replaced)
    {
        long shared = 0;
        try
        {
            // The rest of a link already partly read cannot be copied whole.
            if (cursor.isStarted())
            {
                shared += carryLink(cursor, changeOf, replaced, false);
            }
            while (cursor.nextLink())
            {
                shared += carryLink(cursor, changeOf, replaced, true);
            }
        }
        finally
        {
            Arrays.fill(changes, null);
        }
        return shared;
    }

    private int carryLink(
        final LinkCursor cursor, final LongFunction<Folio> changeOf, final LongArrayList replaced, final boolean whole)
    {
        int count = 0;
        int shared = 0;
        boolean copy = whole && writer.atLinkBoundary();
        try
        {
            while (cursor.nextEntry())
            {
                final long entry = cursor.entry();
                final long index = cursor.index();
                final Folio change = changeOf.apply(index);
                entries[count] = entry;
                indexes[count] = index;
                changes[count] = change;
                if (change == null)
                {
                    node.share(EntryCodec.pfn(entry), null);
                    shared++;
                }
                else
                {
                    copy = copy && fitsEntry(change, EntryCodec.order(entry));
                }
                count++;
            }
        }
        catch (final RuntimeException | Error ex)
        {
            appendEach(count, replaced, ex, 0, count);
            throw ex;
        }

        if (count == 0)
        {
            return 0;
        }
        if (copy)
        {
            copyLink(cursor, count, replaced);
        }
        else
        {
            appendEach(count, replaced, null, 0, count);
        }
        return shared;
    }

    /**
     * The link copied whole: each change taken as the caller's folio saved by reference, then one copy with the
     * changed entries patched.
     */
    private void copyLink(final LinkCursor cursor, final int count, final LongArrayList replaced)
    {
        // The page first: running out of pages then changes nothing yet.
        final long linkPage;
        try
        {
            linkPage = pages.allocUnzeroed(0);
        }
        catch (final RuntimeException | Error ex)
        {
            appendEach(count, replaced, ex, 0, count);
            throw ex;
        }
        int patches = 0;
        for (int slot = 0; slot < count; slot++)
        {
            final Folio change = changes[slot];
            if (change == null)
            {
                continue;
            }
            try
            {
                save.takeOwned(change);
            }
            catch (final RuntimeException | Error ex)
            {
                // The changes before this one are the new version's already: append up to here, as a walk would, and
                // give the shares after it back.
                pages.free(linkPage, 0);
                appendEach(slot, replaced, ex, slot, count);
                throw ex;
            }
            patchSlots[patches] = slot;
            patchEntries[patches++] = EntryCodec.encode(change.pfn(), change.order());
        }
        final long last = entries[count - 1];
        writer.appendLink(linkPage, cursor.link(), count, indexes[0],
            indexes[count - 1] + Pfn.pageCount(EntryCodec.order(last)), patchSlots, patchEntries, patches);
        for (int i = 0; i < patches && replaced != null; i++)
        {
            replaced.addLong(entries[patchSlots[i]]);
        }
    }

    /**
     * The first {@code count} entries of the link appended one by one: the changes before slot {@code taken} are
     * the new version's already and are appended as they are, the others saved by
     * {@link ObjSave#saveFolio(Folio, long)}. The shared entries up to {@code claimed} were claimed; those this does
     * not append (it stops at {@code count}, or at an error) are given back, so that the finish frees them. When
     * {@code failure} is not null (the walk stopped on it), an error here is added to it rather than thrown.
     */
    private void appendEach(
        final int count, final LongArrayList replaced, final Throwable failure, final int taken, final int claimed)
    {
        int slot = 0;
        try
        {
            for (; slot < count; slot++)
            {
                final Folio change = changes[slot];
                if (change == null)
                {
                    writer.append(EntryCodec.pfn(entries[slot]), EntryCodec.order(entries[slot]), indexes[slot]);
                    continue;
                }
                if (slot < taken)
                {
                    writer.append(change.pfn(), change.order(), indexes[slot]);
                }
                else
                {
                    save.saveFolio(change, indexes[slot]);
                }
                if (replaced != null)
                {
                    replaced.addLong(entries[slot]);
                }
            }
        }
        catch (final RuntimeException | Error ex)
        {
            if (failure == null)
            {
                throw ex;
            }
            failure.addSuppressed(ex);
        }
        finally
        {
            for (int left = slot; left < claimed; left++)
            {
                if (changes[left] == null)
                {
                    node.unshare(EntryCodec.pfn(entries[left]));
                }
            }
        }
    }

    /**
     * @return true when {@code change} can be patched into a copied link over an entry of {@code order}: a folio of
     *         this instance, the caller's, of the same order, outside the banned ranges (a banned folio is copied
     *         into order-0 pages, which changes the stream's shape).
     */
    private boolean fitsEntry(final Folio change, final int order)
    {
        return save.ownsSameInstance(change) && change.state() == Folio.State.OWNED && change.order() == order &&
            !pages.isBanned(change.pfn(), order);
    }
}
