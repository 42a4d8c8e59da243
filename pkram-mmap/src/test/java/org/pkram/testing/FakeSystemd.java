package org.pkram.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * systemd's service manager without systemd, for the handover tests: runs a command under
 * {@code src/test/c/fake_systemd.c} (a notify socket, the file descriptor store, restarts with
 * {@code LISTEN_FDS}), compiled with {@link CPrograms}, and reads back its event lines.
 */
public final class FakeSystemd
{
    /** How long one whole run under the stand-in may take. */
    private static final long TIMEOUT_SECONDS = 120;

    private FakeSystemd()
    {
    }

    /**
     * One line of output: the stand-in's events ({@code start}, {@code ready}, {@code fdstore}, {@code exit}...,
     * see {@code fake_systemd.c}) and the service's own lines, in the order they reached the pipe.
     *
     * @param kind   the first word.
     * @param fields its {@code key=value} words (a value runs to the next space; {@code text=} and
     *               {@code line=} to the end of the line).
     * @param line   the whole line.
     */
    public record Event(String kind, Map<String, String> fields, String line)
    {
        /**
         * @param key a field.
         * @return its value, or null.
         */
        public String get(final String key)
        {
            return fields.get(key);
        }
    }

    /**
     * Run {@code command} under the stand-in and wait for it to end.
     *
     * @param fakeSystemd the compiled stand-in.
     * @param options     its options ({@code --runs N}, {@code --after-ready KILL}...).
     * @param command     the service and its arguments.
     * @return the events, in order; the stand-in's exit status is the last, as an event {@code exitcode}.
     * @throws IOException          when it cannot be started.
     * @throws InterruptedException when interrupted.
     */
    public static List<Event> run(final Path fakeSystemd, final List<String> options, final List<String> command)
        throws IOException, InterruptedException
    {
        final List<String> argv = new ArrayList<>();
        argv.add(fakeSystemd.toString());
        argv.addAll(options);
        argv.add("--");
        argv.addAll(command);
        final Process process = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new AssertionError("fake_systemd did not end: " + out);
        }
        final List<Event> events = parse(out);
        events.add(new Event("exitcode", Map.of("code", Integer.toString(process.exitValue())), "exitcode"));
        return events;
    }

    /**
     * @param output lines of {@code fake_systemd.c} and of the service.
     * @return one event per line.
     */
    public static List<Event> parse(final String output)
    {
        final List<Event> events = new ArrayList<>();
        for (final String line : output.split("\n"))
        {
            if (line.isEmpty())
            {
                continue;
            }
            final String[] words = line.split(" ");
            final Map<String, String> fields = new LinkedHashMap<>();
            for (int i = 1; i < words.length; i++)
            {
                final int eq = words[i].indexOf('=');
                if (eq > 0)
                {
                    final String key = words[i].substring(0, eq);
                    final boolean toEnd = key.equals("text") || key.equals("line");
                    final String value = toEnd ? line.substring(line.indexOf(words[i]) + eq + 1) :
                        words[i].substring(eq + 1);
                    fields.put(key, value);
                    if (toEnd)
                    {
                        break;
                    }
                }
            }
            events.add(new Event(words[0], fields, line));
        }
        return events;
    }

    /**
     * @param events the events.
     * @param kind   a kind.
     * @return those of that kind, in order.
     */
    public static List<Event> of(final List<Event> events, final String kind)
    {
        return events.stream().filter(e -> e.kind().equals(kind)).toList();
    }
}
