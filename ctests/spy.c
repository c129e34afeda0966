/*
 * IMallocSpy: a spy written in C checks CoRegisterMallocSpy and
 * CoRevokeMallocSpy (errors, the QueryInterface reference, deferred release),
 * the Pre/operation/Post order of every allocator call, forced failures,
 * Post-method results, pointer offsetting, fSpyed, Free(NULL), and a spy and
 * a misuse handler that call the allocator themselves.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "napUtil.h"
#include "check.h"

#define PREFIX 16u
#define MAGIC 0x5350595350595350ull

typedef struct TestSpy {
    IMallocSpy iface; /* first: an IMallocSpy * is a TestSpy * */
    ULONG refs;
    int qi_calls;
    HRESULT qi_result;
    int offset;         /* keep a PREFIX-byte prefix in front of spied blocks */
    int short_alloc;    /* ... without PreAlloc asking for room for it */
    int fail;           /* PreAlloc/PreRealloc force failure */
    int reenter;        /* PreAlloc allocates and frees a scratch block */
    int revoke_in_post_free;
    HRESULT revoke_result;
    ULONG refs_during_revoke;
    int depth;
    char log[1024];
} TestSpy;

static TestSpy *spy_of(IMallocSpy *This)
{
    return (TestSpy *)(void *)This;
}

static void note(TestSpy *s, const char *fmt, long a, long b)
{
    size_t len = strlen(s->log);
    if (len + 40 < sizeof s->log)
        snprintf(s->log + len, sizeof s->log - len, fmt, a, b);
}

static HRESULT STDMETHODCALLTYPE spy_query_interface(IMallocSpy *This, REFIID riid, void **out)
{
    TestSpy *s = spy_of(This);
    s->qi_calls++;
    if (memcmp(riid, &IID_IMallocSpy, sizeof(GUID)) != 0 || s->qi_result != S_OK) {
        *out = NULL;
        return s->qi_result != S_OK ? s->qi_result : E_NOINTERFACE;
    }
    *out = This;
    s->refs++;
    return S_OK;
}

static ULONG STDMETHODCALLTYPE spy_add_ref(IMallocSpy *This)
{
    return ++spy_of(This)->refs;
}

static ULONG STDMETHODCALLTYPE spy_release(IMallocSpy *This)
{
    TestSpy *s = spy_of(This);
    note(s, "Release ", 0, 0);
    return --s->refs;
}

static SIZE_T STDMETHODCALLTYPE spy_pre_alloc(IMallocSpy *This, SIZE_T cb)
{
    TestSpy *s = spy_of(This);
    note(s, "PreAlloc(%ld) ", (long)cb, 0);
    if (s->reenter && s->depth == 0) {
        s->depth++;
        CoTaskMemFree(CoTaskMemAlloc(1));
        s->depth--;
    }
    if (s->fail)
        return 0;
    return s->offset && !s->short_alloc ? cb + PREFIX : cb;
}

static void *STDMETHODCALLTYPE spy_post_alloc(IMallocSpy *This, void *actual)
{
    TestSpy *s = spy_of(This);
    note(s, "PostAlloc(%ld) ", actual != NULL, 0);
    if (!s->offset || actual == NULL)
        return actual;
    *(uint64_t *)actual = MAGIC;
    return (unsigned char *)actual + PREFIX;
}

/* The actual block behind a caller's pointer to a spied block. */
static void *unwrap(TestSpy *s, void *request, BOOL spyed)
{
    if (!s->offset || !spyed || request == NULL)
        return request;
    CHECK(*(uint64_t *)(void *)((unsigned char *)request - PREFIX) == MAGIC);
    return (unsigned char *)request - PREFIX;
}

static void *STDMETHODCALLTYPE spy_pre_free(IMallocSpy *This, void *request, BOOL spyed)
{
    TestSpy *s = spy_of(This);
    note(s, "PreFree(%ld) ", spyed, 0);
    return unwrap(s, request, spyed);
}

static void STDMETHODCALLTYPE spy_post_free(IMallocSpy *This, BOOL spyed)
{
    TestSpy *s = spy_of(This);
    note(s, "PostFree(%ld) ", spyed, 0);
    if (s->revoke_in_post_free) {
        s->revoke_in_post_free = 0;
        s->revoke_result = CoRevokeMallocSpy();
        s->refs_during_revoke = s->refs;
    }
}

static SIZE_T STDMETHODCALLTYPE spy_pre_realloc(IMallocSpy *This, void *request, SIZE_T cb,
                                                void **actual, BOOL spyed)
{
    TestSpy *s = spy_of(This);
    note(s, "PreRealloc(%ld,%ld) ", (long)cb, spyed);
    *actual = unwrap(s, request, spyed);
    if (s->fail)
        return 0;
    return s->offset && spyed && cb != 0 ? cb + PREFIX : cb;
}

static void *STDMETHODCALLTYPE spy_post_realloc(IMallocSpy *This, void *actual, BOOL spyed)
{
    TestSpy *s = spy_of(This);
    note(s, "PostRealloc(%ld,%ld) ", actual != NULL, spyed);
    if (!s->offset || !spyed || actual == NULL)
        return actual;
    *(uint64_t *)actual = MAGIC;
    return (unsigned char *)actual + PREFIX;
}

static void *STDMETHODCALLTYPE spy_pre_get_size(IMallocSpy *This, void *request, BOOL spyed)
{
    TestSpy *s = spy_of(This);
    note(s, "PreGetSize(%ld) ", spyed, 0);
    return unwrap(s, request, spyed);
}

static SIZE_T STDMETHODCALLTYPE spy_post_get_size(IMallocSpy *This, SIZE_T actual, BOOL spyed)
{
    TestSpy *s = spy_of(This);
    note(s, "PostGetSize(%ld,%ld) ", (long)actual, spyed);
    return s->offset && spyed && actual != (SIZE_T)-1 ? actual - PREFIX : actual;
}

static void *STDMETHODCALLTYPE spy_pre_did_alloc(IMallocSpy *This, void *request, BOOL spyed)
{
    TestSpy *s = spy_of(This);
    note(s, "PreDidAlloc(%ld) ", spyed, 0);
    return unwrap(s, request, spyed);
}

static int STDMETHODCALLTYPE spy_post_did_alloc(IMallocSpy *This, void *request, BOOL spyed,
                                                int actual)
{
    TestSpy *s = spy_of(This);
    (void)request;
    note(s, "PostDidAlloc(%ld,%ld) ", spyed, actual);
    return actual;
}

static void STDMETHODCALLTYPE spy_pre_heap_minimize(IMallocSpy *This)
{
    note(spy_of(This), "PreHeapMinimize ", 0, 0);
}

static void STDMETHODCALLTYPE spy_post_heap_minimize(IMallocSpy *This)
{
    note(spy_of(This), "PostHeapMinimize ", 0, 0);
}

static const IMallocSpyVtbl spy_vtbl = {
    spy_query_interface, spy_add_ref,        spy_release,        spy_pre_alloc,
    spy_post_alloc,      spy_pre_free,       spy_post_free,      spy_pre_realloc,
    spy_post_realloc,    spy_pre_get_size,   spy_post_get_size,  spy_pre_did_alloc,
    spy_post_did_alloc,  spy_pre_heap_minimize, spy_post_heap_minimize,
};

static void spy_init(TestSpy *s)
{
    memset(s, 0, sizeof *s);
    s->iface.lpVtbl = &spy_vtbl;
    s->refs = 1; /* the test's own reference */
}

static void clear_log(TestSpy *s)
{
    s->log[0] = '\0';
}

#define CHECK_LOG(s, expected)                                                              \
    do {                                                                                    \
        CHECK(strcmp((s)->log, expected) == 0);                                             \
        if (strcmp((s)->log, expected) != 0)                                                \
            fprintf(stderr, "    log:      \"%s\"\n    expected: \"%s\"\n", (s)->log, expected); \
        clear_log(s);                                                                       \
    } while (0)

static uint64_t live_blocks(void)
{
    return naputil_live_blocks();
}

static IMalloc *task_malloc(void)
{
    IMalloc *m = NULL;
    CHECK_EQ(CoGetMalloc(1, &m), S_OK);
    return m;
}

static void test_registration(void)
{
    TestSpy a, b;
    spy_init(&a);
    spy_init(&b);

    CHECK_EQ(CoRegisterMallocSpy(NULL), E_INVALIDARG);
    CHECK_EQ(CoRevokeMallocSpy(), CO_E_OBJNOTREG);

    /* The reference is taken through QueryInterface; its failure is the answer. */
    a.qi_result = E_NOINTERFACE;
    CHECK_EQ(CoRegisterMallocSpy(&a.iface), E_NOINTERFACE);
    CHECK_EQ(a.refs, 1);
    CHECK_EQ(CoRevokeMallocSpy(), CO_E_OBJNOTREG);
    a.qi_result = E_FAIL;
    CHECK_EQ(CoRegisterMallocSpy(&a.iface), E_FAIL);
    CHECK_EQ(CoRevokeMallocSpy(), CO_E_OBJNOTREG);
    a.qi_result = S_OK;
    a.qi_calls = 0;

    CHECK_EQ(CoRegisterMallocSpy(&a.iface), S_OK);
    CHECK_EQ(a.qi_calls, 1);
    CHECK_EQ(a.refs, 2);
    CHECK_EQ(CoRegisterMallocSpy(&b.iface), CO_E_OBJISREG);
    CHECK_EQ(CoRegisterMallocSpy(&a.iface), CO_E_OBJISREG);
    CHECK_EQ(b.refs, 1);
    CHECK_EQ(a.refs, 2);
    CHECK_EQ(CoRevokeMallocSpy(), S_OK);
    CHECK_EQ(a.refs, 1);
    CHECK_LOG(&a, "Release ");
    CHECK_EQ(CoRevokeMallocSpy(), CO_E_OBJNOTREG);

    /* After a revoke another spy may register. */
    CHECK_EQ(CoRegisterMallocSpy(&b.iface), S_OK);
    CHECK_EQ(CoRevokeMallocSpy(), S_OK);
    CHECK_EQ(b.refs, 1);
}

static void test_call_order(void)
{
    TestSpy s;
    IMalloc *m = task_malloc();
    uint64_t base = live_blocks();
    void *before, *p, *q, *r;
    spy_init(&s);

    before = CoTaskMemAlloc(8); /* allocated before the spy: fSpyed FALSE */
    CHECK_EQ(CoRegisterMallocSpy(&s.iface), S_OK);

    p = CoTaskMemAlloc(24);
    CHECK_LOG(&s, "PreAlloc(24) PostAlloc(1) ");
    CHECK(p != NULL);
    CHECK_EQ(m->lpVtbl->GetSize(m, p), 24);
    CHECK_LOG(&s, "PreGetSize(1) PostGetSize(24,1) ");
    CHECK_EQ(m->lpVtbl->DidAlloc(m, p), 1);
    CHECK_LOG(&s, "PreDidAlloc(1) PostDidAlloc(1,1) ");
    CHECK_EQ(m->lpVtbl->GetSize(m, before), 8);
    CHECK_LOG(&s, "PreGetSize(0) PostGetSize(8,0) ");
    CHECK_EQ(m->lpVtbl->DidAlloc(m, NULL), -1);
    CHECK_LOG(&s, "PreDidAlloc(0) PostDidAlloc(0,-1) ");

    q = CoTaskMemRealloc(p, 100);
    CHECK_LOG(&s, "PreRealloc(100,1) PostRealloc(1,1) ");
    CHECK(q != NULL);
    /* A realloc keeps the block's spied-ness, either way. */
    before = m->lpVtbl->Realloc(m, before, 16);
    CHECK_LOG(&s, "PreRealloc(16,0) PostRealloc(1,0) ");
    /* Realloc(NULL, n) allocates under the spy. */
    r = CoTaskMemRealloc(NULL, 4);
    CHECK_LOG(&s, "PreRealloc(4,1) PostRealloc(1,1) ");

    /* Free(NULL) is invisible to the spy; Realloc(NULL, ...) is not. */
    CoTaskMemFree(NULL);
    m->lpVtbl->Free(m, NULL);
    CHECK_LOG(&s, "");

    m->lpVtbl->HeapMinimize(m);
    CHECK_LOG(&s, "PreHeapMinimize PostHeapMinimize ");

    CHECK(m->lpVtbl->Realloc(m, r, 0) == NULL);
    CHECK_LOG(&s, "PreRealloc(0,1) PostRealloc(0,1) ");
    m->lpVtbl->Free(m, q);
    CHECK_LOG(&s, "PreFree(1) PostFree(1) ");
    p = m->lpVtbl->Alloc(m, 0);
    CHECK_LOG(&s, "PreAlloc(0) PostAlloc(1) ");
    CoTaskMemFree(p);
    CHECK_LOG(&s, "PreFree(1) PostFree(1) ");
    CoTaskMemFree(before);
    CHECK_LOG(&s, "PreFree(0) PostFree(0) ");

    CHECK_EQ(CoRevokeMallocSpy(), S_OK);
    CHECK_LOG(&s, "Release ");
    CHECK_EQ(s.refs, 1);
    CHECK_EQ(live_blocks(), base);

    /* Once revoked, the spy sees nothing. */
    CoTaskMemFree(CoTaskMemAlloc(3));
    CHECK_LOG(&s, "");
}

static void test_forced_failure(void)
{
    TestSpy s;
    IMalloc *m = task_malloc();
    uint64_t base;
    unsigned char *p;
    spy_init(&s);
    CHECK_EQ(CoRegisterMallocSpy(&s.iface), S_OK);

    p = CoTaskMemAlloc(10);
    memset(p, 0x5a, 10);
    clear_log(&s);
    base = live_blocks();

    s.fail = 1;
    CHECK(CoTaskMemAlloc(10) == NULL);
    CHECK_LOG(&s, "PreAlloc(10) "); /* no PostAlloc after a forced failure */
    CHECK(m->lpVtbl->Alloc(m, 1) == NULL);
    CHECK_LOG(&s, "PreAlloc(1) ");
    CHECK(CoTaskMemRealloc(p, 50) == NULL);
    CHECK_LOG(&s, "PreRealloc(50,1) ");
    CHECK(CoTaskMemRealloc(NULL, 50) == NULL);
    CHECK_LOG(&s, "PreRealloc(50,1) ");
    CHECK_EQ(live_blocks(), base);
    /* The old block is intact and still tracked. */
    CHECK(p[0] == 0x5a && p[9] == 0x5a);
    s.fail = 0;
    CHECK_EQ(m->lpVtbl->GetSize(m, p), 10);
    clear_log(&s);

    /* Forcing failure works only for non-zero requests. */
    s.fail = 1;
    {
        void *z = CoTaskMemAlloc(0);
        CHECK(z != NULL);
        CHECK_LOG(&s, "PreAlloc(0) PostAlloc(1) ");
        s.fail = 0;
        CoTaskMemFree(z);
    }
    CoTaskMemFree(p);
    clear_log(&s);
    CHECK_EQ(live_blocks(), base - 1);
    CHECK_EQ(CoRevokeMallocSpy(), S_OK);
    CHECK_EQ(s.refs, 1);
}

static void test_offset_spy(void)
{
    TestSpy s;
    IMalloc *m = task_malloc();
    NaputilStats before, after;
    unsigned char *p, *q, *r;
    uint64_t misuse;
    size_t i;
    spy_init(&s);
    s.offset = 1;
    CHECK_EQ(CoRegisterMallocSpy(&s.iface), S_OK);
    CHECK_EQ(naputil_get_stats(&before), S_OK);

    p = CoTaskMemAlloc(40);
    CHECK(p != NULL);
    CHECK(((uintptr_t)p & 15u) == 0);
    memset(p, 0x11, 40);
    CHECK_EQ(naputil_get_stats(&after), S_OK);
    CHECK_EQ(after.live_blocks - before.live_blocks, 1);
    CHECK_EQ(after.live_bytes - before.live_bytes, 40 + PREFIX); /* the actual request */
    CHECK_EQ(m->lpVtbl->GetSize(m, p), 40);
    CHECK_EQ(m->lpVtbl->DidAlloc(m, p), 1);
    clear_log(&s);

    q = CoTaskMemRealloc(p, 400);
    CHECK_LOG(&s, "PreRealloc(400,1) PostRealloc(1,1) ");
    CHECK(q != NULL);
    for (i = 0; i < 40; i++)
        CHECK(q[i] == 0x11);
    CHECK_EQ(m->lpVtbl->GetSize(m, q), 400);

    r = m->lpVtbl->Realloc(m, NULL, 8);
    CHECK(r != NULL);
    CHECK_EQ(m->lpVtbl->GetSize(m, r), 8);
    clear_log(&s);

    /* A pointer inside the block that is not the one handed out is misuse. */
    misuse = naputil_misuse_count();
    CHECK_EQ(naputil_set_misuse_policy(NAPUTIL_MISUSE_SILENT), S_OK);
    CoTaskMemFree(q + 1);
    CHECK_LOG(&s, "PreFree(0) PostFree(0) ");
    CHECK_EQ(naputil_misuse_count(), misuse + 1);
    CHECK_EQ(m->lpVtbl->DidAlloc(m, q + 1), 0);
    clear_log(&s);
    CHECK_EQ(naputil_set_misuse_policy(NAPUTIL_MISUSE_REPORT), S_OK);

    /* Revoked with blocks live: the spy still translates their frees. */
    CHECK_EQ(CoRevokeMallocSpy(), E_ACCESSDENIED);
    CoTaskMemFree(q);
    CHECK_LOG(&s, "PreFree(1) PostFree(1) ");
    CHECK_EQ(s.refs, 2);
    m->lpVtbl->Free(m, r);
    CHECK_LOG(&s, "PreFree(1) PostFree(1) Release ");
    CHECK_EQ(s.refs, 1);
    CHECK_EQ(naputil_misuse_count(), misuse + 1);
    CHECK_EQ(naputil_get_stats(&after), S_OK);
    CHECK_EQ(after.live_blocks, before.live_blocks);
    CHECK_EQ(after.live_bytes, before.live_bytes);
}

static void test_revoke_pending(void)
{
    TestSpy s, other;
    IMalloc *m = task_malloc();
    uint64_t base = live_blocks();
    void *a, *b, *c;
    spy_init(&s);
    spy_init(&other);
    CHECK_EQ(CoRegisterMallocSpy(&s.iface), S_OK);
    a = CoTaskMemAlloc(8);
    b = m->lpVtbl->Alloc(m, 16);
    clear_log(&s);

    CHECK_EQ(CoRevokeMallocSpy(), E_ACCESSDENIED);
    CHECK_EQ(s.refs, 2);
    CHECK_EQ(CoRevokeMallocSpy(), E_ACCESSDENIED);
    CHECK_EQ(CoRegisterMallocSpy(&other.iface), CO_E_OBJISREG);
    CHECK_EQ(other.refs, 1);

    /* New allocations are no longer spied ... */
    c = CoTaskMemAlloc(8);
    CHECK_EQ(m->lpVtbl->GetSize(m, c), 8);
    CoTaskMemFree(c);
    m->lpVtbl->HeapMinimize(m);
    CHECK_LOG(&s, "");
    /* ... but calls on the spied blocks still go through the spy. */
    CHECK_EQ(m->lpVtbl->GetSize(m, a), 8);
    CHECK_LOG(&s, "PreGetSize(1) PostGetSize(8,1) ");
    CoTaskMemFree(a);
    CHECK_LOG(&s, "PreFree(1) PostFree(1) ");
    CHECK_EQ(s.refs, 2);
    CHECK_EQ(CoRevokeMallocSpy(), E_ACCESSDENIED);
    b = CoTaskMemRealloc(b, 100);
    CHECK_LOG(&s, "PreRealloc(100,1) PostRealloc(1,1) ");
    CHECK_EQ(s.refs, 2);
    /* The last one releases the spy. */
    CoTaskMemFree(b);
    CHECK_LOG(&s, "PreFree(1) PostFree(1) Release ");
    CHECK_EQ(s.refs, 1);
    CHECK_EQ(CoRevokeMallocSpy(), CO_E_OBJNOTREG);
    CHECK_EQ(live_blocks(), base);

    CHECK_EQ(CoRegisterMallocSpy(&other.iface), S_OK);
    CHECK_EQ(CoRevokeMallocSpy(), S_OK);
    CHECK_EQ(other.refs, 1);
}

static const WCHAR hello[] = { 'h', 'e', 'l', 'l', 'o', 0 };

static void test_release_through_nap_free(void)
{
    TestSpy s;
    CountedString *cs;
    spy_init(&s);
    CHECK_EQ(CoRegisterMallocSpy(&s.iface), S_OK);

    /* A CountedString built by hand with CoTaskMemAlloc, as NAP code does. */
    cs = CoTaskMemAlloc(sizeof *cs);
    CHECK(cs != NULL);
    cs->length = 5;
    cs->string = CoTaskMemAlloc(sizeof hello);
    CHECK(cs->string != NULL);
    memcpy(cs->string, hello, sizeof hello);
    CHECK_EQ(CoRevokeMallocSpy(), E_ACCESSDENIED);
    CHECK_EQ(s.refs, 2);
    clear_log(&s);
    /* Freed by a NAP function, through the spy, the spied blocks still end
     * the pending revoke. */
    FreeCountedString(cs);
    CHECK_LOG(&s, "PreFree(1) PostFree(1) PreFree(1) PostFree(1) Release ");
    CHECK_EQ(s.refs, 1);
    CHECK_EQ(CoRevokeMallocSpy(), CO_E_OBJNOTREG);
}

/* The NAP functions allocate and free as CoTaskMemAlloc and CoTaskMemFree
 * do, so a spy sees them, as it sees qutil's on Windows; even one that
 * offsets every pointer it hands out. */
static void test_nap_functions_through_spy(void)
{
    TestSpy s;
    CountedString *cs = NULL;
    Connections *c = NULL;
    FixupInfo *f = (FixupInfo *)(void *)&s;
    uint64_t base = live_blocks();
    uint64_t misuse = naputil_misuse_count();
    spy_init(&s);
    s.offset = 1;
    CHECK_EQ(CoRegisterMallocSpy(&s.iface), S_OK);

    /* The string's copy first, then the structure. */
    CHECK_EQ(AllocCountedString(&cs, hello), S_OK);
    CHECK_LOG(&s, "PreAlloc(12) PostAlloc(1) PreAlloc(16) PostAlloc(1) ");
    CHECK(cs != NULL);
    if (cs) {
        CHECK_EQ(cs->length, 5);
        CHECK(cs->string != NULL && memcmp(cs->string, hello, sizeof hello) == 0);
        CHECK_EQ(live_blocks(), base + 2);
        FreeCountedString(cs);
        CHECK_LOG(&s, "PreFree(1) PostFree(1) PreFree(1) PostFree(1) ");
    }

    CHECK_EQ(AllocConnections(&c, 3), S_OK);
    CHECK_LOG(&s, "PreAlloc(24) PostAlloc(1) PreAlloc(16) PostAlloc(1) ");
    CHECK(c != NULL);
    if (c) {
        CHECK_EQ(c->count, 3);
        CHECK(c->connections != NULL && c->connections[0] == NULL && c->connections[2] == NULL);
        FreeConnections(c);
        CHECK_LOG(&s, "PreFree(1) PostFree(1) PreFree(1) PostFree(1) ");
    }

    /* A spy that fails the request fails the NAP call, which writes nothing. */
    s.fail = 1;
    CHECK_EQ(AllocFixupInfo(&f, 4), E_OUTOFMEMORY);
    CHECK_LOG(&s, "PreAlloc(16) ");
    CHECK(f == (FixupInfo *)(void *)&s);
    s.fail = 0;

    /* A spy that hands out less room than asked for: the NAP function does
     * not write past it; it frees the block again and fails. */
    s.short_alloc = 1;
    c = NULL;
    CHECK_EQ(AllocConnections(&c, 3), E_OUTOFMEMORY);
    CHECK(c == NULL);
    CHECK_LOG(&s, "PreAlloc(24) PostAlloc(1) PreFree(1) PostFree(1) ");
    s.short_alloc = 0;

    CHECK_EQ(naputil_misuse_count(), misuse);
    CHECK_EQ(live_blocks(), base);
    CHECK_EQ(CoRevokeMallocSpy(), S_OK);
    CHECK_LOG(&s, "Release ");
    CHECK_EQ(s.refs, 1);
}

static void test_reentrant_spy(void)
{
    TestSpy s;
    uint64_t base = live_blocks();
    void *p;
    spy_init(&s);
    s.reenter = 1;
    CHECK_EQ(CoRegisterMallocSpy(&s.iface), S_OK);

    /* The spy's own allocations go through the spy too, and do not deadlock. */
    p = CoTaskMemAlloc(32);
    CHECK(p != NULL);
    CHECK_LOG(&s, "PreAlloc(32) PreAlloc(1) PostAlloc(1) PreFree(1) PostFree(1) PostAlloc(1) ");

    /* A spy revoking itself from inside a method: the release waits for the
     * method to return. */
    s.reenter = 0;
    s.revoke_in_post_free = 1;
    CoTaskMemFree(p);
    CHECK_EQ(s.revoke_result, S_OK);
    CHECK_EQ(s.refs_during_revoke, 2);
    CHECK_LOG(&s, "PreFree(1) PostFree(1) Release ");
    CHECK_EQ(s.refs, 1);
    CHECK_EQ(live_blocks(), base);
}

static TestSpy handler_spy;
static int handler_calls;

static void reentrant_handler(const NaputilMisuse *misuse, void *context)
{
    void *scratch;
    (void)misuse;
    (void)context;
    handler_calls++;
    /* Allocating, and even misusing, from inside the handler is allowed. */
    scratch = CoTaskMemAlloc(64);
    CHECK(scratch != NULL);
    CoTaskMemFree(scratch);
    if (handler_calls == 1)
        CoTaskMemFree(&handler_calls);
}

static void test_reentrant_misuse_handler(void)
{
    IMalloc *m = task_malloc();
    uint64_t base = live_blocks();
    uint64_t misuse = naputil_misuse_count();
    int local;
    spy_init(&handler_spy);
    CHECK_EQ(CoRegisterMallocSpy(&handler_spy.iface), S_OK);
    naputil_set_misuse_handler(reentrant_handler, NULL);

    m->lpVtbl->Free(m, &local);
    CHECK_EQ(handler_calls, 2);
    CHECK_EQ(naputil_misuse_count(), misuse + 2);
    CHECK_LOG(&handler_spy,
              "PreFree(0) PreAlloc(64) PostAlloc(1) PreFree(1) PostFree(1) "
              "PreFree(0) PreAlloc(64) PostAlloc(1) PreFree(1) PostFree(1) PostFree(0) "
              "PostFree(0) ");

    naputil_set_misuse_handler(NULL, NULL);
    CHECK_EQ(CoRevokeMallocSpy(), S_OK);
    CHECK_EQ(handler_spy.refs, 1);
    CHECK_EQ(live_blocks(), base);
}

int main(void)
{
    test_registration();
    test_call_order();
    test_forced_failure();
    test_offset_spy();
    test_revoke_pending();
    test_release_through_nap_free();
    test_nap_functions_through_spy();
    test_reentrant_spy();
    test_reentrant_misuse_handler();
    CHECK_EXIT();
}
