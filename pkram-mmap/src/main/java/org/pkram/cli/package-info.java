/**
 * The {@code pkram} command line: {@link org.pkram.cli.PkramCli} parses the global options and runs one
 * small command class per verb (format, save, load, ls, pfn, truncate, inspect, fsck, exec, demo).
 * <p>
 * Each command is one boot and, when it changes anything, one orderly reboot; {@code inspect} and
 * {@code fsck} attach read-only (the kdump role). {@code pfn} and {@code truncate} are the kernel's
 * {@code cat} and {@code echo 0 >} of {@code /sys/kernel/pkram}; {@code exec} is the kexec wrapper script.
 * Threading: single-threaded, one JVM per command.
 */
package org.pkram.cli;
