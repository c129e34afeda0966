/*
 * FreeConnections while the connections' Release methods do hostile things
 * with the very structure being freed: free its array, free it and
 * allocate a block full of junk in its place, overwrite the slots, call
 * FreeConnections on the same structure again, free the structure, touch
 * the other entries.
 *
 * The rule every scenario checks: FreeConnections takes what it needs
 * (the count, the array, the entries) before it calls the first Release,
 * and afterwards reads none of it again. So each entry that was in the
 * array when FreeConnections was called is released exactly once, no
 * Release is ever called through a value a Release wrote, the structure
 * and the array are each freed once, and a block a Release already freed
 * (or is freeing) is reported as misuse rather than freed twice. As the
 * contract orders it, the Release calls come before the array and the
 * structure are freed, so a Release may still read and write both.
 *
 * Each scenario runs in a child process (isolate.h): a call through a junk
 * pointer kills only its own scenario, and valgrind's verdict on it is
 * reported under its name.
 *
 * naputil-test: posix-only (fork)
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "napUtil.h"
#include "check.h"
#include "isolate.h"
#include "misuse_log.h"

#define ENTRIES 4
#define JUNK ((uintptr_t)0x4141414141414140ull)

/* A connection object. The objects live in a static pool and are never
 * freed, so a second Release of a destroyed object is counted, not a
 * crash. */
typedef struct TestConnection {
    INapEnforcementClientConnection iface; /* first: the COM pointer */
    ULONG refs;
    int library_releases; /* Release calls not made by a scenario's hook */
    int destroyed;        /* times the count reached 0 */
} TestConnection;

static TestConnection pool[ENTRIES];
static IMalloc *task;

/* What a scenario's hook sees; the hook runs inside each Release that the
 * library makes, before the reference is dropped. */
static Connections *list;
static INapEnforcementClientConnection **array;
static void (*hook)(int index, int call);
static int hook_depth;
static int library_calls;
static void *junk_block;

static TestConnection *impl(INapEnforcementClientConnection *This)
{
    return (TestConnection *)(void *)This;
}

static ULONG STDMETHODCALLTYPE conn_add_ref(INapEnforcementClientConnection *This)
{
    return ++impl(This)->refs;
}

static ULONG STDMETHODCALLTYPE conn_release(INapEnforcementClientConnection *This)
{
    TestConnection *c = impl(This);
    if (hook_depth == 0) {
        c->library_releases++;
        library_calls++;
        if (hook) {
            hook_depth++;
            hook((int)(c - pool), library_calls);
            hook_depth--;
        }
    }
    if (c->refs == 0) {
        fprintf(stderr, "    Release on connection %d, which has no reference left\n", (int)(c - pool));
        return 0;
    }
    if (--c->refs == 0)
        c->destroyed++;
    return c->refs;
}

static HRESULT STDMETHODCALLTYPE conn_query_interface(INapEnforcementClientConnection *This, REFIID riid,
                                                      void **ppv)
{
    if (memcmp(riid, &IID_IUnknown, sizeof(GUID)) == 0 ||
        memcmp(riid, &IID_INapEnforcementClientConnection, sizeof(GUID)) == 0) {
        *ppv = This;
        conn_add_ref(This);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

/* FreeConnections calls only Release; the other slots stay NULL. */
static const INapEnforcementClientConnectionVtbl connection_vtbl = {
    .QueryInterface = conn_query_interface,
    .AddRef = conn_add_ref,
    .Release = conn_release,
};

static int did_alloc(void *p)
{
    return task->lpVtbl->DidAlloc(task, p);
}

static uint64_t base_blocks;

/* A Connections of ENTRIES entries, each holding the only reference to
 * its object (the reference FreeConnections must drop). */
static void setup(void (*scenario_hook)(int, int))
{
    int i;
    base_blocks = naputil_live_blocks();
    CHECK_EQ(CoGetMalloc(1, &task), S_OK);
    list = NULL;
    CHECK_EQ(AllocConnections(&list, ENTRIES), S_OK);
    if (!list) {
        fprintf(stderr, "AllocConnections failed\n");
        _exit(1);
    }
    array = list->connections;
    for (i = 0; i < ENTRIES; i++) {
        memset(&pool[i], 0, sizeof pool[i]);
        pool[i].iface.lpVtbl = &connection_vtbl;
        pool[i].refs = 1;
        array[i] = &pool[i].iface;
    }
    hook = scenario_hook;
    library_calls = 0;
    junk_block = NULL;
}

/* Every entry released exactly once by the library, and destroyed once. */
static void expect_each_released_once(void)
{
    int i;
    for (i = 0; i < ENTRIES; i++) {
        if (pool[i].library_releases != 1)
            fprintf(stderr, "    entry %d: released %d time(s) by FreeConnections, expected once\n", i,
                    pool[i].library_releases);
        CHECK_EQ(pool[i].library_releases, 1);
        CHECK_EQ(pool[i].destroyed, 1);
    }
    CHECK_EQ(library_calls, ENTRIES);
}

static void run_free_connections(void)
{
    misuse_log_start();
    FreeConnections(list);
    misuse_log_stop();
}

/* 1. The first Release frees the array. The library's own free of the
 * array then finds it gone: one report, for the array. */
static void hook_free_array(int index, int call)
{
    (void)index;
    if (call == 1)
        CoTaskMemFree(list->connections);
}

static void release_frees_array(void)
{
    void *struct_block;
    setup(hook_free_array);
    struct_block = list;
    run_free_connections();
    expect_each_released_once();
    MISUSE_LOG_EXPECT(1);
    CHECK(misuse_log_has(0, array));
    CHECK_EQ(did_alloc(struct_block), 0);
    CHECK_EQ(naputil_live_blocks(), base_blocks);
}

/* 2. The first Release frees the array and allocates a block of the same
 * size filled with junk: with libc reusing the memory, an array read again
 * now holds 0x4141... where the entries were. */
static void hook_free_array_and_reuse(int index, int call)
{
    size_t i;
    (void)index;
    if (call != 1)
        return;
    CoTaskMemFree(list->connections);
    junk_block = CoTaskMemAlloc(ENTRIES * sizeof(void *));
    CHECK(junk_block != NULL);
    if (junk_block)
        for (i = 0; i < ENTRIES; i++)
            ((uintptr_t *)junk_block)[i] = JUNK;
}

static void release_reallocates_array_with_junk(void)
{
    int i;
    setup(hook_free_array_and_reuse);
    run_free_connections();
    expect_each_released_once();
    /* When the junk block took the array's address, the library cannot tell
     * it from the array and frees it without a report (the tracking table
     * knows addresses, not owners); otherwise its free of the array is the
     * one report. Either way nothing else is reported. */
    CHECK(misuse_log.count <= 1);
    for (i = 0; i < misuse_log.count && i < MISUSE_LOG_MAX; i++)
        CHECK(misuse_log.entries[i].pointer == (const void *)array);
    if (misuse_log.count > 1)
        misuse_log_print(__FILE__, __LINE__);
    if (junk_block && did_alloc(junk_block) == 1)
        CoTaskMemFree(junk_block);
    CHECK_EQ(naputil_live_blocks(), base_blocks);
}

/* 3. The first Release overwrites the other slots with junk and raises the
 * count: the library releases what the array held when it was called. */
static void hook_overwrite_slots(int index, int call)
{
    int i;
    (void)index;
    if (call != 1)
        return;
    for (i = 1; i < ENTRIES; i++)
        list->connections[i] = (INapEnforcementClientConnection *)JUNK;
    list->count = maxConnectionCountPerEnforcer;
}

static void release_overwrites_slots(void)
{
    setup(hook_overwrite_slots);
    run_free_connections();
    expect_each_released_once();
    MISUSE_LOG_EXPECT(0);
    CHECK_EQ(naputil_live_blocks(), base_blocks);
}

/* 4. The first Release calls FreeConnections on the same structure. The
 * inner call finds a structure already being freed: it is reported, and
 * releases nothing (4 Release calls in all, not 8). */
static void hook_free_connections_again(int index, int call)
{
    (void)index;
    if (call == 1) {
        hook_depth--; /* the inner call's Release calls are the library's too */
        FreeConnections(list);
        hook_depth++;
    }
}

static void release_calls_free_connections(void)
{
    void *struct_block;
    setup(hook_free_connections_again);
    struct_block = list;
    run_free_connections();
    expect_each_released_once();
    MISUSE_LOG_EXPECT(1);
    CHECK(misuse_log_has(0, struct_block));
    CHECK_EQ(did_alloc(array), 0);
    CHECK_EQ(did_alloc(struct_block), 0);
    CHECK_EQ(naputil_live_blocks(), base_blocks);
}

/* 5. The first Release frees the structure itself. */
static void hook_free_struct(int index, int call)
{
    (void)index;
    if (call == 1)
        CoTaskMemFree(list);
}

static void release_frees_struct(void)
{
    void *struct_block;
    setup(hook_free_struct);
    struct_block = list;
    run_free_connections();
    expect_each_released_once();
    MISUSE_LOG_EXPECT(1);
    CHECK(misuse_log_has(0, struct_block));
    CHECK_EQ(did_alloc(array), 0);
    CHECK_EQ(naputil_live_blocks(), base_blocks);
}

/* 6. The first Release frees both the array and the structure. */
static void hook_free_both(int index, int call)
{
    (void)index;
    if (call == 1) {
        CoTaskMemFree(list->connections);
        CoTaskMemFree(list);
    }
}

static void release_frees_array_and_struct(void)
{
    void *struct_block;
    setup(hook_free_both);
    struct_block = list;
    run_free_connections();
    expect_each_released_once();
    MISUSE_LOG_EXPECT(2);
    CHECK(misuse_log_has(0, array));
    CHECK(misuse_log_has(0, struct_block));
    CHECK_EQ(naputil_live_blocks(), base_blocks);
}

/* 7. The first Release puts a new array of junk in the structure: the
 * library frees the array it was called with, never the new one, and never
 * calls through the junk. */
static void hook_replace_array(int index, int call)
{
    size_t i;
    (void)index;
    if (call != 1)
        return;
    junk_block = CoTaskMemAlloc(8 * sizeof(void *));
    CHECK(junk_block != NULL);
    if (!junk_block)
        return;
    for (i = 0; i < 8; i++)
        ((uintptr_t *)junk_block)[i] = JUNK;
    list->connections = junk_block;
    list->count = 8;
}

static void release_replaces_array(void)
{
    setup(hook_replace_array);
    run_free_connections();
    expect_each_released_once();
    MISUSE_LOG_EXPECT(0);
    CHECK_EQ(did_alloc(array), 0);
    CHECK(junk_block != NULL && did_alloc(junk_block) == 1);
    if (junk_block && did_alloc(junk_block) == 1)
        CoTaskMemFree(junk_block);
    CHECK_EQ(naputil_live_blocks(), base_blocks);
}

/* 8. Each Release takes and drops references on the entries after it, and
 * the first keeps one extra reference on the last entry. */
static void hook_touch_others(int index, int call)
{
    INapEnforcementClientConnection *next;
    (void)call;
    if (index + 1 >= ENTRIES)
        return;
    next = array[index + 1];
    next->lpVtbl->AddRef(next);
    next->lpVtbl->AddRef(next);
    next->lpVtbl->Release(next);
    next->lpVtbl->Release(next);
    if (index == 0)
        array[ENTRIES - 1]->lpVtbl->AddRef(array[ENTRIES - 1]);
}

static void release_touches_other_entries(void)
{
    int i;
    setup(hook_touch_others);
    run_free_connections();
    for (i = 0; i < ENTRIES; i++)
        CHECK_EQ(pool[i].library_releases, 1);
    CHECK_EQ(library_calls, ENTRIES);
    for (i = 0; i < ENTRIES - 1; i++) {
        CHECK_EQ(pool[i].refs, 0);
        CHECK_EQ(pool[i].destroyed, 1);
    }
    CHECK_EQ(pool[ENTRIES - 1].refs, 1);
    CHECK_EQ(pool[ENTRIES - 1].destroyed, 0);
    MISUSE_LOG_EXPECT(0);
    CHECK_EQ(naputil_live_blocks(), base_blocks);
}

int main(void)
{
    RUN_ISOLATED(release_frees_array);
    RUN_ISOLATED(release_reallocates_array_with_junk);
    RUN_ISOLATED(release_overwrites_slots);
    RUN_ISOLATED(release_calls_free_connections);
    RUN_ISOLATED(release_frees_struct);
    RUN_ISOLATED(release_frees_array_and_struct);
    RUN_ISOLATED(release_replaces_array);
    RUN_ISOLATED(release_touches_other_entries);
    isolate_summary("reentrant_connections");
    CHECK_EXIT();
}
