/*
 * FreeConnections with connections implemented in C: a reference-counted
 * object behind an INapEnforcementClientConnection vtable. Each non-NULL
 * slot below `count` is released exactly once, NULL slots are skipped, the
 * object is destroyed when FreeConnections drops the last reference, and a
 * Release that itself frees task memory works.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "napUtil.h"
#include "check.h"

#define MAX_OBJECTS 64

/* What happened to each object, kept outside it so it can be checked after
 * the object is gone. */
static struct {
    int releases;
    int destroyed;
} history[MAX_OBJECTS];
static int objects_made;

typedef struct TestConnection {
    INapEnforcementClientConnection iface; /* first: the COM pointer */
    ULONG refs;
    int id;
    int task_memory; /* allocated with CoTaskMemAlloc rather than malloc */
    ProtocolMaxSize max_size;
    UINT8 flags;
} TestConnection;

static TestConnection *impl(INapEnforcementClientConnection *This)
{
    return (TestConnection *)This;
}

static HRESULT conn_QueryInterface(INapEnforcementClientConnection *This, REFIID riid, void **ppv)
{
    if (!ppv)
        return E_POINTER;
    if (memcmp(riid, &IID_IUnknown, sizeof(GUID)) == 0 ||
        memcmp(riid, &IID_INapEnforcementClientConnection, sizeof(GUID)) == 0) {
        *ppv = This;
        This->lpVtbl->AddRef(This);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG conn_AddRef(INapEnforcementClientConnection *This)
{
    return ++impl(This)->refs;
}

static ULONG conn_Release(INapEnforcementClientConnection *This)
{
    TestConnection *c = impl(This);
    ULONG left = --c->refs;
    history[c->id].releases++;
    if (left == 0) {
        history[c->id].destroyed = 1;
        if (c->task_memory)
            CoTaskMemFree(c);
        else
            free(c);
    }
    return left;
}

static HRESULT conn_Initialize(INapEnforcementClientConnection *This, EnforcementEntityId id)
{
    (void)This;
    (void)id;
    return S_OK;
}

static HRESULT conn_SetMaxSize(INapEnforcementClientConnection *This, ProtocolMaxSize maxSize)
{
    if (maxSize < minProtocolMaxSize || maxSize > maxProtocolMaxSize)
        return E_INVALIDARG;
    impl(This)->max_size = maxSize;
    return S_OK;
}

static HRESULT conn_GetMaxSize(INapEnforcementClientConnection *This, ProtocolMaxSize *maxSize)
{
    if (!maxSize)
        return E_POINTER;
    *maxSize = impl(This)->max_size;
    return S_OK;
}

static HRESULT conn_SetFlags(INapEnforcementClientConnection *This, UINT8 flags)
{
    impl(This)->flags = flags;
    return S_OK;
}

static HRESULT conn_GetFlags(INapEnforcementClientConnection *This, UINT8 *flags)
{
    if (!flags)
        return E_POINTER;
    *flags = impl(This)->flags;
    return S_OK;
}

/* The rest are not needed by these tests. */
static HRESULT conn_SetConnectionId(INapEnforcementClientConnection *This, const ConnectionId *id)
{
    (void)This;
    (void)id;
    return E_NOTIMPL;
}

static HRESULT conn_GetConnectionId(INapEnforcementClientConnection *This, ConnectionId **id)
{
    (void)This;
    (void)id;
    return E_NOTIMPL;
}

static HRESULT conn_GetCorrelationId(INapEnforcementClientConnection *This, CorrelationId *id)
{
    (void)This;
    (void)id;
    return E_NOTIMPL;
}

static HRESULT conn_GetStringCorrelationId(INapEnforcementClientConnection *This, StringCorrelationId **id)
{
    (void)This;
    (void)id;
    return E_NOTIMPL;
}

static HRESULT conn_SetCorrelationId(INapEnforcementClientConnection *This, CorrelationId id)
{
    (void)This;
    (void)id;
    return E_NOTIMPL;
}

static HRESULT conn_SetSoH(INapEnforcementClientConnection *This, const NetworkSoH *soh)
{
    (void)This;
    (void)soh;
    return E_NOTIMPL;
}

static HRESULT conn_GetSoH(INapEnforcementClientConnection *This, NetworkSoH **soh)
{
    (void)This;
    (void)soh;
    return E_NOTIMPL;
}

static HRESULT conn_SetIsolationInfo(INapEnforcementClientConnection *This, const IsolationInfo *info)
{
    (void)This;
    (void)info;
    return E_NOTIMPL;
}

static HRESULT conn_GetIsolationInfo(INapEnforcementClientConnection *This, IsolationInfo **info)
{
    (void)This;
    (void)info;
    return E_NOTIMPL;
}

static HRESULT conn_SetPrivateData(INapEnforcementClientConnection *This, const PrivateData *data)
{
    (void)This;
    (void)data;
    return E_NOTIMPL;
}

static HRESULT conn_GetPrivateData(INapEnforcementClientConnection *This, PrivateData **data)
{
    (void)This;
    (void)data;
    return E_NOTIMPL;
}

static const INapEnforcementClientConnectionVtbl test_connection_vtbl = {
    conn_QueryInterface,   conn_AddRef,           conn_Release,          conn_Initialize,
    conn_SetMaxSize,       conn_GetMaxSize,       conn_SetFlags,         conn_GetFlags,
    conn_SetConnectionId,  conn_GetConnectionId,  conn_GetCorrelationId, conn_GetStringCorrelationId,
    conn_SetCorrelationId, conn_SetSoH,           conn_GetSoH,           conn_SetSoH,
    conn_GetSoH,           conn_SetIsolationInfo, conn_GetIsolationInfo, conn_SetPrivateData,
    conn_GetPrivateData,   conn_SetPrivateData,   conn_GetPrivateData,
};

/* A new connection holding one reference (the caller's). */
static INapEnforcementClientConnection *new_connection(int task_memory)
{
    TestConnection *c;
    if (objects_made >= MAX_OBJECTS)
        return NULL;
    c = task_memory ? CoTaskMemAlloc(sizeof *c) : malloc(sizeof *c);
    CHECK(c != NULL);
    if (!c)
        return NULL;
    memset(c, 0, sizeof *c);
    c->iface.lpVtbl = &test_connection_vtbl;
    c->refs = 1;
    c->id = objects_made++;
    c->task_memory = task_memory;
    c->max_size = defaultProtocolMaxSize;
    return &c->iface;
}

static int id_of(INapEnforcementClientConnection *conn)
{
    return impl(conn)->id;
}

/* Stored after AddRef: FreeConnections releases the array's reference only. */
static void test_addrefed_connections_survive(void)
{
    uint64_t blocks0 = naputil_live_blocks();
    INapEnforcementClientConnection *a = new_connection(0), *b = new_connection(0), *c = new_connection(0);
    Connections *list = NULL;
    ProtocolMaxSize size = 0;
    UINT8 flags = 0;
    int ia, ib, ic;

    if (!a || !b || !c)
        return;
    ia = id_of(a);
    ib = id_of(b);
    ic = id_of(c);
    CHECK_EQ(AllocConnections(&list, 5), S_OK);
    if (!list)
        return;
    CHECK_EQ(a->lpVtbl->SetMaxSize(a, 1200), S_OK);
    CHECK_EQ(b->lpVtbl->SetFlags(b, 0x5), S_OK);
    CHECK_EQ(a->lpVtbl->AddRef(a), 2);
    CHECK_EQ(b->lpVtbl->AddRef(b), 2);
    CHECK_EQ(c->lpVtbl->AddRef(c), 2);
    list->connections[0] = a;
    list->connections[2] = b;
    list->connections[4] = c;

    FreeConnections(list);
    CHECK_EQ(naputil_live_blocks(), blocks0);
    CHECK_EQ(history[ia].releases, 1);
    CHECK_EQ(history[ib].releases, 1);
    CHECK_EQ(history[ic].releases, 1);
    CHECK(!history[ia].destroyed && !history[ib].destroyed && !history[ic].destroyed);

    /* Still usable through the caller's own references. */
    CHECK_EQ(a->lpVtbl->GetMaxSize(a, &size), S_OK);
    CHECK_EQ(size, 1200);
    CHECK_EQ(b->lpVtbl->GetFlags(b, &flags), S_OK);
    CHECK_EQ(flags, 0x5);
    CHECK_EQ(c->lpVtbl->Initialize(c, 0x13701), S_OK);

    CHECK_EQ(a->lpVtbl->Release(a), 0);
    CHECK_EQ(b->lpVtbl->Release(b), 0);
    CHECK_EQ(c->lpVtbl->Release(c), 0);
    CHECK(history[ia].destroyed && history[ib].destroyed && history[ic].destroyed);
}

/* The array holds the only reference: FreeConnections destroys the object. */
static void test_last_reference_destroys(void)
{
    INapEnforcementClientConnection *owned = new_connection(0);
    INapEnforcementClientConnection *in_task_memory = new_connection(1);
    uint64_t blocks0;
    Connections *list = NULL;
    int io, it;

    if (!owned || !in_task_memory)
        return;
    io = id_of(owned);
    it = id_of(in_task_memory);
    blocks0 = naputil_live_blocks();
    CHECK_EQ(AllocConnections(&list, 2), S_OK);
    if (!list)
        return;
    list->connections[0] = owned;
    list->connections[1] = in_task_memory;
    FreeConnections(list);
    CHECK_EQ(history[io].releases, 1);
    CHECK_EQ(history[it].releases, 1);
    CHECK(history[io].destroyed);
    CHECK(history[it].destroyed);
    /* The object in task memory was freed from inside Release. */
    CHECK_EQ(naputil_live_blocks(), blocks0 - 1);
}

/* The same object in two slots holds two references and loses both. */
static void test_same_connection_twice(void)
{
    INapEnforcementClientConnection *conn = new_connection(0);
    Connections *list = NULL;
    void *again = NULL;
    int id;

    if (!conn)
        return;
    id = id_of(conn);
    CHECK_EQ(AllocConnections(&list, 3), S_OK);
    if (!list)
        return;
    CHECK_EQ(conn->lpVtbl->QueryInterface(conn, &IID_INapEnforcementClientConnection, &again), S_OK);
    CHECK(again == conn);
    list->connections[0] = conn;
    list->connections[1] = again;
    FreeConnections(list);
    CHECK_EQ(history[id].releases, 2);
    CHECK(history[id].destroyed);
}

/* Only slots below `count` are released. */
static void test_count_limits_releases(void)
{
    INapEnforcementClientConnection *inside = new_connection(0), *outside = new_connection(0);
    Connections *list = NULL;
    int ii, io;

    if (!inside || !outside)
        return;
    ii = id_of(inside);
    io = id_of(outside);
    CHECK_EQ(AllocConnections(&list, 4), S_OK);
    if (!list)
        return;
    inside->lpVtbl->AddRef(inside);
    list->connections[1] = inside;
    list->connections[3] = outside;
    list->count = 2;
    FreeConnections(list);
    CHECK_EQ(history[ii].releases, 1);
    CHECK_EQ(history[io].releases, 0);
    CHECK(!history[io].destroyed);
    inside->lpVtbl->Release(inside);
    outside->lpVtbl->Release(outside);
    CHECK(history[ii].destroyed && history[io].destroyed);
}

/* The documented maximum, every slot filled. */
static void test_full_list(void)
{
    INapEnforcementClientConnection *conns[maxConnectionCountPerEnforcer];
    Connections *list = NULL;
    int i, first = objects_made;

    for (i = 0; i < maxConnectionCountPerEnforcer; i++)
        conns[i] = new_connection(i % 2);
    CHECK_EQ(AllocConnections(&list, maxConnectionCountPerEnforcer), S_OK);
    if (!list)
        return;
    CHECK_EQ(list->count, maxConnectionCountPerEnforcer);
    for (i = 0; i < maxConnectionCountPerEnforcer; i++)
        list->connections[i] = conns[i];
    FreeConnections(list);
    for (i = 0; i < maxConnectionCountPerEnforcer; i++) {
        CHECK_EQ(history[first + i].releases, 1);
        CHECK(history[first + i].destroyed);
    }
}

/* All slots NULL: nothing to release, both blocks freed. */
static void test_all_null(void)
{
    NaputilStats before, after;
    Connections *list = NULL;

    CHECK_EQ(AllocConnections(&list, 6), S_OK);
    before.total_frees = 0;
    CHECK_EQ(naputil_get_stats(&before), S_OK);
    FreeConnections(list);
    CHECK_EQ(naputil_get_stats(&after), S_OK);
    CHECK_EQ(after.total_frees - before.total_frees, 2);
    CHECK_EQ(after.misuse_total, before.misuse_total);
}

int main(void)
{
    uint64_t start_blocks = naputil_live_blocks();
    uint64_t start_misuse = naputil_misuse_count();
    int i;

    test_addrefed_connections_survive();
    test_last_reference_destroys();
    test_same_connection_twice();
    test_count_limits_releases();
    test_full_list();
    test_all_null();

    for (i = 0; i < objects_made; i++)
        CHECK(history[i].destroyed);
    CHECK(objects_made == 3 + 2 + 1 + 2 + maxConnectionCountPerEnforcer);
    CHECK_EQ(naputil_live_blocks(), start_blocks);
    CHECK_EQ(naputil_misuse_count(), start_misuse);
    CHECK_EXIT();
}
