/*
 * CoRevokeMallocSpy while a spied call is in flight, spies whose methods
 * call back into the allocator, and misuse handlers that do the same.
 *
 * The revocation rule checked here:
 *
 *   CoRevokeMallocSpy returns S_OK when no block allocated under the spy is
 *   live or being allocated: no spy method runs for any allocator call that
 *   starts after it returned, a call already inside a spy method finishes,
 *   the library's reference is released as soon as the last such call has
 *   returned, and CoRegisterMallocSpy of another spy succeeds from then on.
 *   An allocation under the spy counts from before its PreAlloc (or
 *   PreRealloc(NULL, ...)) runs, so a revoke while one is in flight — from
 *   inside that Pre-method or from another thread — returns E_ACCESSDENIED,
 *   as with a live spied block: the revoke is pending, another spy cannot
 *   register, the block's free still runs the spy's PreFree (which may be
 *   the only thing that can translate the pointer PostAlloc handed out),
 *   and the spy is released with that free.
 *
 * "Released" means the spy's reference count is back to what it was before
 * CoRegisterMallocSpy took its reference.
 *
 * Each scenario runs in a child process (isolate.h), so one that hangs is
 * stopped by its alarm and named.
 *
 * naputil-test: posix-only (fork)
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "napUtil.h"
#include "check.h"
#include "isolate.h"
#include "misuse_log.h"

enum { PRE_ALLOC, POST_ALLOC, PRE_FREE, POST_FREE, PRE_REALLOC, POST_REALLOC, PRE_GET_SIZE, POST_GET_SIZE,
       PRE_DID_ALLOC, POST_DID_ALLOC, PRE_HEAP_MINIMIZE, POST_HEAP_MINIMIZE, METHODS };

typedef struct TestSpy {
    IMallocSpy iface; /* first: an IMallocSpy * is a TestSpy * */
    pthread_mutex_t lock;
    pthread_cond_t changed;
    ULONG refs;
    int calls[METHODS];
    /* Behaviour. */
    int revoke_in[METHODS]; /* revoke once from inside this method */
    HRESULT revoke_result;
    int block_in[METHODS]; /* the next call of this method waits for `go` */
    int entered, go;
    int reenter; /* methods call the allocator (one level deep) */
} TestSpy;

static TestSpy *spy_of(IMallocSpy *This)
{
    return (TestSpy *)(void *)This;
}

static IMalloc *task;
static int reentry_depth; /* re-entry is tested on one thread only */

/* Allocator calls made from inside a spy method when `reenter` is set. */
static void reenter(TestSpy *s, int method)
{
    void *a, *b;
    if (!s->reenter || reentry_depth > 0)
        return;
    reentry_depth++;
    a = CoTaskMemAlloc(8 + (size_t)method);
    b = CoTaskMemRealloc(a, 64);
    if (b)
        a = b;
    CHECK_EQ(task->lpVtbl->DidAlloc(task, a), 1);
    CHECK(task->lpVtbl->GetSize(task, a) >= 8);
    CoTaskMemFree(a);
    CoTaskMemFree(CoTaskMemRealloc(NULL, 3));
    reentry_depth--;
}

static void enter(IMallocSpy *This, int method)
{
    TestSpy *s = spy_of(This);
    int revoke, block;
    pthread_mutex_lock(&s->lock);
    s->calls[method]++;
    revoke = s->revoke_in[method];
    s->revoke_in[method] = 0;
    block = s->block_in[method];
    s->block_in[method] = 0;
    pthread_mutex_unlock(&s->lock);

    if (revoke) {
        HRESULT hr = CoRevokeMallocSpy();
        pthread_mutex_lock(&s->lock);
        s->revoke_result = hr;
        pthread_mutex_unlock(&s->lock);
    }
    if (block) {
        pthread_mutex_lock(&s->lock);
        s->entered = 1;
        pthread_cond_broadcast(&s->changed);
        while (!s->go)
            pthread_cond_wait(&s->changed, &s->lock);
        pthread_mutex_unlock(&s->lock);
    }
    reenter(s, method);
}

static HRESULT STDMETHODCALLTYPE spy_query_interface(IMallocSpy *This, REFIID riid, void **out)
{
    TestSpy *s = spy_of(This);
    if (memcmp(riid, &IID_IMallocSpy, sizeof(GUID)) != 0 && memcmp(riid, &IID_IUnknown, sizeof(GUID)) != 0) {
        *out = NULL;
        return E_NOINTERFACE;
    }
    pthread_mutex_lock(&s->lock);
    s->refs++;
    pthread_mutex_unlock(&s->lock);
    *out = This;
    return S_OK;
}

static ULONG STDMETHODCALLTYPE spy_add_ref(IMallocSpy *This)
{
    TestSpy *s = spy_of(This);
    ULONG r;
    pthread_mutex_lock(&s->lock);
    r = ++s->refs;
    pthread_mutex_unlock(&s->lock);
    return r;
}

static ULONG STDMETHODCALLTYPE spy_release(IMallocSpy *This)
{
    TestSpy *s = spy_of(This);
    ULONG r;
    pthread_mutex_lock(&s->lock);
    r = --s->refs;
    pthread_mutex_unlock(&s->lock);
    return r;
}

static SIZE_T STDMETHODCALLTYPE spy_pre_alloc(IMallocSpy *This, SIZE_T cb)
{
    enter(This, PRE_ALLOC);
    return cb;
}

static void *STDMETHODCALLTYPE spy_post_alloc(IMallocSpy *This, void *actual)
{
    enter(This, POST_ALLOC);
    return actual;
}

static void *STDMETHODCALLTYPE spy_pre_free(IMallocSpy *This, void *request, BOOL spyed)
{
    (void)spyed;
    enter(This, PRE_FREE);
    return request;
}

static void STDMETHODCALLTYPE spy_post_free(IMallocSpy *This, BOOL spyed)
{
    (void)spyed;
    enter(This, POST_FREE);
}

static SIZE_T STDMETHODCALLTYPE spy_pre_realloc(IMallocSpy *This, void *request, SIZE_T cb, void **actual,
                                                BOOL spyed)
{
    (void)spyed;
    enter(This, PRE_REALLOC);
    *actual = request;
    return cb;
}

static void *STDMETHODCALLTYPE spy_post_realloc(IMallocSpy *This, void *actual, BOOL spyed)
{
    (void)spyed;
    enter(This, POST_REALLOC);
    return actual;
}

static void *STDMETHODCALLTYPE spy_pre_get_size(IMallocSpy *This, void *request, BOOL spyed)
{
    (void)spyed;
    enter(This, PRE_GET_SIZE);
    return request;
}

static SIZE_T STDMETHODCALLTYPE spy_post_get_size(IMallocSpy *This, SIZE_T actual, BOOL spyed)
{
    (void)spyed;
    enter(This, POST_GET_SIZE);
    return actual;
}

static void *STDMETHODCALLTYPE spy_pre_did_alloc(IMallocSpy *This, void *request, BOOL spyed)
{
    (void)spyed;
    enter(This, PRE_DID_ALLOC);
    return request;
}

static int STDMETHODCALLTYPE spy_post_did_alloc(IMallocSpy *This, void *request, BOOL spyed, int actual)
{
    (void)request;
    (void)spyed;
    enter(This, POST_DID_ALLOC);
    return actual;
}

static void STDMETHODCALLTYPE spy_pre_heap_minimize(IMallocSpy *This)
{
    enter(This, PRE_HEAP_MINIMIZE);
}

static void STDMETHODCALLTYPE spy_post_heap_minimize(IMallocSpy *This)
{
    enter(This, POST_HEAP_MINIMIZE);
}

static const IMallocSpyVtbl spy_vtbl = {
    spy_query_interface, spy_add_ref,        spy_release,           spy_pre_alloc,
    spy_post_alloc,      spy_pre_free,       spy_post_free,         spy_pre_realloc,
    spy_post_realloc,    spy_pre_get_size,   spy_post_get_size,     spy_pre_did_alloc,
    spy_post_did_alloc,  spy_pre_heap_minimize, spy_post_heap_minimize,
};

static void spy_init(TestSpy *s)
{
    memset(s, 0, sizeof *s);
    s->iface.lpVtbl = &spy_vtbl;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->changed, NULL);
    s->refs = 1; /* the test's own reference */
}

static ULONG refs_of(TestSpy *s)
{
    ULONG r;
    pthread_mutex_lock(&s->lock);
    r = s->refs;
    pthread_mutex_unlock(&s->lock);
    return r;
}

static int total_calls(TestSpy *s)
{
    int i, n = 0;
    pthread_mutex_lock(&s->lock);
    for (i = 0; i < METHODS; i++)
        n += s->calls[i];
    pthread_mutex_unlock(&s->lock);
    return n;
}

static void wait_entered(TestSpy *s)
{
    pthread_mutex_lock(&s->lock);
    while (!s->entered)
        pthread_cond_wait(&s->changed, &s->lock);
    pthread_mutex_unlock(&s->lock);
}

static void let_go(TestSpy *s)
{
    pthread_mutex_lock(&s->lock);
    s->go = 1;
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
}

/* Allocator calls of every kind; the spy must see none of them. */
static void calls_unseen_by(TestSpy *s, const char *when)
{
    int before = total_calls(s);
    void *p = CoTaskMemAlloc(16);
    void *q;
    CHECK(p != NULL);
    q = CoTaskMemRealloc(p, 160);
    if (q)
        p = q;
    (void)task->lpVtbl->GetSize(task, p);
    (void)task->lpVtbl->DidAlloc(task, p);
    task->lpVtbl->HeapMinimize(task);
    CoTaskMemFree(p);
    if (total_calls(s) != before) {
        fprintf(stderr, "%s:%d: %s: the revoked spy's methods ran %d time(s) for calls made after "
                        "CoRevokeMallocSpy returned S_OK\n", __FILE__, __LINE__, when, total_calls(s) - before);
        check_failures++;
    }
}

/* The spy is gone: released, and another spy can take its place; `p`, a
 * block from the in-flight call, is not spied by it. */
static void expect_pending_until_freed(TestSpy *s, void *p, const char *when)
{
    TestSpy other;
    int before;
    spy_init(&other);
    if (CoRegisterMallocSpy(&other.iface) != CO_E_OBJISREG) {
        fprintf(stderr, "%s:%d: %s: another spy could register while the revoke is pending\n", __FILE__, __LINE__,
                when);
        check_failures++;
    }
    CHECK_EQ(CoRevokeMallocSpy(), E_ACCESSDENIED);
    before = s->calls[PRE_FREE];
    misuse_log_start();
    CoTaskMemFree(p);
    misuse_log_stop();
    MISUSE_LOG_EXPECT(0);
    CHECK_EQ(s->calls[PRE_FREE], before + 1);
    CHECK_EQ(task->lpVtbl->DidAlloc(task, p), 0);
    CHECK_EQ(refs_of(s), 1);
    CHECK_EQ(CoRegisterMallocSpy(&other.iface), S_OK);
    CHECK_EQ(CoRevokeMallocSpy(), S_OK);
    CHECK_EQ(other.refs, 1);
    CHECK_EQ(CoRevokeMallocSpy(), CO_E_OBJNOTREG);
}

static void start(void)
{
    CHECK_EQ(CoGetMalloc(1, &task), S_OK);
}

/* ---- revoke from inside the spy's own method ------------------------- */

static void revoke_inside_pre_alloc(void)
{
    TestSpy s;
    uint64_t base;
    void *p;
    start();
    base = naputil_live_blocks();
    spy_init(&s);
    CHECK_EQ(CoRegisterMallocSpy(&s.iface), S_OK);
    s.revoke_in[PRE_ALLOC] = 1;
    p = CoTaskMemAlloc(32);
    CHECK(p != NULL);
    CHECK_EQ(s.revoke_result, E_ACCESSDENIED);
    calls_unseen_by(&s, "revoked inside PreAlloc");
    expect_pending_until_freed(&s, p, "revoked inside PreAlloc");
    CHECK_EQ(naputil_live_blocks(), base);
}

/* Realloc(NULL, n) allocates under the spy: the same rule. */
static void revoke_inside_pre_realloc(void)
{
    TestSpy s;
    uint64_t base;
    void *p;
    start();
    base = naputil_live_blocks();
    spy_init(&s);
    CHECK_EQ(CoRegisterMallocSpy(&s.iface), S_OK);
    s.revoke_in[PRE_REALLOC] = 1;
    p = CoTaskMemRealloc(NULL, 24);
    CHECK(p != NULL);
    CHECK_EQ(s.revoke_result, E_ACCESSDENIED);
    calls_unseen_by(&s, "revoked inside PreRealloc");
    expect_pending_until_freed(&s, p, "revoked inside PreRealloc");
    CHECK_EQ(naputil_live_blocks(), base);
}

/* Inside PreFree of the only spied block, that block is still live:
 * E_ACCESSDENIED, and the release comes with its free. */
static void revoke_inside_pre_free(void)
{
    TestSpy s, other;
    void *p;
    start();
    spy_init(&s);
    spy_init(&other);
    CHECK_EQ(CoRegisterMallocSpy(&s.iface), S_OK);
    p = CoTaskMemAlloc(8);
    s.revoke_in[PRE_FREE] = 1;
    CoTaskMemFree(p);
    CHECK_EQ(s.revoke_result, E_ACCESSDENIED);
    CHECK_EQ(s.calls[POST_FREE], 1);
    CHECK_EQ(refs_of(&s), 1);
    CHECK_EQ(task->lpVtbl->DidAlloc(task, p), 0);
    CHECK_EQ(CoRegisterMallocSpy(&other.iface), S_OK);
    CHECK_EQ(CoRevokeMallocSpy(), S_OK);
    CHECK_EQ(other.refs, 1);
}

/* ---- revoke from another thread while a call is in flight ------------ */

static TestSpy shared_spy;
static void *thread_block;

static void *alloc_thread(void *arg)
{
    (void)arg;
    thread_block = CoTaskMemAlloc(48);
    return NULL;
}

static void *free_thread(void *arg)
{
    CoTaskMemFree(arg);
    return NULL;
}

static void revoke_while_other_thread_in_pre_alloc(void)
{
    pthread_t t;
    uint64_t base;
    HRESULT hr;
    start();
    base = naputil_live_blocks();
    spy_init(&shared_spy);
    CHECK_EQ(CoRegisterMallocSpy(&shared_spy.iface), S_OK);
    shared_spy.block_in[PRE_ALLOC] = 1;
    CHECK_EQ(pthread_create(&t, NULL, alloc_thread, NULL), 0);
    wait_entered(&shared_spy);

    hr = CoRevokeMallocSpy();
    CHECK_EQ(hr, E_ACCESSDENIED);
    calls_unseen_by(&shared_spy, "revoked while another thread is inside PreAlloc");

    let_go(&shared_spy);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK(thread_block != NULL);
    expect_pending_until_freed(&shared_spy, thread_block, "revoked while another thread was inside PreAlloc");
    CHECK_EQ(naputil_live_blocks(), base);
}

/* The other thread is inside PreFree of the last spied block: the block is
 * still live, so E_ACCESSDENIED, and the spy is released once that free
 * has returned. */
static void revoke_while_other_thread_in_pre_free(void)
{
    pthread_t t;
    TestSpy other;
    HRESULT hr;
    void *p;
    start();
    spy_init(&shared_spy);
    spy_init(&other);
    CHECK_EQ(CoRegisterMallocSpy(&shared_spy.iface), S_OK);
    p = CoTaskMemAlloc(8);
    shared_spy.block_in[PRE_FREE] = 1;
    CHECK_EQ(pthread_create(&t, NULL, free_thread, p), 0);
    wait_entered(&shared_spy);

    hr = CoRevokeMallocSpy();
    CHECK_EQ(hr, E_ACCESSDENIED);

    let_go(&shared_spy);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(shared_spy.calls[POST_FREE], 1);
    CHECK_EQ(task->lpVtbl->DidAlloc(task, p), 0);
    CHECK_EQ(refs_of(&shared_spy), 1);
    CHECK_EQ(CoRegisterMallocSpy(&other.iface), S_OK);
    CHECK_EQ(CoRevokeMallocSpy(), S_OK);
    CHECK_EQ(other.refs, 1);
}

/* ---- methods that call the allocator --------------------------------- */

static void reentrant_methods(void)
{
    TestSpy s;
    uint64_t base;
    void *p, *q;
    int i;
    start();
    base = naputil_live_blocks();
    spy_init(&s);
    s.reenter = 1;
    CHECK_EQ(CoRegisterMallocSpy(&s.iface), S_OK);
    misuse_log_start();
    for (i = 0; i < 3; i++) {
        p = CoTaskMemAlloc(100);
        CHECK(p != NULL);
        q = CoTaskMemRealloc(p, 1000);
        CHECK(q != NULL);
        if (q)
            p = q;
        CHECK_EQ(task->lpVtbl->GetSize(task, p), 1000);
        CHECK_EQ(task->lpVtbl->DidAlloc(task, p), 1);
        task->lpVtbl->HeapMinimize(task);
        CoTaskMemFree(p);
    }
    misuse_log_stop();
    MISUSE_LOG_EXPECT(0);
    /* Every Pre-method had its Post-method. */
    CHECK_EQ(s.calls[PRE_ALLOC], s.calls[POST_ALLOC]);
    CHECK_EQ(s.calls[PRE_FREE], s.calls[POST_FREE]);
    CHECK_EQ(s.calls[PRE_REALLOC], s.calls[POST_REALLOC]);
    CHECK_EQ(s.calls[PRE_GET_SIZE], s.calls[POST_GET_SIZE]);
    CHECK_EQ(s.calls[PRE_DID_ALLOC], s.calls[POST_DID_ALLOC]);
    CHECK(s.calls[PRE_FREE] > 3); /* the methods' own frees went through the spy */
    CHECK_EQ(naputil_live_blocks(), base);
    CHECK_EQ(CoRevokeMallocSpy(), S_OK);
    CHECK_EQ(refs_of(&s), 1);
}

/* ---- misuse handlers that call the allocator ------------------------- */

static int handler_calls;
static int handler_nesting, handler_max_nesting;

static void nesting_handler(const NaputilMisuse *misuse, void *context)
{
    int local;
    void *a, *b;
    (void)context;
    handler_calls++;
    handler_nesting++;
    if (handler_nesting > handler_max_nesting)
        handler_max_nesting = handler_nesting;
    CHECK(misuse->function != NULL);
    a = CoTaskMemAlloc(40);
    CHECK(a != NULL);
    b = CoTaskMemRealloc(a, 400);
    CHECK(b != NULL);
    CoTaskMemFree(b ? b : a);
    /* A misuse of its own, three levels deep at most. */
    if (handler_nesting < 4)
        CoTaskMemFree(&local);
    handler_nesting--;
}

static void misuse_handler_reenters(const char *label)
{
    uint64_t base = naputil_live_blocks();
    uint64_t misuse = naputil_misuse_count();
    void *p = CoTaskMemAlloc(8);
    handler_calls = handler_nesting = handler_max_nesting = 0;
    naputil_set_misuse_handler(nesting_handler, NULL);
    CoTaskMemFree(p);
    CoTaskMemFree(p); /* double free: 1 + 3 nested reports */
    naputil_set_misuse_handler(NULL, NULL);
    if (handler_calls != 4)
        fprintf(stderr, "%s:%d: %s: %d handler call(s), expected 4\n", __FILE__, __LINE__, label, handler_calls);
    CHECK_EQ(handler_calls, 4);
    CHECK_EQ(handler_max_nesting, 4);
    CHECK_EQ(naputil_misuse_count(), misuse + 4);
    CHECK_EQ(naputil_live_blocks(), base);
}

static void misuse_handler_calls_allocator(void)
{
    TestSpy s;
    start();
    misuse_handler_reenters("no spy");
    spy_init(&s);
    s.reenter = 1;
    CHECK_EQ(CoRegisterMallocSpy(&s.iface), S_OK);
    misuse_handler_reenters("re-entrant spy");
    CHECK_EQ(CoRevokeMallocSpy(), S_OK);
    CHECK_EQ(refs_of(&s), 1);
}

/* A handler that uninstalls itself: the next incident takes the policy. */
static int self_removing_calls;

static void self_removing_handler(const NaputilMisuse *misuse, void *context)
{
    (void)misuse;
    (void)context;
    self_removing_calls++;
    naputil_set_misuse_handler(NULL, NULL);
    CoTaskMemFree(&self_removing_calls);
}

static void misuse_handler_uninstalls_itself(void)
{
    uint64_t misuse = naputil_misuse_count();
    int local;
    CHECK_EQ(naputil_set_misuse_policy(NAPUTIL_MISUSE_SILENT), S_OK);
    naputil_set_misuse_handler(self_removing_handler, NULL);
    CoTaskMemFree(&local);
    CoTaskMemFree(&local);
    CHECK_EQ(self_removing_calls, 1);
    CHECK_EQ(naputil_misuse_count(), misuse + 3);
    CHECK_EQ(naputil_set_misuse_policy(NAPUTIL_MISUSE_REPORT), S_OK);
}

int main(void)
{
    RUN_ISOLATED(revoke_inside_pre_alloc);
    RUN_ISOLATED(revoke_inside_pre_realloc);
    RUN_ISOLATED(revoke_inside_pre_free);
    RUN_ISOLATED(revoke_while_other_thread_in_pre_alloc);
    RUN_ISOLATED(revoke_while_other_thread_in_pre_free);
    RUN_ISOLATED(reentrant_methods);
    RUN_ISOLATED(misuse_handler_calls_allocator);
    RUN_ISOLATED(misuse_handler_uninstalls_itself);
    isolate_summary("spy_inflight");
    CHECK_EXIT();
}
