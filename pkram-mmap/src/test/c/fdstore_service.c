/*
 * fdstore_service: the smallest service that keeps its state in a memfd held by systemd's file descriptor
 * store, used to test fake_systemd.c (the stand-in for systemd that the handover tests run under).
 *
 * At start: when $LISTEN_FDS is 1, $LISTEN_PID is this process and $LISTEN_FDNAMES is "pkram", the state is
 * descriptor 3, which must be a memfd (F_GET_SEALS succeeds only on one); else a new memfd holding 0. The
 * state is one 8-byte counter, incremented at each start and printed ("counter N"). The memfd is then sent
 * with FDSTORE=1 and FDNAME=pkram (again after a restart: the store must see it is the same file), and
 * READY=1. The service then waits: SIGTERM makes it send STOPPING=1 and exit 0.
 *
 * Options: --garble sends a line that is not KEY=VALUE before READY=1; --stray has a child process send
 * FDSTORE=1 with a pipe first (not the main process: the store must ignore it); --store-pipe stores a pipe
 * under the name "pkram" instead of the memfd (the next start must refuse it).
 * Exit status: 1 when the inherited descriptor is not a memfd or a call fails (a line "error ..." says why).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static int notify(const char *text, int fd)
{
    const char *path = getenv("NOTIFY_SOCKET");
    if (path == NULL)
    {
        return 0;
    }
    const int sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
    struct iovec iov = {.iov_base = (void *)text, .iov_len = strlen(text)};
    char control[CMSG_SPACE(sizeof(int))];
    struct msghdr msg = {.msg_name = &addr, .msg_namelen = sizeof(addr), .msg_iov = &iov, .msg_iovlen = 1};
    if (fd >= 0)
    {
        memset(control, 0, sizeof(control));
        msg.msg_control = control;
        msg.msg_controllen = sizeof(control);
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
    }
    const ssize_t sent = sendmsg(sock, &msg, 0);
    close(sock);
    return sent < 0 ? -1 : 0;
}

static void fail(const char *what)
{
    printf("error %s: %s\n", what, strerror(errno));
    fflush(stdout);
    exit(1);
}

static void on_term(int sig)
{
    (void)sig;
    notify("STOPPING=1", -1);
    _exit(0);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *option = argc > 1 ? argv[1] : "";
    const int garble = strcmp(option, "--garble") == 0;
    const char *fds = getenv("LISTEN_FDS");
    const char *pid = getenv("LISTEN_PID");
    const char *names = getenv("LISTEN_FDNAMES");
    int fd;
    if (fds != NULL && strcmp(fds, "1") == 0 && pid != NULL && atoi(pid) == (int)getpid() && names != NULL &&
        strcmp(names, "pkram") == 0)
    {
        fd = 3;
        if (fcntl(fd, F_GET_SEALS) < 0)
        {
            fail("descriptor 3 is not a memfd");
        }
    }
    else
    {
        fd = memfd_create("pkram", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0 || ftruncate(fd, 4096) != 0)
        {
            fail("memfd_create");
        }
    }
    uint64_t counter = 0;
    if (pread(fd, &counter, sizeof(counter), 0) != sizeof(counter))
    {
        fail("pread");
    }
    counter++;
    if (pwrite(fd, &counter, sizeof(counter), 0) != sizeof(counter))
    {
        fail("pwrite");
    }
    printf("counter %llu\n", (unsigned long long)counter);
    signal(SIGTERM, on_term);
    int pipe_fds[2];
    if (strcmp(option, "--stray") == 0)
    {
        const pid_t child = fork();
        if (child == 0)
        {
            _exit(pipe(pipe_fds) == 0 && notify("FDSTORE=1\nFDNAME=stray", pipe_fds[0]) == 0 ? 0 : 1);
        }
        int status;
        if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        {
            fail("stray sender");
        }
    }
    if (strcmp(option, "--store-pipe") == 0)
    {
        if (pipe(pipe_fds) != 0)
        {
            fail("pipe");
        }
        fd = pipe_fds[0];
    }
    if (notify("FDSTORE=1\nFDNAME=pkram", fd) != 0)
    {
        fail("sendmsg FDSTORE");
    }
    if (garble && notify("THIS IS NOT AN ASSIGNMENT", -1) != 0)
    {
        fail("sendmsg garbled");
    }
    if (notify("READY=1\nSTATUS=serving", -1) != 0)
    {
        fail("sendmsg READY");
    }
    for (;;)
    {
        pause();
    }
}
