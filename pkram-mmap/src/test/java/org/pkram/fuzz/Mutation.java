package org.pkram.fuzz;

import java.util.List;

/**
 * One way to damage an image: a description (printed on failure, enough to redo it by hand) and the
 * edit, applied to a working copy of a seed image and the {@code pkram=} pfn to boot it with.
 *
 * @param description what is changed, e.g. {@code "obj 0 of alpha (0x12).data_len = 0x2329"}.
 * @param edit        the change.
 */
record Mutation(String description, Edit edit)
{
    /** A mutable working copy: the file's bytes (any length) and the pfn the boot is given. */
    static final class Image
    {
        byte[] bytes;
        long requested;

        Image(final byte[] bytes, final long requested)
        {
            this.bytes = bytes;
            this.requested = requested;
        }
    }

    @FunctionalInterface
    interface Edit
    {
        void apply(Image image);
    }

    static Mutation of(final List<Mutation> parts)
    {
        if (parts.size() == 1)
        {
            return parts.get(0);
        }
        final StringBuilder description = new StringBuilder();
        for (final Mutation part : parts)
        {
            description.append(description.isEmpty() ? "" : " + ").append(part.description());
        }
        return new Mutation(description.toString(), image ->
        {
            for (final Mutation part : parts)
            {
                part.edit().apply(image);
            }
        });
    }

    Image applyTo(final byte[] pristine, final long sbPfn)
    {
        final Image image = new Image(pristine.clone(), sbPfn);
        edit.apply(image);
        return image;
    }
}
