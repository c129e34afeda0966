/*
 * Porting proof, C: NAP code written the way it is written for Windows.
 *
 * The same file compiles unchanged with mingw-w64 against Windows' own
 * headers (and runs against naputil.dll under Wine) and on Linux/macOS
 * against napUtil.h through the compat headers (build/include/naputil).
 * It prints what it observes; both builds must print the same lines.
 */
#ifdef _WIN32
#include <windows.h>
#endif
#include <NapUtil.h>
#include <NapTypes.h>
#include <NapProtocol.h>
#include <NapError.h>
#include <NapEnforcementClient.h>

#include <stdio.h>
#include <string.h>

#include "wtext.h"

/* ------------------------------------------------------------------ */
/* A connection object implemented in C: a struct whose first member is
 * the interface, and a static vtable. FreeConnections calls only
 * Release, but QueryInterface and AddRef are real too. */

typedef struct SampleConnection {
    INapEnforcementClientConnection iface;
    LONG refs;
    int destroyed;
} SampleConnection;

static HRESULT STDMETHODCALLTYPE Sample_QueryInterface(INapEnforcementClientConnection *This,
                                                       REFIID riid, void **ppv)
{
    (void)riid;
    if (ppv == NULL)
        return E_POINTER;
    *ppv = NULL;
    (void)This;
    return E_NOINTERFACE;
}

static ULONG STDMETHODCALLTYPE Sample_AddRef(INapEnforcementClientConnection *This)
{
    SampleConnection *self = (SampleConnection *)This;
    return (ULONG)++self->refs;
}

static ULONG STDMETHODCALLTYPE Sample_Release(INapEnforcementClientConnection *This)
{
    SampleConnection *self = (SampleConnection *)This;
    LONG left = --self->refs;
    if (left == 0)
        self->destroyed = 1;
    return (ULONG)left;
}

/* Not const: Windows declares lpVtbl const only under CONST_VTABLE. */
static INapEnforcementClientConnectionVtbl sample_vtbl = {
    Sample_QueryInterface,
    Sample_AddRef,
    Sample_Release,
    /* The remaining methods are never called here. */
    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
};

/* ------------------------------------------------------------------ */

static void print_hr(const char *what, HRESULT hr)
{
    printf("%-44s hr=0x%08lX %s\n", what, (unsigned long)(DWORD)hr,
           SUCCEEDED(hr) ? "SUCCEEDED" : "FAILED");
}

static void counted_strings(void)
{
    CountedString *cs = NULL;
    CountedString copy;
    HRESULT hr;
    UINT16 i;
    unsigned checksum = 0;

    hr = AllocCountedString(&cs, WTEXT("Contoso System Health Agent"));
    print_hr("AllocCountedString", hr);
    if (FAILED(hr))
        return;
    for (i = 0; i <= cs->length; i++)
        checksum = checksum * 31u + cs->string[i];
    printf("  length=%u terminator=%u checksum=%08x\n", (unsigned)cs->length,
           (unsigned)cs->string[cs->length], checksum);

    /* Real NAP code keeps the members and frees only the struct... */
    copy = *cs;
    CoTaskMemFree(cs);
    /* ...and later frees the string on its own. */
    CoTaskMemFree(copy.string);

    cs = (CountedString *)0x1;
    hr = AllocCountedString(&cs, NULL);
    print_hr("AllocCountedString(NULL string)", hr);
    printf("  out-pointer untouched: %s\n", cs == (CountedString *)0x1 ? "yes" : "no");
}

static void fixup_info(void)
{
    FixupInfo *fixup = NULL;
    HRESULT hr = AllocFixupInfo(&fixup, 3);

    print_hr("AllocFixupInfo(3)", hr);
    if (FAILED(hr))
        return;
    fixup->state = fixupStateInProgress;
    fixup->percentage = 40;
    fixup->resultCodes.results[0] = S_OK;
    fixup->resultCodes.results[1] = NAP_E_MISSING_SOH;
    fixup->resultCodes.results[2] = NAP_S_CERT_ALREADY_PRESENT;
    printf("  state=%d percentage=%u count=%u codes=%08lX,%08lX,%08lX\n", (int)fixup->state,
           (unsigned)fixup->percentage, (unsigned)fixup->resultCodes.count,
           (unsigned long)(DWORD)fixup->resultCodes.results[0],
           (unsigned long)(DWORD)fixup->resultCodes.results[1],
           (unsigned long)(DWORD)fixup->resultCodes.results[2]);
    FreeFixupInfo(fixup);

    print_hr("AllocFixupInfo(maxDwordCount + 1)",
             AllocFixupInfo(&fixup, maxDwordCountPerSoHAttribute + 1));
}

/* Builds a statement of health the way an SHA does: every member is its
 * own task-memory block, and FreeSoH releases them all. */
static void statement_of_health(void)
{
    static const BYTE product[] = {'S', 'H', 'A', '1'};
    SoH *soh = (SoH *)CoTaskMemAlloc(sizeof *soh);
    SoHAttributeValue *value;

    if (soh == NULL)
        return;
    soh->count = 2;
    soh->attributes = (SoHAttribute *)CoTaskMemAlloc(2 * sizeof(SoHAttribute));
    soh->attributes[0].type = sohAttributeTypeProductName;
    soh->attributes[0].size = (UINT16)sizeof product;
    soh->attributes[0].value = (BYTE *)CoTaskMemAlloc(sizeof product);
    memcpy(soh->attributes[0].value, product, sizeof product);
    soh->attributes[1].type = sohAttributeTypeHealthClass;
    soh->attributes[1].size = 1;
    soh->attributes[1].value = (BYTE *)CoTaskMemAlloc(1);
    soh->attributes[1].value[0] = (BYTE)healthClassAntiVirus;
    printf("%-44s count=%u first=%u/%u second=%u/%u\n", "SoH built", (unsigned)soh->count,
           (unsigned)soh->attributes[0].type, (unsigned)soh->attributes[0].size,
           (unsigned)soh->attributes[1].type, (unsigned)soh->attributes[1].size);
    FreeSoH(soh);

    value = (SoHAttributeValue *)CoTaskMemAlloc(sizeof *value);
    value->codesVal.count = 1;
    value->codesVal.results = (HRESULT *)CoTaskMemAlloc(sizeof(HRESULT));
    value->codesVal.results[0] = NAP_E_NOT_INITIALIZED;
    printf("%-44s type=%d count=%u code=%08lX\n", "SoHAttributeValue built",
           (int)sohAttributeTypeComplianceResultCodes, (unsigned)value->codesVal.count,
           (unsigned long)(DWORD)value->codesVal.results[0]);
    FreeSoHAttributeValue(sohAttributeTypeComplianceResultCodes, value);

    FreeSoH(NULL);
    FreeNetworkSoH(NULL);
    FreePrivateData(NULL);
    printf("%-44s ok\n", "Free*(NULL)");
}

static void connections(void)
{
    SampleConnection first = {{&sample_vtbl}, 0, 0};
    SampleConnection second = {{&sample_vtbl}, 0, 0};
    Connections *list = NULL;
    HRESULT hr = AllocConnections(&list, 3);

    print_hr("AllocConnections(3)", hr);
    if (FAILED(hr))
        return;
    printf("  count=%u slots=%s\n", (unsigned)list->count,
           list->connections[0] == NULL && list->connections[2] == NULL ? "NULL" : "set");
    /* Whoever stores an interface pointer holds a reference to it. */
    list->connections[0] = &first.iface;
    first.iface.lpVtbl->AddRef(&first.iface);
    list->connections[1] = &second.iface;
    second.iface.lpVtbl->AddRef(&second.iface);
    second.iface.lpVtbl->AddRef(&second.iface); /* the caller's own reference */
    FreeConnections(list);
    printf("  after FreeConnections: first refs=%ld destroyed=%d, second refs=%ld destroyed=%d\n",
           (long)first.refs, first.destroyed, (long)second.refs, second.destroyed);
    second.iface.lpVtbl->Release(&second.iface);

    print_hr("AllocConnections(maxConnectionCount + 1)",
             AllocConnections(&list, maxConnectionCountPerEnforcer + 1));
}

static void task_allocator(void)
{
    IMalloc *malloc_ = NULL;
    void *block;
    HRESULT hr = CoGetMalloc(1 /* MEMCTX_TASK */, &malloc_);

    print_hr("CoGetMalloc(MEMCTX_TASK)", hr);
    if (FAILED(hr))
        return;
    block = malloc_->lpVtbl->Alloc(malloc_, 24);
    printf("  Alloc(24): GetSize=%lu DidAlloc=%d\n",
           (unsigned long)malloc_->lpVtbl->GetSize(malloc_, block),
           malloc_->lpVtbl->DidAlloc(malloc_, block));
    block = CoTaskMemRealloc(block, 48);
    printf("  CoTaskMemRealloc(48): GetSize=%lu\n",
           (unsigned long)malloc_->lpVtbl->GetSize(malloc_, block));
    malloc_->lpVtbl->Free(malloc_, block);
    malloc_->lpVtbl->Release(malloc_);
}

static void error_codes(void)
{
    printf("%-44s %08lX %08lX %08lX\n", "NAP_E_INVALID_PACKET/MISSING_SOH/MISMATCHED_ID",
           (unsigned long)(DWORD)NAP_E_INVALID_PACKET, (unsigned long)(DWORD)NAP_E_MISSING_SOH,
           (unsigned long)(DWORD)NAP_E_MISMATCHED_ID);
    printf("%-44s %d %d\n", "SUCCEEDED(NAP_S_CERT_ALREADY_PRESENT), FAILED",
           SUCCEEDED(NAP_S_CERT_ALREADY_PRESENT) ? 1 : 0,
           FAILED(NAP_S_CERT_ALREADY_PRESENT) ? 1 : 0);
    printf("%-44s %d %d %d\n", "maxStringLength/maxSoHAttributeCount/cats", maxStringLength,
           maxSoHAttributeCount, failureCategoryCount);
}

int main(void)
{
    printf("porting proof (C), sizeof(SoHAttributeValue)=%u sizeof(Connections)=%u\n",
           (unsigned)sizeof(SoHAttributeValue), (unsigned)sizeof(Connections));
    counted_strings();
    fixup_info();
    statement_of_health();
    connections();
    task_allocator();
    error_codes();
    return 0;
}
