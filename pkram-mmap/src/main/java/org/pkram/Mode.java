package org.pkram;

/**
 * What survives a process that dies without an orderly reboot.
 */
public enum Mode
{
    /**
     * pkram's default, beyond the kernel: the super block stays live, every finished save is
     * published into the node chain (commit word last) and every finished load unlinked, so a boot
     * after kill -9 recovers exactly the committed nodes.
     */
    CRASH_SAFE,

    /**
     * The kernel's rule: only an orderly reboot preserves anything. Boot consumes the super block;
     * booting it again without a reboot in between is refused as an invalid super block.
     */
    KERNEL_FAITHFUL
}
