/*
 * InitializeNapAgentNotifier / UninitializeNapAgentNotifier end to end on
 * POSIX: a subscribed descriptor (a pipe's write end, or an eventfd on
 * Linux) becomes readable when naputil_announce_nap_agent_change announces
 * a change of its type, and stays quiet otherwise.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/eventfd.h>
#endif

#include "napUtil.h"
#include "check.h"

#define AS_HANDLE(fd) ((HANDLE)(intptr_t)(fd))
/* HRESULT_FROM_WIN32(ERROR_ALREADY_INITIALIZED) */
#define E_ALREADY_INITIALIZED ((HRESULT)0x800704DFu)

/* Whether `fd` has data within `timeout_ms`. */
static int readable(int fd, int timeout_ms)
{
    struct pollfd p;
    int n;
    p.fd = fd;
    p.events = POLLIN;
    p.revents = 0;
    do
        n = poll(&p, 1, timeout_ms);
    while (n < 0 && errno == EINTR);
    return n == 1 && (p.revents & POLLIN);
}

/* Reads every complete 8-byte announcement waiting on a non-blocking pipe;
 * returns how many, and checks each carries the value 1. */
static int drain_pipe(int fd)
{
    int count = 0;
    uint64_t value;
    while (read(fd, &value, sizeof value) == (ssize_t)sizeof value) {
        CHECK_EQ(value, 1);
        count++;
    }
    return count;
}

static int make_pipe(int fds[2])
{
    if (pipe(fds) != 0)
        return -1;
    fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
    fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK);
    return 0;
}

static void test_bad_arguments(int good_fd)
{
    int spare[2];

    CHECK_EQ(InitializeNapAgentNotifier(napNotifyTypeUnknown, AS_HANDLE(good_fd)), E_INVALIDARG);
    CHECK_EQ(InitializeNapAgentNotifier(3, AS_HANDLE(good_fd)), E_INVALIDARG);
    CHECK_EQ(InitializeNapAgentNotifier(999, AS_HANDLE(good_fd)), E_INVALIDARG);
    CHECK_EQ(InitializeNapAgentNotifier((NapNotifyType)-1, AS_HANDLE(good_fd)), E_INVALIDARG);

    CHECK_EQ(InitializeNapAgentNotifier(napNotifyTypeServiceState, AS_HANDLE(-1)), E_INVALIDARG);
    CHECK_EQ(InitializeNapAgentNotifier(napNotifyTypeQuarState, AS_HANDLE(-1)), E_INVALIDARG);
    CHECK_EQ(InitializeNapAgentNotifier(napNotifyTypeServiceState, AS_HANDLE(1000000)), E_INVALIDARG);
    CHECK_EQ(InitializeNapAgentNotifier(napNotifyTypeServiceState, (HANDLE)(intptr_t)0x7fffffff00ll),
             E_INVALIDARG);
    if (make_pipe(spare) == 0) {
        close(spare[0]);
        close(spare[1]);
        /* Closed descriptors are not handles. */
        CHECK_EQ(InitializeNapAgentNotifier(napNotifyTypeServiceState, AS_HANDLE(spare[1])), E_INVALIDARG);
    }

    /* The failures subscribed nothing. */
    CHECK_EQ(naputil_announce_nap_agent_change(napNotifyTypeServiceState), S_FALSE);
    CHECK_EQ(naputil_announce_nap_agent_change(napNotifyTypeQuarState), S_FALSE);
    CHECK_EQ(naputil_announce_nap_agent_change(napNotifyTypeUnknown), E_INVALIDARG);
    CHECK_EQ(naputil_announce_nap_agent_change(999), E_INVALIDARG);

    /* Unsubscribing what is not subscribed, or a bad type, is harmless. */
    UninitializeNapAgentNotifier(napNotifyTypeServiceState);
    UninitializeNapAgentNotifier(napNotifyTypeUnknown);
    UninitializeNapAgentNotifier(999);
}

static void test_pipe_round_trip(void)
{
    int service[2], quar[2];

    if (make_pipe(service) != 0 || make_pipe(quar) != 0) {
        CHECK(!"pipe");
        return;
    }

    CHECK_EQ(InitializeNapAgentNotifier(napNotifyTypeServiceState, AS_HANDLE(service[1])), S_OK);
    CHECK(!readable(service[0], 0));

    /* One announcement: readable, one 8-byte value 1, then quiet again. */
    CHECK_EQ(naputil_announce_nap_agent_change(napNotifyTypeServiceState), S_OK);
    CHECK(readable(service[0], 1000));
    CHECK_EQ(drain_pipe(service[0]), 1);
    CHECK(!readable(service[0], 0));

    /* A second subscriber for the same type is refused; the first stays. */
    CHECK_EQ(InitializeNapAgentNotifier(napNotifyTypeServiceState, AS_HANDLE(quar[1])), E_ALREADY_INITIALIZED);
    CHECK_EQ(InitializeNapAgentNotifier(napNotifyTypeServiceState, AS_HANDLE(service[1])),
             E_ALREADY_INITIALIZED);
    CHECK_EQ(naputil_announce_nap_agent_change(napNotifyTypeServiceState), S_OK);
    CHECK(readable(service[0], 1000));
    CHECK(!readable(quar[0], 0));
    CHECK_EQ(drain_pipe(service[0]), 1);

    /* The two types are independent. */
    CHECK_EQ(InitializeNapAgentNotifier(napNotifyTypeQuarState, AS_HANDLE(quar[1])), S_OK);
    CHECK_EQ(naputil_announce_nap_agent_change(napNotifyTypeQuarState), S_OK);
    CHECK(readable(quar[0], 1000));
    CHECK(!readable(service[0], 0));
    CHECK_EQ(drain_pipe(quar[0]), 1);
    CHECK_EQ(naputil_announce_nap_agent_change(napNotifyTypeServiceState), S_OK);
    CHECK_EQ(naputil_announce_nap_agent_change(napNotifyTypeServiceState), S_OK);
    CHECK(readable(service[0], 1000));
    CHECK(!readable(quar[0], 0));
    CHECK_EQ(drain_pipe(service[0]), 2);

    /* Unsubscribed: announcements reach nobody. */
    UninitializeNapAgentNotifier(napNotifyTypeServiceState);
    CHECK_EQ(naputil_announce_nap_agent_change(napNotifyTypeServiceState), S_FALSE);
    CHECK(!readable(service[0], 50));
    /* The other type is still subscribed. */
    CHECK_EQ(naputil_announce_nap_agent_change(napNotifyTypeQuarState), S_OK);
    CHECK(readable(quar[0], 1000));
    CHECK_EQ(drain_pipe(quar[0]), 1);
    UninitializeNapAgentNotifier(napNotifyTypeQuarState);
    CHECK_EQ(naputil_announce_nap_agent_change(napNotifyTypeQuarState), S_FALSE);
    CHECK(!readable(quar[0], 50));

    /* Subscribing again after unsubscribing works. */
    CHECK_EQ(InitializeNapAgentNotifier(napNotifyTypeServiceState, AS_HANDLE(service[1])), S_OK);
    CHECK_EQ(naputil_announce_nap_agent_change(napNotifyTypeServiceState), S_OK);
    CHECK(readable(service[0], 1000));
    CHECK_EQ(drain_pipe(service[0]), 1);
    UninitializeNapAgentNotifier(napNotifyTypeServiceState);

    close(service[0]);
    close(service[1]);
    close(quar[0]);
    close(quar[1]);
}

/* A full pipe never blocks the announcer: it is readable already. */
static void test_full_pipe(void)
{
    int fds[2];
    int i, failures = 0;

    if (make_pipe(fds) != 0)
        return;
    CHECK_EQ(InitializeNapAgentNotifier(napNotifyTypeQuarState, AS_HANDLE(fds[1])), S_OK);
    for (i = 0; i < 20000; i++)
        if (naputil_announce_nap_agent_change(napNotifyTypeQuarState) != S_OK)
            failures++;
    CHECK_EQ(failures, 0);
    CHECK(readable(fds[0], 0));
    CHECK(drain_pipe(fds[0]) > 0);
    UninitializeNapAgentNotifier(napNotifyTypeQuarState);
    close(fds[0]);
    close(fds[1]);
}

/* A pipe whose reader is gone: E_FAIL, and no SIGPIPE kills the process. */
static void test_reader_gone(void)
{
    int fds[2];

    if (make_pipe(fds) != 0)
        return;
    CHECK_EQ(InitializeNapAgentNotifier(napNotifyTypeServiceState, AS_HANDLE(fds[1])), S_OK);
    close(fds[0]);
    CHECK_EQ(naputil_announce_nap_agent_change(napNotifyTypeServiceState), E_FAIL);
    CHECK_EQ(naputil_announce_nap_agent_change(napNotifyTypeServiceState), E_FAIL);
    UninitializeNapAgentNotifier(napNotifyTypeServiceState);
    CHECK_EQ(naputil_announce_nap_agent_change(napNotifyTypeServiceState), S_FALSE);
    close(fds[1]);
}

/* ---- announcements from another thread ---------------------------------- */

#define THREAD_ANNOUNCEMENTS 200

static void *announcer(void *arg)
{
    NapNotifyType type = *(NapNotifyType *)arg;
    int i, ok = 0;
    for (i = 0; i < THREAD_ANNOUNCEMENTS; i++) {
        if (naputil_announce_nap_agent_change(type) == S_OK)
            ok++;
        if (i % 50 == 0) {
            struct timespec pause = { 0, 1000000 };
            nanosleep(&pause, NULL);
        }
    }
    return (void *)(intptr_t)ok;
}

static void test_other_thread_pipe(void)
{
    int fds[2];
    NapNotifyType type = napNotifyTypeServiceState;
    pthread_t thread;
    void *result = NULL;
    int got = 0, rounds = 0;

    if (make_pipe(fds) != 0)
        return;
    CHECK_EQ(InitializeNapAgentNotifier(type, AS_HANDLE(fds[1])), S_OK);
    CHECK_EQ(pthread_create(&thread, NULL, announcer, &type), 0);
    /* The pipe holds far more than 200 values: every one arrives. */
    while (got < THREAD_ANNOUNCEMENTS && rounds++ < 1000 && readable(fds[0], 5000))
        got += drain_pipe(fds[0]);
    pthread_join(thread, &result);
    got += drain_pipe(fds[0]);
    CHECK_EQ((intptr_t)result, THREAD_ANNOUNCEMENTS);
    CHECK_EQ(got, THREAD_ANNOUNCEMENTS);
    UninitializeNapAgentNotifier(type);
    close(fds[0]);
    close(fds[1]);
}

#ifdef __linux__
static void test_eventfd(void)
{
    int service = eventfd(0, EFD_NONBLOCK);
    int quar = eventfd(0, EFD_NONBLOCK);
    NapNotifyType type = napNotifyTypeQuarState;
    pthread_t thread;
    void *result = NULL;
    uint64_t value = 0, total = 0;
    int rounds = 0;

    CHECK(service >= 0 && quar >= 0);
    if (service < 0 || quar < 0)
        return;
    CHECK_EQ(InitializeNapAgentNotifier(napNotifyTypeServiceState, AS_HANDLE(service)), S_OK);
    CHECK_EQ(InitializeNapAgentNotifier(napNotifyTypeQuarState, AS_HANDLE(quar)), S_OK);
    CHECK(!readable(service, 0));
    CHECK(!readable(quar, 0));

    /* An eventfd adds the announcements up. */
    CHECK_EQ(naputil_announce_nap_agent_change(napNotifyTypeQuarState), S_OK);
    CHECK_EQ(naputil_announce_nap_agent_change(napNotifyTypeQuarState), S_OK);
    CHECK_EQ(naputil_announce_nap_agent_change(napNotifyTypeQuarState), S_OK);
    CHECK(readable(quar, 1000));
    CHECK(!readable(service, 0));
    CHECK_EQ(read(quar, &value, sizeof value), sizeof value);
    CHECK_EQ(value, 3);
    CHECK(!readable(quar, 0));

    CHECK_EQ(naputil_announce_nap_agent_change(napNotifyTypeServiceState), S_OK);
    CHECK(readable(service, 1000));
    CHECK(!readable(quar, 0));
    CHECK_EQ(read(service, &value, sizeof value), sizeof value);
    CHECK_EQ(value, 1);

    /* From another thread. */
    CHECK_EQ(pthread_create(&thread, NULL, announcer, &type), 0);
    while (total < THREAD_ANNOUNCEMENTS && rounds++ < 1000 && readable(quar, 5000))
        if (read(quar, &value, sizeof value) == (ssize_t)sizeof value)
            total += value;
    pthread_join(thread, &result);
    if (read(quar, &value, sizeof value) == (ssize_t)sizeof value)
        total += value;
    CHECK_EQ((intptr_t)result, THREAD_ANNOUNCEMENTS);
    CHECK_EQ(total, THREAD_ANNOUNCEMENTS);
    CHECK(!readable(service, 0));

    UninitializeNapAgentNotifier(napNotifyTypeServiceState);
    UninitializeNapAgentNotifier(napNotifyTypeQuarState);
    CHECK_EQ(naputil_announce_nap_agent_change(napNotifyTypeQuarState), S_FALSE);
    CHECK(!readable(quar, 50));
    close(service);
    close(quar);
}
#endif

int main(void)
{
    uint64_t start_blocks = naputil_live_blocks();
    int fds[2];

    if (make_pipe(fds) != 0) {
        CHECK(!"pipe");
        CHECK_EXIT();
    }
    test_bad_arguments(fds[1]);
    close(fds[0]);
    close(fds[1]);

    test_pipe_round_trip();
    test_full_pipe();
    test_reader_gone();
    test_other_thread_pipe();
#ifdef __linux__
    test_eventfd();
#endif

    CHECK_EQ(naputil_live_blocks(), start_blocks);
    CHECK_EXIT();
}
