/*
 * naputil_leaks_since and naputil_report_leaks under a spy that offsets
 * the pointers it hands out (PostAlloc returns the actual block + 16,
 * PreFree subtracts 16 again): the visitor is given what the caller was
 * given, the caller's pointer and the size the caller asked for, never the
 * actual block behind it; and CoTaskMemFree of that pointer from inside
 * the visitor (which the header allows) frees the block without a misuse
 * report. The same holds while the spy's revoke is pending, where the
 * visitor's free of the last spied block releases the spy, and without a
 * spy at all.
 *
 * naputil-test: posix-only (stderr captured through a pipe)
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "napUtil.h"
#include "check.h"
#include "misuse_log.h"

#define PREFIX 16u
#define MAGIC 0x4f46465345545350ull

static ULONG spy_refs = 1;
static int spy_frees;

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

static SIZE_T STDMETHODCALLTYPE spy_pre_alloc(IMallocSpy *This, SIZE_T cb)
{
    (void)This;
    return cb + PREFIX;
}

static void *STDMETHODCALLTYPE spy_post_alloc(IMallocSpy *This, void *actual)
{
    (void)This;
    if (!actual)
        return NULL;
    *(uint64_t *)actual = MAGIC;
    return (unsigned char *)actual + PREFIX;
}

static void *unwrap(void *request, BOOL spyed)
{
    if (!spyed || !request)
        return request;
    CHECK(*(uint64_t *)(void *)((unsigned char *)request - PREFIX) == MAGIC);
    return (unsigned char *)request - PREFIX;
}

static void *STDMETHODCALLTYPE spy_pre_free(IMallocSpy *This, void *request, BOOL spyed)
{
    (void)This;
    spy_frees++;
    return unwrap(request, spyed);
}

static SIZE_T STDMETHODCALLTYPE spy_pre_realloc(IMallocSpy *This, void *request, SIZE_T cb, void **actual,
                                                BOOL spyed)
{
    (void)This;
    *actual = unwrap(request, spyed);
    return spyed && cb ? cb + PREFIX : cb;
}

static void *STDMETHODCALLTYPE spy_post_realloc(IMallocSpy *This, void *actual, BOOL spyed)
{
    (void)This;
    if (!spyed || !actual)
        return actual;
    *(uint64_t *)actual = MAGIC;
    return (unsigned char *)actual + PREFIX;
}

static void *STDMETHODCALLTYPE spy_pre_get_size(IMallocSpy *This, void *request, BOOL spyed)
{
    (void)This;
    return unwrap(request, spyed);
}

static SIZE_T STDMETHODCALLTYPE spy_post_get_size(IMallocSpy *This, SIZE_T actual, BOOL spyed)
{
    (void)This;
    return spyed && actual != (SIZE_T)-1 ? actual - PREFIX : actual;
}

static void *STDMETHODCALLTYPE spy_pre_did_alloc(IMallocSpy *This, void *request, BOOL spyed)
{
    (void)This;
    return unwrap(request, spyed);
}

static const IMallocSpyVtbl offset_vtbl = {
    .QueryInterface = spy_query_interface,
    .AddRef = spy_add_ref,
    .Release = spy_release,
    .PreAlloc = spy_pre_alloc,
    .PostAlloc = spy_post_alloc,
    .PreFree = spy_pre_free,
    .PreRealloc = spy_pre_realloc,
    .PostRealloc = spy_post_realloc,
    .PreGetSize = spy_pre_get_size,
    .PostGetSize = spy_post_get_size,
    .PreDidAlloc = spy_pre_did_alloc,
};
static IMallocSpy offset_spy = { &offset_vtbl };

#define BLOCKS 3
static const size_t sizes[BLOCKS] = { 40, 1, 300 };
static void *handed_out[BLOCKS];

/* What the visitor saw, and whether it frees. */
static struct {
    int calls;
    int matched[BLOCKS];
    int free_them;
    int unknown;
    const char *label;
} seen;

static void visitor(void *block, size_t size, void *context)
{
    int i;
    CHECK(context == &seen);
    seen.calls++;
    for (i = 0; i < BLOCKS; i++)
        if (block == handed_out[i]) {
            if (size != sizes[i])
                fprintf(stderr, "%s:%d: visitor: block %d given with size %zu, the caller asked for %zu\n",
                        __FILE__, __LINE__, i, size, sizes[i]);
            CHECK_EQ(size, sizes[i]);
            seen.matched[i]++;
            if (seen.free_them)
                CoTaskMemFree(block);
            return;
        }
    seen.unknown++;
    fprintf(stderr, "%s:%d: %s: the visitor was given %p (%zu bytes), which is not what any caller was "
                    "handed (%p, %p, %p: %zu, %zu, %zu bytes)\n", __FILE__, __LINE__, seen.label, block, size,
            handed_out[0], handed_out[1], handed_out[2], sizes[0], sizes[1], sizes[2]);
}

static void allocate_all(void)
{
    int i;
    for (i = 0; i < BLOCKS; i++) {
        handed_out[i] = CoTaskMemAlloc(sizes[i]);
        CHECK(handed_out[i] != NULL);
        if (handed_out[i])
            memset(handed_out[i], 0x3c, sizes[i]);
    }
}

static void visit(uint32_t checkpoint, int free_them, const char *label)
{
    int i;
    memset(&seen, 0, sizeof seen);
    seen.free_them = free_them;
    seen.label = label;
    misuse_log_start();
    CHECK_EQ(naputil_leaks_since(checkpoint, visitor, &seen), BLOCKS);
    misuse_log_stop();
    CHECK_EQ(seen.unknown, 0);
    CHECK_EQ(seen.calls, BLOCKS);
    for (i = 0; i < BLOCKS; i++)
        CHECK_EQ(seen.matched[i], 1);
    MISUSE_LOG_EXPECT(0);
    /* What a failed run left behind, freed the way its caller would. */
    for (i = 0; free_them && i < BLOCKS; i++)
        if (!seen.matched[i] && handed_out[i]) {
            IMalloc *task = NULL;
            CHECK_EQ(CoGetMalloc(1, &task), S_OK);
            if (task && task->lpVtbl->DidAlloc(task, handed_out[i]) == 1)
                CoTaskMemFree(handed_out[i]);
        }
}

/* naputil_report_leaks' stderr lines name the caller's pointers and sizes. */
static void check_report(uint32_t checkpoint)
{
    int fds[2], saved, i;
    char out[4096];
    ssize_t n;
    size_t used = 0;
    if (pipe(fds) != 0)
        return;
    fflush(stderr);
    saved = dup(2);
    dup2(fds[1], 2);
    close(fds[1]);
    CHECK_EQ(naputil_report_leaks(checkpoint), BLOCKS);
    dup2(saved, 2);
    close(saved);
    while (used < sizeof out - 1 && (n = read(fds[0], out + used, sizeof out - 1 - used)) > 0)
        used += (size_t)n;
    out[used] = '\0';
    close(fds[0]);
    for (i = 0; i < BLOCKS; i++) {
        char line[128];
        snprintf(line, sizeof line, "naputil: leak: %zu bytes at %p\n", sizes[i], handed_out[i]);
        if (!strstr(out, line)) {
            fprintf(stderr, "%s:%d: naputil_report_leaks printed no line \"%.*s\"; it printed:\n%s", __FILE__,
                    __LINE__, (int)strlen(line) - 1, line, out);
            check_failures++;
        }
    }
}

static void test_offset_spy(void)
{
    uint64_t base = naputil_live_blocks();
    uint32_t checkpoint;
    int i;

    CHECK_EQ(CoRegisterMallocSpy(&offset_spy), S_OK);
    checkpoint = naputil_checkpoint();
    allocate_all();
    check_report(checkpoint);
    visit(checkpoint, 0, "offsetting spy, listing");
    visit(checkpoint, 1, "offsetting spy, freeing");
    CHECK_EQ(naputil_live_blocks(), base);
    CHECK_EQ(naputil_leaks_since(checkpoint, NULL, NULL), 0);
    CHECK_EQ(spy_frees, BLOCKS);
    CHECK_EQ(CoRevokeMallocSpy(), S_OK);
    CHECK_EQ(spy_refs, 1);

    /* Revoke pending: the visitor's frees still go through the spy, and
     * the last one releases it. */
    CHECK_EQ(CoRegisterMallocSpy(&offset_spy), S_OK);
    checkpoint = naputil_checkpoint();
    allocate_all();
    CHECK_EQ(CoRevokeMallocSpy(), E_ACCESSDENIED);
    visit(checkpoint, 1, "offsetting spy, revoke pending");
    CHECK_EQ(naputil_live_blocks(), base);
    CHECK_EQ(spy_refs, 1);
    CHECK_EQ(CoRevokeMallocSpy(), CO_E_OBJNOTREG);
    for (i = 0; i < BLOCKS; i++)
        handed_out[i] = NULL;
}

static void test_no_spy(void)
{
    uint64_t base = naputil_live_blocks();
    uint32_t checkpoint = naputil_checkpoint();
    allocate_all();
    check_report(checkpoint);
    visit(checkpoint, 0, "no spy, listing");
    visit(checkpoint, 1, "no spy, freeing");
    CHECK_EQ(naputil_live_blocks(), base);
}

int main(void)
{
    test_no_spy();
    test_offset_spy();
    CHECK_EXIT();
}
