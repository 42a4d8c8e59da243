package org.pkram;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkram.mem.JvmFlags;
import org.pkram.testing.NotifyReceiver;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The service kit: the service's shutdown work runs inside pkram's reboot, first, so nothing races; a service
 * boots from its environment, is created on its first start, resumes on the next, and tells systemd.
 */
class ServiceKitTest
{
    @TempDir
    Path dir;

    @Test
    void shouldRunTheServicesShutdownWorkFirstThenSealWhatItSaved()
    {
        final Path file = Images.format(dir, Images.SMALL);
        final List<String> order = new ArrayList<>();
        final Pkram pk = Pkram.boot(PkramOptions.of(file).shutdownHook(false));
        pk.onShutdown(() ->
        {
            order.add("save:" + pk.isClosed());
            Versions.save(pk, "state", 4, 3);
        });
        pk.onShutdown(() ->
        {
            order.add("fail");
            throw new IllegalStateException("a callback that fails");
        });
        pk.onShutdown(() -> order.add("last"));
        pk.close();
        pk.close();
        assertEquals(List.of("save:false", "fail", "last"), order, "in order, once, before the seal");
        try (Pkram next = Pkram.boot(PkramOptions.of(file).shutdownHook(false)))
        {
            assertEquals(List.of("state"), next.nodeNames(), "what the callback saved is in the sealed image");
            assertEquals(Versions.all(4, 3), Versions.liveVersions(next, "state"));
        }
    }

    @Test
    void shouldRunTheCallbackInPkramsShutdownHookBeforeItSeals() throws Exception
    {
        final Path file = Images.format(dir, Images.SMALL);
        final ChildJvm.Result child = ChildJvm.run(ServiceChild.class, "hook", file.toString());
        assertEquals(0, child.exitCode(), child.stderr());
        try (Pkram pk = Pkram.boot(PkramOptions.of(file).shutdownHook(false)))
        {
            assertEquals(List.of("from-hook"), pk.nodeNames());
            assertTrue(pk.bootMessages().getFirst().contains("sealed by an orderly reboot"),
                pk.bootMessages().toString());
            assertEquals(Versions.all(5, 2), Versions.liveVersions(pk, "from-hook"));
        }
    }

    @Test
    void shouldBootFromTheEnvironmentCreateResumeAndNotifySystemd() throws Exception
    {
        final Path file = dir.resolve("svc.mem");
        try (NotifyReceiver systemd = NotifyReceiver.bind(dir.resolve("notify")))
        {
            final Map<String, String> env = Map.of("PKRAM_MEM", file.toString(), "PKRAM_SIZE", "16M",
                "NOTIFY_SOCKET", systemd.address());
            final ChildJvm.Result first = ChildJvm.run(JvmFlags.required(), env, ServiceChild.class, "env");
            assertEquals(0, first.exitCode(), first.stderr());
            assertEquals(16L << 20, Files.size(file));
            assertTrue(first.stdout().contains("messages [created the memory file: path=" + file), first.stdout());
            assertTrue(first.stdout().contains("names []"), first.stdout());
            final NotifyReceiver.Message ready = systemd.receive();
            assertNotNull(ready, "READY=1 once booted");
            assertTrue(ready.text().startsWith("READY=1\nSTATUS=started empty"), ready.text());
            final NotifyReceiver.Message stopping = systemd.receive();
            assertNotNull(stopping, "STOPPING=1 at the reboot");
            assertEquals("STOPPING=1", stopping.text());

            final ChildJvm.Result second = ChildJvm.run(JvmFlags.required(), env, ServiceChild.class, "env");
            assertEquals(0, second.exitCode(), second.stderr());
            assertTrue(second.stdout().contains("names [run-0]"), second.stdout());
            assertTrue(systemd.receive().text().startsWith("READY=1\nSTATUS=resumed the image"));
            assertEquals("STOPPING=1", systemd.receive().text());
            assertNull(systemd.receive(), "nothing else");
        }
        final ChildJvm.Result third = ChildJvm.run(JvmFlags.required(), Map.of("PKRAM_MEM", file.toString()),
            ServiceChild.class, "env");
        assertEquals(0, third.exitCode(), third.stderr());
        assertTrue(third.stdout().contains("names [run-0, run-1]"), third.stdout());
    }
}
