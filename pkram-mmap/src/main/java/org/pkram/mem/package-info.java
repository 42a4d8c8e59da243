/**
 * "Physical RAM": the memory file mapped whole ({@link org.pkram.mem.PhysMem}), its concurrent page
 * allocator ({@link org.pkram.mem.PageAllocator}, the kernel's buddy allocator as pkram_alloc_page
 * uses it, rebuilt at every boot) and the JVM flags check.
 * <p>
 * Threading: the allocator is lock-free and thread-safe; PhysMem views may be used from any thread
 * until it is closed. Depends on {@code org.pkram.layout} and {@code org.pkram.error} only.
 */
package org.pkram.mem;
