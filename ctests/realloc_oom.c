/*
 * A CoTaskMemRealloc that fails leaves the caller's block as it was: NULL
 * is returned, the old pointer is still a live block (DidAlloc 1) of the
 * old size with the old contents, nothing is reported, and it can be freed
 * (or reallocated) afterwards. That holds however the call fails:
 *
 * - sizes no allocator can satisfy (SIZE_MAX, SIZE_MAX / 2, 2^62, ...);
 * - real exhaustion: the address space is capped with setrlimit(RLIMIT_AS)
 *   just above what the process uses plus the new size, at a series of
 *   margins, so that libc's realloc fails at some of them and, at others,
 *   succeeds in moving the block while the memory the library needs for
 *   itself afterwards (tracking the new address) is what runs out. Every
 *   such failure must still leave the old block intact; a success must
 *   hand back the contents.
 *
 * The RLIMIT_AS part is skipped under valgrind and the sanitizers (they
 * reserve address space of their own, so the cap would measure them), and
 * where /proc/self/status is missing.
 *
 * naputil-test: posix-only (setrlimit, fork)
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "napUtil.h"
#include "check.h"
#include "isolate.h"
#include "misuse_log.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

#define OLD_SIZE 1000

static IMalloc *task;

static unsigned char *filled_block(void)
{
    unsigned char *p = CoTaskMemAlloc(OLD_SIZE);
    size_t i;
    CHECK(p != NULL);
    if (p)
        for (i = 0; i < OLD_SIZE; i++)
            p[i] = (unsigned char)(i * 7 + 3);
    return p;
}

static int intact(const unsigned char *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (p[i] != (unsigned char)(i * 7 + 3))
            return 0;
    return 1;
}

/* After a failed reallocation of p: still live, same size and contents. */
static void expect_kept(unsigned char *p, const char *what, size_t size)
{
    int live = task->lpVtbl->DidAlloc(task, p);
    if (live != 1) {
        fprintf(stderr, "%s:%d: %s(p, %zu) returned NULL and the block is gone (DidAlloc %d): the caller's "
                        "block was lost\n", __FILE__, __LINE__, what, size, live);
        check_failures++;
        return;
    }
    CHECK_EQ(task->lpVtbl->GetSize(task, p), OLD_SIZE);
    CHECK(intact(p, OLD_SIZE));
}

static void test_impossible_sizes(void)
{
    static const size_t sizes[] = {
        SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 15, SIZE_MAX / 2, SIZE_MAX / 2 + 1, (size_t)PTRDIFF_MAX,
        (size_t)1 << 62, (size_t)1 << 56, (size_t)1 << 48,
    };
    NaputilStats before, after;
    unsigned char *p = filled_block();
    size_t i;

    if (!p)
        return;
    CHECK_EQ(naputil_get_stats(&before), S_OK);
    misuse_log_start();
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        void *q = CoTaskMemRealloc(p, sizes[i]);
        CHECK(q == NULL);
        if (q) {
            p = q; /* it "worked": keep the test alive */
            continue;
        }
        expect_kept(p, "CoTaskMemRealloc", sizes[i]);
        q = task->lpVtbl->Realloc(task, p, sizes[i]);
        CHECK(q == NULL);
        if (q) {
            p = q;
            continue;
        }
        expect_kept(p, "IMalloc::Realloc", sizes[i]);
    }
    misuse_log_stop();
    MISUSE_LOG_EXPECT(0);
    CHECK_EQ(naputil_get_stats(&after), S_OK);
    CHECK_EQ(after.live_blocks, before.live_blocks);
    CHECK_EQ(after.total_frees, before.total_frees);
    CHECK_EQ(after.total_reallocs, before.total_reallocs);
    /* Still a working block. */
    p = CoTaskMemRealloc(p, 2 * OLD_SIZE);
    CHECK(p != NULL);
    if (p)
        CHECK(intact(p, OLD_SIZE));
    CoTaskMemFree(p);
}

/* VmSize of this process in bytes, or 0 when it cannot be read. */
static size_t vm_size(void)
{
    char line[256];
    unsigned long long kb = 0;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmSize:", 7) == 0) {
            kb = strtoull(line + 7, NULL, 10);
            break;
        }
    fclose(f);
    return (size_t)kb * 1024;
}

/* A spy whose methods are all absent: every call goes through the spy
 * path and nothing is changed. */
static ULONG spy_refs = 1;

static HRESULT STDMETHODCALLTYPE spy_query_interface(IMallocSpy *This, REFIID riid, void **out)
{
    (void)riid;
    *out = This;
    spy_refs++;
    return S_OK;
}

static ULONG STDMETHODCALLTYPE spy_add_ref(IMallocSpy *This)
{
    (void)This;
    return ++spy_refs;
}

static ULONG STDMETHODCALLTYPE spy_release(IMallocSpy *This)
{
    (void)This;
    return --spy_refs;
}

static const IMallocSpyVtbl pass_through_vtbl = {
    .QueryInterface = spy_query_interface,
    .AddRef = spy_add_ref,
    .Release = spy_release,
};
static IMallocSpy pass_through = { &pass_through_vtbl };

/* One pass over the margins; returns how many attempts failed. */
static int exhaustion_pass(const char *label, size_t *successes)
{
    static const size_t targets[] = { (size_t)200 << 20, (size_t)64 << 20 };
    static const size_t margins_kb[] = {
        0, 4, 64, 256, 1024, 2048, 4096, 8192, 12288, 15360, 16384, 16448, 17408, 20480, 24576, 32768, 65536,
    };
    struct rlimit saved, capped;
    size_t t, m;
    int failures = 0;

    if (getrlimit(RLIMIT_AS, &saved) != 0) {
        perror("getrlimit");
        check_failures++;
        return 0;
    }
    for (t = 0; t < sizeof targets / sizeof targets[0]; t++)
        for (m = 0; m < sizeof margins_kb / sizeof margins_kb[0]; m++) {
            size_t size = targets[t];
            unsigned char *p = filled_block();
            unsigned char *q;
            size_t vm;
            int reports;
            if (!p)
                return failures;
            vm = vm_size();
            capped = saved;
            capped.rlim_cur = (rlim_t)(vm + size + margins_kb[m] * 1024);
            if (saved.rlim_cur != RLIM_INFINITY && capped.rlim_cur > saved.rlim_cur)
                capped.rlim_cur = saved.rlim_cur;
            misuse_log_start();
            if (setrlimit(RLIMIT_AS, &capped) != 0) {
                misuse_log_stop();
                perror("setrlimit");
                check_failures++;
                CoTaskMemFree(p);
                return failures;
            }
            q = CoTaskMemRealloc(p, size);
            setrlimit(RLIMIT_AS, &saved);
            misuse_log_stop();
            reports = misuse_log.count;
            if (reports != 0) {
                fprintf(stderr, "%s:%d: %s: CoTaskMemRealloc(p, %zu MiB) with %zu KiB to spare made %d misuse "
                                "report(s):\n", __FILE__, __LINE__, label, size >> 20, margins_kb[m], reports);
                misuse_log_print(__FILE__, __LINE__);
                check_failures++;
            }
            if (q) {
                (*successes)++;
                CHECK(intact(q, OLD_SIZE));
                CoTaskMemFree(q);
            } else {
                failures++;
                expect_kept(p, "CoTaskMemRealloc", size);
                if (task->lpVtbl->DidAlloc(task, p) == 1)
                    CoTaskMemFree(p);
            }
        }
    return failures;
}

/* Each pass runs in a child process of its own: the tracking table never
 * gives back what it grew by, so a pass that grew it would spare the next
 * one the very failure being tested. */
static void exhaustion_plain(void)
{
    uint64_t base = naputil_live_blocks();
    size_t successes = 0;
    int failures = exhaustion_pass("plain", &successes);
    /* At a zero margin the new size cannot fit: the failure path ran. */
    CHECK(failures > 0);
    CHECK_EQ(naputil_live_blocks(), base);
    printf("realloc_oom: plain: %d reallocation(s) failed under RLIMIT_AS, %zu succeeded\n", failures, successes);
}

static void exhaustion_spied(void)
{
    uint64_t base = naputil_live_blocks();
    size_t successes = 0;
    int failures;
    CHECK_EQ(CoRegisterMallocSpy(&pass_through), S_OK);
    failures = exhaustion_pass("under a spy", &successes);
    CHECK(failures > 0);
    CHECK_EQ(naputil_live_blocks(), base);
    CHECK_EQ(CoRevokeMallocSpy(), S_OK);
    CHECK_EQ(spy_refs, 1);
    printf("realloc_oom: under a spy: %d reallocation(s) failed under RLIMIT_AS, %zu succeeded\n", failures,
           successes);
}

static void test_exhaustion(void)
{
    if (getenv("NAPUTIL_TEST_UNDER_VALGRIND") || getenv("NAPUTIL_TEST_UNDER_SANITIZER") || UNDER_ASAN) {
        printf("realloc_oom: RLIMIT_AS part skipped: valgrind and the sanitizers reserve address space of "
               "their own\n");
        return;
    }
    if (vm_size() == 0) {
        printf("realloc_oom: RLIMIT_AS part skipped: no /proc/self/status to read VmSize from\n");
        return;
    }
    RUN_ISOLATED(exhaustion_plain);
    RUN_ISOLATED(exhaustion_spied);
    isolate_summary("realloc_oom");
}

int main(void)
{
    CHECK_EQ(CoGetMalloc(1, &task), S_OK);
    test_impossible_sizes();
    test_exhaustion();
    CHECK_EXIT();
}
