package org.pkram;

/**
 * The streams an object holds: the kernel's {@code enum pkram_data_flags} ({@code PKRAM_DATA_folios},
 * {@code PKRAM_DATA_bytes}).
 */
public enum DataKind
{
    /** A folio stream: pages saved by reference, each with its mapping index. */
    FOLIOS,
    /** A byte stream of any length, copied into data pages. */
    BYTES
}
