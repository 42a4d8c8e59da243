/**
 * The test suite's second reading of the memory file format: {@link org.pkram.oracle.ImageOracle} reads
 * docs/FORMAT.md's bytes with its own constants and its own little-endian reads, and imports nothing from
 * the library, so that the crash harness ({@code org.pkram.crash}) and the boot fuzzer ({@code org.pkram.fuzz})
 * judge the library with something other than the library. {@link org.pkram.oracle.ScannerAgreement} compares
 * the two readings (the scanner's walk, the library's views, a booted allocator) and lists every difference;
 * {@link org.pkram.oracle.ImageOracleTest} shows that a misreading planted on the library's side is reported.
 */
package org.pkram.oracle;
