package org.pkram.testing;

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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The manager's end of systemd's notify socket, in process: an {@code AF_UNIX} {@code SOCK_DGRAM} socket bound
 * to a path or an abstract name, with {@code SO_PASSCRED} on (as systemd sets it) and a 1 s receive timeout, read
 * with {@code recvmsg} and its {@code SCM_RIGHTS} / {@code SCM_CREDENTIALS} parsed. The JDK has no datagram
 * {@code AF_UNIX} socket, hence FFM downcalls; written apart from {@code org.pkram.service.SdNotify} (its own
 * layouts, its own address arithmetic) so that a mistake there is not repeated here and hidden.
 * <p>
 * Linux on x86_64 / aarch64 (LP64, the generic socket option numbers). One thread at a time.
 */
@SuppressWarnings("restricted") // native access is granted by --enable-native-access in surefire's argLine
public final class NotifyReceiver implements AutoCloseable
{
    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_PASSCRED = 16;
    private static final int SO_RCVTIMEO = 20;
    private static final int SCM_RIGHTS = 1;
    private static final int SCM_CREDENTIALS = 2;
    private static final int MSG_CTRUNC = 0x8;
    private static final int MSG_TRUNC = 0x20;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;
    private static final int O_RDWR = 2;
    private static final int O_CLOEXEC = 02000000;
    private static final int EAGAIN = 11;
    private static final int EINTR = 4;

    /** Bigger than any notification systemd reads (4096), so that a longer one shows its real length. */
    private static final int BUFFER = 65536;
    /** Room for credentials and a few dozen descriptors. */
    private static final int CONTROL = 512;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle SOCKET = downcall("socket", FunctionDescriptor.of(ValueLayout.JAVA_INT,
        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle BIND = downcall("bind", FunctionDescriptor.of(ValueLayout.JAVA_INT,
        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle SETSOCKOPT = downcall("setsockopt", FunctionDescriptor.of(ValueLayout.JAVA_INT,
        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle RECVMSG = downcall("recvmsg", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(ValueLayout.JAVA_INT,
        ValueLayout.JAVA_INT));
    private static final MethodHandle OPEN = downcall("open", FunctionDescriptor.of(ValueLayout.JAVA_INT,
        ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), Linker.Option.firstVariadicArg(2));

    private final int fd;
    private final String address;
    private boolean closed;

    /**
     * One datagram as received.
     *
     * @param payload its bytes.
     * @param fds     the descriptors that came with it (SCM_RIGHTS), new in this process, close-on-exec; the
     *                caller closes them ({@link #closeFd(int)}).
     * @param pid     the sender's pid from SCM_CREDENTIALS, or -1 when none came.
     * @param flags   recvmsg's {@code msg_flags} (MSG_TRUNC, MSG_CTRUNC).
     */
    public record Message(byte[] payload, int[] fds, int pid, int flags)
    {
        /**
         * @return the payload as UTF-8.
         */
        public String text()
        {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /**
         * @return whether the payload or the control data did not fit the buffers.
         */
        public boolean truncated()
        {
            return (flags & (MSG_TRUNC | MSG_CTRUNC)) != 0;
        }
    }

    private NotifyReceiver(final int fd, final String address)
    {
        this.fd = fd;
        this.address = address;
    }

    /**
     * Bind a receiver to a file system path.
     *
     * @param path where the socket file goes; it stays there after {@link #close()}, as a socket nobody listens on.
     * @return the receiver.
     */
    public static NotifyReceiver bind(final Path path)
    {
        final byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
        final byte[] sunPath = new byte[name.length + 1]; // and its NUL
        System.arraycopy(name, 0, sunPath, 0, name.length);
        return bind(sunPath, path.toString());
    }

    /**
     * Bind a receiver to a name in Linux's abstract namespace: sun_path[0] is 0 and the name is the bytes after
     * it, as many as the address length says (no NUL after it).
     *
     * @param name the name, without the {@code @}.
     * @return the receiver.
     */
    public static NotifyReceiver bindAbstract(final String name)
    {
        final byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        final byte[] sunPath = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, sunPath, 1, bytes.length);
        return bind(sunPath, "@" + name);
    }

    private static NotifyReceiver bind(final byte[] sunPath, final String address)
    {
        if (sunPath.length > 108)
        {
            throw new IllegalArgumentException("too long for sun_path: " + address);
        }
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = arena.allocate(CALL_STATE);
            final int fd = (int)SOCKET.invokeExact(state, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            check(fd, state, "socket");
            boolean bound = false;
            try
            {
                final MemorySegment one = arena.allocateFrom(ValueLayout.JAVA_INT, 1);
                check((int)SETSOCKOPT.invokeExact(state, fd, SOL_SOCKET, SO_PASSCRED, one, 4), state, "SO_PASSCRED");
                final MemorySegment timeout = arena.allocate(16); // struct timeval: long tv_sec, long tv_usec
                timeout.set(ValueLayout.JAVA_LONG, 0, 1L);
                timeout.set(ValueLayout.JAVA_LONG, 8, 0L);
                check((int)SETSOCKOPT.invokeExact(state, fd, SOL_SOCKET, SO_RCVTIMEO, timeout, 16), state,
                    "SO_RCVTIMEO");
                final MemorySegment addr = arena.allocate(110, 2); // sa_family_t + char sun_path[108]
                addr.set(ValueLayout.JAVA_SHORT, 0, (short)AF_UNIX);
                MemorySegment.copy(sunPath, 0, addr, ValueLayout.JAVA_BYTE, 2, sunPath.length);
                check((int)BIND.invokeExact(state, fd, addr, 2 + sunPath.length), state, "bind " + address);
                bound = true;
                return new NotifyReceiver(fd, address);
            }
            finally
            {
                if (!bound)
                {
                    closeFd(fd);
                }
            }
        }
        catch (final RuntimeException | Error ex)
        {
            throw ex;
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException(t);
        }
    }

    /**
     * @return the address as {@code $NOTIFY_SOCKET} spells it: the path, or {@code @name}.
     */
    public String address()
    {
        return address;
    }

    /**
     * Wait up to 1 s for one datagram.
     *
     * @return it, or null when none came in time.
     */
    public Message receive()
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = arena.allocate(CALL_STATE);
            final MemorySegment buffer = arena.allocate(BUFFER);
            final MemorySegment control = arena.allocate(CONTROL, 8);
            final MemorySegment iov = arena.allocate(16); // struct iovec: void *base, size_t len
            iov.set(ValueLayout.ADDRESS, 0, buffer);
            iov.set(ValueLayout.JAVA_LONG, 8, BUFFER);
            // struct msghdr, LP64: name 0, namelen 8, iov 16, iovlen 24, control 32, controllen 40, flags 48.
            final MemorySegment msg = arena.allocate(56, 8).fill((byte)0);
            msg.set(ValueLayout.ADDRESS, 16, iov);
            msg.set(ValueLayout.JAVA_LONG, 24, 1L);
            msg.set(ValueLayout.ADDRESS, 32, control);
            msg.set(ValueLayout.JAVA_LONG, 40, CONTROL);
            long n;
            do
            {
                n = (long)RECVMSG.invokeExact(state, fd, msg, MSG_CMSG_CLOEXEC);
            }
            while (n < 0 && errno(state) == EINTR);
            if (n < 0)
            {
                if (errno(state) == EAGAIN) // SO_RCVTIMEO ran out
                {
                    return null;
                }
                throw new IllegalStateException("recvmsg failed: errno=" + errno(state));
            }
            final byte[] payload = buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
            final long controlLength = msg.get(ValueLayout.JAVA_LONG, 40);
            final int flags = msg.get(ValueLayout.JAVA_INT, 48);
            final List<Integer> fds = new ArrayList<>();
            int pid = -1;
            // CMSG_FIRSTHDR / CMSG_NXTHDR: headers of 16 bytes (size_t len, int level, int type), each message
            // padded to 8 bytes.
            long at = 0;
            while (at + 16 <= controlLength)
            {
                final long length = control.get(ValueLayout.JAVA_LONG, at);
                final int level = control.get(ValueLayout.JAVA_INT, at + 8);
                final int type = control.get(ValueLayout.JAVA_INT, at + 12);
                if (length < 16)
                {
                    throw new IllegalStateException("cmsg_len below the header: " + length);
                }
                if (level == SOL_SOCKET && type == SCM_RIGHTS)
                {
                    for (long i = 16; i + 4 <= length; i += 4)
                    {
                        fds.add(control.get(ValueLayout.JAVA_INT, at + i));
                    }
                }
                else if (level == SOL_SOCKET && type == SCM_CREDENTIALS)
                {
                    pid = control.get(ValueLayout.JAVA_INT, at + 16); // struct ucred: pid, uid, gid
                }
                at += (length + 7) & -8L;
            }
            return new Message(payload, fds.stream().mapToInt(Integer::intValue).toArray(), pid, flags);
        }
        catch (final RuntimeException | Error ex)
        {
            throw ex;
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Close the socket; a file system socket's file stays, so that a sender finds the socket with nobody behind
     * it (ECONNREFUSED). Idempotent.
     */
    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            closeFd(fd);
        }
    }

    /**
     * {@code open(path, O_RDWR | O_CLOEXEC)}, for a descriptor to send.
     *
     * @param path an existing file.
     * @return the descriptor.
     */
    public static int open(final Path path)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = arena.allocate(CALL_STATE);
            final int fd = (int)OPEN.invokeExact(state, arena.allocateFrom(path.toString()), O_RDWR | O_CLOEXEC, 0);
            check(fd, state, "open " + path);
            return fd;
        }
        catch (final RuntimeException | Error ex)
        {
            throw ex;
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException(t);
        }
    }

    /**
     * {@code close(fd)}.
     *
     * @param fd a descriptor of this process.
     */
    public static void closeFd(final int fd)
    {
        try (Arena arena = Arena.ofConfined())
        {
            final MemorySegment state = arena.allocate(CALL_STATE);
            check((int)CLOSE.invokeExact(state, fd), state, "close " + fd);
        }
        catch (final RuntimeException | Error ex)
        {
            throw ex;
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException(t);
        }
    }

    private static void check(final int rc, final MemorySegment state, final String what)
    {
        if (rc < 0)
        {
            throw new IllegalStateException(what + " failed: errno=" + errno(state));
        }
    }

    private static int errno(final MemorySegment state)
    {
        return (int)ERRNO.get(state, 0L);
    }

    private static MethodHandle downcall(final String name, final FunctionDescriptor descriptor,
        final Linker.Option... options)
    {
        final Linker.Option[] all = new Linker.Option[options.length + 1];
        System.arraycopy(options, 0, all, 0, options.length);
        all[options.length] = Linker.Option.captureCallState("errno");
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor, all);
    }
}
