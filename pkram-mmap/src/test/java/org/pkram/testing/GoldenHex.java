package org.pkram.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a golden hex file from {@code src/test/resources/golden/}: {@code #} starts a comment, blank lines are
 * skipped, and each remaining line is split on white space. The golden page and golden image tests give the
 * tokens their meaning.
 */
public final class GoldenHex
{
    /**
     * One line with content.
     *
     * @param number the line's number in the file, from 1.
     * @param tokens its tokens.
     */
    public record Line(int number, String[] tokens)
    {
    }

    private GoldenHex()
    {
    }

    /**
     * @param name the file's name under {@code /golden/}.
     * @return its lines with content, in order.
     */
    public static List<Line> lines(final String name)
    {
        final String text;
        try (InputStream in = GoldenHex.class.getResourceAsStream("/golden/" + name))
        {
            if (in == null)
            {
                throw new AssertionError("missing golden file: " + name);
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot read golden file: " + name, ex);
        }
        final List<Line> lines = new ArrayList<>();
        int number = 0;
        for (final String raw : text.split("\n"))
        {
            number++;
            final int hash = raw.indexOf('#');
            final String line = (hash >= 0 ? raw.substring(0, hash) : raw).strip();
            if (!line.isEmpty())
            {
                lines.add(new Line(number, line.split("\\s+")));
            }
        }
        return lines;
    }
}
