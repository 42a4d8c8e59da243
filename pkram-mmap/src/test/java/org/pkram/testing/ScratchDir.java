package org.pkram.testing;

import org.junit.jupiter.api.io.TempDir;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A {@link TempDir} on tmpfs: a new directory in {@code /dev/shm} (RAM, where memory files belong, and
 * fast for tests that copy and walk whole images) when there is one, else in the default temporary
 * directory. JUnit creates it and deletes it with everything in it: for a static field once around the
 * class, for an instance field or a parameter around each test.
 * <pre>
 * &#64;ScratchDir
 * Path dir;
 * </pre>
 */
@Target({ElementType.FIELD, ElementType.PARAMETER})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@TempDir(factory = ScratchDirFactory.class)
public @interface ScratchDir
{
}
