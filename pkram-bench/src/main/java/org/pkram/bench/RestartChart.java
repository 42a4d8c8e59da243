package org.pkram.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

import javax.imageio.ImageIO;

/**
 * Draws restart-to-ready time against size, one line per system, as a PNG (headless AWT): log-scale
 * milliseconds up, size in MiB across (log2 spacing, so 256, 1024, 4096 are evenly apart), a marker
 * at each median with a bar from the fastest to the slowest iteration, the median written at the
 * largest size, a legend, and the machine in the subtitle.
 */
final class RestartChart
{
    /** Width of the picture, pixels. */
    static final int WIDTH = 1100;

    /** Height of the picture, pixels. */
    static final int HEIGHT = 680;

    private static final int LEFT = 100;
    private static final int RIGHT = 200;
    private static final int TOP = 104;
    private static final int BOTTOM = 86;

    private static final Color[] PALETTE = {
        new Color(0xD6, 0x27, 0x28), // pkram: red, drawn thickest
        new Color(0x1F, 0x77, 0xB4),
        new Color(0x2C, 0xA0, 0x2C),
        new Color(0x94, 0x67, 0xBD),
        new Color(0xFF, 0x7F, 0x0E),
    };

    private RestartChart()
    {
    }

    /**
     * One point: the median and the range of the iterations, milliseconds.
     *
     * @param median median.
     * @param min    fastest iteration.
     * @param max    slowest iteration.
     */
    record Point(double median, double min, double max)
    {
    }

    /**
     * @param series   system name to (size MiB to point), in legend order; the first is pkram.
     * @param title    the title.
     * @param subtitle the lines under it (machine, JDK), separated by {@code \n}.
     * @param out      the PNG to write.
     * @throws IOException when it cannot be written.
     */
    static void draw(final Map<String, Map<Integer, Point>> series, final String title, final String subtitle,
        final Path out) throws IOException
    {
        System.setProperty("java.awt.headless", "true");
        final BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        final Graphics2D g = image.createGraphics();
        try
        {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            paint(g, series, title, subtitle);
        }
        finally
        {
            g.dispose();
        }
        ImageIO.write(image, "png", out.toFile());
    }

    private static void paint(final Graphics2D g, final Map<String, Map<Integer, Point>> series, final String title,
        final String subtitle)
    {
        final TreeSet<Integer> sizes = new TreeSet<>();
        double lo = Double.MAX_VALUE;
        double hi = 0;
        for (final Map<Integer, Point> points : series.values())
        {
            sizes.addAll(points.keySet());
            for (final Point p : points.values())
            {
                lo = Math.min(lo, p.min());
                hi = Math.max(hi, p.max());
            }
        }
        g.setColor(new Color(0x22, 0x22, 0x22));
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 22));
        g.drawString(title, LEFT, 38);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        g.setColor(new Color(0x55, 0x55, 0x55));
        final String[] subtitleLines = subtitle.split("\n");
        for (int i = 0; i < subtitleLines.length; i++)
        {
            g.drawString(subtitleLines[i], LEFT, 60 + 18 * i);
        }
        if (sizes.isEmpty())
        {
            g.drawString("no results", LEFT, TOP + 40);
            return;
        }
        final double yLo = niceBelow(lo * 0.9);
        final double yHi = niceAbove(hi * 1.1);
        final int decadeLo = (int)Math.floor(Math.log10(yLo));
        final double xLo = log2(sizes.first()) - 0.35;
        final double xHi = log2(sizes.last()) + 0.35;
        final int plotW = WIDTH - LEFT - RIGHT;
        final int plotH = HEIGHT - TOP - BOTTOM;
        final Axis axis = new Axis(xLo, xHi, yLo, yHi, plotW, plotH);

        // Grid: decades solid, 2x and 5x dotted.
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        final FontMetrics fm = g.getFontMetrics();
        for (int d = decadeLo; d <= (int)Math.round(Math.log10(yHi)); d++)
        {
            for (final int m : new int[] {1, 2, 5})
            {
                final double v = m * Math.pow(10, d);
                if (v < yLo || v > yHi)
                {
                    continue;
                }
                final double y = axis.y(v);
                g.setColor(m == 1 ? new Color(0xCC, 0xCC, 0xCC) : new Color(0xEE, 0xEE, 0xEE));
                g.setStroke(new BasicStroke(1f));
                g.draw(new Line2D.Double(LEFT, y, LEFT + plotW, y));
                g.setColor(new Color(0x44, 0x44, 0x44));
                final String label = axisLabel(v);
                g.drawString(label, LEFT - 10 - fm.stringWidth(label), (float)y + 5);
            }
        }
        for (final int size : sizes)
        {
            final double x = axis.x(log2(size));
            g.setColor(new Color(0xEE, 0xEE, 0xEE));
            g.draw(new Line2D.Double(x, TOP, x, TOP + plotH));
            g.setColor(new Color(0x44, 0x44, 0x44));
            final String label = sizeLabel(size);
            g.drawString(label, (float)(x - fm.stringWidth(label) / 2.0), TOP + plotH + 22);
        }
        g.setColor(new Color(0x88, 0x88, 0x88));
        g.draw(new Rectangle2D.Double(LEFT, TOP, plotW, plotH));

        // Axis titles.
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 15));
        g.setColor(new Color(0x22, 0x22, 0x22));
        final String xTitle = "state size (4 KiB values)";
        g.drawString(xTitle, LEFT + (plotW - g.getFontMetrics().stringWidth(xTitle)) / 2f, TOP + plotH + 52);
        final String yTitle = "restart to ready, ms (log scale)";
        final Graphics2D rotated = (Graphics2D)g.create();
        rotated.rotate(-Math.PI / 2);
        rotated.drawString(yTitle, -(TOP + (plotH + g.getFontMetrics().stringWidth(yTitle)) / 2f), 30);
        rotated.dispose();

        // Lines, bars, markers; the pkram line on top.
        final List<String> names = new ArrayList<>(series.keySet());
        for (int i = names.size() - 1; i >= 0; i--)
        {
            drawSeries(g, axis, series.get(names.get(i)), PALETTE[i % PALETTE.length], i == 0);
        }
        drawLegend(g, names, series, plotW);
    }

    private static void drawSeries(final Graphics2D g, final Axis axis, final Map<Integer, Point> points,
        final Color color, final boolean lead)
    {
        final Path2D.Double line = new Path2D.Double();
        boolean first = true;
        for (final Map.Entry<Integer, Point> e : new java.util.TreeMap<>(points).entrySet())
        {
            final double x = axis.x(log2(e.getKey()));
            final double y = axis.y(e.getValue().median());
            if (first)
            {
                line.moveTo(x, y);
                first = false;
            }
            else
            {
                line.lineTo(x, y);
            }
        }
        g.setColor(color);
        g.setStroke(new BasicStroke(lead ? 4f : 2.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        g.draw(line);
        g.setStroke(new BasicStroke(1.6f));
        for (final Map.Entry<Integer, Point> e : points.entrySet())
        {
            final double x = axis.x(log2(e.getKey()));
            final Point p = e.getValue();
            final double yMin = axis.y(p.min());
            final double yMax = axis.y(p.max());
            g.draw(new Line2D.Double(x, yMin, x, yMax));
            g.draw(new Line2D.Double(x - 5, yMin, x + 5, yMin));
            g.draw(new Line2D.Double(x - 5, yMax, x + 5, yMax));
            final double r = lead ? 7 : 5.5;
            final Shape dot = new Ellipse2D.Double(x - r, axis.y(p.median()) - r, 2 * r, 2 * r);
            g.fill(dot);
            g.setColor(Color.WHITE);
            g.setStroke(new BasicStroke(1.5f));
            g.draw(dot);
            g.setColor(color);
        }
    }

    private static void drawLegend(final Graphics2D g, final List<String> names,
        final Map<String, Map<Integer, Point>> series, final int plotW)
    {
        final int x = LEFT + plotW + 24;
        int y = TOP + 10;
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.setColor(new Color(0x22, 0x22, 0x22));
        final int largest = series.values().stream().flatMap(m -> m.keySet().stream()).max(Integer::compare).orElse(0);
        g.drawString("median at " + sizeLabel(largest), x, y);
        y += 14;
        for (int i = 0; i < names.size(); i++)
        {
            final Color color = PALETTE[i % PALETTE.length];
            y += 30;
            g.setColor(color);
            g.setStroke(new BasicStroke(i == 0 ? 4f : 2.5f));
            g.draw(new Line2D.Double(x, y - 5, x + 26, y - 5));
            g.fill(new Ellipse2D.Double(x + 8, y - 10, 10, 10));
            g.setFont(new Font(Font.SANS_SERIF, i == 0 ? Font.BOLD : Font.PLAIN, 15));
            g.setColor(new Color(0x22, 0x22, 0x22));
            g.drawString(names.get(i), x + 34, y);
            final Point atLargest = series.get(names.get(i)).get(largest);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
            g.setColor(new Color(0x55, 0x55, 0x55));
            g.drawString(atLargest == null ? "no result" : msLabel(atLargest.median()) + " ms", x + 34, y + 16);
            y += 10;
        }
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.setColor(new Color(0x77, 0x77, 0x77));
        y += 36;
        final String[] notes = {"dot: median", "bar: fastest to", "slowest iteration", "lower is better"};
        for (final String note : notes)
        {
            g.drawString(note, x, y);
            y += 16;
        }
    }

    /** The largest 1, 2 or 5 times a power of ten at or below {@code v}. */
    private static double niceBelow(final double v)
    {
        final double decade = Math.pow(10, Math.floor(Math.log10(v)));
        final double m = v / decade;
        return (m >= 5 ? 5 : m >= 2 ? 2 : 1) * decade;
    }

    /** The smallest 1, 2 or 5 times a power of ten at or above {@code v}. */
    private static double niceAbove(final double v)
    {
        final double decade = Math.pow(10, Math.floor(Math.log10(v)));
        final double m = v / decade;
        return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * decade;
    }

    private static String axisLabel(final double ms)
    {
        return ms >= 1 ? String.format(Locale.ROOT, "%,.0f", ms) : String.format(Locale.ROOT, "%.2g", ms);
    }

    static String msLabel(final double ms)
    {
        if (ms >= 100)
        {
            return String.format(Locale.ROOT, "%,.0f", ms);
        }
        if (ms >= 10)
        {
            return String.format(Locale.ROOT, "%.1f", ms);
        }
        if (ms >= 1)
        {
            return String.format(Locale.ROOT, "%.2f", ms);
        }
        return String.format(Locale.ROOT, "%.3g", ms);
    }

    static String sizeLabel(final int mib)
    {
        return mib >= 1024 && mib % 1024 == 0 ? (mib / 1024) + " GiB" : mib + " MiB";
    }

    private static double log2(final double v)
    {
        return Math.log(v) / Math.log(2);
    }

    /** Data to pixel mapping. */
    private record Axis(double xLo, double xHi, double yLo, double yHi, int plotW, int plotH)
    {
        double x(final double log2Size)
        {
            return LEFT + (log2Size - xLo) / (xHi - xLo) * plotW;
        }

        double y(final double ms)
        {
            final double f = (Math.log10(ms) - Math.log10(yLo)) / (Math.log10(yHi) - Math.log10(yLo));
            return TOP + plotH - f * plotH;
        }
    }
}
