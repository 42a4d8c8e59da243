package org.pkram.service;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;

import org.pkram.error.InvalidArgumentException;
import org.pkram.error.PkramException;
import org.pkram.error.PkramIOException;

/**
 * A service's side of systemd's notification protocol, spoken over the socket itself through FFM downcalls
 * ({@code socket}, {@code sendmsg}, {@code close}), so that a service built on pkram can tell its service manager
 * it is ready or stopping, and hand it the memory file's descriptor to keep over a restart, without linking
 * libsystemd (or any JNI library) into the JVM. systemd calls the protocol stable and the API in its own right,
 * and documents reimplementing it instead of linking its C wrapper: {@code sd_notify(3)}, section Notes,
 * <a href="https://www.freedesktop.org/software/systemd/man/latest/sd_notify.html">
 * https://www.freedesktop.org/software/systemd/man/latest/sd_notify.html</a>.
 * <p>
 * The wire format, as {@code sd_notify(3)} defines it: one {@code AF_UNIX} {@code SOCK_DGRAM} datagram per
 * notification, sent to the socket named by {@code $NOTIFY_SOCKET} (a file system path, or with a leading
 * {@code @} a name in Linux's abstract namespace); its payload is the state, newline-separated {@code KEY=VALUE}
 * assignments ({@code READY=1\nSTATUS=...}) without a terminating NUL; descriptors ride along as
 * {@code SCM_RIGHTS} ancillary data. The sender's credentials are not sent by this class: the kernel adds
 * {@code SCM_CREDENTIALS} itself when the receiver has set {@code SO_PASSCRED}, which is how systemd knows the
 * sender's pid (for {@code NotifyAccess=main}).
 * <p>
 * Like {@code sd_notify} a socket is opened, used once and closed for every notification: nothing is held
 * between them, so an instance is immutable, thread safe, and never leaks a descriptor into a forked or
 * executed child (the socket is {@code SOCK_CLOEXEC} as well). Like it too, {@code sendmsg} is blocking: it
 * waits only when the manager's receive queue is full.
 * <p>
 * Where {@code sd_notify} returns a negative errno, this class throws: {@link InvalidArgumentException} for an
 * address or a state the manager could not use (checked before anything is sent), {@link PkramIOException} when
 * the call fails (no socket at the path, nobody listening: ENOENT, ECONNREFUSED), so that a service decides
 * whether a lost notification is fatal. A disabled instance (no {@code $NOTIFY_SOCKET}: not started by systemd,
 * or not as {@code Type=notify}) does nothing and never loads a downcall handle.
 * <p>
 * The structure layouts are those of LP64 Linux ({@code x86_64} and {@code aarch64}); a send elsewhere fails
 * with an {@link IllegalStateException}.
 */
@SuppressWarnings("restricted") // native access is granted by --enable-native-access (see JvmFlags)
public final class SdNotify
{
    /** The environment variable systemd sets for a service that may notify it. */
    public static final String NOTIFY_SOCKET = "NOTIFY_SOCKET";

    /**
     * The largest payload systemd reads ({@code NOTIFY_BUFFER_MAX}, {@code PIPE_BUF}): it ignores a longer
     * datagram as truncated, so a longer state is refused here instead of being lost in silence.
     */
    public static final int MAX_STATE_BYTES = 4096;

    /** {@code sizeof(sun_path)}; systemd insists on a NUL after the address, abstract or not: 107 bytes at most. */
    private static final int SUN_PATH_SIZE = 108;
    private static final int MAX_ADDRESS_BYTES = SUN_PATH_SIZE - 1;

    /** {@code sizeof(size_t)} on LP64, the alignment of control messages ({@code CMSG_ALIGN}). */
    private static final long SIZE_T = 8;
    /** {@code sizeof(struct cmsghdr)} on LP64: size_t cmsg_len, int cmsg_level, int cmsg_type. */
    private static final long CMSGHDR_SIZE = 16;

    private static final boolean SUPPORTED;

    static
    {
        final String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        SUPPORTED = System.getProperty("os.name", "").equals("Linux") &&
            (arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64") || arch.equals("arm64"));
    }

    private static final SdNotify DISABLED = new SdNotify(null, null);

    private final String socket;
    /** What goes into {@code sun_path}: the abstract name after a 0 byte, or the path and its NUL. */
    private final byte[] sunPath;

    private SdNotify(final String socket, final byte[] sunPath)
    {
        this.socket = socket;
        this.sunPath = sunPath;
    }

    /**
     * The notifier for the socket this process was given in {@code $NOTIFY_SOCKET}: what a service calls once at
     * start. Unset or empty gives a disabled notifier, so that the same code runs under systemd and outside it.
     *
     * @return a notifier, disabled when the variable is unset or empty.
     * @throws InvalidArgumentException when the variable holds an address this class cannot use (see
     *                                  {@link #of(String)}), so that a misconfigured unit fails at start rather
     *                                  than at its first notification.
     */
    public static SdNotify fromEnvironment()
    {
        return of(System.getenv(NOTIFY_SOCKET));
    }

    /**
     * The notifier for a given socket address, spelt as {@code $NOTIFY_SOCKET} spells it; for tests and for a
     * service that is told its socket some other way.
     *
     * @param socketPath an absolute path, or {@code @name} for the abstract namespace; null or empty for a
     *                   disabled notifier.
     * @return a notifier.
     * @throws InvalidArgumentException when the address is neither absolute nor abstract (also systemd's
     *                                  {@code vsock:} addresses, which this class does not speak), names nothing
     *                                  ({@code "@"}, {@code "/"}), holds a NUL, or is longer than 107 bytes in
     *                                  UTF-8: the limits of systemd's own {@code sockaddr_un_set_path}.
     */
    public static SdNotify of(final String socketPath)
    {
        if (socketPath == null || socketPath.isEmpty())
        {
            return DISABLED;
        }
        final byte[] bytes = socketPath.getBytes(StandardCharsets.UTF_8);
        final boolean abstractName = bytes[0] == '@';
        if (!abstractName && bytes[0] != '/')
        {
            throw new InvalidArgumentException(
                "notify socket is neither an absolute path nor an abstract name (@...): socket=" + socketPath);
        }
        if (bytes.length < 2)
        {
            throw new InvalidArgumentException("notify socket names nothing: socket=" + socketPath);
        }
        if (bytes.length > MAX_ADDRESS_BYTES)
        {
            throw new InvalidArgumentException("notify socket is longer than " + MAX_ADDRESS_BYTES +
                " bytes: length=" + bytes.length + ", socket=" + socketPath);
        }
        for (final byte b : bytes)
        {
            if (b == 0)
            {
                throw new InvalidArgumentException("notify socket holds a NUL: socket=" + socketPath);
            }
        }
        final byte[] sunPath;
        if (abstractName)
        {
            // The abstract name is every byte of the address after sun_path[0] == 0, a trailing NUL included if
            // one were sent: so exactly the name, or it is another socket.
            sunPath = bytes.clone();
            sunPath[0] = 0;
        }
        else
        {
            sunPath = new byte[bytes.length + 1]; // a file system path is NUL-terminated
            System.arraycopy(bytes, 0, sunPath, 0, bytes.length);
        }
        return new SdNotify(socketPath, sunPath);
    }

    /**
     * Whether notifications are sent: callers may skip building a costly status text when they are not.
     *
     * @return true when there is a socket to notify.
     */
    public boolean isEnabled()
    {
        return socket != null;
    }

    /**
     * The address notifications go to, for a log line.
     *
     * @return the socket as given ({@code /run/systemd/notify}, {@code @name}), or null when disabled.
     */
    public String socket()
    {
        return socket;
    }

    /**
     * Send one notification: the state as the payload of one datagram, no descriptor. Does nothing when disabled.
     *
     * @param state newline-separated {@code KEY=VALUE} assignments, such as {@code "READY=1\nSTATUS=booted"}
     *              ({@code sd_notify(3)} lists the keys); sent as UTF-8, as it is.
     * @throws InvalidArgumentException when the state is one systemd would ignore: empty, holding a NUL, or
     *                                  over {@link #MAX_STATE_BYTES} bytes.
     * @throws PkramIOException         when {@code socket} or {@code sendmsg} fails; the message names the call,
     *                                  the errno and the socket.
     */
    public void send(final String state)
    {
        if (isEnabled())
        {
            send(payload(state), -1);
        }
    }

    /**
     * Send one notification with a descriptor attached as {@code SCM_RIGHTS}: the manager receives its own
     * descriptor of the same open file. With {@code "FDSTORE=1\nFDNAME=pkram"} systemd keeps it in the
     * service's file descriptor store ({@code FileDescriptorStoreMax=} must allow it) and passes it back to the
     * next start, which is how a memory file outlives the process. Does nothing when disabled.
     *
     * @param state as for {@link #send(String)}.
     * @param fd    an open descriptor of this process; it stays open and this process's to close.
     * @throws InvalidArgumentException as for {@link #send(String)}, or when {@code fd} is negative.
     * @throws PkramIOException         as for {@link #send(String)}; EBADF when {@code fd} is not open.
     */
    public void sendWithFd(final String state, final int fd)
    {
        if (fd < 0)
        {
            throw new InvalidArgumentException("descriptor to send is negative: fd=" + fd);
        }
        if (isEnabled())
        {
            send(payload(state), fd);
        }
    }

    /**
     * Tell the manager start-up is finished ({@code READY=1}): a {@code Type=notify} unit counts as started,
     * and units ordered after it start, only then.
     *
     * @param status a one-line text for {@code systemctl status} ({@code STATUS=}), or null for none.
     * @throws InvalidArgumentException when the status holds a newline, which would start another assignment.
     * @throws PkramIOException         as for {@link #send(String)}.
     */
    public void ready(final String status)
    {
        if (status == null)
        {
            send("READY=1");
            return;
        }
        if (status.indexOf('\n') >= 0)
        {
            throw new InvalidArgumentException("status holds a newline: status=" + status.replace("\n", "\\n"));
        }
        send("READY=1\nSTATUS=" + status);
    }

    /**
     * Tell the manager the service is shutting down ({@code STOPPING=1}), so that a stop it did not ask for is
     * not taken for a crash, and its status shows the service stopping while pkram's reboot runs.
     *
     * @throws PkramIOException as for {@link #send(String)}.
     */
    public void stopping()
    {
        send("STOPPING=1");
    }

    /**
     * @return the socket, or that the notifier is disabled.
     */
    @Override
    public String toString()
    {
        return isEnabled() ? "SdNotify[" + socket + "]" : "SdNotify[disabled]";
    }

    private void send(final byte[] payload, final int fd)
    {
        if (!SUPPORTED) // before the downcall handles are looked up, which could fail in their own way
        {
            throw new IllegalStateException("sd_notify's structures are laid out for Linux on x86_64 and " +
                "aarch64 only: os.name=" + System.getProperty("os.name") + ", os.arch=" +
                System.getProperty("os.arch"));
        }
        Sender.send(socket, sunPath, payload, fd);
    }

    /**
     * {@code CMSG_ALIGN}: control messages are laid out on {@code sizeof(size_t)} boundaries.
     */
    static long cmsgAlign(final long length)
    {
        return (length + SIZE_T - 1) & -SIZE_T;
    }

    /**
     * {@code CMSG_LEN(n)}: what {@code cmsg_len} holds, the aligned header and n bytes of data without padding;
     * also where the data starts ({@code CMSG_DATA}) when n is 0.
     */
    static long cmsgLen(final long dataBytes)
    {
        return cmsgAlign(CMSGHDR_SIZE) + dataBytes;
    }

    /**
     * {@code CMSG_SPACE(n)}: the room one control message takes in the buffer, its data padded to the alignment.
     */
    static long cmsgSpace(final long dataBytes)
    {
        return cmsgAlign(CMSGHDR_SIZE) + cmsgAlign(dataBytes);
    }

    private static byte[] payload(final String state)
    {
        Objects.requireNonNull(state, "state");
        final byte[] bytes = state.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0)
        {
            throw new InvalidArgumentException("notification state is empty, systemd ignores it");
        }
        if (bytes.length > MAX_STATE_BYTES)
        {
            throw new InvalidArgumentException("notification state is over " + MAX_STATE_BYTES +
                " bytes, systemd ignores it as truncated: length=" + bytes.length);
        }
        for (final byte b : bytes)
        {
            if (b == 0)
            {
                throw new InvalidArgumentException("notification state holds a NUL, systemd ignores it");
            }
        }
        return bytes;
    }

    /**
     * @param errno a positive errno.
     * @return e.g. {@code "ECONNREFUSED(111)"}, or the number alone for one not named here.
     */
    static String errnoName(final int errno)
    {
        final String name = switch (errno)
        {
            case 1 -> "EPERM";
            case 2 -> "ENOENT";
            case 4 -> "EINTR";
            case 9 -> "EBADF";
            case 11 -> "EAGAIN";
            case 12 -> "ENOMEM";
            case 13 -> "EACCES";
            case 14 -> "EFAULT";
            case 20 -> "ENOTDIR";
            case 22 -> "EINVAL";
            case 23 -> "ENFILE";
            case 24 -> "EMFILE";
            case 32 -> "EPIPE";
            case 36 -> "ENAMETOOLONG";
            case 40 -> "ELOOP";
            case 88 -> "ENOTSOCK";
            case 90 -> "EMSGSIZE";
            case 91 -> "EPROTOTYPE";
            case 97 -> "EAFNOSUPPORT";
            case 104 -> "ECONNRESET";
            case 105 -> "ENOBUFS";
            case 109 -> "ETOOMANYREFS";
            case 111 -> "ECONNREFUSED";
            default -> null;
        };
        return name == null ? Integer.toString(errno) : name + "(" + errno + ")";
    }

    /**
     * The downcalls and the C structures, apart from the public class so that a disabled notifier never builds a
     * handle (the first downcall handle of a JVM costs it some 200 ms of CPU) nor needs native access.
     */
    private static final class Sender
    {
        /** {@code AF_UNIX}, also {@code sun_family}. */
        static final int AF_UNIX = 1;
        static final int SOCK_DGRAM = 2;
        /** Not inherited by a program this process executes: a notifier is no descriptor of the child's. */
        static final int SOCK_CLOEXEC = 02000000;
        static final int SOL_SOCKET = 1;
        static final int SCM_RIGHTS = 1;
        /** No SIGPIPE, whatever the socket's state: an error comes back as EPIPE instead. */
        static final int MSG_NOSIGNAL = 0x4000;
        static final int EINTR = 4;

        /** {@code struct sockaddr_un}: {@code sa_family_t sun_family; char sun_path[108];}. */
        static final StructLayout SOCKADDR_UN = MemoryLayout.structLayout(
            ValueLayout.JAVA_SHORT.withName("sun_family"),
            MemoryLayout.sequenceLayout(SUN_PATH_SIZE, ValueLayout.JAVA_BYTE).withName("sun_path"));

        /** {@code struct iovec}: base and length. */
        static final StructLayout IOVEC = MemoryLayout.structLayout(
            ValueLayout.ADDRESS.withName("iov_base"),
            ValueLayout.JAVA_LONG.withName("iov_len"));

        /**
         * {@code struct msghdr} of glibc on LP64: name, socklen_t namelen and 4 bytes of padding, iov, size_t
         * iovlen, control, size_t controllen, int flags and padding. musl declares iovlen and controllen as an
         * int followed by an int of padding: on these little-endian machines the same 8 bytes, zeroed, hold the
         * same value.
         */
        static final StructLayout MSGHDR = MemoryLayout.structLayout(
            ValueLayout.ADDRESS.withName("msg_name"),
            ValueLayout.JAVA_INT.withName("msg_namelen"),
            MemoryLayout.paddingLayout(4),
            ValueLayout.ADDRESS.withName("msg_iov"),
            ValueLayout.JAVA_LONG.withName("msg_iovlen"),
            ValueLayout.ADDRESS.withName("msg_control"),
            ValueLayout.JAVA_LONG.withName("msg_controllen"),
            ValueLayout.JAVA_INT.withName("msg_flags"),
            MemoryLayout.paddingLayout(4));

        /** {@code struct cmsghdr}: size_t len (header included), int level, int type; the data follows. */
        static final StructLayout CMSGHDR = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("cmsg_len"),
            ValueLayout.JAVA_INT.withName("cmsg_level"),
            ValueLayout.JAVA_INT.withName("cmsg_type"));

        static final long SUN_FAMILY = offset(SOCKADDR_UN, "sun_family");
        static final long SUN_PATH = offset(SOCKADDR_UN, "sun_path");
        static final long IOV_BASE = offset(IOVEC, "iov_base");
        static final long IOV_LEN = offset(IOVEC, "iov_len");
        static final long MSG_NAME = offset(MSGHDR, "msg_name");
        static final long MSG_NAMELEN = offset(MSGHDR, "msg_namelen");
        static final long MSG_IOV = offset(MSGHDR, "msg_iov");
        static final long MSG_IOVLEN = offset(MSGHDR, "msg_iovlen");
        static final long MSG_CONTROL = offset(MSGHDR, "msg_control");
        static final long MSG_CONTROLLEN = offset(MSGHDR, "msg_controllen");
        static final long CMSG_LEN_FIELD = offset(CMSGHDR, "cmsg_len");
        static final long CMSG_LEVEL = offset(CMSGHDR, "cmsg_level");
        static final long CMSG_TYPE = offset(CMSGHDR, "cmsg_type");

        static final Linker LINKER = Linker.nativeLinker();
        static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
        static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

        static final MethodHandle SOCKET = downcall("socket",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT));
        static final MethodHandle SENDMSG = downcall("sendmsg",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                ValueLayout.JAVA_INT));
        static final MethodHandle CLOSE = downcall("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

        private Sender()
        {
        }

        /**
         * Open a datagram socket, send one message to the address with {@code sendmsg} (file system and abstract
         * addresses alike: only the address length differs), close the socket.
         *
         * @param socket  the address as given, for messages.
         * @param sunPath the bytes of {@code sun_path}.
         * @param payload the state.
         * @param fd      a descriptor to attach, or -1.
         */
        static void send(final String socket, final byte[] sunPath, final byte[] payload, final int fd)
        {
            try (Arena arena = Arena.ofConfined())
            {
                final MemorySegment state = arena.allocate(CALL_STATE);
                final MemorySegment address = arena.allocate(SOCKADDR_UN).fill((byte)0);
                address.set(ValueLayout.JAVA_SHORT, SUN_FAMILY, (short)AF_UNIX);
                MemorySegment.copy(sunPath, 0, address, ValueLayout.JAVA_BYTE, SUN_PATH, sunPath.length);

                final MemorySegment data = arena.allocateFrom(ValueLayout.JAVA_BYTE, payload);
                final MemorySegment iov = arena.allocate(IOVEC);
                iov.set(ValueLayout.ADDRESS, IOV_BASE, data);
                iov.set(ValueLayout.JAVA_LONG, IOV_LEN, payload.length);

                final MemorySegment message = arena.allocate(MSGHDR).fill((byte)0);
                message.set(ValueLayout.ADDRESS, MSG_NAME, address);
                // offsetof(sun_path) + the bytes used: an abstract name without a NUL after it.
                message.set(ValueLayout.JAVA_INT, MSG_NAMELEN, (int)(SUN_PATH + sunPath.length));
                message.set(ValueLayout.ADDRESS, MSG_IOV, iov);
                message.set(ValueLayout.JAVA_LONG, MSG_IOVLEN, 1L);
                if (fd >= 0)
                {
                    final long space = cmsgSpace(ValueLayout.JAVA_INT.byteSize());
                    final MemorySegment control = arena.allocate(space, SIZE_T).fill((byte)0);
                    // cmsg_len is CMSG_LEN, not CMSG_SPACE: the kernel counts the descriptors from it, and the
                    // padding would be read as a second one.
                    control.set(ValueLayout.JAVA_LONG, CMSG_LEN_FIELD, cmsgLen(ValueLayout.JAVA_INT.byteSize()));
                    control.set(ValueLayout.JAVA_INT, CMSG_LEVEL, SOL_SOCKET);
                    control.set(ValueLayout.JAVA_INT, CMSG_TYPE, SCM_RIGHTS);
                    control.set(ValueLayout.JAVA_INT, cmsgLen(0), fd); // CMSG_DATA: right after the aligned header
                    message.set(ValueLayout.ADDRESS, MSG_CONTROL, control);
                    message.set(ValueLayout.JAVA_LONG, MSG_CONTROLLEN, space);
                }

                final int sock = (int)SOCKET.invokeExact(state, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                if (sock < 0)
                {
                    throw failed("socket", errno(state), socket);
                }
                try
                {
                    long sent;
                    do
                    {
                        sent = (long)SENDMSG.invokeExact(state, sock, message, MSG_NOSIGNAL);
                    }
                    while (sent < 0 && errno(state) == EINTR); // interrupted before anything was queued
                    if (sent < 0)
                    {
                        throw failed("sendmsg", errno(state), socket);
                    }
                    if (sent != payload.length) // a datagram goes whole or not at all: never seen, but checked
                    {
                        throw new PkramIOException("sd_notify sendmsg sent part of the datagram: sent=" + sent +
                            ", length=" + payload.length + ", socket=" + socket);
                    }
                }
                finally
                {
                    // Not retried (Linux frees the descriptor even when close fails); a failure loses nothing sent.
                    final int rc = (int)CLOSE.invokeExact(state, sock);
                    assert rc == 0 || rc == -1;
                }
            }
            catch (final PkramException | IllegalStateException ex)
            {
                throw ex;
            }
            catch (final Throwable t)
            {
                throw new IllegalStateException("sd_notify downcall failed: socket=" + socket, t);
            }
        }

        private static PkramIOException failed(final String call, final int errno, final String socket)
        {
            return new PkramIOException("sd_notify " + call + " failed with " + errnoName(errno) + ": socket=" +
                socket);
        }

        private static int errno(final MemorySegment state)
        {
            return (int)ERRNO.get(state, 0L);
        }

        private static long offset(final StructLayout layout, final String field)
        {
            return layout.byteOffset(MemoryLayout.PathElement.groupElement(field));
        }

        private static MethodHandle downcall(final String name, final FunctionDescriptor descriptor)
        {
            return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor,
                Linker.Option.captureCallState("errno"));
        }
    }
}
