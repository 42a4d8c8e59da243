/*
 * fake_systemd: plays the part of systemd's service manager for one service, so that the test suite can
 * check a service's handover through the file descriptor store without systemd.
 *
 * What it does, as systemd documents it (sd_notify(3), sd_listen_fds(3), systemd.service(5)):
 *  - binds an AF_UNIX datagram socket and gives its path to the service in $NOTIFY_SOCKET;
 *  - reads the service's notifications: newline-separated KEY=VALUE assignments, with descriptors attached
 *    as SCM_RIGHTS; accepts them only from the service's main process (NotifyAccess=main, checked with
 *    SCM_CREDENTIALS);
 *  - keeps the descriptors sent with FDSTORE=1 under their FDNAME= (default "stored"), up to
 *    --fdstore-max (FileDescriptorStoreMax=), ignoring a descriptor whose file is already stored, and drops
 *    the ones named by FDSTOREREMOVE=1;
 *  - starts the service again when it exits, up to --runs times, passing the stored descriptors from
 *    descriptor 3 on with $LISTEN_FDS, $LISTEN_PID and $LISTEN_FDNAMES (colon-separated);
 *  - with --after-ready SIG, sends SIG to the service once it has said READY=1 (TERM or KILL: a stop, or a
 *    crash).
 *
 * It prints one line per event on standard output, for the test to read:
 *   start run=N pid=P fds=K
 *   ready pid=P
 *   stopping pid=P
 *   status pid=P text=...
 *   fdstore name=NAME dev=D ino=I        (stored)
 *   fdstore-duplicate name=NAME          (already stored: closed)
 *   fdstore-full name=NAME               (over --fdstore-max: closed)
 *   fdstore-remove name=NAME count=K
 *   ignored pid=P                         (not the main process)
 *   garbled line=...                      (a line that is not KEY=VALUE)
 *   signal pid=P sig=S
 *   exit pid=P status=S | exit pid=P signal=S
 *   done stored=K
 *
 * Usage: fake_systemd [--runs N] [--after-ready TERM|KILL] [--fdstore-max N] [--timeout SECONDS] -- CMD ARGS...
 * Exit status: 0 after N runs; 2 on a usage error; 3 when a run does not end within --timeout seconds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_FDS 64
#define MAX_MESSAGE 4096

struct stored
{
    int fd;
    char name[256];
    dev_t dev;
    ino_t ino;
};

static struct stored store[MAX_FDS];
static int stored_count;

static void die(const char *what)
{
    fprintf(stderr, "fake_systemd: %s: %s\n", what, strerror(errno));
    exit(1);
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void keep(int fd, const char *name, int max)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
    {
        die("fstat");
    }
    for (int i = 0; i < stored_count; i++)
    {
        if (store[i].dev == st.st_dev && store[i].ino == st.st_ino)
        {
            printf("fdstore-duplicate name=%s\n", name);
            close(fd);
            return;
        }
    }
    if (stored_count >= max || stored_count >= MAX_FDS)
    {
        printf("fdstore-full name=%s\n", name);
        close(fd);
        return;
    }
    store[stored_count].fd = fd;
    snprintf(store[stored_count].name, sizeof(store[stored_count].name), "%s", name);
    store[stored_count].dev = st.st_dev;
    store[stored_count].ino = st.st_ino;
    stored_count++;
    printf("fdstore name=%s dev=%lu ino=%lu\n", name, (unsigned long)st.st_dev, (unsigned long)st.st_ino);
}

static void drop(const char *name)
{
    int removed = 0;
    for (int i = 0; i < stored_count;)
    {
        if (strcmp(store[i].name, name) == 0)
        {
            close(store[i].fd);
            store[i] = store[--stored_count];
            removed++;
        }
        else
        {
            i++;
        }
    }
    printf("fdstore-remove name=%s count=%d\n", name, removed);
}

/* One datagram: its assignments, its descriptors and who sent it. Returns 1 when it said READY=1. */
static int on_message(int sock, pid_t main_pid, int max)
{
    char text[MAX_MESSAGE + 1];
    char control[CMSG_SPACE(sizeof(int) * MAX_FDS) + CMSG_SPACE(sizeof(struct ucred))];
    struct iovec iov = {.iov_base = text, .iov_len = MAX_MESSAGE};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control)};
    const ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (n < 0)
    {
        if (errno == EAGAIN || errno == EINTR)
        {
            return 0;
        }
        die("recvmsg");
    }
    text[n] = '\0';
    int fds[MAX_FDS];
    int nfds = 0;
    pid_t sender = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c))
    {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
        {
            const int count = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            for (int i = 0; i < count && nfds < MAX_FDS; i++)
            {
                memcpy(&fds[nfds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            }
        }
        else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
        {
            struct ucred cred;
            memcpy(&cred, CMSG_DATA(c), sizeof(cred));
            sender = cred.pid;
        }
    }
    if (sender != main_pid)
    {
        printf("ignored pid=%d\n", (int)sender);
        for (int i = 0; i < nfds; i++)
        {
            close(fds[i]);
        }
        fflush(stdout);
        return 0;
    }
    int said_ready = 0;
    int fdstore = 0;
    int fdstore_remove = 0;
    char fdname[256] = "stored";
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
    {
        char *eq = strchr(line, '=');
        if (eq == NULL || eq == line)
        {
            printf("garbled line=%s\n", line);
            continue;
        }
        *eq = '\0';
        const char *value = eq + 1;
        if (strcmp(line, "READY") == 0 && strcmp(value, "1") == 0)
        {
            printf("ready pid=%d\n", (int)sender);
            said_ready = 1;
        }
        else if (strcmp(line, "STOPPING") == 0 && strcmp(value, "1") == 0)
        {
            printf("stopping pid=%d\n", (int)sender);
        }
        else if (strcmp(line, "STATUS") == 0)
        {
            printf("status pid=%d text=%s\n", (int)sender, value);
        }
        else if (strcmp(line, "FDSTORE") == 0 && strcmp(value, "1") == 0)
        {
            fdstore = 1;
        }
        else if (strcmp(line, "FDSTOREREMOVE") == 0 && strcmp(value, "1") == 0)
        {
            fdstore_remove = 1;
        }
        else if (strcmp(line, "FDNAME") == 0)
        {
            snprintf(fdname, sizeof(fdname), "%s", value);
        }
    }
    if (fdstore_remove)
    {
        drop(fdname);
    }
    for (int i = 0; i < nfds; i++)
    {
        if (fdstore)
        {
            keep(fds[i], fdname, max);
        }
        else
        {
            close(fds[i]); /* systemd closes descriptors sent without FDSTORE=1 */
        }
    }
    fflush(stdout);
    return said_ready;
}

static pid_t start(char **argv, const char *notify_path, int run)
{
    const pid_t pid = fork();
    if (pid < 0)
    {
        die("fork");
    }
    if (pid > 0)
    {
        printf("start run=%d pid=%d fds=%d\n", run, (int)pid, stored_count);
        fflush(stdout);
        return pid;
    }
    /* The child: stored descriptors at 3.., as systemd passes them (SD_LISTEN_FDS_START). */
    int moved[MAX_FDS];
    for (int i = 0; i < stored_count; i++)
    {
        moved[i] = fcntl(store[i].fd, F_DUPFD_CLOEXEC, 3 + stored_count);
        if (moved[i] < 0)
        {
            die("fcntl F_DUPFD");
        }
    }
    char names[MAX_FDS * 257] = "";
    for (int i = 0; i < stored_count; i++)
    {
        if (dup2(moved[i], 3 + i) < 0)
        {
            die("dup2");
        }
        strcat(names, i == 0 ? "" : ":");
        strcat(names, store[i].name);
    }
    char buffer[32];
    if (stored_count > 0)
    {
        snprintf(buffer, sizeof(buffer), "%d", stored_count);
        setenv("LISTEN_FDS", buffer, 1);
        snprintf(buffer, sizeof(buffer), "%d", (int)getpid());
        setenv("LISTEN_PID", buffer, 1);
        setenv("LISTEN_FDNAMES", names, 1);
    }
    else
    {
        unsetenv("LISTEN_FDS");
        unsetenv("LISTEN_PID");
        unsetenv("LISTEN_FDNAMES");
    }
    setenv("NOTIFY_SOCKET", notify_path, 1);
    execvp(argv[0], argv);
    fprintf(stderr, "fake_systemd: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

int main(int argc, char **argv)
{
    int runs = 1;
    int after_ready = 0;
    int max = 1;
    int timeout_s = 120;
    int i = 1;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++)
    {
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
        {
            runs = atoi(argv[++i]);
        }
        else if (strcmp(argv[i], "--after-ready") == 0 && i + 1 < argc)
        {
            i++;
            after_ready = strcmp(argv[i], "KILL") == 0 ? SIGKILL : strcmp(argv[i], "TERM") == 0 ? SIGTERM : -1;
        }
        else if (strcmp(argv[i], "--fdstore-max") == 0 && i + 1 < argc)
        {
            max = atoi(argv[++i]);
        }
        else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
        {
            timeout_s = atoi(argv[++i]);
        }
        else
        {
            after_ready = -1;
        }
    }
    if (i + 1 >= argc || runs < 1 || after_ready < 0 || max < 0)
    {
        fprintf(stderr, "usage: fake_systemd [--runs N] [--after-ready TERM|KILL] [--fdstore-max N] "
            "[--timeout SECONDS] -- CMD ARGS...\n");
        return 2;
    }
    char **command = argv + i + 1;

    const int sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0)
    {
        die("socket");
    }
    const int on = 1;
    if (setsockopt(sock, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) != 0)
    {
        die("setsockopt SO_PASSCRED");
    }
    char dir[] = "/tmp/fake-systemd-XXXXXX";
    if (mkdtemp(dir) == NULL)
    {
        die("mkdtemp");
    }
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/notify", dir);
    if (bind(sock, (struct sockaddr *)&addr, sizeof(addr)) != 0)
    {
        die("bind");
    }

    int status = 0;
    for (int run = 1; run <= runs; run++)
    {
        const pid_t pid = start(command, addr.sun_path, run);
        const long deadline = now_ms() + timeout_s * 1000L;
        int signalled = 0;
        for (;;)
        {
            struct pollfd p = {.fd = sock, .events = POLLIN};
            if (poll(&p, 1, 20) > 0 && on_message(sock, pid, max) && after_ready != 0 && !signalled)
            {
                /* The stop or the crash under test, once the service has said it is ready. */
                kill(pid, after_ready);
                signalled = 1;
                printf("signal pid=%d sig=%d\n", (int)pid, after_ready);
                fflush(stdout);
            }
            int wstatus;
            const pid_t done = waitpid(pid, &wstatus, WNOHANG);
            if (done == pid)
            {
                /* Read what the service sent just before it ended, as systemd does. */
                while (poll(&(struct pollfd){.fd = sock, .events = POLLIN}, 1, 0) > 0)
                {
                    on_message(sock, pid, max);
                }
                if (WIFEXITED(wstatus))
                {
                    printf("exit pid=%d status=%d\n", (int)pid, WEXITSTATUS(wstatus));
                }
                else
                {
                    printf("exit pid=%d signal=%d\n", (int)pid, WTERMSIG(wstatus));
                }
                fflush(stdout);
                break;
            }
            if (now_ms() > deadline)
            {
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
                printf("timeout pid=%d\n", (int)pid);
                fflush(stdout);
                status = 3;
                run = runs;
                break;
            }
        }
    }
    printf("done stored=%d\n", stored_count);
    fflush(stdout);
    unlink(addr.sun_path);
    rmdir(dir);
    return status;
}
