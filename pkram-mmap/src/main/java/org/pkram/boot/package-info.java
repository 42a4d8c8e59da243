/**
 * Boot and reboot support: the {@code pkram=} parameter ({@link org.pkram.boot.BootParams}), the pfn
 * file ({@link org.pkram.boot.PfnFile}), the read-only validating walk of an image
 * ({@link org.pkram.boot.ImageScanner}, also behind fsck) and the regions list
 * ({@link org.pkram.boot.RegionsList}).
 * <p>
 * Emulates {@code pkram_reserve()}, {@code pkram_init_sb()}, {@code pkram_init_regions_list()} and
 * {@code pkram_populate_regions_list()}. Single-threaded: one walk per instance.
 */
package org.pkram.boot;
