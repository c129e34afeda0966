/*
 * CoGetMalloc and the task IMalloc object: contexts, IUnknown, the six
 * allocator methods, and interoperability with the CoTaskMem* functions.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "napUtil.h"
#include "check.h"

static const GUID IID_Other = { 0x12345678, 0x9abc, 0xdef0,
                                { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef } };

static IMalloc *sentinel_malloc(void)
{
    return (IMalloc *)(uintptr_t)0x5e5e5e5e;
}

static void test_contexts(IMalloc **task)
{
    static const DWORD bad[] = { 0, 2, 3, 4, 0x7fffffffu, (DWORD)-1, (DWORD)-2 };
    IMalloc *m = sentinel_malloc();
    IMalloc *again = NULL;
    size_t i;

    CHECK_EQ(CoGetMalloc(1, &m), S_OK);
    CHECK(m != NULL && m != sentinel_malloc());
    CHECK(m != NULL && m->lpVtbl != NULL);
    CHECK_EQ(CoGetMalloc(MEMCTX_TASK, &again), S_OK);
    CHECK(again == m);
    *task = m;

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        IMalloc *p = sentinel_malloc();
        CHECK_EQ(CoGetMalloc(bad[i], &p), E_INVALIDARG);
        CHECK(p == NULL);
    }
    CHECK_EQ(CoGetMalloc(1, NULL), E_INVALIDARG);
}

static void test_iunknown(IMalloc *m)
{
    void *out = sentinel_malloc();
    ULONG r1, r2;
    int i;

    CHECK_EQ(m->lpVtbl->QueryInterface(m, &IID_IUnknown, &out), S_OK);
    CHECK(out == (void *)m);
    out = NULL;
    CHECK_EQ(m->lpVtbl->QueryInterface(m, &IID_IMalloc, &out), S_OK);
    CHECK(out == (void *)m);
    out = sentinel_malloc();
    CHECK_EQ(m->lpVtbl->QueryInterface(m, &IID_Other, &out), E_NOINTERFACE);
    CHECK(out == NULL);
    CHECK(FAILED(m->lpVtbl->QueryInterface(m, &IID_IMalloc, NULL)));

    /* The object is immortal: the counts never move and it never dies. */
    r1 = m->lpVtbl->AddRef(m);
    r2 = m->lpVtbl->AddRef(m);
    CHECK_EQ(r1, r2);
    for (i = 0; i < 10; i++)
        CHECK_EQ(m->lpVtbl->Release(m), r1);
    {
        void *p = m->lpVtbl->Alloc(m, 8);
        CHECK(p != NULL);
        m->lpVtbl->Free(m, p);
    }
}

static void test_methods(IMalloc *m)
{
    uint64_t blocks0 = naputil_live_blocks();
    unsigned char *p, *q;
    size_t i;

    p = m->lpVtbl->Alloc(m, 16);
    CHECK(p != NULL);
    if (!p)
        return;
    CHECK(((uintptr_t)p & 15u) == 0);
    CHECK_EQ(m->lpVtbl->GetSize(m, p), 16);
    CHECK_EQ(m->lpVtbl->DidAlloc(m, p), 1);
    CHECK_EQ(naputil_live_blocks(), blocks0 + 1);
    for (i = 0; i < 16; i++)
        p[i] = (unsigned char)(i + 1);

    /* GetSize reports the request, not libc's usable size. */
    q = m->lpVtbl->Alloc(m, 1);
    CHECK_EQ(m->lpVtbl->GetSize(m, q), 1);
    m->lpVtbl->Free(m, q);
    q = m->lpVtbl->Alloc(m, 0);
    CHECK(q != NULL);
    CHECK_EQ(m->lpVtbl->GetSize(m, q), 0);
    CHECK_EQ(m->lpVtbl->DidAlloc(m, q), 1);
    m->lpVtbl->Free(m, q);

    /* Interior pointers are not blocks. */
    CHECK_EQ(m->lpVtbl->DidAlloc(m, p + 1), 0);
    CHECK_EQ(m->lpVtbl->DidAlloc(m, p + 8), 0);
    CHECK_EQ(m->lpVtbl->GetSize(m, p + 8), (SIZE_T)-1);

    q = m->lpVtbl->Realloc(m, p, 1000);
    CHECK(q != NULL);
    if (q)
        p = q;
    CHECK_EQ(m->lpVtbl->GetSize(m, p), 1000);
    CHECK_EQ(m->lpVtbl->DidAlloc(m, p), 1);
    for (i = 0; i < 16; i++)
        CHECK(p[i] == (unsigned char)(i + 1));

    q = m->lpVtbl->Realloc(m, p, 3);
    CHECK(q != NULL);
    if (q)
        p = q;
    CHECK_EQ(m->lpVtbl->GetSize(m, p), 3);
    CHECK(p[0] == 1 && p[1] == 2 && p[2] == 3);

    /* A failed resize keeps the block and its size. */
    CHECK(m->lpVtbl->Realloc(m, p, SIZE_MAX) == NULL);
    CHECK_EQ(m->lpVtbl->GetSize(m, p), 3);
    CHECK_EQ(m->lpVtbl->DidAlloc(m, p), 1);

    m->lpVtbl->Free(m, p);
    CHECK_EQ(naputil_live_blocks(), blocks0);

    /* Freed, NULL and never-allocated pointers. */
    CHECK_EQ(m->lpVtbl->DidAlloc(m, p), 0);
    CHECK_EQ(m->lpVtbl->GetSize(m, p), (SIZE_T)-1);
    CHECK_EQ(m->lpVtbl->DidAlloc(m, NULL), -1);
    CHECK_EQ(m->lpVtbl->GetSize(m, NULL), (SIZE_T)-1);
    {
        int local = 0;
        void *foreign = malloc(32);
        CHECK(foreign != NULL);
        CHECK_EQ(m->lpVtbl->DidAlloc(m, foreign), 0);
        CHECK_EQ(m->lpVtbl->GetSize(m, foreign), (SIZE_T)-1);
        CHECK_EQ(m->lpVtbl->DidAlloc(m, &local), 0);
        CHECK_EQ(m->lpVtbl->GetSize(m, &local), (SIZE_T)-1);
        CHECK_EQ(m->lpVtbl->DidAlloc(m, (void *)&IID_Other), 0);
        free(foreign);
    }

    /* Realloc(NULL, n) allocates; Realloc(p, 0) frees. */
    p = m->lpVtbl->Realloc(m, NULL, 24);
    CHECK(p != NULL);
    CHECK_EQ(m->lpVtbl->GetSize(m, p), 24);
    CHECK_EQ(naputil_live_blocks(), blocks0 + 1);
    CHECK(m->lpVtbl->Realloc(m, p, 0) == NULL);
    CHECK_EQ(naputil_live_blocks(), blocks0);
    CHECK_EQ(m->lpVtbl->DidAlloc(m, p), 0);
    p = m->lpVtbl->Realloc(m, NULL, 0);
    CHECK(p != NULL);
    m->lpVtbl->Free(m, p);
    m->lpVtbl->Free(m, NULL);

    /* Huge requests fail without recording anything. */
    CHECK(m->lpVtbl->Alloc(m, SIZE_MAX) == NULL);
    CHECK_EQ(naputil_live_blocks(), blocks0);

    m->lpVtbl->HeapMinimize(m);
    CHECK_EQ(naputil_live_blocks(), blocks0);
}

static void test_interoperability(IMalloc *m)
{
    uint64_t blocks0 = naputil_live_blocks();
    void *a = m->lpVtbl->Alloc(m, 40);
    void *b = CoTaskMemAlloc(56);
    void *c;

    CHECK(a != NULL && b != NULL);
    CHECK_EQ(m->lpVtbl->GetSize(m, b), 56);
    CHECK_EQ(m->lpVtbl->DidAlloc(m, b), 1);

    c = CoTaskMemRealloc(a, 80);
    CHECK(c != NULL);
    if (c)
        a = c;
    CHECK_EQ(m->lpVtbl->GetSize(m, a), 80);
    c = m->lpVtbl->Realloc(m, b, 8);
    CHECK(c != NULL);
    if (c)
        b = c;
    CHECK_EQ(m->lpVtbl->GetSize(m, b), 8);

    CoTaskMemFree(a);
    m->lpVtbl->Free(m, b);
    CHECK_EQ(m->lpVtbl->DidAlloc(m, a), 0);
    CHECK_EQ(m->lpVtbl->DidAlloc(m, b), 0);
    CHECK_EQ(naputil_live_blocks(), blocks0);
}

int main(void)
{
    IMalloc *m = NULL;
    uint64_t start_blocks = naputil_live_blocks();
    uint64_t start_misuse = naputil_misuse_count();

    test_contexts(&m);
    if (m) {
        test_iunknown(m);
        test_methods(m);
        test_interoperability(m);
        CHECK_EQ(m->lpVtbl->Release(m), m->lpVtbl->AddRef(m));
    }

    CHECK_EQ(naputil_live_blocks(), start_blocks);
    CHECK_EQ(naputil_misuse_count(), start_misuse);
    CHECK_EXIT();
}
