/**
 * pkram's errors: one unchecked exception per kernel errno, all extending
 * {@link org.pkram.error.PkramException}, which carries the {@link org.pkram.error.Errno}.
 * <p>
 * Emulates the {@code -E...} return values of {@code mm/pkram.c}; end of data (the kernel's
 * {@code -ENODATA} / {@code NULL}) is a return value in pkram, never an exception.
 * Depends on nothing else in pkram.
 */
package org.pkram.error;
