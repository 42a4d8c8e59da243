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
 * {@code org/pkram/jvm-flags.txt}, from which surefire, the JMH forks and the launcher all take it, and into
 * {@link JvmFlagList}, from which this class takes it.
 * Without the flags, Agrona and Chronicle Bytes fail late with an {@code IllegalAccessError} deep in
 * a call; {@link #check()} fails at once instead, naming the exact flags that are missing.
 */
public final class JvmFlags
{
    private static final String RESOURCE = "/org/pkram/jvm-flags.txt";
    private static final String ADD_EXPORTS = "--add-exports=";
    private static final String ADD_OPENS = "--add-opens=";
    private static final String ENABLE_NATIVE_ACCESS = "--enable-native-access=";
    private static final String UNSAFE_MEMORY_ACCESS = "--sun-misc-unsafe-memory-access=";
    private static final String UNSAFE_MEMORY_ACCESS_PROPERTY = "sun.misc.unsafe.memory.access";

    /** The last JDK whose default for {@code --sun-misc-unsafe-memory-access} is known to be {@code warn}. */
    private static final int LAST_FEATURE_WARNING_BY_DEFAULT = 25;
    private static volatile boolean checked;

    private JvmFlags()
    {
    }

    /**
     * @return the flags every JVM that loads pkram must be started with, in order: the build's
     *         {@code pkram.jvm.flags}, compiled in ({@link JvmFlagList}), the same list as the resource
     *         {@value #RESOURCE}.
     */
    public static List<String> required()
    {
        return words(JvmFlagList.FLAGS);
    }

    /**
     * @return the flags of the resource {@value #RESOURCE}, which the launcher and the benchmarks read: the same
     *         as {@link #required()} in a consistent build.
     */
    static List<String> requiredByResource()
    {
        try (InputStream in = JvmFlags.class.getResourceAsStream(RESOURCE))
        {
            if (in == null)
            {
                throw new IllegalStateException("missing resource " + RESOURCE + ": a broken build");
            }
            return words(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot read " + RESOURCE, ex);
        }
    }

    /**
     * Split on white space by hand: every boot checks the flags, and {@code String.split("\\s+")} would load
     * and compile {@code java.util.regex} in a fresh JVM for it.
     *
     * @param text the flags, separated by blanks or newlines.
     * @return the words, in order.
     */
    static List<String> words(final String text)
    {
        final List<String> words = new ArrayList<>();
        int start = -1;
        for (int i = 0; i <= text.length(); i++)
        {
            final boolean blank = i == text.length() || Character.isWhitespace(text.charAt(i));
            if (blank && start >= 0)
            {
                words.add(text.substring(start, i));
                start = -1;
            }
            else if (!blank && start < 0)
            {
                start = i;
            }
        }
        return List.copyOf(words);
    }

    /**
     * The required flags whose effect this JVM lacks. Each flag is judged by what the JVM can do, not by
     * how it was spelled, so a flag given in {@code JDK_JAVA_OPTIONS}, in an {@code @argfile} or in an
     * equivalent form counts:
     * <ul>
     * <li>{@code --add-exports=M/P=ALL-UNNAMED} and {@code --add-opens=...}: module {@code M} exports (opens)
     *     {@code P} to pkram's module ({@link Module#isExported(String, Module)}, {@link Module#isOpen});</li>
     * <li>{@code --enable-native-access=...}: {@link Module#isNativeAccessEnabled()} of pkram's module;</li>
     * <li>{@code --sun-misc-unsafe-memory-access=...}: the memory-access methods of {@code sun.misc.Unsafe}
     *     are not denied: the mode the JVM reports in the system property
     *     {@code sun.misc.unsafe.memory.access} is {@code allow}, {@code warn} or {@code debug}, or, when
     *     none was given, the JDK's default is {@code warn} (JDK 24 and 25, JEP 498); a later JDK, whose
     *     default may be {@code deny}, needs the flag;</li>
     * <li>any other flag: it is among the JVM's input arguments, {@code JDK_JAVA_OPTIONS} included.</li>
     * </ul>
     *
     * @return the required flags this JVM was started without (empty when all are in effect).
     */
    public static List<String> missing()
    {
        final Module self = JvmFlags.class.getModule();
        final List<String> missing = new ArrayList<>();
        List<String> inputArguments = null;
        for (final String flag : required())
        {
            final boolean present;
            if (flag.startsWith(ADD_EXPORTS) || flag.startsWith(ADD_OPENS))
            {
                present = isExportedOrOpen(flag, self);
            }
            else if (flag.startsWith(ENABLE_NATIVE_ACCESS))
            {
                present = self.isNativeAccessEnabled();
            }
            else if (flag.startsWith(UNSAFE_MEMORY_ACCESS))
            {
                present = unsafeMemoryAccessAllowed(System.getProperty(UNSAFE_MEMORY_ACCESS_PROPERTY),
                    Runtime.version().feature());
            }
            else
            {
                if (inputArguments == null)
                {
                    inputArguments = ManagementFactory.getRuntimeMXBean().getInputArguments();
                }
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
     * Whether {@code sun.misc.Unsafe}'s memory-access methods work in this JVM.
     *
     * @param mode    the value of {@code sun.misc.unsafe.memory.access}, or null when no flag set it.
     * @param feature the JDK's feature release number.
     * @return false for {@code deny}, and for no flag on a JDK whose default is not known to be {@code warn}.
     */
    static boolean unsafeMemoryAccessAllowed(final String mode, final int feature)
    {
        if (mode == null)
        {
            return feature <= LAST_FEATURE_WARNING_BY_DEFAULT;
        }
        return switch (mode)
        {
            case "allow", "warn", "debug" -> true;
            default -> false;
        };
    }

    private static boolean isExportedOrOpen(final String flag, final Module self)
    {
        // --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED
        final int eq = flag.indexOf('=');
        final int slash = flag.indexOf('/', eq);
        final int targetEq = flag.indexOf('=', slash);
        if (eq < 0 || slash < 0 || targetEq < 0)
        {
            throw new IllegalStateException("malformed flag in " + RESOURCE + ": " + flag);
        }
        final String moduleName = flag.substring(eq + 1, slash);
        final String packageName = flag.substring(slash + 1, targetEq);
        final Module module = ModuleLayer.boot().findModule(moduleName).orElse(null);
        if (module == null)
        {
            return false;
        }
        return flag.startsWith(ADD_OPENS) ? module.isOpen(packageName, self) : module.isExported(packageName, self);
    }
}
