package org.pkram.mem;

import org.junit.jupiter.api.Test;
import org.pkram.ChildJvm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The flag check judges what the JVM can do, not how its flags were spelled: each case runs the check
 * in a child JVM started the way a user might start one.
 */
class JvmFlagsTest
{
    private static final String UNSAFE_ALLOW = "--sun-misc-unsafe-memory-access=allow";

    /**
     * The child: runs the check and prints "ok", or the check's message and exits 1.
     */
    public static final class Probe
    {
        private Probe()
        {
        }

        /**
         * @param args none.
         */
        public static void main(final String[] args)
        {
            try
            {
                JvmFlags.check();
                System.out.println("ok");
            }
            catch (final IllegalStateException ex)
            {
                System.out.println(ex.getMessage());
                System.exit(1);
            }
        }
    }

    @Test
    void shouldAcceptTheFlagsGivenInJdkJavaOptions() throws Exception
    {
        final ChildJvm.Result result = ChildJvm.run(List.of(), Map.of("JDK_JAVA_OPTIONS",
            String.join(" ", JvmFlags.required())), Probe.class);

        assertEquals(0, result.exitCode(), result.toString());
        assertEquals("ok", result.stdout().strip());
        assertTrue(result.stderr().contains("Picked up JDK_JAVA_OPTIONS"), "the flags came from the environment");
    }

    @Test
    void shouldAcceptUnsafeMemoryAccessWarnTheJdk25Default() throws Exception
    {
        final List<String> flags = replaced(UNSAFE_ALLOW, "--sun-misc-unsafe-memory-access=warn");

        final ChildJvm.Result result = ChildJvm.run(flags, Map.of(), Probe.class);

        assertEquals(0, result.exitCode(), result.toString());
        assertEquals("ok", result.stdout().strip());
    }

    @Test
    void shouldAcceptNoUnsafeMemoryAccessFlagOnJdk25() throws Exception
    {
        final List<String> flags = replaced(UNSAFE_ALLOW, null);

        final ChildJvm.Result result = ChildJvm.run(flags, Map.of(), Probe.class);

        assertEquals(0, result.exitCode(), result.toString());
        assertEquals("ok", result.stdout().strip());
    }

    @Test
    void shouldNameTheUnsafeFlagWhenMemoryAccessIsDenied() throws Exception
    {
        final List<String> flags = replaced(UNSAFE_ALLOW, "--sun-misc-unsafe-memory-access=deny");

        final ChildJvm.Result result = ChildJvm.run(flags, Map.of(), Probe.class);

        assertEquals(1, result.exitCode(), result.toString());
        assertEquals(expectedMessage(UNSAFE_ALLOW), result.stdout().strip());
    }

    @Test
    void shouldNameExactlyTheMissingOpensFlag() throws Exception
    {
        final String opens = "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED";
        final List<String> flags = replaced(opens, null);

        final ChildJvm.Result result = ChildJvm.run(flags, Map.of(), Probe.class);

        assertEquals(1, result.exitCode(), result.toString());
        assertEquals(expectedMessage(opens), result.stdout().strip());
    }

    @Test
    void shouldNameTheNativeAccessFlagWhenNativeAccessIsOff() throws Exception
    {
        final String nativeAccess = "--enable-native-access=ALL-UNNAMED";
        final List<String> flags = replaced(nativeAccess, null);

        final ChildJvm.Result result = ChildJvm.run(flags, Map.of(), Probe.class);

        assertEquals(1, result.exitCode(), result.toString());
        assertEquals(expectedMessage(nativeAccess), result.stdout().strip());
    }

    @Test
    void shouldJudgeTheUnsafeMemoryAccessMode()
    {
        assertTrue(JvmFlags.unsafeMemoryAccessAllowed("allow", 25));
        assertTrue(JvmFlags.unsafeMemoryAccessAllowed("warn", 25));
        assertTrue(JvmFlags.unsafeMemoryAccessAllowed("debug", 25));
        assertTrue(JvmFlags.unsafeMemoryAccessAllowed(null, 25), "JDK 25's default is warn");
        assertFalse(JvmFlags.unsafeMemoryAccessAllowed("deny", 25));
        assertFalse(JvmFlags.unsafeMemoryAccessAllowed(null, 26), "a later default may be deny");
        assertTrue(JvmFlags.unsafeMemoryAccessAllowed("allow", 26));
    }

    private static List<String> replaced(final String flag, final String replacement)
    {
        final List<String> flags = new ArrayList<>(JvmFlags.required());
        assertTrue(flags.contains(flag), "the build requires " + flag);
        if (replacement == null)
        {
            flags.remove(flag);
        }
        else
        {
            flags.set(flags.indexOf(flag), replacement);
        }
        return flags;
    }

    private static String expectedMessage(final String missing)
    {
        return "pkram needs these JVM flags on JDK 25, missing: " + missing + "; start the JVM with: " +
            String.join(" ", JvmFlags.required());
    }

    @Test
    void shouldSplitTheListOnAnyWhiteSpace()
    {
        assertEquals(List.of("--a=1", "--b", "-c"), JvmFlags.words("  --a=1\t--b\n\n-c \n"));
        assertEquals(List.of(), JvmFlags.words(" \n"));
        assertEquals(List.of("x"), JvmFlags.words("x"));
    }

    @Test
    void shouldHoldTheSameListAsTheResourceTheLauncherReads()
    {
        assertEquals(JvmFlags.requiredByResource(), JvmFlags.required());
        assertTrue(JvmFlags.required().contains("--enable-native-access=ALL-UNNAMED"), JvmFlags.required().toString());
    }
}
