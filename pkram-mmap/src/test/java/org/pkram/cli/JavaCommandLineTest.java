package org.pkram.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The class path {@code pkram exec} reads off a java command line for its AOT cache, as the launcher builds it.
 */
class JavaCommandLineTest
{
    @TempDir
    Path dir;

    @Test
    void shouldTakeTheLastClassPathOptionResolvedWhereTheChildRuns() throws IOException
    {
        final List<String> jvm = JavaCommandLine.jvmPart(List.of("java", "-cp", "old.jar", "-Xmx1g",
            "--class-path=a.jar::lib/b.jar", "Main", "-cp", "app-arg"));

        assertEquals(List.of("-cp", "old.jar", "-Xmx1g", "--class-path=a.jar::lib/b.jar", "Main"), jvm);
        assertEquals(List.of(dir.resolve("a.jar"), dir, dir.resolve("lib/b.jar")),
            JavaCommandLine.classPath(jvm, Map.of(), dir));
    }

    @Test
    void shouldFallBackOnClasspathThenTheCurrentDirectory() throws IOException
    {
        final List<String> jvm = List.of("-Xmx1g", "Main");

        assertEquals(List.of(dir.resolve("env.jar")), JavaCommandLine.classPath(jvm, Map.of("CLASSPATH", "env.jar"),
            dir));
        assertEquals(List.of(dir), JavaCommandLine.classPath(jvm, Map.of(), dir));
    }

    @Test
    void shouldExpandAWildcardToTheJarsOfItsDirectorySorted() throws IOException
    {
        Files.createDirectories(dir.resolve("lib"));
        Files.writeString(dir.resolve("lib/z.jar"), "");
        Files.writeString(dir.resolve("lib/a.JAR"), "");
        Files.writeString(dir.resolve("lib/notes.txt"), "");

        assertEquals(List.of(dir.resolve("lib/a.JAR"), dir.resolve("lib/z.jar")),
            JavaCommandLine.classPath(List.of("-cp", "lib/*", "Main"), Map.of(), dir));
    }

    @Test
    void shouldTakeAJarAndTheClassPathOfItsManifest() throws IOException
    {
        final Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, "lib/dep.jar  other.jar");
        Files.createDirectories(dir.resolve("app"));
        try (OutputStream out = Files.newOutputStream(dir.resolve("app/app.jar"));
            JarOutputStream jar = new JarOutputStream(out, manifest))
        {
            jar.flush();
        }

        assertEquals(List.of(dir.resolve("app/app.jar"), dir.resolve("app/lib/dep.jar"), dir.resolve("app/other.jar")),
            JavaCommandLine.classPath(List.of("-cp", "ignored.jar", "-jar", "app/app.jar"), Map.of(), dir));
    }

    @Test
    void shouldReadArgfilesAsTheLauncherDoes() throws IOException
    {
        final Path args = dir.resolve("jvm.args");
        Files.writeString(args, """
            # flags for the service
            -Xmx2g  "-Dtitle=a b"
            -cp 'x.jar:y.jar'
            """);

        final List<String> jvm = JavaCommandLine.jvmPart(List.of("java", "@" + args, "@@literal", "Main", "@app"));

        assertEquals(List.of("-Xmx2g", "-Dtitle=a b", "-cp", "x.jar:y.jar", "@literal", "Main"), jvm);
        assertEquals(List.of(dir.resolve("x.jar"), dir.resolve("y.jar")), JavaCommandLine.classPath(jvm, Map.of(),
            dir));
    }

    @Test
    void shouldFindModulesAndDirectoriesOfClasses() throws IOException
    {
        assertEquals("-p", JavaCommandLine.moduleOption(List.of("-Xmx1g", "-p", "mods", "-m", "app/Main")));
        assertEquals("--module=app", JavaCommandLine.moduleOption(List.of("--module=app")));
        assertNull(JavaCommandLine.moduleOption(List.of("-cp", "app.jar", "Main")));

        Files.createDirectories(dir.resolve("empty"));
        Files.createDirectories(dir.resolve("classes/org"));
        Files.writeString(dir.resolve("app.jar"), "");
        assertNull(JavaCommandLine.nonEmptyDirectory(List.of(dir.resolve("app.jar"), dir.resolve("empty"),
            dir.resolve("missing"))));
        assertEquals(dir.resolve("classes"), JavaCommandLine.nonEmptyDirectory(List.of(dir.resolve("empty"),
            dir.resolve("classes"))));
    }
}
