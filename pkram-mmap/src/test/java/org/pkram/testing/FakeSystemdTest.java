package org.pkram.testing;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pkram.testing.FakeSystemd.of;

/**
 * The stand-in for systemd ({@code src/test/c/fake_systemd.c}) does what the handover tests need of systemd,
 * checked with the smallest service that keeps a counter in a memfd it stores there
 * ({@code src/test/c/fdstore_service.c}): the stored descriptor comes back at every start, after a SIGTERM
 * and after a kill -9; a descriptor already stored is not stored twice; a message that is not an assignment,
 * or that comes from another process than the service's main one, stores nothing; and a descriptor of the
 * wrong kind comes back as it was stored, for the service to refuse.
 */
class FakeSystemdTest
{
    @TempDir
    static Path bin;

    private static Path fakeSystemd;
    private static Path service;

    @BeforeAll
    static void compile() throws Exception
    {
        fakeSystemd = CPrograms.compile("fake_systemd.c", bin);
        service = CPrograms.compile("fdstore_service.c", bin);
    }

    @Test
    void shouldHandTheStoredMemfdBackAtEachStartAfterAKillMinus9() throws Exception
    {
        final List<FakeSystemd.Event> events = FakeSystemd.run(fakeSystemd,
            List.of("--runs", "3", "--after-ready", "KILL"), List.of(service.toString()));

        assertEquals(List.of("counter 1", "counter 2", "counter 3"), counters(events), events.toString());
        final List<FakeSystemd.Event> starts = of(events, "start");
        assertEquals(List.of("0", "1", "1"), starts.stream().map(e -> e.get("fds")).toList());
        assertEquals(3, of(events, "exit").stream().filter(e -> "9".equals(e.get("signal"))).count());
        assertEquals(1, of(events, "fdstore").size(), "stored once");
        assertEquals(2, of(events, "fdstore-duplicate").size(), "the same memfd sent again is the same file");
        assertEquals("1", of(events, "done").get(0).get("stored"));
        assertEquals("0", of(events, "exitcode").get(0).get("code"));
    }

    @Test
    void shouldSeeStoppingAfterASigtermAndIgnoreALineThatIsNotAnAssignment() throws Exception
    {
        final List<FakeSystemd.Event> events = FakeSystemd.run(fakeSystemd,
            List.of("--runs", "2", "--after-ready", "TERM"), List.of(service.toString(), "--garble"));

        assertEquals(2, of(events, "stopping").size());
        assertEquals(List.of("0", "0"), of(events, "exit").stream().map(e -> e.get("status")).toList());
        assertEquals(2, of(events, "garbled").size());
        assertEquals("THIS IS NOT AN ASSIGNMENT", of(events, "garbled").get(0).get("line"));
        assertEquals("serving", of(events, "status").get(0).get("text"));
        assertEquals(List.of("counter 1", "counter 2"), counters(events));
    }

    @Test
    void shouldIgnoreADescriptorSentByAnotherProcessThanTheMainOne() throws Exception
    {
        final List<FakeSystemd.Event> events = FakeSystemd.run(fakeSystemd,
            List.of("--runs", "2", "--after-ready", "KILL"), List.of(service.toString(), "--stray"));

        final List<FakeSystemd.Event> ignored = of(events, "ignored");
        assertEquals(2, ignored.size());
        final List<String> mains = of(events, "start").stream().map(e -> e.get("pid")).toList();
        ignored.forEach(e -> assertTrue(!mains.contains(e.get("pid")), e.line()));
        assertEquals("1", of(events, "done").get(0).get("stored"));
        assertEquals(List.of("counter 1", "counter 2"), counters(events));
    }

    @Test
    void shouldPassAStoredDescriptorOfTheWrongKindBackAsItWasForTheServiceToRefuse() throws Exception
    {
        final List<FakeSystemd.Event> events = FakeSystemd.run(fakeSystemd,
            List.of("--runs", "2", "--after-ready", "KILL"), List.of(service.toString(), "--store-pipe"));

        final List<FakeSystemd.Event> errors = of(events, "error");
        assertEquals(1, errors.size(), events.toString());
        assertTrue(errors.get(0).line().startsWith("error descriptor 3 is not a memfd"), errors.get(0).line());
        assertEquals("1", of(events, "exit").get(1).get("status"));
        assertEquals("9", of(events, "exit").get(0).get("signal"));
    }

    @Test
    void shouldKillARunThatOutlivesItsTimeoutAndSaySo() throws Exception
    {
        final List<FakeSystemd.Event> events = FakeSystemd.run(fakeSystemd, List.of("--runs", "2", "--timeout", "1"),
            List.of("sleep", "30"));

        assertEquals(1, of(events, "timeout").size(), events.toString());
        assertEquals(1, of(events, "start").size(), "no second run after a timeout");
        assertEquals("3", of(events, "exitcode").get(0).get("code"));
    }

    private static List<String> counters(final List<FakeSystemd.Event> events)
    {
        return of(events, "counter").stream().map(FakeSystemd.Event::line).toList();
    }

    @Test
    void shouldRefuseAUsageItDoesNotKnow() throws Exception
    {
        final List<FakeSystemd.Event> events = FakeSystemd.run(fakeSystemd, List.of("--after-ready", "HUP"),
            List.of(service.toString()));

        assertEquals("2", of(events, "exitcode").get(0).get("code"));
        assertTrue(of(events, "start").isEmpty());
    }
}
