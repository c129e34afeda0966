/*
 * InitializeNapAgentNotifier given descriptors it cannot signal, and
 * naputil_announce_nap_agent_change telling the truth about whether the
 * subscriber became readable.
 *
 * - Subscribing is refused (E_INVALIDARG) for a descriptor not open for
 *   writing: a pipe's read end, a file opened O_RDONLY, a directory,
 *   standard input (0), a closed descriptor. The write end of a pipe, a
 *   connected socket, an eventfd and a file opened for writing are
 *   accepted.
 * - An announcement returns S_OK only when the subscriber is readable
 *   afterwards: a full pipe is S_OK (it is readable already; nothing is
 *   written and the call does not block, even on a blocking descriptor);
 *   a pipe whose read end is closed, a subscribed descriptor closed since,
 *   or one replaced (dup2) by a read-only descriptor is E_FAIL.
 * - A refused subscription subscribes nothing (the next announcement of
 *   the type is S_FALSE).
 *
 * naputil-test: posix-only (file descriptors as handles)
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/eventfd.h>
#endif

#include "napUtil.h"
#include "check.h"

#define AS_HANDLE(fd) ((HANDLE)(intptr_t)(fd))
#define SERVICE napNotifyTypeServiceState
#define QUAR napNotifyTypeQuarState

static int readable(int fd)
{
    struct pollfd p;
    p.fd = fd;
    p.events = POLLIN;
    p.revents = 0;
    return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static void set_nonblocking(int fd)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* `fd` must be refused, and leave the type without a subscriber. */
static void expect_refused(int fd, const char *what, int line)
{
    HRESULT hr = InitializeNapAgentNotifier(SERVICE, AS_HANDLE(fd));
    if (hr != E_INVALIDARG) {
        fprintf(stderr, "%s:%d: InitializeNapAgentNotifier(%s) returned 0x%08lx, expected E_INVALIDARG: "
                        "the descriptor is not open for writing\n", __FILE__, line, what,
                (unsigned long)(uint32_t)hr);
        check_failures++;
    }
    if (hr == S_OK) {
        /* What an announcement to it says. */
        HRESULT announced = naputil_announce_nap_agent_change(SERVICE);
        if (announced == S_OK) {
            fprintf(stderr, "%s:%d:     and announcing to it returned S_OK, though nothing can become readable\n",
                    __FILE__, line);
            check_failures++;
        }
        UninitializeNapAgentNotifier(SERVICE);
    }
    CHECK_EQ(naputil_announce_nap_agent_change(SERVICE), S_FALSE);
}

#define EXPECT_REFUSED(fd, what) expect_refused((fd), (what), __LINE__)

static void test_not_open_for_writing(const char *self)
{
    int fds[2];
    int fd;
    FILE *scratch;

    if (pipe(fds) == 0) {
        EXPECT_REFUSED(fds[0], "a pipe's read end");
        close(fds[0]);
        close(fds[1]);
        EXPECT_REFUSED(fds[1], "a closed descriptor");
    }
    fd = open("/dev/null", O_RDONLY);
    if (fd >= 0) {
        EXPECT_REFUSED(fd, "/dev/null opened O_RDONLY");
        close(fd);
    }
    /* This program's own file, read-only. */
    fd = open(self, O_RDONLY);
    CHECK(fd >= 0);
    if (fd >= 0) {
        EXPECT_REFUSED(fd, "a regular file opened O_RDONLY");
        close(fd);
    }
    fd = open("/", O_RDONLY);
    CHECK(fd >= 0);
    if (fd >= 0) {
        EXPECT_REFUSED(fd, "a directory");
        close(fd);
    }
    EXPECT_REFUSED(0, "standard input (descriptor 0)");

    /* A file open for writing takes announcements. */
    scratch = tmpfile();
    CHECK(scratch != NULL);
    if (scratch) {
        struct stat st;
        fd = fileno(scratch);
        CHECK_EQ(InitializeNapAgentNotifier(SERVICE, AS_HANDLE(fd)), S_OK);
        CHECK_EQ(naputil_announce_nap_agent_change(SERVICE), S_OK);
        UninitializeNapAgentNotifier(SERVICE);
        CHECK(fstat(fd, &st) == 0 && st.st_size == 8);
        fclose(scratch);
    }
}

static void test_sockets_and_eventfd(void)
{
    int sv[2];
    int fd;
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0) {
        CHECK_EQ(InitializeNapAgentNotifier(QUAR, AS_HANDLE(sv[0])), S_OK);
        CHECK_EQ(naputil_announce_nap_agent_change(QUAR), S_OK);
        CHECK(readable(sv[1]));
        UninitializeNapAgentNotifier(QUAR);
        close(sv[0]);
        close(sv[1]);
    }
    /* A socket that is not connected cannot carry a signal: refused, or at
     * least never announced as signalled. */
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd >= 0) {
        HRESULT hr = InitializeNapAgentNotifier(QUAR, AS_HANDLE(fd));
        CHECK(hr == S_OK || hr == E_INVALIDARG);
        if (hr == S_OK) {
            CHECK_EQ(naputil_announce_nap_agent_change(QUAR), E_FAIL);
            UninitializeNapAgentNotifier(QUAR);
        }
        close(fd);
    }
#ifdef __linux__
    fd = eventfd(0, EFD_NONBLOCK);
    if (fd >= 0) {
        CHECK_EQ(InitializeNapAgentNotifier(QUAR, AS_HANDLE(fd)), S_OK);
        CHECK_EQ(naputil_announce_nap_agent_change(QUAR), S_OK);
        CHECK(readable(fd));
        UninitializeNapAgentNotifier(QUAR);
        close(fd);
    }
#endif
}

/* Fills the pipe behind `write_end` until it takes no more. */
static void fill(int write_end)
{
    char chunk[4096];
    int flags = fcntl(write_end, F_GETFL);
    memset(chunk, 'z', sizeof chunk);
    fcntl(write_end, F_SETFL, flags | O_NONBLOCK);
    while (write(write_end, chunk, sizeof chunk) > 0)
        ;
    while (write(write_end, chunk, 1) > 0)
        ;
    fcntl(write_end, F_SETFL, flags);
}

static void test_full_pipe(void)
{
    int fds[2];
    int blocking;
    for (blocking = 0; blocking < 2; blocking++) {
        char c;
        if (pipe(fds) != 0) {
            CHECK(!"pipe");
            return;
        }
        if (!blocking)
            set_nonblocking(fds[1]);
        CHECK_EQ(InitializeNapAgentNotifier(SERVICE, AS_HANDLE(fds[1])), S_OK);
        fill(fds[1]);
        /* Readable already: S_OK, nothing written, no blocking (the alarm
         * would end the test otherwise). */
        alarm(10);
        CHECK_EQ(naputil_announce_nap_agent_change(SERVICE), S_OK);
        alarm(0);
        CHECK(readable(fds[0]));
        set_nonblocking(fds[0]);
        while (read(fds[0], &c, 1) == 1)
            CHECK(c == 'z');
        /* Drained: the next announcement writes one value again. */
        CHECK_EQ(naputil_announce_nap_agent_change(SERVICE), S_OK);
        CHECK(readable(fds[0]));
        UninitializeNapAgentNotifier(SERVICE);
        close(fds[0]);
        close(fds[1]);
    }
}

static void test_cannot_signal_any_more(void)
{
    int fds[2];
    int fd;

    /* Read end closed: nothing can become readable. */
    if (pipe(fds) == 0) {
        set_nonblocking(fds[1]);
        CHECK_EQ(InitializeNapAgentNotifier(QUAR, AS_HANDLE(fds[1])), S_OK);
        close(fds[0]);
        CHECK_EQ(naputil_announce_nap_agent_change(QUAR), E_FAIL);
        /* Still subscribed, still failing; no SIGPIPE killed us. */
        CHECK_EQ(naputil_announce_nap_agent_change(QUAR), E_FAIL);
        UninitializeNapAgentNotifier(QUAR);
        close(fds[1]);
    }

    /* The subscribed descriptor was closed behind the library's back. */
    if (pipe(fds) == 0) {
        CHECK_EQ(InitializeNapAgentNotifier(QUAR, AS_HANDLE(fds[1])), S_OK);
        close(fds[1]);
        CHECK_EQ(naputil_announce_nap_agent_change(QUAR), E_FAIL);
        UninitializeNapAgentNotifier(QUAR);
        close(fds[0]);
    }

    /* The subscribed descriptor number now names another pipe's read end,
     * which polls as "not writable" just as a full pipe does. */
    if (pipe(fds) == 0) {
        int other[2];
        CHECK_EQ(InitializeNapAgentNotifier(QUAR, AS_HANDLE(fds[1])), S_OK);
        if (pipe(other) == 0) {
            CHECK(dup2(other[0], fds[1]) == fds[1]);
            CHECK_EQ(naputil_announce_nap_agent_change(QUAR), E_FAIL);
            close(other[0]);
            close(other[1]);
        }
        UninitializeNapAgentNotifier(QUAR);
        close(fds[0]);
        close(fds[1]);
    }
    /* ... or a read-only file. */
    if (pipe(fds) == 0) {
        CHECK_EQ(InitializeNapAgentNotifier(QUAR, AS_HANDLE(fds[1])), S_OK);
        fd = open("/dev/null", O_RDONLY);
        if (fd >= 0) {
            CHECK(dup2(fd, fds[1]) == fds[1]);
            close(fd);
            CHECK_EQ(naputil_announce_nap_agent_change(QUAR), E_FAIL);
        }
        UninitializeNapAgentNotifier(QUAR);
        close(fds[0]);
        close(fds[1]);
    }
}

int main(int argc, char **argv)
{
    (void)argc;
    signal(SIGPIPE, SIG_DFL);
    test_not_open_for_writing(argv[0]);
    test_sockets_and_eventfd();
    test_full_pipe();
    test_cannot_signal_any_more();
    CHECK_EXIT();
}
