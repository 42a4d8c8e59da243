package org.pkram;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkram.testing.CPrograms;
import org.pkram.testing.FakeSystemd;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pkram.testing.FakeSystemd.of;

/**
 * A Java service whose memory is a memfd kept in systemd's fd store (DESIGN section 8), played by
 * {@code src/test/c/fake_systemd.c}: the memfd is created at the first start, stored with {@code FDSTORE=1}
 * before {@code READY=1}, and handed back through {@code LISTEN_FDS} at every start; the state survives SIGTERM
 * and kill -9 that way, with nothing on any file system. A descriptor of the wrong kind and a notify socket
 * nobody listens on are clear errors that lose nothing.
 */
class MemfdServiceTest
{
    @TempDir
    static Path bin;

    private static Path fakeSystemd;
    private static Path cService;

    @BeforeAll
    static void compile() throws Exception
    {
        fakeSystemd = CPrograms.compile("fake_systemd.c", bin);
        cService = CPrograms.compile("fdstore_service.c", bin);
    }

    @Test
    void shouldGetTheMemfdBackFromTheFdStoreAfterEachKillMinus9() throws Exception
    {
        final List<FakeSystemd.Event> events = FakeSystemd.run(fakeSystemd,
            List.of("--runs", "3", "--after-ready", "KILL", "--timeout", "60"), service());

        assertEquals(List.of("counter 1", "counter 2", "counter 3"), counters(events), events.toString());
        assertEquals(List.of("0", "1", "1"), of(events, "start").stream().map(e -> e.get("fds")).toList());
        assertEquals(1, of(events, "fdstore").size(), "stored once, at the first start");
        assertEquals("pkram", of(events, "fdstore").get(0).get("name"));
        assertEquals(2, of(events, "fdstore-duplicate").size(), "sent again at each start: the same memfd");
        assertEquals(3, of(events, "ready").size());
        assertEquals(3, of(events, "exit").stream().filter(e -> "9".equals(e.get("signal"))).count());
        assertEquals("0", of(events, "exitcode").get(0).get("code"));
    }

    @Test
    void shouldGetTheMemfdBackAfterSigtermWithStoppingSent() throws Exception
    {
        final List<FakeSystemd.Event> events = FakeSystemd.run(fakeSystemd,
            List.of("--runs", "2", "--after-ready", "TERM", "--timeout", "60"), service());

        assertEquals(List.of("counter 1", "counter 2"), counters(events), events.toString());
        assertEquals(2, of(events, "stopping").size(), "STOPPING=1 from pkram's reboot at each SIGTERM");
        assertEquals(List.of("143", "143"), of(events, "exit").stream().map(e -> e.get("status")).toList());
    }

    @Test
    void shouldRefuseAStoredDescriptorThatIsNotAMemfdAndSaySo() throws Exception
    {
        // The first run stores a pipe as "pkram" (the C service); the second, the Java service, must refuse it.
        final List<String> command = new ArrayList<>(List.of("sh", "-c",
            "if [ -n \"$LISTEN_FDS\" ]; then exec \"$@\"; else exec " + cService + " --store-pipe; fi", "sh"));
        command.addAll(service());
        final List<FakeSystemd.Event> events = FakeSystemd.run(fakeSystemd,
            List.of("--runs", "2", "--after-ready", "KILL", "--timeout", "60"), command);

        final List<FakeSystemd.Event> errors = of(events, "error");
        assertEquals(1, errors.size(), events.toString());
        assertTrue(errors.get(0).line().contains("memory descriptor is not a memfd or a regular file: " +
            "path=/proc/self/fd/3"), errors.get(0).line());
        assertEquals("1", of(events, "exit").get(1).get("status"));
    }

    @Test
    void shouldFailClearlyAndLoseNothingWhenTheNotifySocketIsDeadOrGarbled() throws Exception
    {
        final Path dir = Files.createTempDirectory(bin, "closed");
        final Path mem = dir.resolve("svc.mem");
        final List<String> base = List.of("env", "PKRAM_MEM=" + mem, "PKRAM_SIZE=16M");
        final List<String> first = new ArrayList<>(base);
        first.addAll(ChildJvm.command(List.of(), MemfdServiceChild.class, List.of("--exit")));
        assertEquals(0, run(first).exitCode());

        final List<String> closed = new ArrayList<>(base);
        closed.add("NOTIFY_SOCKET=" + dir.resolve("nobody-listens"));
        closed.addAll(ChildJvm.command(List.of(), MemfdServiceChild.class, List.of("--exit")));
        final ChildJvm.Result refused = run(closed);
        assertEquals(1, refused.exitCode(), refused.toString());
        assertTrue(refused.stdout().startsWith("counter 2\nerror ") &&
            refused.stdout().contains("sd_notify sendmsg failed with ENOENT"), refused.stdout());

        final List<String> garbled = new ArrayList<>(base);
        garbled.add("NOTIFY_SOCKET=not a socket address");
        garbled.addAll(ChildJvm.command(List.of(), MemfdServiceChild.class, List.of("--exit")));
        final ChildJvm.Result refusedAgain = run(garbled);
        assertEquals(1, refusedAgain.exitCode(), refusedAgain.toString());
        assertTrue(refusedAgain.stdout().startsWith("error ") && refusedAgain.stdout().contains(
            "neither an absolute path nor an abstract name"), "refused before the boot: " + refusedAgain.stdout());

        final List<String> again = new ArrayList<>(base);
        again.addAll(ChildJvm.command(List.of(), MemfdServiceChild.class, List.of("--exit")));
        assertEquals("counter 3", run(again).stdout().strip(), "nothing lost: the run refused at READY=1 was closed " +
            "in order after its start-up, the garbled one touched nothing");
    }

    private static ChildJvm.Result run(final List<String> command) throws Exception
    {
        final Process process = new ProcessBuilder(command).start();
        process.getOutputStream().close();
        final String out = new String(process.getInputStream().readAllBytes());
        final String err = new String(process.getErrorStream().readAllBytes());
        return new ChildJvm.Result(process.waitFor(), out, err);
    }

    private static List<String> service()
    {
        final List<String> command = new ArrayList<>(List.of("env", "PKRAM_MEM=memfd:pkram", "PKRAM_SIZE=16M"));
        command.addAll(ChildJvm.command(List.of("-Xmx256m"), MemfdServiceChild.class, List.of()));
        return command;
    }

    private static List<String> counters(final List<FakeSystemd.Event> events)
    {
        return of(events, "counter").stream().map(FakeSystemd.Event::line).toList();
    }
}
