/**
 * Helpers that tests in several packages share: {@link org.pkram.testing.ScratchDir} (a temporary
 * directory on tmpfs), {@link org.pkram.testing.Digests} (file hashes) and
 * {@link org.pkram.testing.SplitMix64} (deterministic content), {@link org.pkram.testing.FakeSystemd} (systemd's
 * notify socket and file descriptor store, played by a C program), {@link org.pkram.testing.CPrograms} (gcc for
 * the C programs of {@code src/test/c}).
 */
package org.pkram.testing;
