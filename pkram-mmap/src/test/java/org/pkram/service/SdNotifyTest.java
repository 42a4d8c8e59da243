package org.pkram.service;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pkram.ChildJvm;
import org.pkram.error.Errno;
import org.pkram.error.InvalidArgumentException;
import org.pkram.error.PkramIOException;
import org.pkram.testing.NotifyReceiver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SdNotify} against a receiver that plays systemd's end of the notify socket
 * ({@link NotifyReceiver}: its own FFM code, {@code SO_PASSCRED} on): the exact bytes of a notification arrive
 * as one datagram, to a file system socket and to an abstract name; a descriptor arrives as one
 * {@code SCM_RIGHTS} descriptor of the same file; the kernel adds the sender's pid; a disabled notifier sends
 * nothing and needs no native access; a socket nobody listens on fails with the errno named, at once; an
 * address or a state systemd could not use is refused before anything is sent.
 */
class SdNotifyTest
{
    @TempDir
    Path dir;

    @Test
    void shouldSendReadyAsTheExactBytesOfOneDatagramWithTheSendersPid()
    {
        try (NotifyReceiver receiver = NotifyReceiver.bind(dir.resolve("notify")))
        {
            final SdNotify notify = SdNotify.of(receiver.address());
            assertTrue(notify.isEnabled());
            assertEquals(receiver.address(), notify.socket());

            notify.send("READY=1");

            final NotifyReceiver.Message message = received(receiver);
            assertArrayEquals("READY=1".getBytes(StandardCharsets.US_ASCII), message.payload(), message.text());
            assertEquals(0, message.fds().length);
            assertEquals(ProcessHandle.current().pid(), message.pid(), "SCM_CREDENTIALS, added by the kernel");
            assertFalse(message.truncated());
            assertNull(receiver.receive(), "one datagram only");
        }
    }

    @Test
    void shouldDeliverAMultiLineStateWholeInOneDatagram()
    {
        try (NotifyReceiver receiver = NotifyReceiver.bind(dir.resolve("notify")))
        {
            final SdNotify notify = SdNotify.of(receiver.address());
            notify.ready("booted: 3 nodes, 1.5 GiB, café");
            notify.send("FDSTORE=1\nFDNAME=pkram\nSTATUS=handing over\n");
            notify.stopping();
            final String longest = "STATUS=" + "x".repeat(SdNotify.MAX_STATE_BYTES - 7);
            notify.send(longest);

            assertArrayEquals("READY=1\nSTATUS=booted: 3 nodes, 1.5 GiB, café".getBytes(StandardCharsets.UTF_8),
                received(receiver).payload());
            assertEquals("FDSTORE=1\nFDNAME=pkram\nSTATUS=handing over\n", received(receiver).text());
            assertEquals("STOPPING=1", received(receiver).text());
            final NotifyReceiver.Message whole = received(receiver);
            assertEquals(SdNotify.MAX_STATE_BYTES, whole.payload().length);
            assertEquals(longest, whole.text());
            assertNull(receiver.receive());
        }
    }

    @Test
    void shouldReachAnAbstractNamespaceSocketByExactlyItsName() throws Exception
    {
        final String name = "pkram-test-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        try (NotifyReceiver receiver = NotifyReceiver.bindAbstract(name))
        {
            // The kernel shows an abstract address with its NULs as '@': a trailing NUL in the receiver's
            // address would show as "@name@", and the sender would then have to send one too to reach it.
            final boolean listed = Files.readAllLines(Path.of("/proc/net/unix")).stream()
                .map(line -> line.substring(line.lastIndexOf(' ') + 1))
                .anyMatch(("@" + name)::equals);
            assertTrue(listed, "/proc/net/unix lists @" + name);
            assertEquals("@" + name, receiver.address());

            SdNotify.of("@" + name).send("READY=1");

            assertEquals("READY=1", received(receiver).text());
        }
        final PkramIOException closed = assertThrows(PkramIOException.class,
            () -> SdNotify.of("@" + name).send("READY=1"));
        assertTrue(closed.getMessage().contains("ECONNREFUSED"), closed.getMessage());
    }

    @Test
    void shouldPassTheDescriptorAsOneScmRightsDescriptorOfTheSameFile() throws Exception
    {
        final Path file = Files.writeString(dir.resolve("memory"), "pkram");
        final int fd = NotifyReceiver.open(file);
        try (NotifyReceiver receiver = NotifyReceiver.bind(dir.resolve("notify")))
        {
            SdNotify.of(receiver.address()).sendWithFd("FDSTORE=1\nFDNAME=pkram", fd);

            final NotifyReceiver.Message message = received(receiver);
            assertEquals("FDSTORE=1\nFDNAME=pkram", message.text());
            assertFalse(message.truncated());
            assertEquals(1, message.fds().length, "exactly one descriptor: " + Arrays.toString(message.fds()));
            final int passed = message.fds()[0];
            try
            {
                assertNotEquals(fd, passed, "a new descriptor, installed by the kernel");
                final Path link = Path.of("/proc/self/fd/" + passed);
                assertEquals(file.toRealPath(), Files.readSymbolicLink(link));
                assertEquals(Files.getAttribute(file, "unix:ino"), Files.getAttribute(link, "unix:ino"));
                assertEquals(Files.getAttribute(file, "unix:dev"), Files.getAttribute(link, "unix:dev"));
                assertEquals("pkram", Files.readString(link));
            }
            finally
            {
                NotifyReceiver.closeFd(passed);
            }
            assertTrue(Files.exists(Path.of("/proc/self/fd/" + fd)), "the sender's descriptor stays open");
            assertNull(receiver.receive());
        }
        finally
        {
            NotifyReceiver.closeFd(fd);
        }
    }

    @Test
    void shouldComputeTheControlMessageSizesOfLp64Linux()
    {
        // glibc's CMSG_LEN / CMSG_SPACE on x86_64 and aarch64: a 16-byte header, data padded to 8.
        assertEquals(16, SdNotify.cmsgLen(0));
        assertEquals(20, SdNotify.cmsgLen(4));
        assertEquals(24, SdNotify.cmsgSpace(4));
        assertEquals(24, SdNotify.cmsgSpace(8));
        assertEquals(32, SdNotify.cmsgSpace(12));
        assertEquals(16, SdNotify.cmsgSpace(0));
    }

    @Test
    void shouldSendNothingAndNotFailWhenDisabled()
    {
        for (final SdNotify notify : List.of(SdNotify.of(null), SdNotify.of("")))
        {
            assertFalse(notify.isEnabled());
            assertNull(notify.socket());
            notify.send("READY=1");
            notify.ready("x");
            notify.sendWithFd("FDSTORE=1", 0);
            notify.stopping();
        }
    }

    @Test
    void shouldNotTouchNativeAccessWhenDisabledButNotifyFromTheEnvironmentWhenEnabled() throws Exception
    {
        try (NotifyReceiver receiver = NotifyReceiver.bind(dir.resolve("notify")))
        {
            final List<String> deny = List.of("--illegal-native-access=deny");
            // Disabled: not a single restricted method called, or deny would have made it fail.
            final ChildJvm.Result disabled = ChildJvm.run(deny, Map.of(SdNotify.NOTIFY_SOCKET, ""), Child.class);
            assertEquals(0, disabled.exitCode(), disabled.stdout() + disabled.stderr());
            assertTrue(disabled.stdout().startsWith("enabled=false"), disabled.stdout());
            assertEquals("", disabled.stderr());
            assertNull(receiver.receive());

            // The control: enabled, the same child fails under deny (so the first run proved something).
            final ChildJvm.Result denied = ChildJvm.run(deny, Map.of(SdNotify.NOTIFY_SOCKET, receiver.address()),
                Child.class);
            assertEquals(3, denied.exitCode(), denied.stdout() + denied.stderr());
            assertTrue(denied.stdout().contains("IllegalCallerException"), denied.stdout());
            assertNull(receiver.receive());

            final ChildJvm.Result enabled = ChildJvm.run(List.of("--enable-native-access=ALL-UNNAMED"),
                Map.of(SdNotify.NOTIFY_SOCKET, receiver.address()), Child.class);
            assertEquals(0, enabled.exitCode(), enabled.stdout() + enabled.stderr());
            final long pid = Long.parseLong(enabled.stdout().lines().findFirst().orElseThrow().split("pid=")[1]);
            final NotifyReceiver.Message ready = received(receiver);
            assertEquals("READY=1\nSTATUS=child", ready.text());
            assertEquals(pid, ready.pid(), "sent by the child");
            final NotifyReceiver.Message store = received(receiver);
            assertEquals("FDSTORE=1\nFDNAME=stdin", store.text());
            assertEquals(1, store.fds().length);
            try
            {
                assertTrue(Files.readSymbolicLink(Path.of("/proc/self/fd/" + store.fds()[0])).toString()
                    .startsWith("pipe:"), "the child's stdin, a pipe");
            }
            finally
            {
                NotifyReceiver.closeFd(store.fds()[0]);
            }
            assertEquals("STOPPING=1", received(receiver).text());
            assertNull(receiver.receive());
        }
    }

    @Test
    void shouldFailNamingENOENTWhenNoSocketIsAtThePath()
    {
        final Path absent = dir.resolve("absent");
        final PkramIOException ex = assertThrows(PkramIOException.class,
            () -> SdNotify.of(absent.toString()).send("READY=1"));
        assertEquals(Errno.EIO, ex.errno());
        assertTrue(ex.getMessage().contains("sendmsg"), ex.getMessage());
        assertTrue(ex.getMessage().contains("ENOENT"), ex.getMessage());
        assertTrue(ex.getMessage().contains(absent.toString()), ex.getMessage());
    }

    @Test
    void shouldFailNamingECONNREFUSEDAtOnceWhenTheReceiverHasClosed()
    {
        final NotifyReceiver receiver = NotifyReceiver.bind(dir.resolve("notify"));
        final SdNotify notify = SdNotify.of(receiver.address());
        notify.ready(null);
        assertEquals("READY=1", received(receiver).text());
        receiver.close();
        assertTrue(Files.exists(dir.resolve("notify")), "the socket file stays, with nobody behind it");

        final PkramIOException ex = assertTimeoutPreemptively(Duration.ofSeconds(10),
            () -> assertThrows(PkramIOException.class, notify::stopping));
        assertTrue(ex.getMessage().contains("ECONNREFUSED"), ex.getMessage());
        assertTrue(ex.getMessage().contains(receiver.address()), ex.getMessage());
    }

    @Test
    void shouldFailNamingEBADFForADescriptorThatIsNotOpen()
    {
        try (NotifyReceiver receiver = NotifyReceiver.bind(dir.resolve("notify")))
        {
            final PkramIOException ex = assertThrows(PkramIOException.class,
                () -> SdNotify.of(receiver.address()).sendWithFd("FDSTORE=1", 1_000_000));
            assertTrue(ex.getMessage().contains("EBADF"), ex.getMessage());
            assertNull(receiver.receive(), "nothing sent");
        }
    }

    @Test
    void shouldRefuseAnAddressSystemdWouldRefuse()
    {
        final String longest = "/" + "p".repeat(106);
        assertEquals(longest, SdNotify.of(longest).socket(), "107 bytes fit, with the NUL after them");
        assertTrue(SdNotify.of("@" + "a".repeat(106)).isEnabled());

        for (final String bad : List.of(longest + "p", "@" + "a".repeat(107), "/" + "é".repeat(54), "run/notify",
            "notify", "@", "/", "vsock:2:1234", "/run/no\0tify"))
        {
            final InvalidArgumentException ex = assertThrows(InvalidArgumentException.class, () -> SdNotify.of(bad),
                bad);
            assertEquals(Errno.EINVAL, ex.errno());
        }
    }

    @Test
    void shouldRefuseAStateSystemdWouldIgnoreBeforeSendingAnything()
    {
        try (NotifyReceiver receiver = NotifyReceiver.bind(dir.resolve("notify")))
        {
            final SdNotify notify = SdNotify.of(receiver.address());
            assertThrows(InvalidArgumentException.class, () -> notify.send(""));
            assertThrows(InvalidArgumentException.class, () -> notify.send("READY=1\0"));
            assertThrows(InvalidArgumentException.class,
                () -> notify.send("STATUS=" + "x".repeat(SdNotify.MAX_STATE_BYTES - 6)));
            assertThrows(InvalidArgumentException.class, () -> notify.ready("two\nlines"));
            assertThrows(InvalidArgumentException.class, () -> notify.sendWithFd("FDSTORE=1", -1));
            assertThrows(NullPointerException.class, () -> notify.send(null));
            assertNull(receiver.receive());
        }
    }

    private static NotifyReceiver.Message received(final NotifyReceiver receiver)
    {
        final NotifyReceiver.Message message = receiver.receive();
        assertNotNull(message, "a datagram within 1 s");
        return message;
    }

    /**
     * A service in its own JVM: notifies from {@code $NOTIFY_SOCKET}, prints {@code enabled=... pid=...},
     * exits 3 with the exception when a send fails.
     */
    static final class Child
    {
        private Child()
        {
        }

        public static void main(final String[] args)
        {
            try
            {
                final SdNotify notify = SdNotify.fromEnvironment();
                System.out.println("enabled=" + notify.isEnabled() + " pid=" + ProcessHandle.current().pid());
                notify.ready("child");
                notify.sendWithFd("FDSTORE=1\nFDNAME=stdin", 0);
                notify.stopping();
                System.out.println("sent");
            }
            catch (final Throwable t)
            {
                System.out.println("failed " + t + " " + t.getCause());
                System.exit(3);
            }
        }
    }
}
