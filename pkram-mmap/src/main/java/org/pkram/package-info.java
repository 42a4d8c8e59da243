/**
 * The PKRAM API: a booted {@link org.pkram.Pkram} (the "kernel" over a memory file), nodes saved and
 * loaded through {@link org.pkram.NodeSave} / {@link org.pkram.NodeLoad}, objects with a folio stream
 * (zero copy, by reference) and a byte stream through {@link org.pkram.ObjSave} /
 * {@link org.pkram.ObjLoad}.
 * <p>
 * Emulates {@code include/linux/pkram.h} and {@code mm/pkram.c} of the RFC v3 series, call for call.
 * Threading: different nodes may be saved and loaded on different threads at once; a handle and its
 * streams belong to one thread at a time.
 */
package org.pkram;
