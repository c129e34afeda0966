/*
 * fork() while other threads hammer the allocator (allocations, reallocs,
 * misuse reports through a handler that allocates, a spy registered and
 * revoked; for the second half of the forks with call stacks recorded, and
 * described by the handler): each child must allocate, free, misuse,
 * register a spy (and, with stacks on, describe where it allocated a block)
 * and exit cleanly within a deadline. A child still running at the deadline is killed
 * and the test fails: something was left locked.
 *
 * 100 forks; NAPUTIL_FORKS overrides. Under valgrind
 * (NAPUTIL_TEST_UNDER_VALGRIND=1) 5 forks, and under the sanitizers
 * (NAPUTIL_TEST_UNDER_SANITIZER=1) 100, made after the threads have stopped:
 * valgrind checks each child for leaks and would count the blocks of threads
 * that do not exist in the child, and the AddressSanitizer runtime of
 * gcc 12 / clang 14 does not take its allocator lock across fork(), so its
 * own malloc can hang in the child.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "napUtil.h"
#include "check.h"

#define HAMMERS 3
#define DEADLINE_MS 20000

static volatile int stop;

/* A spy that changes nothing; its reference count is all it keeps. */
static ULONG spy_refs = 1;
static HRESULT STDMETHODCALLTYPE qi(IMallocSpy *This, REFIID riid, void **out)
{
    (void)riid;
    __atomic_fetch_add(&spy_refs, 1, __ATOMIC_SEQ_CST);
    *out = This;
    return S_OK;
}
static ULONG STDMETHODCALLTYPE add_ref(IMallocSpy *This)
{
    (void)This;
    return __atomic_add_fetch(&spy_refs, 1, __ATOMIC_SEQ_CST);
}
static ULONG STDMETHODCALLTYPE release(IMallocSpy *This)
{
    (void)This;
    return __atomic_sub_fetch(&spy_refs, 1, __ATOMIC_SEQ_CST);
}
static SIZE_T STDMETHODCALLTYPE pre_alloc(IMallocSpy *This, SIZE_T cb)
{
    (void)This;
    return cb;
}
static const IMallocSpyVtbl spy_vtbl = { qi, add_ref, release, pre_alloc, NULL, NULL, NULL, NULL,
                                         NULL, NULL, NULL, NULL, NULL, NULL, NULL };
static IMallocSpy spy = { &spy_vtbl };

static void allocating_handler(const NaputilMisuse *misuse, void *context)
{
    char where[256];
    (void)context;
    CoTaskMemFree(CoTaskMemRealloc(CoTaskMemAlloc(40), 80));
    if (misuse->call_stack.count > 1)
        naputil_describe_frame(misuse->call_stack.frames[1], where, sizeof where);
}

static void *hammer(void *arg)
{
    uint64_t s = (uint64_t)(uintptr_t)arg * 0x9E3779B97F4A7C15ull + 1;
    void *held[512];
    size_t n = 0;
    int local;
    while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        switch (s % 10) {
        case 0: case 1: case 2: case 3: case 4:
            if (n < 512)
                held[n++] = CoTaskMemAlloc((size_t)(s >> 32) % 512);
            break;
        case 5: case 6: case 7:
            if (n)
                CoTaskMemFree(CoTaskMemRealloc(held[--n], 64));
            break;
        case 8:
            CoTaskMemFree(&local);
            break;
        default:
            if ((uintptr_t)arg == 0 && CoRegisterMallocSpy(&spy) == S_OK) {
                CoTaskMemFree(CoTaskMemAlloc(16));
                CoRevokeMallocSpy();
            }
        }
    }
    while (n)
        CoTaskMemFree(held[--n]);
    return NULL;
}

/* What the child checks; its exit status says which check failed. */
static int child(void)
{
    uint64_t before = naputil_live_blocks();
    void *blocks[128];
    int i, local;
    IMalloc *m = NULL;
    for (i = 0; i < 128; i++)
        if ((blocks[i] = CoTaskMemAlloc((size_t)i * 8)) == NULL)
            return 2;
    for (i = 0; i < 128; i += 2)
        if ((blocks[i] = CoTaskMemRealloc(blocks[i], 300)) == NULL)
            return 3;
    CoTaskMemFree(&local);
    if (CoGetMalloc(1, &m) != S_OK || m->lpVtbl->DidAlloc(m, blocks[1]) != 1)
        return 4;
    if (CoRegisterMallocSpy(&spy) == S_OK) {
        CoTaskMemFree(CoTaskMemAlloc(10));
        if (CoRevokeMallocSpy() != S_OK)
            return 5;
    }
    if (naputil_get_backtrace() != 0) {
        NaputilStack stack;
        char where[256];
        if (naputil_block_stack(blocks[1], &stack) != S_OK || stack.count < 2)
            return 7;
        naputil_describe_frame(stack.frames[1], where, sizeof where);
        if (strncmp(where, "child", 5) != 0)
            return 8;
    }
    for (i = 0; i < 128; i++)
        CoTaskMemFree(blocks[i]);
    return naputil_live_blocks() == before ? 0 : 6;
}

static void sleep_ms(long ms)
{
    struct timespec t;
    t.tv_sec = ms / 1000;
    t.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&t, NULL);
}

/* Waits for the child; kills it and reports -1 past the deadline. */
static int wait_child(pid_t pid)
{
    long waited;
    for (waited = 0; waited < DEADLINE_MS; waited++) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
        if (r < 0)
            return 101;
        sleep_ms(1);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

static int stop_hammers(pthread_t *threads)
{
    int i;
    __atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
    for (i = 0; i < HAMMERS; i++)
        CHECK(pthread_join(threads[i], NULL) == 0);
    return 1;
}

int main(void)
{
    const char *env = getenv("NAPUTIL_FORKS");
    const char *vg = getenv("NAPUTIL_TEST_UNDER_VALGRIND");
    const char *san = getenv("NAPUTIL_TEST_UNDER_SANITIZER");
    int under_valgrind = vg && *vg == '1';
    int quiet_threads = under_valgrind || (san && *san == '1');
    int forks = env ? atoi(env) : under_valgrind ? 5 : 100;
    pthread_t threads[HAMMERS];
    int i, hung = 0, failed = 0, joined = 0;

    naputil_set_misuse_handler(allocating_handler, NULL);
    for (i = 0; i < HAMMERS; i++)
        CHECK(pthread_create(&threads[i], NULL, hammer, (void *)(uintptr_t)i) == 0);
    if (quiet_threads) {
        sleep_ms(50);
        joined = stop_hammers(threads);
    }
    for (i = 0; i < forks; i++) {
        pid_t pid;
        int code;
        if (i == forks / 2)
            naputil_set_backtrace(1);
        sleep_ms(2);
        pid = fork();
        CHECK(pid >= 0);
        if (pid == 0)
            _exit(child());
        code = wait_child(pid);
        if (code == -1)
            hung++;
        else if (code != 0)
            failed++;
        if (code != 0)
            fprintf(stderr, "fork %d: child %s (%d)\n", i, code == -1 ? "hung" : "failed", code);
    }
    if (!joined)
        stop_hammers(threads);
    naputil_set_misuse_handler(NULL, NULL);
    naputil_set_backtrace(0);
    CHECK_EQ(hung, 0);
    CHECK_EQ(failed, 0);
    CoRevokeMallocSpy();
    CHECK_EQ(spy_refs, 1);
    printf("fork: %d forks while %d threads hammered the allocator\n", forks, HAMMERS);
    CHECK_EXIT();
}
