/**
 * The memory file's layout: one descriptor per preserved structure (super block, node, obj, link,
 * regions list, and pkram's own file header in page 0) with its offsets, a diagram and static
 * accessors, plus {@link org.pkram.layout.EntryCodec} for link entries and {@link org.pkram.layout.Pfn}.
 * <p>
 * Emulates the structs of {@code mm/pkram.c} in the v3 PKRAM series, byte for byte, little-endian;
 * {@code docs/FORMAT.md} is the specification. Threading: pure functions over page buffers the caller
 * owns; memory ordering is only what a {@code ...Release} accessor names. Depends on nothing else in pkram.
 */
package org.pkram.layout;
