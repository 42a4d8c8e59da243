package org.pkram.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * This test JVM's class path as jar files only, for a child JVM that makes a JDK AOT cache (the JDK takes classes
 * from jars only, and a training run with a directory of classes fails): the entries of a manifest-only jar (how
 * surefire passes a long class path) read out, and every directory packed into a jar of its own.
 */
final class JarClassPath
{
    private JarClassPath()
    {
    }

    /**
     * @param dir where the jars of directories go.
     * @return the class path, {@code :}-separated.
     * @throws IOException when a directory cannot be packed.
     */
    static String of(final Path dir) throws IOException
    {
        final List<String> entries = new ArrayList<>();
        for (final String entry : System.getProperty("java.class.path").split(":"))
        {
            for (final Path path : expand(Path.of(entry)))
            {
                entries.add(Files.isDirectory(path) ? pack(path, dir.resolve(entries.size() + ".jar")).toString() :
                    path.toString());
            }
        }
        return String.join(":", entries);
    }

    /** A jar with a {@code Class-Path} and no classes stands for its entries. */
    private static List<Path> expand(final Path entry) throws IOException
    {
        if (!Files.isRegularFile(entry))
        {
            return List.of(entry);
        }
        try (JarFile jar = new JarFile(entry.toFile()))
        {
            final Manifest manifest = jar.getManifest();
            final String classPath = manifest == null ? null :
                manifest.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
            if (classPath == null || jar.stream().anyMatch(e -> e.getName().endsWith(".class")))
            {
                return List.of(entry);
            }
            final List<Path> paths = new ArrayList<>();
            for (final String url : classPath.trim().split("\\s+"))
            {
                paths.add(url.startsWith("file:") ? Path.of(URI.create(url)) : entry.resolveSibling(url));
            }
            return paths;
        }
    }

    private static Path pack(final Path classes, final Path jar) throws IOException
    {
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream jarOut = new JarOutputStream(out);
            Stream<Path> files = Files.walk(classes))
        {
            for (final Path file : files.filter(Files::isRegularFile).sorted().toList())
            {
                jarOut.putNextEntry(new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
                jarOut.write(Files.readAllBytes(file));
                jarOut.closeEntry();
            }
        }
        return jar;
    }
}
