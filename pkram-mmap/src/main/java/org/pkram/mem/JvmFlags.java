package org.pkram.mem;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The JVM flags pkram's libraries need on JDK 25, and the check that they were given.
 * <p>
 * The list has one source: the {@code pkram.jvm.flags} property of the parent pom, filtered into
 * {@code org/pkram/jvm-flags.txt}, from which surefire, the JMH forks and the launcher all take it.
 * Without the flags, Agrona and Chronicle Bytes fail late with an {@code IllegalAccessError} deep in
 * a call; {@link #check()} fails at once instead, naming the exact flags that are missing.
 */
public final class JvmFlags
{
    private static final String RESOURCE = "/org/pkram/jvm-flags.txt";
    private static volatile boolean checked;

    private JvmFlags()
    {
    }

    /**
     * @return the flags every JVM that loads pkram must be started with, in order.
     */
    public static List<String> required()
    {
        try (InputStream in = JvmFlags.class.getResourceAsStream(RESOURCE))
        {
            if (in == null)
            {
                throw new IllegalStateException("missing resource " + RESOURCE + ": a broken build");
            }
            final String text = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            return List.of(text.split("\\s+"));
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot read " + RESOURCE, ex);
        }
    }

    /**
     * @return the required flags this JVM was started without (empty when all are in effect).
     */
    public static List<String> missing()
    {
        final Module self = JvmFlags.class.getModule();
        final Module base = Object.class.getModule();
        final List<String> inputArguments = inputArguments();
        final List<String> missing = new ArrayList<>();
        for (final String flag : required())
        {
            final boolean present;
            if (flag.startsWith("--add-exports=java.base/"))
            {
                present = base.isExported(packageOf(flag), self);
            }
            else if (flag.startsWith("--add-opens=java.base/"))
            {
                present = base.isOpen(packageOf(flag), self);
            }
            else if (flag.startsWith("--enable-native-access="))
            {
                present = self.isNativeAccessEnabled();
            }
            else
            {
                present = inputArguments.contains(flag);
            }
            if (!present)
            {
                missing.add(flag);
            }
        }
        return missing;
    }

    /**
     * Fails fast when a required flag is missing. Cheap after the first successful call.
     *
     * @throws IllegalStateException naming the missing flags and the full list to use.
     */
    public static void check()
    {
        if (checked)
        {
            return;
        }
        final List<String> missing = missing();
        if (!missing.isEmpty())
        {
            throw new IllegalStateException("pkram needs these JVM flags on JDK 25, missing: " +
                String.join(" ", missing) + "; start the JVM with: " + String.join(" ", required()));
        }
        checked = true;
    }

    /**
     * The JVM's own arguments: from {@code /proc/self/cmdline} where there is one (JMX costs a cold JVM
     * ~20 ms), else from the runtime MXBean.
     */
    private static List<String> inputArguments()
    {
        try
        {
            final byte[] cmdline = java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc/self/cmdline"));
            return List.of(new String(cmdline, StandardCharsets.UTF_8).split("\0"));
        }
        catch (final IOException | RuntimeException ex)
        {
            return ManagementFactory.getRuntimeMXBean().getInputArguments();
        }
    }

    private static String packageOf(final String flag)
    {
        // --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED -> jdk.internal.misc
        final int slash = flag.indexOf('/');
        final int eq = flag.indexOf('=', slash);
        return flag.substring(slash + 1, eq);
    }
}
