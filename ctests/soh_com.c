/*
 * The SoH constructor and processor as Windows NAP code in C reaches them:
 * CoInitializeEx, CoCreateInstance(CLSID_NapSoHConstructor /
 * CLSID_NapSoHProcessor, NULL, CLSCTX_INPROC_SERVER, &IID_..., ...) and the
 * COBJMACROS call style, with nothing but names from Windows' NapTypes.h,
 * NapProtocol.h, NapUtil.h, NapError.h and objbase.h:
 *
 *  - a system health agent's request (Initialize(id, TRUE), every attribute
 *    type that can be appended, GetSoH, FreeSoH) read by a validator
 *    (processor Initialize, GetNumberOfAttributes, a FindNextAttribute loop
 *    ending in HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND), GetAttribute and
 *    FreeSoHAttributeValue), whose answer (Initialize(id, FALSE) and
 *    compliance result codes) the agent reads back with a processor;
 *  - bad input to every method and to the COM creation functions, each
 *    failure with its exact HRESULT and *ppv set to NULL;
 *  - reference counting, QueryInterface, IClassFactory through
 *    CoGetClassObject, the CoInitialize(Ex) rules, deep copies, objects
 *    shared by several threads, and an IMallocSpy that offsets the blocks
 *    it sees and calls back into the object it is spying on.
 *
 * On Windows CoCreateInstance is ole32's, which has no NAP classes on
 * Windows 10 and later nor under Wine: there each apartment the program
 * uses registers the library's class factories first (com_register.h),
 * and the checks of what ole32 itself answers (its argument checks, the
 * apartment rules, other contexts) are left out, each with its reason.
 * The same file compiles unchanged against mingw-w64's Windows headers
 * (`make porting-proof` checks that).
 *
 * Compiled against the library's header (on every platform) it also checks
 * what only naputil can tell: the task-memory blocks each scenario leaves,
 * that CoTaskMemFree of an object is refused and reported, that a call on
 * a released object answers E_POINTER with a misuse report, and the
 * library's own creation functions. Off Windows it also sends every SoH
 * through bytes (naputil_soh_encode / naputil_soh_decode), runs each
 * scenario in a child process of its own (ctests/isolate.h), and checks
 * that a live object shows in the leak report.
 */
#ifndef _WIN32
#define _POSIX_C_SOURCE 200809L
#endif
#ifndef COBJMACROS
#define COBJMACROS
#endif
#ifdef _WIN32
#include <windows.h>
#include <objbase.h>
#else
#include <pthread.h>
#include <sched.h>
#endif
#include <NapTypes.h>
#include <NapProtocol.h>
#include <NapSystemHealthAgent.h>
#include <NapError.h>
#include <NapUtil.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "com_register.h"
/* The library's own header, not Windows' NapUtil.h: its diagnostics and
 * entry points are there to check. */
#ifdef NAPUTIL_MISUSE_INTERIOR
#define WITH_NAPUTIL_HEADER 1
#include "misuse_log.h"
#endif
#ifndef _WIN32
#include "isolate.h"
#endif

#define SENTINEL ((void *)(uintptr_t)0xDEADBEE0u)
#define NOT_FOUND HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)

/* The example agent: vendor (IANA number) 0x00ABCD, component 1. */
#define EXAMPLE_VENDOR 0x0000ABCDu
#define OTHER_VENDOR 0x00001234u
#define EXAMPLE_SHA_ID 0x00ABCD01u
#define EXAMPLE_E_NOT_PATCHED ((HRESULT)0xC0ABCD01L)

/* A class no one provides. */
static const CLSID clsid_unknown = { 0x1b7e2a4c, 0x55aa, 0x4d3e, { 0x91, 0x02, 0x6c, 0x7f, 0x00, 0x13, 0x37, 0x42 } };

/* ---- Helpers ---------------------------------------------------------------- */

#ifdef WITH_NAPUTIL_HEADER
/* Blocks of task memory alive now: a scenario ends with as many as it
 * started with. */
static unsigned long long task_blocks(void)
{
    return (unsigned long long)naputil_live_blocks();
}
#else
static unsigned long long task_blocks(void)
{
    return 0;
}
#endif
#ifndef _WIN32
#define RUN(fn) RUN_ISOLATED(fn)
#else
#define RUN(fn) fn()
#endif

/* The main thread's registration of the classes (Windows only). */
static ComClasses main_classes;

/* Each scenario's apartment: the multithreaded one. */
static void com_init(void)
{
    CHECK_EQ(CoInitializeEx(NULL, COINIT_MULTITHREADED), S_OK);
    CHECK_EQ(com_register_classes(&main_classes), S_OK);
}

static void com_done(void)
{
    com_revoke_classes(&main_classes);
    CoUninitialize();
}

static INapSoHConstructor *new_constructor(void)
{
    INapSoHConstructor *c = (INapSoHConstructor *)SENTINEL;
    CHECK_EQ(CoCreateInstance(&CLSID_NapSoHConstructor, NULL, CLSCTX_INPROC_SERVER, &IID_INapSoHConstructor,
                              (void **)&c),
             S_OK);
    CHECK(c != SENTINEL && c != NULL);
    return c == SENTINEL ? NULL : c;
}

static INapSoHProcessor *new_processor(void)
{
    INapSoHProcessor *p = (INapSoHProcessor *)SENTINEL;
    CHECK_EQ(CoCreateInstance(&CLSID_NapSoHProcessor, NULL, CLSCTX_INPROC_SERVER, &IID_INapSoHProcessor,
                              (void **)&p),
             S_OK);
    CHECK(p != SENTINEL && p != NULL);
    return p == SENTINEL ? NULL : p;
}

/* The reference count now (AddRef returns it plus one, Release it). */
static ULONG constructor_refs(INapSoHConstructor *c)
{
    INapSoHConstructor_AddRef(c);
    return INapSoHConstructor_Release(c);
}

static ULONG processor_refs(INapSoHProcessor *p)
{
    INapSoHProcessor_AddRef(p);
    return INapSoHProcessor_Release(p);
}

/* ---- Attribute values --------------------------------------------------------- */

typedef struct Attribute {
    SoHAttributeType type;
    SoHAttributeValue value;
} Attribute;

static BYTE vendor_patched[] = "patched=1;engine=4.2";
static BYTE vendor_unpatched[] = "patched=0;engine=4.2";
static BYTE vendor_other[] = { 0x01, 0x00, 0xff };
static BYTE product_name[] = { 'E', 0, 'x', 0, 'A', 0, 'V', 0 }; /* UTF-16LE "ExAV" */
static BYTE software_version[] = "4.2.0";
static BYTE health_class_status[] = { 0x00, 0x00, 0x00, 0x07 };
static BYTE client_id[] = { 0x11, 0x22, 0x33, 0x44, 0x55 };
static HRESULT request_codes[] = { S_OK, EXAMPLE_E_NOT_PATCHED, E_FAIL };
static HRESULT error_codes[] = { S_OK };
static Ipv4Address v4_servers[2] = { { { 10, 0, 0, 53 } }, { { 10, 0, 1, 53 } } };
static Ipv6Address v6_servers[1] = { { { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53 } } };

static SoHAttributeValue octets(BYTE *data, UINT16 size)
{
    SoHAttributeValue v;
    memset(&v, 0, sizeof v);
    v.octetStringVal.size = size;
    v.octetStringVal.data = data;
    return v;
}

static SoHAttributeValue vendor(UINT32 id, BYTE *data, UINT16 size)
{
    SoHAttributeValue v;
    memset(&v, 0, sizeof v);
    v.vendorSpecificVal.vendorId = id;
    v.vendorSpecificVal.size = size;
    v.vendorSpecificVal.vendorSpecificData = data;
    return v;
}

static SoHAttributeValue codes(HRESULT *results, UINT16 count)
{
    SoHAttributeValue v;
    memset(&v, 0, sizeof v);
    v.codesVal.count = count;
    v.codesVal.results = results;
    return v;
}

static SoHAttributeValue byte_value(UINT8 b)
{
    SoHAttributeValue v;
    memset(&v, 0, sizeof v);
    v.uint8Val = b;
    return v;
}

static SoHAttributeValue time_value(DWORD high, DWORD low)
{
    SoHAttributeValue v;
    memset(&v, 0, sizeof v);
    v.dateTimeVal.dwHighDateTime = high;
    v.dateTimeVal.dwLowDateTime = low;
    return v;
}

static SoHAttributeValue v4_value(Ipv4Address *a, UINT16 count)
{
    SoHAttributeValue v;
    memset(&v, 0, sizeof v);
    v.v4AddressesVal.count = count;
    v.v4AddressesVal.addresses = a;
    return v;
}

static SoHAttributeValue v6_value(Ipv6Address *a, UINT16 count)
{
    SoHAttributeValue v;
    memset(&v, 0, sizeof v);
    v.v6AddressesVal.count = count;
    v.v6AddressesVal.addresses = a;
    return v;
}

/* The length of a value on the wire: what SoHAttribute.size holds. */
static UINT16 wire_size(SoHAttributeType type, const SoHAttributeValue *v)
{
    switch (type) {
    case sohAttributeTypeSystemHealthId:
        return 4;
    case sohAttributeTypeIpv4FixupServers:
        return (UINT16)(4 * v->v4AddressesVal.count);
    case sohAttributeTypeIpv6FixupServers:
        return (UINT16)(16 * v->v6AddressesVal.count);
    case sohAttributeTypeComplianceResultCodes:
    case sohAttributeTypeErrorCodes:
        return (UINT16)(4 * v->codesVal.count);
    case sohAttributeTypeTimeOfLastUpdate:
    case sohAttributeTypeSoHGenerationTime:
        return 8;
    case sohAttributeTypeVendorSpecific:
        return (UINT16)(4 + v->vendorSpecificVal.size);
    case sohAttributeTypeHealthClass:
    case sohAttributeTypeFailureCategory:
    case sohAttributeTypeExtendedIsolationState:
        return 1;
    default:
        return v->octetStringVal.size;
    }
}

static int same_bytes(const void *a, const void *b, size_t n)
{
    if (n == 0)
        return 1;
    return a != NULL && b != NULL && memcmp(a, b, n) == 0;
}

/* Whether two values of `type` hold the same data (pointed-to data
 * compared, not the pointers). */
static int same_value(SoHAttributeType type, const SoHAttributeValue *a, const SoHAttributeValue *b)
{
    switch (type) {
    case sohAttributeTypeSystemHealthId:
        return a->idVal == b->idVal;
    case sohAttributeTypeIpv4FixupServers:
        return a->v4AddressesVal.count == b->v4AddressesVal.count &&
               same_bytes(a->v4AddressesVal.addresses, b->v4AddressesVal.addresses,
                          4u * a->v4AddressesVal.count);
    case sohAttributeTypeIpv6FixupServers:
        return a->v6AddressesVal.count == b->v6AddressesVal.count &&
               same_bytes(a->v6AddressesVal.addresses, b->v6AddressesVal.addresses,
                          16u * a->v6AddressesVal.count);
    case sohAttributeTypeComplianceResultCodes:
    case sohAttributeTypeErrorCodes:
        return a->codesVal.count == b->codesVal.count &&
               same_bytes(a->codesVal.results, b->codesVal.results, sizeof(HRESULT) * a->codesVal.count);
    case sohAttributeTypeTimeOfLastUpdate:
    case sohAttributeTypeSoHGenerationTime:
        return a->dateTimeVal.dwHighDateTime == b->dateTimeVal.dwHighDateTime &&
               a->dateTimeVal.dwLowDateTime == b->dateTimeVal.dwLowDateTime;
    case sohAttributeTypeVendorSpecific:
        return a->vendorSpecificVal.vendorId == b->vendorSpecificVal.vendorId &&
               a->vendorSpecificVal.size == b->vendorSpecificVal.size &&
               same_bytes(a->vendorSpecificVal.vendorSpecificData, b->vendorSpecificVal.vendorSpecificData,
                          a->vendorSpecificVal.size);
    case sohAttributeTypeHealthClass:
    case sohAttributeTypeFailureCategory:
    case sohAttributeTypeExtendedIsolationState:
        return a->uint8Val == b->uint8Val;
    default:
        return a->octetStringVal.size == b->octetStringVal.size &&
               same_bytes(a->octetStringVal.data, b->octetStringVal.data, a->octetStringVal.size);
    }
}

/* The pointer a value of `type` holds, or NULL for types without one. */
static const void *embedded(SoHAttributeType type, const SoHAttributeValue *v)
{
    switch (type) {
    case sohAttributeTypeIpv4FixupServers:
        return v->v4AddressesVal.addresses;
    case sohAttributeTypeIpv6FixupServers:
        return v->v6AddressesVal.addresses;
    case sohAttributeTypeComplianceResultCodes:
    case sohAttributeTypeErrorCodes:
        return v->codesVal.results;
    case sohAttributeTypeVendorSpecific:
        return v->vendorSpecificVal.vendorSpecificData;
    case sohAttributeTypeClientId:
    case sohAttributeTypeSoftwareVersion:
    case sohAttributeTypeProductName:
    case sohAttributeTypeHealthClassStatus:
        return v->octetStringVal.data;
    default:
        return NULL;
    }
}

/* The example agent's request: every attribute type that can be appended
 * (all but the system health id, which Initialize puts first), the
 * vendor-specific type twice. Returns the number written to `out`. */
static int sha_request(Attribute *out, int patched)
{
    int n = 0;
    out[n].type = sohAttributeTypeVendorSpecific;
    out[n++].value = patched ? vendor(EXAMPLE_VENDOR, vendor_patched, (UINT16)(sizeof vendor_patched - 1))
                             : vendor(EXAMPLE_VENDOR, vendor_unpatched, (UINT16)(sizeof vendor_unpatched - 1));
    out[n].type = sohAttributeTypeHealthClass;
    out[n++].value = byte_value(healthClassPatchLevel);
    out[n].type = sohAttributeTypeProductName;
    out[n++].value = octets(product_name, sizeof product_name);
    out[n].type = sohAttributeTypeSoftwareVersion;
    out[n++].value = octets(software_version, (UINT16)(sizeof software_version - 1));
    out[n].type = sohAttributeTypeHealthClassStatus;
    out[n++].value = octets(health_class_status, sizeof health_class_status);
    out[n].type = sohAttributeTypeTimeOfLastUpdate;
    out[n++].value = time_value(0x01DA5555u, 0x00000001u);
    out[n].type = sohAttributeTypeClientId;
    out[n++].value = octets(client_id, sizeof client_id);
    out[n].type = sohAttributeTypeSoHGenerationTime;
    out[n++].value = time_value(0x01DA0000u, 0x12345678u);
    out[n].type = sohAttributeTypeVendorSpecific;
    out[n++].value = vendor(OTHER_VENDOR, vendor_other, sizeof vendor_other);
    out[n].type = sohAttributeTypeComplianceResultCodes;
    out[n++].value = codes(request_codes, 3);
    out[n].type = sohAttributeTypeErrorCodes;
    out[n++].value = codes(error_codes, 1);
    out[n].type = sohAttributeTypeFailureCategory;
    out[n++].value = byte_value(failureCategoryClientComponent);
    out[n].type = sohAttributeTypeExtendedIsolationState;
    out[n++].value = byte_value(extendedIsolationStateInfected);
    out[n].type = sohAttributeTypeIpv4FixupServers;
    out[n++].value = v4_value(v4_servers, 2);
    out[n].type = sohAttributeTypeIpv6FixupServers;
    out[n++].value = v6_value(v6_servers, 1);
    return n;
}
#define SHA_REQUEST_ATTRIBUTES 15

/* Checks that `soh` holds the system health id `id` and then `list`, each
 * with its wire size, copied (not pointing at the caller's data). */
static void check_soh(const SoH *soh, SystemHealthEntityId id, const Attribute *list, int n)
{
    int i;
    CHECK(soh != NULL);
    if (!soh)
        return;
    CHECK_EQ(soh->count, n + 1);
    CHECK(soh->attributes != NULL);
    if (soh->count != n + 1 || !soh->attributes)
        return;
    CHECK_EQ(soh->attributes[0].type, sohAttributeTypeSystemHealthId);
    CHECK_EQ(soh->attributes[0].size, 4);
    CHECK(soh->attributes[0].value != NULL);
    if (soh->attributes[0].value)
        CHECK_EQ(((const SoHAttributeValue *)soh->attributes[0].value)->idVal, id);
    for (i = 0; i < n; i++) {
        const SoHAttribute *a = &soh->attributes[i + 1];
        const SoHAttributeValue *v = (const SoHAttributeValue *)a->value;
        CHECK_EQ(a->type, list[i].type);
        CHECK_EQ(a->size, wire_size(list[i].type, &list[i].value));
        CHECK(v != NULL);
        if (!v)
            continue;
        if (!same_value(list[i].type, v, &list[i].value))
            fprintf(stderr, "soh_com.c: attribute %d (type %d) differs\n", i + 1, (int)list[i].type);
        CHECK(same_value(list[i].type, v, &list[i].value));
        if (embedded(list[i].type, &list[i].value) != NULL)
            CHECK(embedded(list[i].type, v) != embedded(list[i].type, &list[i].value));
    }
}

/* Initialize(id, isRequest) and every attribute of `list`, each S_OK. */
static void construct(INapSoHConstructor *c, SystemHealthEntityId id, BOOL isRequest, const Attribute *list, int n)
{
    int i;
    CHECK_EQ(INapSoHConstructor_Initialize(c, id, isRequest), S_OK);
    for (i = 0; i < n; i++) {
        HRESULT hr = INapSoHConstructor_AppendAttribute(c, list[i].type, &list[i].value);
        if (hr != S_OK)
            fprintf(stderr, "soh_com.c: AppendAttribute of attribute %d (type %d)\n", i + 1, (int)list[i].type);
        CHECK_EQ(hr, S_OK);
    }
}

/* A SoH built by a new constructor from `list`. */
static SoH *build(SystemHealthEntityId id, BOOL isRequest, const Attribute *list, int n)
{
    INapSoHConstructor *c = new_constructor();
    SoH *soh = (SoH *)SENTINEL;
    if (!c)
        return NULL;
    construct(c, id, isRequest, list, n);
    CHECK_EQ(INapSoHConstructor_GetSoH(c, &soh), S_OK);
    CHECK_EQ(INapSoHConstructor_Release(c), 0);
    return soh == SENTINEL ? NULL : soh;
}

#ifdef WITH_NAPUTIL_HEADER
/* What crosses the network: the SoH as bytes (naputil_soh_encode), and the
 * SoH the other side decodes from them. Frees `soh`. */
static SoH *transport(SoH *soh)
{
    NetworkSoH *bytes = (NetworkSoH *)SENTINEL;
    SoH *received = (SoH *)SENTINEL;
    if (!soh)
        return NULL;
    CHECK_EQ(naputil_soh_encode(soh, &bytes), S_OK);
    FreeSoH(soh);
    if (bytes == SENTINEL)
        return NULL;
    CHECK_EQ(naputil_soh_decode(bytes, &received), S_OK);
    FreeNetworkSoH(bytes);
    return received == SENTINEL ? NULL : received;
}
#else
/* In one process the SoH itself is handed over. */
static SoH *transport(SoH *soh)
{
    return soh;
}
#endif

/* ---- The SHA request and the SHV response ------------------------------------ */

/* The SHV's reading of a request, as the SDK's validators do it: the
 * processor, the attribute count, every vendor-specific attribute through
 * a FindNextAttribute loop, and then every attribute compared with what
 * the agent appended. Returns whether the agent reported itself patched. */
static int shv_read_request(const SoH *request, const Attribute *sent, int n)
{
    INapSoHProcessor *p = new_processor();
    SystemHealthEntityId id = 0;
    UINT16 count = 0, from, at, found = 0, i;
    int patched = 0;
    if (!p)
        return 0;
    CHECK_EQ(INapSoHProcessor_Initialize(p, request, TRUE, &id), S_OK);
    CHECK_EQ(id, EXAMPLE_SHA_ID);
    CHECK_EQ(INapSoHProcessor_GetNumberOfAttributes(p, &count), S_OK);
    CHECK_EQ(count, n + 1);

    for (from = 0;; from = (UINT16)(at + 1)) {
        SoHAttributeType type = sohAttributeTypeSystemHealthId;
        SoHAttributeValue *value = (SoHAttributeValue *)SENTINEL;
        HRESULT hr;
        at = 0xBEEF;
        hr = INapSoHProcessor_FindNextAttribute(p, from, sohAttributeTypeVendorSpecific, &at);
        if (hr != S_OK) {
            CHECK_EQ(hr, NOT_FOUND);
            CHECK_EQ(at, 0xBEEF);
            break;
        }
        CHECK(at >= from && at < count);
        if (at < from || at >= count)
            break;
        found++;
        CHECK_EQ(INapSoHProcessor_GetAttribute(p, at, &type, &value), S_OK);
        CHECK_EQ(type, sohAttributeTypeVendorSpecific);
        if (value == SENTINEL || value == NULL)
            continue;
        if (found == 1) {
            CHECK_EQ(at, 1);
            CHECK_EQ(value->vendorSpecificVal.vendorId, EXAMPLE_VENDOR);
            patched = value->vendorSpecificVal.size >= 9 &&
                      memcmp(value->vendorSpecificVal.vendorSpecificData, "patched=1", 9) == 0;
        } else {
            CHECK_EQ(at, 9);
            CHECK_EQ(value->vendorSpecificVal.vendorId, OTHER_VENDOR);
            CHECK_EQ(value->vendorSpecificVal.size, sizeof vendor_other);
        }
        FreeSoHAttributeValue(type, value);
    }
    CHECK_EQ(found, 2);

    for (i = 0; i < count && (int)i <= n; i++) {
        SoHAttributeType type = (SoHAttributeType)0;
        SoHAttributeValue *value = (SoHAttributeValue *)SENTINEL;
        CHECK_EQ(INapSoHProcessor_GetAttribute(p, i, &type, &value), S_OK);
        if (value == SENTINEL || value == NULL)
            continue;
        if (i == 0) {
            CHECK_EQ(type, sohAttributeTypeSystemHealthId);
            CHECK_EQ(value->idVal, EXAMPLE_SHA_ID);
        } else {
            CHECK_EQ(type, sent[i - 1].type);
            CHECK(same_value(type, value, &sent[i - 1].value));
        }
        FreeSoHAttributeValue(type, value);
    }
    CHECK_EQ(INapSoHProcessor_Release(p), 0);
    return patched;
}

/* The SHV's answer: compliance result codes, and for a client that is not
 * compliant the servers that fix it and the failure category. */
static SoH *shv_response(int patched)
{
    INapSoHConstructor *c = new_constructor();
    HRESULT result = patched ? S_OK : EXAMPLE_E_NOT_PATCHED;
    SoHAttributeValue v = codes(&result, 1);
    SoH *response = (SoH *)SENTINEL;
    if (!c)
        return NULL;
    CHECK_EQ(INapSoHConstructor_Initialize(c, EXAMPLE_SHA_ID, FALSE), S_OK);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeComplianceResultCodes, &v), S_OK);
    result = E_FAIL; /* the constructor kept its own copy */
    if (!patched) {
        v = v4_value(v4_servers, 2);
        CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeIpv4FixupServers, &v), S_OK);
        /* A response carries at most one list of IPv4 fix-up servers. */
        CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeIpv4FixupServers, &v), E_INVALIDARG);
        v = byte_value(failureCategoryClientComponent);
        CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeFailureCategory, &v), S_OK);
    } else {
        v = v6_value(v6_servers, 1);
        CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeIpv6FixupServers, &v), S_OK);
        CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeIpv6FixupServers, &v), E_INVALIDARG);
    }
    CHECK_EQ(INapSoHConstructor_GetSoH(c, &response), S_OK);
    if (response != SENTINEL)
        CHECK_EQ(INapSoHConstructor_Validate(c, response, FALSE), S_OK);
    CHECK_EQ(INapSoHConstructor_Release(c), 0);
    return response == SENTINEL ? NULL : response;
}

/* The agent reads the answer back; returns the first compliance code. */
static HRESULT sha_read_response(const SoH *response, int patched)
{
    INapSoHProcessor *p = new_processor();
    SystemHealthEntityId id = 0;
    UINT16 at = 0xBEEF, count = 0;
    SoHAttributeType type = (SoHAttributeType)0;
    SoHAttributeValue *value = (SoHAttributeValue *)SENTINEL;
    HRESULT first = E_FAIL;
    if (!p)
        return E_FAIL;
    CHECK_EQ(INapSoHProcessor_Initialize(p, response, FALSE, &id), S_OK);
    CHECK_EQ(id, EXAMPLE_SHA_ID);
    CHECK_EQ(INapSoHProcessor_GetNumberOfAttributes(p, &count), S_OK);
    CHECK_EQ(count, patched ? 3 : 4);
    CHECK_EQ(INapSoHProcessor_FindNextAttribute(p, 0, sohAttributeTypeComplianceResultCodes, &at), S_OK);
    CHECK_EQ(at, 1);
    CHECK_EQ(INapSoHProcessor_GetAttribute(p, at, &type, &value), S_OK);
    CHECK_EQ(type, sohAttributeTypeComplianceResultCodes);
    if (value != SENTINEL && value != NULL) {
        CHECK_EQ(value->codesVal.count, 1);
        if (value->codesVal.count == 1 && value->codesVal.results)
            first = value->codesVal.results[0];
        FreeSoHAttributeValue(type, value);
    }
    at = 0xBEEF;
    CHECK_EQ(INapSoHProcessor_FindNextAttribute(p, 2, sohAttributeTypeComplianceResultCodes, &at), NOT_FOUND);
    CHECK_EQ(at, 0xBEEF);
    value = (SoHAttributeValue *)SENTINEL;
    if (patched) {
        CHECK_EQ(INapSoHProcessor_FindNextAttribute(p, 0, sohAttributeTypeIpv6FixupServers, &at), S_OK);
        CHECK_EQ(at, 2);
        CHECK_EQ(INapSoHProcessor_GetAttribute(p, at, &type, &value), S_OK);
        CHECK_EQ(type, sohAttributeTypeIpv6FixupServers);
        if (value != SENTINEL && value != NULL) {
            SoHAttributeValue expected = v6_value(v6_servers, 1);
            CHECK(same_value(type, value, &expected));
            FreeSoHAttributeValue(type, value);
        }
        CHECK_EQ(INapSoHProcessor_FindNextAttribute(p, 0, sohAttributeTypeFailureCategory, &at), NOT_FOUND);
    } else {
        CHECK_EQ(INapSoHProcessor_FindNextAttribute(p, 0, sohAttributeTypeIpv4FixupServers, &at), S_OK);
        CHECK_EQ(at, 2);
        CHECK_EQ(INapSoHProcessor_GetAttribute(p, at, &type, &value), S_OK);
        CHECK_EQ(type, sohAttributeTypeIpv4FixupServers);
        if (value != SENTINEL && value != NULL) {
            SoHAttributeValue expected = v4_value(v4_servers, 2);
            CHECK(same_value(type, value, &expected));
            FreeSoHAttributeValue(type, value);
        }
        value = (SoHAttributeValue *)SENTINEL;
        CHECK_EQ(INapSoHProcessor_FindNextAttribute(p, 0, sohAttributeTypeFailureCategory, &at), S_OK);
        CHECK_EQ(at, 3);
        CHECK_EQ(INapSoHProcessor_GetAttribute(p, at, &type, &value), S_OK);
        CHECK_EQ(type, sohAttributeTypeFailureCategory);
        if (value != SENTINEL && value != NULL) {
            CHECK_EQ(value->uint8Val, failureCategoryClientComponent);
            FreeSoHAttributeValue(type, value);
        }
    }
    CHECK_EQ(INapSoHProcessor_Release(p), 0);
    return first;
}

static HRESULT exchange(int patched)
{
    Attribute list[SHA_REQUEST_ATTRIBUTES];
    int n = sha_request(list, patched);
    SoH *request, *response;
    HRESULT first;
    int judged_patched;
    CHECK_EQ(n, SHA_REQUEST_ATTRIBUTES);
    request = build(EXAMPLE_SHA_ID, TRUE, list, n);
    check_soh(request, EXAMPLE_SHA_ID, list, n);
    request = transport(request);
    check_soh(request, EXAMPLE_SHA_ID, list, n);
    if (!request)
        return E_FAIL;
    judged_patched = shv_read_request(request, list, n);
    CHECK_EQ(judged_patched, patched);
    FreeSoH(request);
    response = transport(shv_response(judged_patched));
    if (!response)
        return E_FAIL;
    first = sha_read_response(response, judged_patched);
    FreeSoH(response);
    return first;
}

static void scenario_sha_request_shv_response(void)
{
    unsigned long long blocks;
    com_init();
    blocks = task_blocks();
    CHECK_EQ(exchange(1), S_OK);
    CHECK_EQ(exchange(0), EXAMPLE_E_NOT_PATCHED);
    CHECK_EQ(task_blocks(), blocks);
    com_done();
}

/* GetSoH may be called again, and appending may go on after it; a second
 * Initialize starts a new packet. */
static void scenario_get_soh_again(void)
{
    Attribute list[SHA_REQUEST_ATTRIBUTES];
    int n = sha_request(list, 1);
    INapSoHConstructor *c;
    SoH *first = (SoH *)SENTINEL, *second = (SoH *)SENTINEL, *third = (SoH *)SENTINEL;
    SoH *fourth = (SoH *)SENTINEL;
    unsigned long long blocks;
    com_init();
    blocks = task_blocks();
    c = new_constructor();
    if (!c)
        return;
    construct(c, EXAMPLE_SHA_ID, TRUE, list, n - 1);
    CHECK_EQ(INapSoHConstructor_GetSoH(c, &first), S_OK);
    CHECK_EQ(INapSoHConstructor_GetSoH(c, &second), S_OK);
    CHECK(first != second);
    check_soh(first == SENTINEL ? NULL : first, EXAMPLE_SHA_ID, list, n - 1);
    check_soh(second == SENTINEL ? NULL : second, EXAMPLE_SHA_ID, list, n - 1);
    if (first != SENTINEL && second != SENTINEL && first && second) {
        CHECK(first->attributes != second->attributes);
        CHECK(first->attributes[1].value != second->attributes[1].value);
        CHECK_EQ(INapSoHConstructor_Validate(c, first, TRUE), S_OK);
    }
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, list[n - 1].type, &list[n - 1].value), S_OK);
    CHECK_EQ(INapSoHConstructor_GetSoH(c, &third), S_OK);
    check_soh(third == SENTINEL ? NULL : third, EXAMPLE_SHA_ID, list, n);

    CHECK_EQ(INapSoHConstructor_Initialize(c, 0x00ABCD02u, FALSE), S_OK);
    CHECK_EQ(INapSoHConstructor_GetSoH(c, &fourth), S_OK);
    check_soh(fourth == SENTINEL ? NULL : fourth, 0x00ABCD02u, list, 0);
    CHECK_EQ(INapSoHConstructor_Release(c), 0);
    if (first != SENTINEL)
        FreeSoH(first);
    if (second != SENTINEL)
        FreeSoH(second);
    if (third != SENTINEL)
        FreeSoH(third);
    if (fourth != SENTINEL)
        FreeSoH(fourth);
    CHECK_EQ(task_blocks(), blocks);
    com_done();
}

/* ---- COM creation ---------------------------------------------------------------- */

static void scenario_create_and_count_references(void)
{
    INapSoHConstructor *c, *c2 = (INapSoHConstructor *)SENTINEL;
    INapSoHProcessor *p, *p2 = (INapSoHProcessor *)SENTINEL;
    IUnknown *unknown = (IUnknown *)SENTINEL;
    void *other = SENTINEL;
    unsigned long long blocks;
    com_init();
    blocks = task_blocks();

    c = new_constructor();
    p = new_processor();
    if (!c || !p)
        return;
    CHECK((void *)c != (void *)p);
    CHECK_EQ(INapSoHConstructor_AddRef(c), 2);
    CHECK_EQ(INapSoHConstructor_AddRef(c), 3);
    CHECK_EQ(INapSoHConstructor_Release(c), 2);
    CHECK_EQ(INapSoHConstructor_Release(c), 1);
    CHECK_EQ(INapSoHProcessor_AddRef(p), 2);
    CHECK_EQ(INapSoHProcessor_Release(p), 1);

    /* QueryInterface: IUnknown and the object's own interface give the
     * same pointer and a reference; anything else nothing. */
    CHECK_EQ(INapSoHConstructor_QueryInterface(c, &IID_IUnknown, (void **)&unknown), S_OK);
    CHECK((void *)unknown == (void *)c);
    CHECK_EQ(constructor_refs(c), 2);
    CHECK_EQ(IUnknown_Release(unknown), 1);
    CHECK_EQ(INapSoHConstructor_QueryInterface(c, &IID_INapSoHConstructor, (void **)&c2), S_OK);
    CHECK(c2 == c);
    CHECK_EQ(INapSoHConstructor_Release(c2), 1);
    other = SENTINEL;
    CHECK_EQ(INapSoHConstructor_QueryInterface(c, &IID_INapSoHProcessor, &other), E_NOINTERFACE);
    CHECK(other == NULL);
    other = SENTINEL;
    CHECK_EQ(INapSoHConstructor_QueryInterface(c, &IID_IClassFactory, &other), E_NOINTERFACE);
    CHECK(other == NULL);
    other = SENTINEL;
    CHECK_EQ(INapSoHConstructor_QueryInterface(c, &IID_IMalloc, &other), E_NOINTERFACE);
    CHECK(other == NULL);
    other = SENTINEL;
    CHECK_EQ(INapSoHConstructor_QueryInterface(c, NULL, &other), E_INVALIDARG);
    CHECK(other == NULL);
    CHECK_EQ(INapSoHConstructor_QueryInterface(c, &IID_IUnknown, NULL), E_POINTER);
    CHECK_EQ(constructor_refs(c), 1);

    unknown = (IUnknown *)SENTINEL;
    CHECK_EQ(INapSoHProcessor_QueryInterface(p, &IID_IUnknown, (void **)&unknown), S_OK);
    CHECK((void *)unknown == (void *)p);
    CHECK_EQ(IUnknown_Release(unknown), 1);
    CHECK_EQ(INapSoHProcessor_QueryInterface(p, &IID_INapSoHProcessor, (void **)&p2), S_OK);
    CHECK(p2 == p);
    CHECK_EQ(processor_refs(p), 2);
    CHECK_EQ(INapSoHProcessor_Release(p2), 1);
    other = SENTINEL;
    CHECK_EQ(INapSoHProcessor_QueryInterface(p, &IID_INapSoHConstructor, &other), E_NOINTERFACE);
    CHECK(other == NULL);
    other = SENTINEL;
    CHECK_EQ(INapSoHProcessor_QueryInterface(p, NULL, &other), E_INVALIDARG);
    CHECK(other == NULL);
    CHECK_EQ(INapSoHProcessor_QueryInterface(p, &IID_INapSoHProcessor, NULL), E_POINTER);
    CHECK_EQ(processor_refs(p), 1);

    /* Two objects of a class are two objects. */
    c2 = new_constructor();
    CHECK(c2 != c);
    if (c2)
        CHECK_EQ(INapSoHConstructor_Release(c2), 0);

    CHECK_EQ(INapSoHConstructor_Release(c), 0);
    CHECK_EQ(INapSoHProcessor_Release(p), 0);

    /* Asked for IUnknown, then for the interface through it. */
    unknown = (IUnknown *)SENTINEL;
    CHECK_EQ(CoCreateInstance(&CLSID_NapSoHProcessor, NULL, CLSCTX_INPROC_SERVER, &IID_IUnknown, (void **)&unknown),
             S_OK);
    if (unknown != SENTINEL && unknown) {
        p2 = (INapSoHProcessor *)SENTINEL;
        CHECK_EQ(IUnknown_QueryInterface(unknown, &IID_INapSoHProcessor, (void **)&p2), S_OK);
        CHECK((void *)p2 == (void *)unknown);
        CHECK_EQ(IUnknown_Release(unknown), 1);
        if (p2 != SENTINEL)
            CHECK_EQ(INapSoHProcessor_Release(p2), 0);
    }
    CHECK_EQ(task_blocks(), blocks);
    com_done();
}

/* Every context that includes CLSCTX_INPROC_SERVER finds the classes. */
static void scenario_contexts(void)
{
    static const DWORD finds[] = { CLSCTX_INPROC_SERVER, CLSCTX_INPROC, CLSCTX_SERVER, CLSCTX_ALL,
                                   CLSCTX_INPROC_SERVER | CLSCTX_LOCAL_SERVER };
    static const DWORD misses[] = { 0, CLSCTX_INPROC_HANDLER, CLSCTX_LOCAL_SERVER, CLSCTX_REMOTE_SERVER,
                                    CLSCTX_LOCAL_SERVER | CLSCTX_REMOTE_SERVER };
    size_t i;
    com_init();
    for (i = 0; i < sizeof finds / sizeof finds[0]; i++) {
        void *object = SENTINEL;
        CHECK_EQ(CoCreateInstance(&CLSID_NapSoHConstructor, NULL, finds[i], &IID_INapSoHConstructor, &object), S_OK);
        if (object != SENTINEL && object)
            CHECK_EQ(INapSoHConstructor_Release((INapSoHConstructor *)object), 0);
        object = SENTINEL;
        CHECK_EQ(CoGetClassObject(&CLSID_NapSoHProcessor, finds[i], NULL, &IID_IClassFactory, &object), S_OK);
        CHECK(object != SENTINEL && object != NULL);
        if (object != SENTINEL && object)
            CHECK_EQ(IClassFactory_Release((IClassFactory *)object), 1);
    }
#ifndef _WIN32 /* ole32's answers there (E_UNEXPECTED for 0, ...) */
    for (i = 0; i < sizeof misses / sizeof misses[0]; i++) {
        void *object = SENTINEL;
        CHECK_EQ(CoCreateInstance(&CLSID_NapSoHConstructor, NULL, misses[i], &IID_INapSoHConstructor, &object),
                 REGDB_E_CLASSNOTREG);
        CHECK(object == NULL);
        object = SENTINEL;
        CHECK_EQ(CoGetClassObject(&CLSID_NapSoHProcessor, misses[i], NULL, &IID_IClassFactory, &object),
                 REGDB_E_CLASSNOTREG);
        CHECK(object == NULL);
    }
#else
    (void)misses;
#endif
    com_done();
}

/* Bad arguments to CoCreateInstance and CoGetClassObject, one at a time
 * and in pairs that show which check comes first. */
static void scenario_creation_bad_input(void)
{
    INapSoHConstructor *outer;
    void *object;
    unsigned long long blocks;
    com_init();
    blocks = task_blocks();
    outer = new_constructor();
    if (!outer)
        return;

#ifndef _WIN32 /* ole32's argument checks there */
    CHECK_EQ(CoCreateInstance(&CLSID_NapSoHConstructor, NULL, CLSCTX_INPROC_SERVER, &IID_INapSoHConstructor, NULL),
             E_POINTER);
    CHECK_EQ(CoCreateInstance(NULL, NULL, CLSCTX_INPROC_SERVER, NULL, NULL), E_POINTER);
    object = SENTINEL;
    CHECK_EQ(CoCreateInstance(NULL, NULL, CLSCTX_INPROC_SERVER, &IID_INapSoHConstructor, &object), E_INVALIDARG);
    CHECK(object == NULL);
    object = SENTINEL;
    CHECK_EQ(CoCreateInstance(&CLSID_NapSoHConstructor, NULL, CLSCTX_INPROC_SERVER, NULL, &object), E_INVALIDARG);
    CHECK(object == NULL);
    /* A class Windows has (Vista to 8.1) and this host does not. */
    object = SENTINEL;
    CHECK_EQ(CoCreateInstance(&CLSID_NapSystemHealthAgentBinding, NULL, CLSCTX_INPROC_SERVER, &IID_IUnknown,
                              &object),
             REGDB_E_CLASSNOTREG);
    CHECK(object == NULL);
#endif
    object = SENTINEL;
    CHECK_EQ(CoCreateInstance(&clsid_unknown, NULL, CLSCTX_INPROC_SERVER, &IID_IUnknown, &object),
             REGDB_E_CLASSNOTREG);
    CHECK(object == NULL);
    /* The interface ids are not class ids. */
    object = SENTINEL;
    CHECK_EQ(CoCreateInstance(&IID_INapSoHConstructor, NULL, CLSCTX_INPROC_SERVER, &IID_INapSoHConstructor,
                              &object),
             REGDB_E_CLASSNOTREG);
    CHECK(object == NULL);
    object = SENTINEL;
    CHECK_EQ(CoCreateInstance(&clsid_unknown, (IUnknown *)outer, CLSCTX_INPROC_SERVER, &IID_IUnknown, &object),
             REGDB_E_CLASSNOTREG);
    CHECK(object == NULL);
    object = SENTINEL;
    CHECK_EQ(CoCreateInstance(&CLSID_NapSoHConstructor, (IUnknown *)outer, CLSCTX_INPROC_SERVER, &IID_IUnknown,
                              &object),
             CLASS_E_NOAGGREGATION);
    CHECK(object == NULL);
    object = SENTINEL;
    CHECK_EQ(CoCreateInstance(&CLSID_NapSoHProcessor, (IUnknown *)outer, CLSCTX_INPROC_SERVER, &IID_IClassFactory,
                              &object),
             CLASS_E_NOAGGREGATION);
    CHECK(object == NULL);
    object = SENTINEL;
    CHECK_EQ(CoCreateInstance(&CLSID_NapSoHConstructor, NULL, CLSCTX_INPROC_SERVER, &IID_INapSoHProcessor, &object),
             E_NOINTERFACE);
    CHECK(object == NULL);
    object = SENTINEL;
    CHECK_EQ(CoCreateInstance(&CLSID_NapSoHProcessor, NULL, CLSCTX_INPROC_SERVER, &IID_IClassFactory, &object),
             E_NOINTERFACE);
    CHECK(object == NULL);
    object = SENTINEL;
    CHECK_EQ(CoCreateInstance(&CLSID_NapSoHProcessor, NULL, CLSCTX_INPROC_SERVER, &IID_IMalloc, &object),
             E_NOINTERFACE);
    CHECK(object == NULL);

#ifndef _WIN32 /* ole32's argument checks there */
    CHECK_EQ(CoGetClassObject(&CLSID_NapSoHConstructor, CLSCTX_INPROC_SERVER, NULL, &IID_IClassFactory, NULL),
             E_POINTER);
    object = SENTINEL;
    CHECK_EQ(CoGetClassObject(NULL, CLSCTX_INPROC_SERVER, NULL, &IID_IClassFactory, &object), E_INVALIDARG);
    CHECK(object == NULL);
    object = SENTINEL;
    CHECK_EQ(CoGetClassObject(&CLSID_NapSoHConstructor, CLSCTX_INPROC_SERVER, NULL, NULL, &object), E_INVALIDARG);
    CHECK(object == NULL);
#endif
    object = SENTINEL;
    CHECK_EQ(CoGetClassObject(&clsid_unknown, CLSCTX_INPROC_SERVER, NULL, &IID_IClassFactory, &object),
             REGDB_E_CLASSNOTREG);
    CHECK(object == NULL);
    object = SENTINEL;
    CHECK_EQ(CoGetClassObject(&CLSID_NapSoHConstructor, CLSCTX_INPROC_SERVER, NULL, &IID_INapSoHConstructor,
                              &object),
             E_NOINTERFACE);
    CHECK(object == NULL);
    object = SENTINEL;
    CHECK_EQ(CoGetClassObject(&CLSID_NapSoHProcessor, CLSCTX_INPROC_SERVER, NULL, &IID_IMalloc, &object),
             E_NOINTERFACE);
    CHECK(object == NULL);

    CHECK_EQ(constructor_refs(outer), 1);
    CHECK_EQ(INapSoHConstructor_Release(outer), 0);
    CHECK_EQ(task_blocks(), blocks);
    com_done();
}

/* ---- Threads and apartments ------------------------------------------------------ */

/* A thread, in the host's own API. */
typedef struct Thread {
    void (*run)(void *);
    void *arg;
#ifdef _WIN32
    HANDLE handle;
#else
    pthread_t handle;
#endif
} Thread;

#ifdef _WIN32
static DWORD WINAPI thread_main(LPVOID p)
{
    Thread *t = (Thread *)p;
    t->run(t->arg);
    return 0;
}
static int thread_start(Thread *t)
{
    t->handle = CreateThread(NULL, 0, thread_main, t, 0, NULL);
    return t->handle != NULL;
}
static void thread_join(Thread *t)
{
    WaitForSingleObject(t->handle, INFINITE);
    CloseHandle(t->handle);
}
#else
static void *thread_main(void *p)
{
    Thread *t = (Thread *)p;
    t->run(t->arg);
    return NULL;
}
static int thread_start(Thread *t)
{
    return pthread_create(&t->handle, NULL, thread_main, t) == 0;
}
static void thread_join(Thread *t)
{
    pthread_join(t->handle, NULL);
}
#endif

#ifndef _WIN32 /* the apartment rules are ole32's on Windows */
/* A one-shot signal. */
typedef struct Signal {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int set;
} Signal;

static void signal_init(Signal *s)
{
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    s->set = 0;
}
static void signal_set(Signal *s)
{
    pthread_mutex_lock(&s->lock);
    s->set = 1;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
}
static void signal_wait(Signal *s)
{
    pthread_mutex_lock(&s->lock);
    while (!s->set)
        pthread_cond_wait(&s->cond, &s->lock);
    pthread_mutex_unlock(&s->lock);
}
static void signal_destroy(Signal *s)
{
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->lock);
}

/* A thread that enters an apartment, says so, and leaves it when told. */
typedef struct ApartmentThread {
    Thread thread;
    DWORD model;
    HRESULT entered;
    Signal in, leave;
} ApartmentThread;

static void apartment_thread(void *arg)
{
    ApartmentThread *a = (ApartmentThread *)arg;
    a->entered = CoInitializeEx(NULL, a->model);
    signal_set(&a->in);
    signal_wait(&a->leave);
    if (SUCCEEDED(a->entered))
        CoUninitialize();
}

static int apartment_enter(ApartmentThread *a, DWORD model)
{
    a->model = model;
    a->entered = E_FAIL;
    a->thread.run = apartment_thread;
    a->thread.arg = a;
    signal_init(&a->in);
    signal_init(&a->leave);
    if (!thread_start(&a->thread)) {
        CHECK(!"thread started");
        return 0;
    }
    signal_wait(&a->in);
    CHECK_EQ(a->entered, S_OK);
    return 1;
}

static void apartment_leave(ApartmentThread *a)
{
    signal_set(&a->leave);
    thread_join(&a->thread);
    signal_destroy(&a->in);
    signal_destroy(&a->leave);
}

/* What CoCreateInstance and CoGetClassObject of a constructor answer. */
static HRESULT try_create(void)
{
    void *object = SENTINEL;
    HRESULT hr = CoCreateInstance(&CLSID_NapSoHConstructor, NULL, CLSCTX_INPROC_SERVER, &IID_INapSoHConstructor,
                                  &object);
    if (SUCCEEDED(hr)) {
        CHECK(object != SENTINEL && object != NULL);
        if (object != SENTINEL && object)
            CHECK_EQ(INapSoHConstructor_Release((INapSoHConstructor *)object), 0);
    } else {
        CHECK(object == NULL);
    }
    return hr;
}

static HRESULT try_get_class_object(void)
{
    void *object = SENTINEL;
    HRESULT hr = CoGetClassObject(&CLSID_NapSoHProcessor, CLSCTX_INPROC_SERVER, NULL, &IID_IClassFactory, &object);
    if (FAILED(hr))
        CHECK(object == NULL);
    return hr;
}

static void scenario_apartments(void)
{
    ApartmentThread a;
    void *object = SENTINEL;

    /* Before any CoInitialize(Ex). The argument checks come first. */
    CHECK_EQ(try_create(), CO_E_NOTINITIALIZED);
    CHECK_EQ(try_get_class_object(), CO_E_NOTINITIALIZED);
    CHECK_EQ(CoCreateInstance(&CLSID_NapSoHConstructor, NULL, CLSCTX_INPROC_SERVER, &IID_IUnknown, NULL),
             E_POINTER);
    CHECK_EQ(CoCreateInstance(NULL, NULL, CLSCTX_INPROC_SERVER, &IID_IUnknown, &object), E_INVALIDARG);
    CHECK(object == NULL);
    object = SENTINEL;
    CHECK_EQ(CoCreateInstance(&clsid_unknown, NULL, CLSCTX_INPROC_SERVER, &IID_IUnknown, &object),
             CO_E_NOTINITIALIZED);
    CHECK(object == NULL);
    object = SENTINEL;
    CHECK_EQ(CoGetClassObject(&clsid_unknown, CLSCTX_INPROC_SERVER, NULL, &IID_IClassFactory, &object),
             CO_E_NOTINITIALIZED);
    CHECK(object == NULL);

    /* Bad CoInitializeEx arguments are not counted. */
    CHECK_EQ(CoInitializeEx((LPVOID)(uintptr_t)1, COINIT_MULTITHREADED), E_INVALIDARG);
    CHECK_EQ(CoInitialize((LPVOID)(uintptr_t)1), E_INVALIDARG);
    CHECK_EQ(CoInitializeEx(NULL, 0x1), E_INVALIDARG);
    CHECK_EQ(CoInitializeEx(NULL, 0x10), E_INVALIDARG);
    CHECK_EQ(CoInitializeEx(NULL, 0x80000000u), E_INVALIDARG);
    CHECK_EQ(try_create(), CO_E_NOTINITIALIZED);

    /* Single-threaded apartment: CoInitialize is CoInitializeEx with
     * COINIT_APARTMENTTHREADED; again with the same model is S_FALSE and
     * counted; the other model is refused and not counted. */
    CHECK_EQ(CoInitializeEx(NULL, COINIT_APARTMENTTHREADED | COINIT_DISABLE_OLE1DDE | COINIT_SPEED_OVER_MEMORY),
             S_OK);
    CHECK_EQ(try_create(), S_OK);
    CHECK_EQ(try_get_class_object(), S_OK);
    CHECK_EQ(CoInitialize(NULL), S_FALSE);
    CHECK_EQ(CoInitializeEx(NULL, COINIT_APARTMENTTHREADED), S_FALSE);
    CHECK_EQ(CoInitializeEx(NULL, COINIT_MULTITHREADED), RPC_E_CHANGED_MODE);
    CHECK_EQ(CoInitializeEx(NULL, COINIT_MULTITHREADED | COINIT_DISABLE_OLE1DDE), RPC_E_CHANGED_MODE);
    CoUninitialize();
    CoUninitialize();
    CHECK_EQ(try_create(), S_OK);
    CoUninitialize();
    CHECK_EQ(try_create(), CO_E_NOTINITIALIZED);
    CoUninitialize(); /* one too many: does nothing */
    CHECK_EQ(try_create(), CO_E_NOTINITIALIZED);

    /* Multithreaded apartment, after the thread left the other one. */
    CHECK_EQ(CoInitializeEx(NULL, COINIT_MULTITHREADED), S_OK);
    CHECK_EQ(CoInitializeEx(NULL, COINIT_SPEED_OVER_MEMORY), S_FALSE);
    CHECK_EQ(CoInitialize(NULL), RPC_E_CHANGED_MODE);
    CHECK_EQ(CoInitializeEx(NULL, COINIT_APARTMENTTHREADED), RPC_E_CHANGED_MODE);
    CHECK_EQ(try_create(), S_OK);
    CoUninitialize();
    CHECK_EQ(try_create(), S_OK);
    CoUninitialize();
    CHECK_EQ(try_create(), CO_E_NOTINITIALIZED);

    /* Another thread in the multithreaded apartment: this thread, never
     * initialised, belongs to it implicitly. */
    if (apartment_enter(&a, COINIT_MULTITHREADED)) {
        CHECK_EQ(try_create(), S_OK);
        CHECK_EQ(try_get_class_object(), S_OK);
        apartment_leave(&a);
        CHECK_EQ(try_create(), CO_E_NOTINITIALIZED);
    }
    /* Another thread in a single-threaded apartment of its own: no help. */
    if (apartment_enter(&a, COINIT_APARTMENTTHREADED)) {
        CHECK_EQ(try_create(), CO_E_NOTINITIALIZED);
        CHECK_EQ(try_get_class_object(), CO_E_NOTINITIALIZED);
        apartment_leave(&a);
    }
    /* This thread's apartment model does not bind other threads. */
    CHECK_EQ(CoInitialize(NULL), S_OK);
    if (apartment_enter(&a, COINIT_MULTITHREADED))
        apartment_leave(&a);
    CHECK_EQ(try_create(), S_OK);
    CoUninitialize();
}
#endif /* !_WIN32 */

/* ---- IClassFactory ------------------------------------------------------------------ */

static void scenario_class_factory(void)
{
    IClassFactory *f = (IClassFactory *)SENTINEL, *f2 = (IClassFactory *)SENTINEL;
    IClassFactory *pf = (IClassFactory *)SENTINEL, *via = (IClassFactory *)SENTINEL;
    IUnknown *unknown = (IUnknown *)SENTINEL;
    INapSoHConstructor *c = (INapSoHConstructor *)SENTINEL;
    INapSoHProcessor *p = (INapSoHProcessor *)SENTINEL;
    SoH *soh = (SoH *)SENTINEL;
    void *object;
    unsigned long long blocks;
    com_init();
    blocks = task_blocks();

    CHECK_EQ(CoGetClassObject(&CLSID_NapSoHConstructor, CLSCTX_INPROC_SERVER, NULL, &IID_IClassFactory,
                              (void **)&f),
             S_OK);
    CHECK_EQ(CoGetClassObject(&CLSID_NapSoHConstructor, CLSCTX_INPROC_SERVER, NULL, &IID_IClassFactory,
                              (void **)&f2),
             S_OK);
    CHECK_EQ(CoGetClassObject(&CLSID_NapSoHProcessor, CLSCTX_INPROC_SERVER, NULL, &IID_IClassFactory,
                              (void **)&pf),
             S_OK);
    if (f == SENTINEL || f2 == SENTINEL || pf == SENTINEL || !f || !pf)
        return;
    /* One static factory per class; its count never moves. */
    CHECK(f == f2);
    CHECK(f != pf);
    CHECK_EQ(IClassFactory_AddRef(f), 2);
    CHECK_EQ(IClassFactory_AddRef(f), 2);
    CHECK_EQ(IClassFactory_Release(f), 1);
    CHECK_EQ(IClassFactory_Release(f), 1);
    CHECK_EQ(IClassFactory_Release(f), 1);
    CHECK_EQ(IClassFactory_Release(f), 1);

    CHECK_EQ(IClassFactory_QueryInterface(f, &IID_IUnknown, (void **)&unknown), S_OK);
    CHECK((void *)unknown == (void *)f);
    CHECK_EQ(IClassFactory_QueryInterface(f, &IID_IClassFactory, (void **)&via), S_OK);
    CHECK(via == f);
    object = SENTINEL;
    CHECK_EQ(IClassFactory_QueryInterface(f, &IID_INapSoHConstructor, &object), E_NOINTERFACE);
    CHECK(object == NULL);
    object = SENTINEL;
    CHECK_EQ(IClassFactory_QueryInterface(f, NULL, &object), E_INVALIDARG);
    CHECK(object == NULL);
    CHECK_EQ(IClassFactory_QueryInterface(f, &IID_IUnknown, NULL), E_POINTER);
    if (unknown != SENTINEL && unknown)
        CHECK_EQ(IUnknown_Release(unknown), 1);
    if (via != SENTINEL && via)
        CHECK_EQ(IClassFactory_Release(via), 1);

    /* CreateInstance makes objects of the factory's class. */
    CHECK_EQ(IClassFactory_CreateInstance(f, NULL, &IID_INapSoHConstructor, (void **)&c), S_OK);
    if (c != SENTINEL && c) {
        CHECK_EQ(INapSoHConstructor_Initialize(c, EXAMPLE_SHA_ID, TRUE), S_OK);
        CHECK_EQ(INapSoHConstructor_GetSoH(c, &soh), S_OK);
        check_soh(soh == SENTINEL ? NULL : soh, EXAMPLE_SHA_ID, NULL, 0);
        CHECK_EQ(constructor_refs(c), 1);
        CHECK_EQ(INapSoHConstructor_Release(c), 0);
    }
    if (soh != SENTINEL)
        FreeSoH(soh);
    CHECK_EQ(IClassFactory_CreateInstance(pf, NULL, &IID_INapSoHProcessor, (void **)&p), S_OK);
    if (p != SENTINEL && p) {
        UINT16 n = 0xBEEF;
        CHECK_EQ(INapSoHProcessor_GetNumberOfAttributes(p, &n), NAP_E_NOT_INITIALIZED);
        CHECK_EQ(INapSoHProcessor_Release(p), 0);
    }
    unknown = (IUnknown *)SENTINEL;
    CHECK_EQ(IClassFactory_CreateInstance(pf, NULL, &IID_IUnknown, (void **)&unknown), S_OK);
    if (unknown != SENTINEL && unknown)
        CHECK_EQ(IUnknown_Release(unknown), 0);

    object = SENTINEL;
    CHECK_EQ(IClassFactory_CreateInstance(f, NULL, &IID_INapSoHProcessor, &object), E_NOINTERFACE);
    CHECK(object == NULL);
    object = SENTINEL;
    CHECK_EQ(IClassFactory_CreateInstance(pf, NULL, &IID_IClassFactory, &object), E_NOINTERFACE);
    CHECK(object == NULL);
    object = SENTINEL;
    CHECK_EQ(IClassFactory_CreateInstance(f, (IUnknown *)pf, &IID_IUnknown, &object), CLASS_E_NOAGGREGATION);
    CHECK(object == NULL);
    object = SENTINEL;
    CHECK_EQ(IClassFactory_CreateInstance(f, (IUnknown *)pf, &IID_INapSoHProcessor, &object),
             CLASS_E_NOAGGREGATION);
    CHECK(object == NULL);
    object = SENTINEL;
    CHECK_EQ(IClassFactory_CreateInstance(f, NULL, NULL, &object), E_INVALIDARG);
    CHECK(object == NULL);
    CHECK_EQ(IClassFactory_CreateInstance(f, NULL, &IID_INapSoHConstructor, NULL), E_POINTER);
    CHECK_EQ(IClassFactory_LockServer(f, TRUE), S_OK);
    CHECK_EQ(IClassFactory_LockServer(f, FALSE), S_OK);

    /* Asked for as IUnknown, the factory still is one. */
    unknown = (IUnknown *)SENTINEL;
    CHECK_EQ(CoGetClassObject(&CLSID_NapSoHProcessor, CLSCTX_INPROC_SERVER, NULL, &IID_IUnknown, (void **)&unknown),
             S_OK);
    CHECK((void *)unknown == (void *)pf);
    if (unknown != SENTINEL && unknown)
        CHECK_EQ(IUnknown_Release(unknown), 1);

    /* A factory in hand goes on working outside any apartment. */
    com_done();
    c = (INapSoHConstructor *)SENTINEL;
#ifndef _WIN32 /* ole32's answer there */
    CHECK_EQ(try_create(), CO_E_NOTINITIALIZED);
#endif
    CHECK_EQ(IClassFactory_CreateInstance(f, NULL, &IID_INapSoHConstructor, (void **)&c), S_OK);
    if (c != SENTINEL && c)
        CHECK_EQ(INapSoHConstructor_Release(c), 0);
    CHECK_EQ(IClassFactory_Release(f), 1);
    CHECK_EQ(IClassFactory_Release(pf), 1);
    CHECK_EQ(task_blocks(), blocks);
}

/* ---- INapSoHConstructor: bad input ----------------------------------------------------- */

/* The SoH the constructor holds now (GetSoH), or NULL. */
static SoH *current(INapSoHConstructor *c)
{
    SoH *soh = (SoH *)SENTINEL;
    CHECK_EQ(INapSoHConstructor_GetSoH(c, &soh), S_OK);
    return soh == SENTINEL ? NULL : soh;
}

static void check_count(INapSoHConstructor *c, UINT16 expected)
{
    SoH *soh = current(c);
    CHECK(soh != NULL);
    if (soh) {
        CHECK_EQ(soh->count, expected);
        FreeSoH(soh);
    }
}

static void scenario_constructor_bad_input(void)
{
    static HRESULT many_codes[maxDwordCountPerSoHAttribute + 1];
    static Ipv4Address many_v4[maxIpv4CountPerSoHAttribute + 1];
    static Ipv6Address many_v6[maxIpv6CountPerSoHAttribute + 1];
    static BYTE big[maxSoHAttributeSize + 1];
    static const UINT32 bad_types[] = { 0, 1, 17, 18, 255, 0xFFFF, 0x10002, 0xFFFFFFFFu };
    INapSoHConstructor *c;
    SoHAttributeValue v;
    SoH *soh = (SoH *)SENTINEL;
    unsigned long long blocks, with_object;
    size_t i;
    com_init();
    blocks = task_blocks();
    c = new_constructor();
    if (!c)
        return;
    with_object = task_blocks();

    /* Before Initialize. A NULL pointer is refused first. */
    v = byte_value(1);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeHealthClass, &v), NAP_E_NOT_INITIALIZED);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeHealthClass, NULL), E_POINTER);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeSystemHealthId, &v), NAP_E_NOT_INITIALIZED);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, (SoHAttributeType)0x99, &v), NAP_E_NOT_INITIALIZED);
    CHECK_EQ(INapSoHConstructor_GetSoH(c, &soh), NAP_E_NOT_INITIALIZED);
    CHECK(soh == SENTINEL);
    CHECK_EQ(INapSoHConstructor_GetSoH(c, NULL), E_POINTER);
    CHECK_EQ(INapSoHConstructor_Validate(c, NULL, TRUE), E_POINTER);
    CHECK_EQ(task_blocks(), with_object);

    CHECK_EQ(INapSoHConstructor_Initialize(c, EXAMPLE_SHA_ID, TRUE), S_OK);
    CHECK_EQ(INapSoHConstructor_GetSoH(c, NULL), E_POINTER);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeVendorSpecific, NULL), E_POINTER);

    /* The system health id is Initialize's; numbers that are not a
     * SoHAttributeType are refused. */
    memset(&v, 0, sizeof v);
    v.idVal = 7;
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeSystemHealthId, &v), E_INVALIDARG);
    for (i = 0; i < sizeof bad_types / sizeof bad_types[0]; i++) {
        HRESULT hr = INapSoHConstructor_AppendAttribute(c, (SoHAttributeType)bad_types[i], &v);
        if (hr != E_INVALIDARG)
            fprintf(stderr, "soh_com.c: AppendAttribute of type %lu\n", (unsigned long)bad_types[i]);
        CHECK_EQ(hr, E_INVALIDARG);
    }

    /* Values over their limits, and NULL data with a non-zero size. */
    v = codes(many_codes, maxDwordCountPerSoHAttribute + 1);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeComplianceResultCodes, &v), E_INVALIDARG);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeErrorCodes, &v), E_INVALIDARG);
    v = v4_value(many_v4, maxIpv4CountPerSoHAttribute + 1);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeIpv4FixupServers, &v), E_INVALIDARG);
    v = v6_value(many_v6, maxIpv6CountPerSoHAttribute + 1);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeIpv6FixupServers, &v), E_INVALIDARG);
    v = octets(big, maxSoHAttributeSize + 1);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeProductName, &v), E_INVALIDARG);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeClientId, &v), E_INVALIDARG);
    v = vendor(EXAMPLE_VENDOR, big, maxSoHAttributeSize - 3);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeVendorSpecific, &v), E_INVALIDARG);
    v = codes(NULL, 1);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeComplianceResultCodes, &v), E_INVALIDARG);
    v = v4_value(NULL, 1);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeIpv4FixupServers, &v), E_INVALIDARG);
    v = v6_value(NULL, 1);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeIpv6FixupServers, &v), E_INVALIDARG);
    v = octets(NULL, 1);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeSoftwareVersion, &v), E_INVALIDARG);
    v = vendor(EXAMPLE_VENDOR, NULL, 1);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeVendorSpecific, &v), E_INVALIDARG);
    check_count(c, 1); /* nothing was appended */
    CHECK_EQ(task_blocks(), with_object);

    /* Empty values are values: NULL with size or count 0. */
    v = octets(NULL, 0);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeProductName, &v), S_OK);
    v = vendor(EXAMPLE_VENDOR, NULL, 0);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeVendorSpecific, &v), S_OK);
    v = codes(NULL, 0);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeErrorCodes, &v), S_OK);
    soh = current(c);
    if (soh) {
        CHECK_EQ(soh->count, 4);
        if (soh->count == 4) {
            CHECK_EQ(soh->attributes[1].size, 0);
            CHECK_EQ(soh->attributes[2].size, 4);
            CHECK_EQ(soh->attributes[3].size, 0);
            CHECK_EQ(((SoHAttributeValue *)soh->attributes[2].value)->vendorSpecificVal.size, 0);
            CHECK_EQ(((SoHAttributeValue *)soh->attributes[2].value)->vendorSpecificVal.vendorId, EXAMPLE_VENDOR);
        }
        CHECK_EQ(INapSoHConstructor_Validate(c, soh, TRUE), S_OK);
        FreeSoH(soh);
    }

    /* Any byte is a value for the one-byte types, and address lists may
     * be empty; the id may be 0. */
    CHECK_EQ(INapSoHConstructor_Initialize(c, 0, TRUE), S_OK);
    v = byte_value(0xFF);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeHealthClass, &v), S_OK);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeFailureCategory, &v), S_OK);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeExtendedIsolationState, &v), S_OK);
    v = v4_value(NULL, 0);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeIpv4FixupServers, &v), S_OK);
    v = v6_value(NULL, 0);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeIpv6FixupServers, &v), S_OK);
    v = time_value(0xFFFFFFFFu, 0xFFFFFFFFu);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeSoHGenerationTime, &v), S_OK);
    soh = current(c);
    if (soh) {
        CHECK_EQ(soh->count, 7);
        if (soh->count == 7) {
            CHECK_EQ(((SoHAttributeValue *)soh->attributes[0].value)->idVal, 0);
            CHECK_EQ(((SoHAttributeValue *)soh->attributes[1].value)->uint8Val, 0xFF);
            CHECK_EQ(((SoHAttributeValue *)soh->attributes[2].value)->uint8Val, 0xFF);
            CHECK_EQ(((SoHAttributeValue *)soh->attributes[3].value)->uint8Val, 0xFF);
            CHECK_EQ(soh->attributes[4].size, 0);
            CHECK_EQ(((SoHAttributeValue *)soh->attributes[4].value)->v4AddressesVal.count, 0);
            CHECK_EQ(soh->attributes[5].size, 0);
            CHECK_EQ(((SoHAttributeValue *)soh->attributes[5].value)->v6AddressesVal.count, 0);
            CHECK_EQ(((SoHAttributeValue *)soh->attributes[6].value)->dateTimeVal.dwHighDateTime, 0xFFFFFFFFu);
        }
        CHECK_EQ(INapSoHConstructor_Validate(c, soh, FALSE), S_OK);
        FreeSoH(soh);
    }

    /* The largest values that fit: the whole attribute list (4 bytes of
     * type and length per attribute, then the value) may be
     * maxNetworkSoHSize bytes; the system health id takes 8. */
    CHECK_EQ(INapSoHConstructor_Initialize(c, EXAMPLE_SHA_ID, TRUE), S_OK);
    v = codes(many_codes, (maxNetworkSoHSize - 8 - 4) / 4);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeComplianceResultCodes, &v), S_OK);
    check_count(c, 2);
    CHECK_EQ(INapSoHConstructor_Initialize(c, EXAMPLE_SHA_ID, TRUE), S_OK);
    v = codes(many_codes, (maxNetworkSoHSize - 8 - 4) / 4 + 1);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeComplianceResultCodes, &v), E_INVALIDARG);
    v = v6_value(many_v6, maxIpv6CountPerSoHAttribute - 1);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeIpv6FixupServers, &v), S_OK);
    check_count(c, 2);
    CHECK_EQ(INapSoHConstructor_Initialize(c, EXAMPLE_SHA_ID, TRUE), S_OK);
    v = octets(big, maxNetworkSoHSize - 8 - 4);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeHealthClassStatus, &v), S_OK);
    v = byte_value(1);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeHealthClass, &v), E_INVALIDARG);
    v = octets(NULL, 0);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeClientId, &v), E_INVALIDARG);
    soh = current(c);
    if (soh) {
        CHECK_EQ(soh->count, 2);
        if (soh->count == 2)
            CHECK_EQ(soh->attributes[1].size, maxNetworkSoHSize - 12);
        CHECK_EQ(INapSoHConstructor_Validate(c, soh, TRUE), S_OK);
        FreeSoH(soh);
    }

    /* At most maxSoHAttributeCount attributes, the id included. */
    CHECK_EQ(INapSoHConstructor_Initialize(c, EXAMPLE_SHA_ID, TRUE), S_OK);
    for (i = 1; i < maxSoHAttributeCount; i++) {
        v = byte_value((UINT8)i);
        CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeHealthClass, &v), S_OK);
    }
    v = byte_value(0);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeHealthClass, &v), E_INVALIDARG);
    soh = current(c);
    if (soh) {
        CHECK_EQ(soh->count, maxSoHAttributeCount);
        if (soh->count == maxSoHAttributeCount)
            CHECK_EQ(((SoHAttributeValue *)soh->attributes[maxSoHAttributeCount - 1].value)->uint8Val,
                     maxSoHAttributeCount - 1);
        FreeSoH(soh);
    }

    /* In a response, one list of fix-up servers per address family; in a
     * request, as many as fit. */
    CHECK_EQ(INapSoHConstructor_Initialize(c, EXAMPLE_SHA_ID, FALSE), S_OK);
    v = v4_value(v4_servers, 1);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeIpv4FixupServers, &v), S_OK);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeIpv4FixupServers, &v), E_INVALIDARG);
    v = v6_value(v6_servers, 1);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeIpv6FixupServers, &v), S_OK);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeIpv6FixupServers, &v), E_INVALIDARG);
    v = v4_value(NULL, 0);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeIpv4FixupServers, &v), E_INVALIDARG);
    check_count(c, 3);
    /* A new packet forgets them. */
    CHECK_EQ(INapSoHConstructor_Initialize(c, EXAMPLE_SHA_ID, FALSE), S_OK);
    v = v4_value(v4_servers, 2);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeIpv4FixupServers, &v), S_OK);
    check_count(c, 2);
    CHECK_EQ(INapSoHConstructor_Initialize(c, EXAMPLE_SHA_ID, TRUE), S_OK);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeIpv4FixupServers, &v), S_OK);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeIpv4FixupServers, &v), S_OK);
    v = v6_value(v6_servers, 1);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeIpv6FixupServers, &v), S_OK);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeIpv6FixupServers, &v), S_OK);
    check_count(c, 5);

    CHECK_EQ(INapSoHConstructor_Release(c), 0);
    CHECK_EQ(task_blocks(), blocks);
    com_done();
}

/* ---- Validate, and the processor's Initialize, on invalid SoHs ------------------------ */

/* A hand-made SoH: `count` attributes of storage, the first the system
 * health id. */
typedef struct HandSoH {
    SoH soh;
    SoHAttribute attributes[maxSoHAttributeCount + 1];
    SoHAttributeValue values[maxSoHAttributeCount + 1];
} HandSoH;

static void hand_start(HandSoH *h, SystemHealthEntityId id)
{
    memset(h, 0, sizeof *h);
    h->soh.attributes = h->attributes;
    h->values[0].idVal = id;
    h->attributes[0].type = sohAttributeTypeSystemHealthId;
    h->attributes[0].size = 4;
    h->attributes[0].value = (BYTE *)&h->values[0];
    h->soh.count = 1;
}

static void hand_add(HandSoH *h, SoHAttributeType type, SoHAttributeValue v)
{
    UINT16 at = h->soh.count++;
    h->values[at] = v;
    h->attributes[at].type = (UINT16)type;
    h->attributes[at].size = wire_size(type, &v);
    h->attributes[at].value = (BYTE *)&h->values[at];
}

/* Validate of `soh` (request and response) must give the two results;
 * an invalid one must leave a processor as it was. */
static void check_validate(INapSoHConstructor *c, INapSoHProcessor *p, INapSoHProcessor *taker, const SoH *soh,
                           HRESULT as_request, HRESULT as_response, const char *what)
{
    HRESULT r = INapSoHConstructor_Validate(c, soh, TRUE);
    HRESULT s = INapSoHConstructor_Validate(c, soh, FALSE);
    BOOL kind;
    if (r != as_request || s != as_response)
        fprintf(stderr, "soh_com.c: Validate of %s: 0x%08lx, 0x%08lx\n", what, (unsigned long)(DWORD)r, (unsigned long)(DWORD)s);
    CHECK_EQ(r, as_request);
    CHECK_EQ(s, as_response);
    if (as_request != S_OK || as_response != S_OK) {
        SystemHealthEntityId id = 0;
        UINT16 count = 0;
        HRESULT hr = INapSoHProcessor_Initialize(p, soh, as_request != S_OK, &id);
        if (hr != NAP_E_INVALID_PACKET)
            fprintf(stderr, "soh_com.c: processor Initialize of %s: 0x%08lx\n", what, (unsigned long)(DWORD)hr);
        CHECK_EQ(hr, NAP_E_INVALID_PACKET);
        /* The processor keeps the SoH it had (three attributes). */
        CHECK_EQ(INapSoHProcessor_GetNumberOfAttributes(p, &count), S_OK);
        CHECK_EQ(count, 3);
    }
    /* What is valid, a processor takes. */
    for (kind = FALSE; kind <= TRUE; kind++) {
        SystemHealthEntityId id = 0;
        UINT16 count = 0;
        if ((kind ? as_request : as_response) != S_OK)
            continue;
        CHECK_EQ(INapSoHProcessor_Initialize(taker, soh, kind, &id), S_OK);
        CHECK_EQ(id, ((const SoHAttributeValue *)soh->attributes[0].value)->idVal);
        CHECK_EQ(INapSoHProcessor_GetNumberOfAttributes(taker, &count), S_OK);
        CHECK_EQ(count, soh->count);
    }
}

static void scenario_validate(void)
{
    static HandSoH h;
    static HRESULT many_codes[maxDwordCountPerSoHAttribute + 1];
    static BYTE big[maxSoHAttributeSize + 1];
    static BYTE raw[3] = { 1, 2, 3 };
    INapSoHConstructor *c;
    INapSoHProcessor *p, *fresh, *taker;
    SystemHealthEntityId id = 0;
    SoH empty;
    UINT16 count = 0xBEEF;
    unsigned long long blocks;
    int i;
    com_init();
    blocks = task_blocks();
    c = new_constructor();
    p = new_processor();
    fresh = new_processor();
    taker = new_processor();
    if (!c || !p || !fresh || !taker)
        return;

    /* Validate does not need Initialize. */
    hand_start(&h, EXAMPLE_SHA_ID);
    check_validate(c, p, taker, &h.soh, S_OK, S_OK, "the id alone");
    hand_add(&h, sohAttributeTypeHealthClass, byte_value(healthClassFirewall));
    hand_add(&h, sohAttributeTypeComplianceResultCodes, codes(request_codes, 3));
    CHECK_EQ(INapSoHProcessor_Initialize(p, &h.soh, TRUE, &id), S_OK);
    CHECK_EQ(id, EXAMPLE_SHA_ID);

    /* The processor's Initialize refuses NULL pointers first. */
    CHECK_EQ(INapSoHProcessor_Initialize(p, NULL, TRUE, &id), E_POINTER);
    CHECK_EQ(INapSoHProcessor_Initialize(p, &h.soh, TRUE, NULL), E_POINTER);
    CHECK_EQ(INapSoHProcessor_Initialize(fresh, NULL, FALSE, NULL), E_POINTER);

    /* A count beyond the attributes there are is refused before they are
     * read (the array is one block of one attribute: valgrind and ASan
     * see any read past it). */
    {
        SoHAttribute *one = (SoHAttribute *)CoTaskMemAlloc(sizeof(SoHAttribute));
        CHECK(one != NULL);
        if (one) {
            SoH wide;
            one[0] = h.attributes[0];
            wide.attributes = one;
            wide.count = maxSoHAttributeCount + 1;
            check_validate(c, p, taker, &wide, NAP_E_INVALID_PACKET, NAP_E_INVALID_PACKET, "count > maxSoHAttributeCount");
            wide.count = 0xFFFF;
            check_validate(c, p, taker, &wide, NAP_E_INVALID_PACKET, NAP_E_INVALID_PACKET, "count 0xFFFF");
            CoTaskMemFree(one);
        }
    }

    memset(&empty, 0, sizeof empty);
    check_validate(c, p, taker, &empty, NAP_E_INVALID_PACKET, NAP_E_INVALID_PACKET, "no attributes");
    empty.count = 1;
    check_validate(c, p, taker, &empty, NAP_E_INVALID_PACKET, NAP_E_INVALID_PACKET, "attributes NULL");

    /* The first attribute must be the system health id. */
    hand_start(&h, EXAMPLE_SHA_ID);
    h.attributes[0].type = sohAttributeTypeHealthClass;
    h.attributes[0].size = 1;
    check_validate(c, p, taker, &h.soh, NAP_E_INVALID_PACKET, NAP_E_INVALID_PACKET, "no id first");
    hand_start(&h, EXAMPLE_SHA_ID);
    hand_add(&h, sohAttributeTypeHealthClass, byte_value(1));
    h.attributes[0] = h.attributes[1];
    h.attributes[1].type = sohAttributeTypeSystemHealthId;
    h.attributes[1].size = 4;
    h.attributes[1].value = (BYTE *)&h.values[0];
    check_validate(c, p, taker, &h.soh, NAP_E_INVALID_PACKET, NAP_E_INVALID_PACKET, "the id second");
    hand_start(&h, EXAMPLE_SHA_ID);
    h.attributes[0].value = NULL;
    check_validate(c, p, taker, &h.soh, NAP_E_INVALID_PACKET, NAP_E_INVALID_PACKET, "the id's value NULL");

    /* Count: maxSoHAttributeCount is valid, one more is not. */
    hand_start(&h, EXAMPLE_SHA_ID);
    for (i = 1; i < maxSoHAttributeCount; i++)
        hand_add(&h, sohAttributeTypeFailureCategory, byte_value((UINT8)(i % 5)));
    check_validate(c, p, taker, &h.soh, S_OK, S_OK, "maxSoHAttributeCount attributes");
    hand_add(&h, sohAttributeTypeFailureCategory, byte_value(0));
    check_validate(c, p, taker, &h.soh, NAP_E_INVALID_PACKET, NAP_E_INVALID_PACKET, "one attribute too many");

    /* Values that cannot be encoded. */
    hand_start(&h, EXAMPLE_SHA_ID);
    hand_add(&h, sohAttributeTypeErrorCodes, codes(many_codes, maxDwordCountPerSoHAttribute + 1));
    check_validate(c, p, taker, &h.soh, NAP_E_INVALID_PACKET, NAP_E_INVALID_PACKET, "too many codes");
    hand_start(&h, EXAMPLE_SHA_ID);
    hand_add(&h, sohAttributeTypeClientId, octets(big, maxSoHAttributeSize + 1));
    check_validate(c, p, taker, &h.soh, NAP_E_INVALID_PACKET, NAP_E_INVALID_PACKET, "oversize octets");
    hand_start(&h, EXAMPLE_SHA_ID);
    hand_add(&h, sohAttributeTypeIpv4FixupServers, v4_value(NULL, 1));
    check_validate(c, p, taker, &h.soh, NAP_E_INVALID_PACKET, NAP_E_INVALID_PACKET, "NULL addresses");
    hand_start(&h, EXAMPLE_SHA_ID);
    hand_add(&h, sohAttributeTypeVendorSpecific, vendor(EXAMPLE_VENDOR, NULL, 2));
    check_validate(c, p, taker, &h.soh, NAP_E_INVALID_PACKET, NAP_E_INVALID_PACKET, "NULL vendor data");
    hand_start(&h, EXAMPLE_SHA_ID);
    hand_add(&h, sohAttributeTypeHealthClass, byte_value(1));
    h.attributes[1].value = NULL;
    check_validate(c, p, taker, &h.soh, NAP_E_INVALID_PACKET, NAP_E_INVALID_PACKET, "a NULL value");

    /* The whole attribute list: maxNetworkSoHSize bytes at most. */
    hand_start(&h, EXAMPLE_SHA_ID);
    hand_add(&h, sohAttributeTypeProductName, octets(big, maxNetworkSoHSize - 12));
    check_validate(c, p, taker, &h.soh, S_OK, S_OK, "a list of maxNetworkSoHSize bytes");
    hand_add(&h, sohAttributeTypeProductName, octets(NULL, 0));
    check_validate(c, p, taker, &h.soh, NAP_E_INVALID_PACKET, NAP_E_INVALID_PACKET, "a list too long");

    /* A type that is not a SoHAttributeType: `size` raw bytes. */
    hand_start(&h, EXAMPLE_SHA_ID);
    h.attributes[1].type = 0x4242;
    h.attributes[1].size = sizeof raw;
    h.attributes[1].value = raw;
    h.soh.count = 2;
    check_validate(c, p, taker, &h.soh, S_OK, S_OK, "an unknown type");
    h.attributes[1].value = NULL;
    check_validate(c, p, taker, &h.soh, NAP_E_INVALID_PACKET, NAP_E_INVALID_PACKET, "an unknown type without its bytes");
    h.attributes[1].size = 0;
    check_validate(c, p, taker, &h.soh, S_OK, S_OK, "an unknown type, empty");

    /* Fix-up servers: one list of each family in a response. */
    hand_start(&h, EXAMPLE_SHA_ID);
    hand_add(&h, sohAttributeTypeIpv4FixupServers, v4_value(v4_servers, 2));
    hand_add(&h, sohAttributeTypeIpv6FixupServers, v6_value(v6_servers, 1));
    check_validate(c, p, taker, &h.soh, S_OK, S_OK, "one list of each family");
    hand_add(&h, sohAttributeTypeIpv4FixupServers, v4_value(v4_servers, 1));
    check_validate(c, p, taker, &h.soh, S_OK, NAP_E_INVALID_PACKET, "two IPv4 lists");
    hand_start(&h, EXAMPLE_SHA_ID);
    hand_add(&h, sohAttributeTypeIpv6FixupServers, v6_value(v6_servers, 1));
    hand_add(&h, sohAttributeTypeHealthClass, byte_value(1));
    hand_add(&h, sohAttributeTypeIpv6FixupServers, v6_value(v6_servers, 1));
    check_validate(c, p, taker, &h.soh, S_OK, NAP_E_INVALID_PACKET, "two IPv6 lists");

    /* A processor that never took a SoH still has none. */
    CHECK_EQ(INapSoHProcessor_Initialize(fresh, &empty, TRUE, &id), NAP_E_INVALID_PACKET);
    CHECK_EQ(INapSoHProcessor_GetNumberOfAttributes(fresh, &count), NAP_E_NOT_INITIALIZED);
    CHECK_EQ(count, 0xBEEF);

    CHECK_EQ(INapSoHConstructor_Release(c), 0);
    CHECK_EQ(INapSoHProcessor_Release(p), 0);
    CHECK_EQ(INapSoHProcessor_Release(fresh), 0);
    CHECK_EQ(INapSoHProcessor_Release(taker), 0);
    CHECK_EQ(task_blocks(), blocks);
    com_done();
}

/* ---- INapSoHProcessor: bad input ------------------------------------------------------- */

static void scenario_processor_bad_input(void)
{
    static HandSoH h;
    static BYTE raw[3] = { 7, 8, 9 };
    INapSoHProcessor *p;
    SystemHealthEntityId id = 0;
    SoHAttributeType type = (SoHAttributeType)0;
    SoHAttributeValue *value = (SoHAttributeValue *)SENTINEL;
    UINT16 count = 0xBEEF, at = 0xBEEF;
    unsigned long long blocks, before;
    com_init();
    blocks = task_blocks();
    p = new_processor();
    if (!p)
        return;

    /* Before Initialize. NULL pointers are refused first. */
    CHECK_EQ(INapSoHProcessor_GetNumberOfAttributes(p, &count), NAP_E_NOT_INITIALIZED);
    CHECK_EQ(INapSoHProcessor_GetNumberOfAttributes(p, NULL), E_POINTER);
    CHECK_EQ(INapSoHProcessor_FindNextAttribute(p, 0, sohAttributeTypeSystemHealthId, &at), NAP_E_NOT_INITIALIZED);
    CHECK_EQ(INapSoHProcessor_FindNextAttribute(p, 0, sohAttributeTypeSystemHealthId, NULL), E_POINTER);
    CHECK_EQ(INapSoHProcessor_GetAttribute(p, 0, &type, &value), NAP_E_NOT_INITIALIZED);
    CHECK_EQ(INapSoHProcessor_GetAttribute(p, 0, NULL, &value), E_POINTER);
    CHECK_EQ(INapSoHProcessor_GetAttribute(p, 0, &type, NULL), E_POINTER);
    CHECK_EQ(count, 0xBEEF);
    CHECK_EQ(at, 0xBEEF);
    CHECK(value == SENTINEL);

    hand_start(&h, EXAMPLE_SHA_ID);
    hand_add(&h, sohAttributeTypeHealthClass, byte_value(healthClassAntiVirus));
    hand_add(&h, sohAttributeTypeVendorSpecific, vendor(EXAMPLE_VENDOR, vendor_other, sizeof vendor_other));
    h.attributes[3].type = 0x4242; /* not a SoHAttributeType: raw bytes */
    h.attributes[3].size = sizeof raw;
    h.attributes[3].value = raw;
    h.attributes[4].type = 0x4243; /* the same, empty */
    h.attributes[4].size = 0;
    h.attributes[4].value = NULL;
    h.soh.count = 5;
    CHECK_EQ(INapSoHProcessor_Initialize(p, &h.soh, TRUE, &id), S_OK);
    CHECK_EQ(id, EXAMPLE_SHA_ID);
    CHECK_EQ(INapSoHProcessor_GetNumberOfAttributes(p, &count), S_OK);
    CHECK_EQ(count, 5);

    /* FindNextAttribute: from `from` on; none, or `from` past the end,
     * is HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND) with *location left. */
    CHECK_EQ(INapSoHProcessor_FindNextAttribute(p, 0, sohAttributeTypeSystemHealthId, &at), S_OK);
    CHECK_EQ(at, 0);
    at = 0xBEEF;
    CHECK_EQ(INapSoHProcessor_FindNextAttribute(p, 1, sohAttributeTypeSystemHealthId, &at), NOT_FOUND);
    CHECK_EQ(at, 0xBEEF);
    CHECK_EQ(INapSoHProcessor_FindNextAttribute(p, 2, sohAttributeTypeVendorSpecific, &at), S_OK);
    CHECK_EQ(at, 2);
    at = 0xBEEF;
    CHECK_EQ(INapSoHProcessor_FindNextAttribute(p, 0, sohAttributeTypeErrorCodes, &at), NOT_FOUND);
    CHECK_EQ(INapSoHProcessor_FindNextAttribute(p, 5, sohAttributeTypeHealthClass, &at), NOT_FOUND);
    CHECK_EQ(INapSoHProcessor_FindNextAttribute(p, 6, sohAttributeTypeHealthClass, &at), NOT_FOUND);
    CHECK_EQ(INapSoHProcessor_FindNextAttribute(p, 0xFFFF, sohAttributeTypeHealthClass, &at), NOT_FOUND);
    CHECK_EQ(INapSoHProcessor_FindNextAttribute(p, 0, (SoHAttributeType)0x7777, &at), NOT_FOUND);
    /* Type numbers are compared whole, not as their low 16 bits. */
    CHECK_EQ(INapSoHProcessor_FindNextAttribute(p, 0, (SoHAttributeType)0x10002, &at), NOT_FOUND);
    CHECK_EQ(INapSoHProcessor_FindNextAttribute(p, 0, (SoHAttributeType)0x14242, &at), NOT_FOUND);
    CHECK_EQ(at, 0xBEEF);
    CHECK_EQ(INapSoHProcessor_FindNextAttribute(p, 0, (SoHAttributeType)0x4242, &at), S_OK);
    CHECK_EQ(at, 3);
    CHECK_EQ(INapSoHProcessor_FindNextAttribute(p, 0, sohAttributeTypeSystemHealthId, NULL), E_POINTER);

    /* GetAttribute past the end. */
    before = task_blocks();
    CHECK_EQ(INapSoHProcessor_GetAttribute(p, 5, &type, &value), E_INVALIDARG);
    CHECK_EQ(INapSoHProcessor_GetAttribute(p, 0xFFFF, &type, &value), E_INVALIDARG);
    CHECK_EQ(INapSoHProcessor_GetAttribute(p, 5, NULL, &value), E_POINTER);
    CHECK_EQ(task_blocks(), before);

    /* An unknown type: its raw bytes, freed with FreeSoHAttributeValue. */
    value = (SoHAttributeValue *)SENTINEL;
    CHECK_EQ(INapSoHProcessor_GetAttribute(p, 3, &type, &value), S_OK);
    CHECK_EQ(type, 0x4242);
    if (value != SENTINEL) {
        CHECK(value != NULL && memcmp(value, raw, sizeof raw) == 0);
        CHECK((void *)value != (void *)raw);
        FreeSoHAttributeValue(type, value);
    }
    value = (SoHAttributeValue *)SENTINEL;
    CHECK_EQ(INapSoHProcessor_GetAttribute(p, 4, &type, &value), S_OK);
    CHECK_EQ(type, 0x4243);
    CHECK(value == NULL);
    if (value != SENTINEL)
        FreeSoHAttributeValue(type, value);
    CHECK_EQ(task_blocks(), before);

    /* A second Initialize replaces the SoH. */
    hand_start(&h, 0x00ABCD07u);
    CHECK_EQ(INapSoHProcessor_Initialize(p, &h.soh, FALSE, &id), S_OK);
    CHECK_EQ(id, 0x00ABCD07u);
    CHECK_EQ(INapSoHProcessor_GetNumberOfAttributes(p, &count), S_OK);
    CHECK_EQ(count, 1);
    at = 0xBEEF;
    CHECK_EQ(INapSoHProcessor_FindNextAttribute(p, 0, sohAttributeTypeVendorSpecific, &at), NOT_FOUND);
    CHECK_EQ(INapSoHProcessor_GetAttribute(p, 1, &type, &value), E_INVALIDARG);

    CHECK_EQ(INapSoHProcessor_Release(p), 0);
    CHECK_EQ(task_blocks(), blocks);
    com_done();
}

/* ---- Deep copies ------------------------------------------------------------------------- */

static void *copy_block(const void *p, size_t n)
{
    void *block = CoTaskMemAlloc(n);
    CHECK(block != NULL);
    if (block)
        memcpy(block, p, n);
    return block;
}

static void scenario_deep_copies(void)
{
    Attribute list[SHA_REQUEST_ATTRIBUTES];
    int n = sha_request(list, 1), i;
    INapSoHConstructor *c;
    INapSoHProcessor *p;
    SoH *soh = (SoH *)SENTINEL, *again = (SoH *)SENTINEL;
    SystemHealthEntityId id = 0;
    unsigned long long blocks;
    com_init();
    blocks = task_blocks();
    c = new_constructor();
    p = new_processor();
    if (!c || !p)
        return;

    /* Each value from task memory the caller frees (after overwriting it)
     * right after AppendAttribute, through a value structure it
     * overwrites as well. */
    CHECK_EQ(INapSoHConstructor_Initialize(c, EXAMPLE_SHA_ID, TRUE), S_OK);
    for (i = 0; i < n; i++) {
        SoHAttributeValue v = list[i].value;
        void *data = NULL;
        size_t size = 0;
        switch (list[i].type) {
        case sohAttributeTypeVendorSpecific:
            size = v.vendorSpecificVal.size;
            data = v.vendorSpecificVal.vendorSpecificData = (BYTE *)copy_block(v.vendorSpecificVal.vendorSpecificData, size);
            break;
        case sohAttributeTypeComplianceResultCodes:
        case sohAttributeTypeErrorCodes:
            size = sizeof(HRESULT) * v.codesVal.count;
            data = v.codesVal.results = (HRESULT *)copy_block(v.codesVal.results, size);
            break;
        case sohAttributeTypeIpv4FixupServers:
            size = sizeof(Ipv4Address) * v.v4AddressesVal.count;
            data = v.v4AddressesVal.addresses = (Ipv4Address *)copy_block(v.v4AddressesVal.addresses, size);
            break;
        case sohAttributeTypeIpv6FixupServers:
            size = sizeof(Ipv6Address) * v.v6AddressesVal.count;
            data = v.v6AddressesVal.addresses = (Ipv6Address *)copy_block(v.v6AddressesVal.addresses, size);
            break;
        case sohAttributeTypeClientId:
        case sohAttributeTypeSoftwareVersion:
        case sohAttributeTypeProductName:
        case sohAttributeTypeHealthClassStatus:
            size = v.octetStringVal.size;
            data = v.octetStringVal.data = (BYTE *)copy_block(v.octetStringVal.data, size);
            break;
        default:
            break;
        }
        CHECK_EQ(INapSoHConstructor_AppendAttribute(c, list[i].type, &v), S_OK);
        if (data) {
            memset(data, 0xEE, size);
            CoTaskMemFree(data);
        }
        memset(&v, 0xEE, sizeof v);
    }
    CHECK_EQ(INapSoHConstructor_GetSoH(c, &soh), S_OK);
    if (soh == SENTINEL)
        return;
    check_soh(soh, EXAMPLE_SHA_ID, list, n);

    /* The SoH handed out is the caller's: changing it changes nothing in
     * the constructor. */
    ((SoHAttributeValue *)soh->attributes[1].value)->vendorSpecificVal.vendorSpecificData[0] ^= 0xFF;
    ((SoHAttributeValue *)soh->attributes[2].value)->uint8Val ^= 0xFF;
    soh->attributes[3].size = 1;
    CHECK_EQ(INapSoHConstructor_GetSoH(c, &again), S_OK);
    check_soh(again == SENTINEL ? NULL : again, EXAMPLE_SHA_ID, list, n);
    FreeSoH(soh);
    CHECK_EQ(INapSoHConstructor_Release(c), 0);
    if (again == SENTINEL)
        return;

    /* The processor keeps its own copy: the SoH it was given is freed
     * first. */
    CHECK_EQ(INapSoHProcessor_Initialize(p, again, TRUE, &id), S_OK);
    memset(((SoHAttributeValue *)again->attributes[1].value)->vendorSpecificVal.vendorSpecificData, 0xEE,
           ((SoHAttributeValue *)again->attributes[1].value)->vendorSpecificVal.size);
    FreeSoH(again);
    for (i = 0; i <= n; i++) {
        SoHAttributeType type = (SoHAttributeType)0;
        SoHAttributeValue *value = (SoHAttributeValue *)SENTINEL, *second = (SoHAttributeValue *)SENTINEL;
        CHECK_EQ(INapSoHProcessor_GetAttribute(p, (UINT16)i, &type, &value), S_OK);
        if (value == SENTINEL || value == NULL)
            continue;
        if (i == 0) {
            CHECK_EQ(value->idVal, EXAMPLE_SHA_ID);
            value->idVal = 0;
        } else {
            CHECK(same_value(list[i - 1].type, value, &list[i - 1].value));
            /* A value handed out is the caller's too. */
            if (embedded(type, value) != NULL)
                *(BYTE *)(uintptr_t)embedded(type, value) ^= 0xFF;
            else
                value->uint8Val ^= 0xFF;
        }
        CHECK_EQ(INapSoHProcessor_GetAttribute(p, (UINT16)i, &type, &second), S_OK);
        if (second != SENTINEL && second) {
            CHECK(second != value);
            if (i == 0)
                CHECK_EQ(second->idVal, EXAMPLE_SHA_ID);
            else
                CHECK(same_value(list[i - 1].type, second, &list[i - 1].value));
            FreeSoHAttributeValue(type, second);
        }
        FreeSoHAttributeValue(type, value);
    }
    CHECK_EQ(INapSoHProcessor_Release(p), 0);
    CHECK_EQ(task_blocks(), blocks);
    com_done();
}

/* ---- Threads ------------------------------------------------------------------------------- */

#define THREADS 4
#define APPENDS_PER_THREAD 24 /* THREADS * APPENDS_PER_THREAD + 1 <= maxSoHAttributeCount */

typedef struct Worker {
    Thread thread;
    int index, rounds, failures;
    INapSoHConstructor *c;
    INapSoHProcessor *p;
    UINT16 count; /* attributes in the processor's SoH */
    /* A processor whose SoH another thread keeps replacing: a long one of
     * `count` attributes and a short one of SHORT_SOH. */
    INapSoHProcessor *swapped;
    const SoH *long_soh, *short_soh;
} Worker;

#define SHORT_SOH 11

#define WORKER_CHECK(w, expr)                                                                     \
    do {                                                                                          \
        if (!(expr)) {                                                                            \
            fprintf(stderr, "%s:%d: thread %d: CHECK failed: %s\n", __FILE__, __LINE__, (w)->index, #expr); \
            (w)->failures++;                                                                      \
        }                                                                                         \
    } while (0)

static void yield_now(void)
{
#ifdef _WIN32
    SwitchToThread();
#else
    sched_yield();
#endif
}

/* Appends its own attributes to the shared constructor, reads the shared
 * processor, and counts references on both, all at once with the others. */
static void worker_run(void *arg)
{
    Worker *w = (Worker *)arg;
    int i, r;
    for (i = 0; i < APPENDS_PER_THREAD; i++) {
        SoHAttributeValue v = byte_value((UINT8)(w->index * APPENDS_PER_THREAD + i));
        SoH *soh = NULL;
        WORKER_CHECK(w, INapSoHConstructor_AppendAttribute(w->c, sohAttributeTypeHealthClass, &v) == S_OK);
        WORKER_CHECK(w, INapSoHConstructor_GetSoH(w->c, &soh) == S_OK);
        if (soh) {
            WORKER_CHECK(w, soh->count >= i + 2 && soh->count <= THREADS * APPENDS_PER_THREAD + 1);
            FreeSoH(soh);
        }
        yield_now();
    }
    for (r = 0; r < w->rounds; r++) {
        UINT16 count = 0, from, at = 0, seen = 0;
        INapSoHConstructor_AddRef(w->c);
        INapSoHProcessor_AddRef(w->p);
        WORKER_CHECK(w, INapSoHProcessor_GetNumberOfAttributes(w->p, &count) == S_OK && count == w->count);
        for (from = 0; INapSoHProcessor_FindNextAttribute(w->p, from, sohAttributeTypeHealthClass, &at) == S_OK;
             from = (UINT16)(at + 1)) {
            SoHAttributeType type = (SoHAttributeType)0;
            SoHAttributeValue *value = NULL;
            WORKER_CHECK(w, INapSoHProcessor_GetAttribute(w->p, at, &type, &value) == S_OK);
            WORKER_CHECK(w, type == sohAttributeTypeHealthClass && value != NULL);
            if (value) {
                WORKER_CHECK(w, value->uint8Val == (UINT8)(at - 1));
                FreeSoHAttributeValue(type, value);
            }
            seen++;
        }
        WORKER_CHECK(w, seen == w->count - 1);

        /* Each answer is one SoH's or the other's, never a mixture. */
        WORKER_CHECK(w, INapSoHProcessor_GetNumberOfAttributes(w->swapped, &count) == S_OK);
        WORKER_CHECK(w, count == w->count || count == SHORT_SOH);
        for (at = 0; at < w->count; at = (UINT16)(at + 7)) {
            SoHAttributeType type = (SoHAttributeType)0;
            SoHAttributeValue *value = NULL;
            HRESULT hr = INapSoHProcessor_GetAttribute(w->swapped, at, &type, &value);
            WORKER_CHECK(w, hr == S_OK || (hr == E_INVALIDARG && at >= SHORT_SOH));
            if (hr == S_OK && value) {
                if (at == 0)
                    WORKER_CHECK(w, type == sohAttributeTypeSystemHealthId &&
                                        (value->idVal == EXAMPLE_SHA_ID || value->idVal == EXAMPLE_SHA_ID + 1));
                else
                    WORKER_CHECK(w, type == sohAttributeTypeHealthClass && value->uint8Val == (UINT8)(at - 1));
                FreeSoHAttributeValue(type, value);
            }
        }
        INapSoHProcessor_Release(w->p);
        INapSoHConstructor_Release(w->c);
    }
}

/* Replaces the swapped processor's SoH, long and short by turns. */
static void replacer_run(void *arg)
{
    Worker *w = (Worker *)arg;
    int r;
    for (r = 0; r < w->rounds * 4; r++) {
        SystemHealthEntityId id = 0;
        const SoH *soh = r % 2 ? w->short_soh : w->long_soh;
        WORKER_CHECK(w, INapSoHProcessor_Initialize(w->swapped, soh, TRUE, &id) == S_OK);
        WORKER_CHECK(w, id == (r % 2 ? EXAMPLE_SHA_ID + 1 : EXAMPLE_SHA_ID));
        yield_now();
    }
}

/* Each thread also makes objects of its own, in its own apartment. */
static void creator_run(void *arg)
{
    Worker *w = (Worker *)arg;
    int apartment = w->index % 2;
    ComClasses classes;
    int r;
    WORKER_CHECK(w, CoInitializeEx(NULL, apartment ? COINIT_APARTMENTTHREADED : COINIT_MULTITHREADED) == S_OK);
    /* A single-threaded apartment registers the classes for itself; the
     * multithreaded one has the main thread's registration. */
    if (apartment)
        WORKER_CHECK(w, com_register_classes(&classes) == S_OK);
    for (r = 0; r < w->rounds; r++) {
        INapSoHConstructor *c = NULL;
        SoH *soh = NULL;
        WORKER_CHECK(w, CoCreateInstance(&CLSID_NapSoHConstructor, NULL, CLSCTX_INPROC_SERVER,
                                         &IID_INapSoHConstructor, (void **)&c) == S_OK);
        if (!c)
            continue;
        WORKER_CHECK(w, INapSoHConstructor_Initialize(c, (SystemHealthEntityId)(w->index + 1), TRUE) == S_OK);
        WORKER_CHECK(w, INapSoHConstructor_GetSoH(c, &soh) == S_OK);
        if (soh) {
            WORKER_CHECK(w, soh->count == 1 &&
                                ((SoHAttributeValue *)soh->attributes[0].value)->idVal ==
                                    (SystemHealthEntityId)(w->index + 1));
            FreeSoH(soh);
        }
        WORKER_CHECK(w, INapSoHConstructor_Release(c) == 0);
    }
    if (apartment)
        com_revoke_classes(&classes);
    CoUninitialize();
}

static void scenario_threads(void)
{
    static HandSoH h, short_h;
    Worker workers[THREADS], creators[THREADS], replacer;
    INapSoHConstructor *c;
    INapSoHProcessor *p, *swapped;
    SystemHealthEntityId id = 0;
    SoH *soh = (SoH *)SENTINEL;
    int seen[THREADS * APPENDS_PER_THREAD];
    int i, rounds = getenv("NAPUTIL_TEST_UNDER_VALGRIND") ? 20 : 200;
    unsigned long long blocks;
    com_init();
    blocks = task_blocks();
    c = new_constructor();
    p = new_processor();
    swapped = new_processor();
    if (!c || !p || !swapped)
        return;
    CHECK_EQ(INapSoHConstructor_Initialize(c, EXAMPLE_SHA_ID, TRUE), S_OK);
    hand_start(&h, EXAMPLE_SHA_ID);
    for (i = 0; i < 40; i++)
        hand_add(&h, sohAttributeTypeHealthClass, byte_value((UINT8)i));
    hand_start(&short_h, EXAMPLE_SHA_ID + 1);
    for (i = 0; i < SHORT_SOH - 1; i++)
        hand_add(&short_h, sohAttributeTypeHealthClass, byte_value((UINT8)i));
    CHECK_EQ(INapSoHProcessor_Initialize(p, &h.soh, TRUE, &id), S_OK);
    CHECK_EQ(INapSoHProcessor_Initialize(swapped, &h.soh, TRUE, &id), S_OK);

    for (i = 0; i < THREADS; i++) {
        memset(&workers[i], 0, sizeof workers[i]);
        workers[i].index = i;
        workers[i].rounds = rounds;
        workers[i].c = c;
        workers[i].p = p;
        workers[i].count = h.soh.count;
        workers[i].swapped = swapped;
        workers[i].long_soh = &h.soh;
        workers[i].short_soh = &short_h.soh;
        workers[i].thread.run = worker_run;
        workers[i].thread.arg = &workers[i];
        creators[i] = workers[i];
        creators[i].thread.run = creator_run;
        creators[i].thread.arg = &creators[i];
    }
    replacer = workers[0];
    replacer.index = THREADS;
    replacer.thread.run = replacer_run;
    replacer.thread.arg = &replacer;
    CHECK(thread_start(&replacer.thread));
    for (i = 0; i < THREADS; i++) {
        CHECK(thread_start(&workers[i].thread));
        CHECK(thread_start(&creators[i].thread));
    }
    for (i = 0; i < THREADS; i++) {
        thread_join(&workers[i].thread);
        thread_join(&creators[i].thread);
        check_failures += workers[i].failures + creators[i].failures;
    }
    thread_join(&replacer.thread);
    check_failures += replacer.failures;

    /* Every thread's attributes arrived, once each, in its own order. */
    CHECK_EQ(constructor_refs(c), 1);
    CHECK_EQ(processor_refs(p), 1);
    CHECK_EQ(INapSoHConstructor_GetSoH(c, &soh), S_OK);
    if (soh != SENTINEL) {
        int last[THREADS];
        CHECK_EQ(soh->count, THREADS * APPENDS_PER_THREAD + 1);
        memset(seen, 0, sizeof seen);
        for (i = 0; i < THREADS; i++)
            last[i] = -1;
        for (i = 1; i < soh->count; i++) {
            int b = ((SoHAttributeValue *)soh->attributes[i].value)->uint8Val;
            CHECK(b < THREADS * APPENDS_PER_THREAD);
            if (b >= THREADS * APPENDS_PER_THREAD)
                continue;
            seen[b]++;
            CHECK(b % APPENDS_PER_THREAD > last[b / APPENDS_PER_THREAD] % APPENDS_PER_THREAD ||
                  last[b / APPENDS_PER_THREAD] < 0);
            last[b / APPENDS_PER_THREAD] = b;
        }
        for (i = 0; i < THREADS * APPENDS_PER_THREAD; i++)
            CHECK_EQ(seen[i], 1);
        FreeSoH(soh);
    }
    CHECK_EQ(INapSoHConstructor_Release(c), 0);
    CHECK_EQ(INapSoHProcessor_Release(p), 0);
    CHECK_EQ(INapSoHProcessor_Release(swapped), 0);
    CHECK_EQ(task_blocks(), blocks);
    com_done();
}

/* ---- Under an IMallocSpy ---------------------------------------------------------------------- */

/* A spy that hands out each block 16 bytes past its start (so a pointer
 * used without it is wrong), counts what it sees, and can call back into
 * an object from PreAlloc. */
#define SPY_PREFIX 16u

typedef struct Spy {
    IMallocSpy iface; /* first: an IMallocSpy * is a Spy * */
    ULONG refs;
    int allocs, frees, depth;
    /* Called from PreAlloc (not from the calls it makes). */
    void (*reenter)(struct Spy *);
    INapSoHConstructor *c;
    INapSoHProcessor *p;
    int reentered, reentered_ok;
    HRESULT reentered_result;
    /* When non-zero: the fail_at-th allocation from now on fails (PreAlloc
     * answers 0), counted by `attempts`. */
    int fail_at, attempts;
} Spy;

static Spy *spy_of(IMallocSpy *This)
{
    return (Spy *)(void *)This;
}

static HRESULT STDMETHODCALLTYPE spy_query_interface(IMallocSpy *This, REFIID riid, void **ppv)
{
    if (ppv == NULL)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IMallocSpy)) {
        *ppv = This;
        spy_of(This)->refs++;
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}
static ULONG STDMETHODCALLTYPE spy_add_ref(IMallocSpy *This)
{
    return ++spy_of(This)->refs;
}
static ULONG STDMETHODCALLTYPE spy_release(IMallocSpy *This)
{
    return --spy_of(This)->refs;
}
static SIZE_T STDMETHODCALLTYPE spy_pre_alloc(IMallocSpy *This, SIZE_T cb)
{
    Spy *s = spy_of(This);
    s->allocs++;
    if (s->fail_at && ++s->attempts == s->fail_at)
        return 0;
    if (s->reenter && s->depth == 0) {
        s->depth++;
        s->reenter(s);
        s->reentered++;
        s->depth--;
    }
    return cb + SPY_PREFIX;
}
static void *STDMETHODCALLTYPE spy_post_alloc(IMallocSpy *This, void *actual)
{
    (void)This;
    return actual ? (BYTE *)actual + SPY_PREFIX : NULL;
}
static void *STDMETHODCALLTYPE spy_pre_free(IMallocSpy *This, void *request, BOOL spyed)
{
    if (!spyed || !request)
        return request;
    spy_of(This)->frees++;
    return (BYTE *)request - SPY_PREFIX;
}
static void STDMETHODCALLTYPE spy_post_free(IMallocSpy *This, BOOL spyed)
{
    (void)This;
    (void)spyed;
}
static SIZE_T STDMETHODCALLTYPE spy_pre_realloc(IMallocSpy *This, void *request, SIZE_T cb, void **actual,
                                                BOOL spyed)
{
    if (request == NULL) {
        Spy *s = spy_of(This);
        s->allocs++;
        if (s->fail_at && cb && ++s->attempts == s->fail_at) {
            *actual = NULL;
            return 0;
        }
    }
    *actual = spyed && request ? (BYTE *)request - SPY_PREFIX : request;
    return spyed && cb ? cb + SPY_PREFIX : cb;
}
static void *STDMETHODCALLTYPE spy_post_realloc(IMallocSpy *This, void *actual, BOOL spyed)
{
    (void)This;
    return spyed && actual ? (BYTE *)actual + SPY_PREFIX : actual;
}
static void *STDMETHODCALLTYPE spy_pre_get_size(IMallocSpy *This, void *request, BOOL spyed)
{
    (void)This;
    return spyed && request ? (BYTE *)request - SPY_PREFIX : request;
}
static SIZE_T STDMETHODCALLTYPE spy_post_get_size(IMallocSpy *This, SIZE_T actual, BOOL spyed)
{
    (void)This;
    return spyed && actual != (SIZE_T)-1 ? actual - SPY_PREFIX : actual;
}
static void *STDMETHODCALLTYPE spy_pre_did_alloc(IMallocSpy *This, void *request, BOOL spyed)
{
    (void)This;
    return spyed && request ? (BYTE *)request - SPY_PREFIX : request;
}
static int STDMETHODCALLTYPE spy_post_did_alloc(IMallocSpy *This, void *request, BOOL spyed, int actual)
{
    (void)This;
    (void)request;
    (void)spyed;
    return actual;
}
static void STDMETHODCALLTYPE spy_heap_minimize(IMallocSpy *This)
{
    (void)This;
}

/* Not const: Windows declares lpVtbl const only under CONST_VTABLE. */
static IMallocSpyVtbl spy_vtbl = {
    spy_query_interface, spy_add_ref,      spy_release,       spy_pre_alloc,      spy_post_alloc,
    spy_pre_free,        spy_post_free,    spy_pre_realloc,   spy_post_realloc,   spy_pre_get_size,
    spy_post_get_size,   spy_pre_did_alloc, spy_post_did_alloc, spy_heap_minimize, spy_heap_minimize,
};

static void spy_init(Spy *s)
{
    memset(s, 0, sizeof *s);
    s->iface.lpVtbl = &spy_vtbl;
    s->refs = 1;
}

static void scenario_spy_sees_allocations(void)
{
    Spy spy;
    INapSoHConstructor *c, *under;
    INapSoHProcessor *p;
    SoHAttributeValue v = vendor(EXAMPLE_VENDOR, vendor_other, sizeof vendor_other);
    SoHAttributeValue *value = (SoHAttributeValue *)SENTINEL;
    SoHAttributeType type = (SoHAttributeType)0;
    SoH *soh = (SoH *)SENTINEL;
    SystemHealthEntityId id = 0;
    IMalloc *malloc_ = NULL;
    unsigned long long blocks;
    int allocs;
    com_init();
    blocks = task_blocks();
    c = new_constructor();
    p = new_processor();
    if (!c || !p)
        return;
    CHECK_EQ(INapSoHConstructor_Initialize(c, EXAMPLE_SHA_ID, TRUE), S_OK);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeVendorSpecific, &v), S_OK);
    CHECK_EQ(CoGetMalloc(1, &malloc_), S_OK);

    spy_init(&spy);
    CHECK_EQ(CoRegisterMallocSpy(&spy.iface), S_OK);
    /* GetSoH: the SoH, its attribute array, two values, the vendor data. */
    CHECK_EQ(INapSoHConstructor_GetSoH(c, &soh), S_OK);
    CHECK_EQ(spy.allocs, 5);
    if (soh != SENTINEL) {
        Attribute expected;
        expected.type = sohAttributeTypeVendorSpecific;
        expected.value = v;
        check_soh(soh, EXAMPLE_SHA_ID, &expected, 1);
        /* What the caller holds is what the spy handed out. */
        CHECK_EQ(IMalloc_GetSize(malloc_, soh), sizeof(SoH));
        CHECK_EQ(IMalloc_DidAlloc(malloc_, soh->attributes), 1);
        CHECK_EQ(INapSoHProcessor_Initialize(p, soh, TRUE, &id), S_OK);
        FreeSoH(soh);
    }
    CHECK_EQ(spy.frees, 5);
    /* GetAttribute of the vendor-specific value: the value, its data. */
    allocs = spy.allocs;
    CHECK_EQ(INapSoHProcessor_GetAttribute(p, 1, &type, &value), S_OK);
    CHECK_EQ(spy.allocs, allocs + 2);
    if (value != SENTINEL) {
        CHECK_EQ(type, sohAttributeTypeVendorSpecific);
        CHECK(same_value(type, value, &v));
        CHECK_EQ(IMalloc_GetSize(malloc_, value), sizeof(SoHAttributeValue));
        FreeSoHAttributeValue(type, value);
    }
    CHECK_EQ(spy.frees, 7);

    /* An object made while the spy is registered works, and goes away. */
    under = new_constructor();
    if (under) {
        SoH *small = (SoH *)SENTINEL;
        CHECK_EQ(INapSoHConstructor_Initialize(under, 3, FALSE), S_OK);
        CHECK_EQ(INapSoHConstructor_AppendAttribute(under, sohAttributeTypeVendorSpecific, &v), S_OK);
        CHECK_EQ(INapSoHConstructor_GetSoH(under, &small), S_OK);
        if (small != SENTINEL)
            FreeSoH(small);
        CHECK_EQ(INapSoHConstructor_Release(under), 0);
    }
    CHECK_EQ(INapSoHConstructor_Release(c), 0);
    CHECK_EQ(INapSoHProcessor_Release(p), 0);
    CHECK_EQ(CoRevokeMallocSpy(), S_OK);
    CHECK_EQ(spy.refs, 1);
    CHECK_EQ(spy.allocs - spy.frees, 0);
    IMalloc_Release(malloc_);
    CHECK_EQ(task_blocks(), blocks);
    com_done();
}

/* PreAlloc calls into the very object whose call is allocating. */
static void reenter_processor(Spy *s)
{
    UINT16 count = 0, at = 0;
    s->reentered_result = INapSoHProcessor_GetNumberOfAttributes(s->p, &count);
    if (s->reentered_result == S_OK)
        CHECK_EQ(count, 2);
    if (INapSoHProcessor_FindNextAttribute(s->p, 0, sohAttributeTypeVendorSpecific, &at) == S_OK)
        CHECK_EQ(at, 1);
}

static void reenter_constructor(Spy *s)
{
    SoHAttributeValue v = byte_value(healthClassAntiVirus);
    SoH valid;
    SoHAttribute id;
    SoHAttributeValue id_value;
    HRESULT hr;
    id_value.idVal = 9;
    id.type = sohAttributeTypeSystemHealthId;
    id.size = 4;
    id.value = (BYTE *)&id_value;
    valid.count = 1;
    valid.attributes = &id;
    s->reentered_result = INapSoHConstructor_AppendAttribute(s->c, sohAttributeTypeHealthClass, &v);
    CHECK(s->reentered_result == S_OK || s->reentered_result == E_UNEXPECTED);
    if (s->reentered_result == S_OK)
        s->reentered_ok++;
    hr = INapSoHConstructor_Validate(s->c, &valid, TRUE);
    CHECK(hr == S_OK || hr == E_UNEXPECTED);
}

static void scenario_spy_reenters_object(void)
{
    Spy spy;
    INapSoHConstructor *c;
    INapSoHProcessor *p;
    SoHAttributeValue v = vendor(EXAMPLE_VENDOR, vendor_other, sizeof vendor_other);
    SoHAttributeValue *value = (SoHAttributeValue *)SENTINEL;
    SoHAttributeType type = (SoHAttributeType)0;
    SoH *soh = (SoH *)SENTINEL, *after = (SoH *)SENTINEL;
    SystemHealthEntityId id = 0;
    unsigned long long blocks;
    UINT16 expected;
    com_init();
    blocks = task_blocks();
    c = new_constructor();
    p = new_processor();
    if (!c || !p)
        return;
    CHECK_EQ(INapSoHConstructor_Initialize(c, EXAMPLE_SHA_ID, TRUE), S_OK);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeVendorSpecific, &v), S_OK);

    spy_init(&spy);
    spy.c = c;
    spy.p = p;
    CHECK_EQ(CoRegisterMallocSpy(&spy.iface), S_OK);
    /* Within GetSoH, the spy appends to the same constructor. The call
     * must not deadlock (the scenario's alarm would end it); what the
     * inner call answers is recorded. */
    spy.reenter = reenter_constructor;
    CHECK_EQ(INapSoHConstructor_GetSoH(c, &soh), S_OK);
    spy.reenter = NULL;
    CHECK(spy.reentered > 0);
    printf("soh_com: AppendAttribute from PreAlloc within GetSoH of the same object: 0x%08lx\n",
           (unsigned long)(DWORD)spy.reentered_result);
    if (soh != SENTINEL) {
        CHECK(soh->count >= 2);
        CHECK_EQ(INapSoHProcessor_Initialize(p, soh, TRUE, &id), S_OK);
        FreeSoH(soh);
    }
    /* Whatever the inner calls answered, the object is whole. */
    expected = (UINT16)(2 + spy.reentered_ok);
    CHECK_EQ(INapSoHConstructor_GetSoH(c, &after), S_OK);
    if (after != SENTINEL) {
        CHECK_EQ(after->count, expected);
        FreeSoH(after);
    }

    /* Within GetAttribute, the spy asks the same processor. */
    spy.reentered = 0;
    spy.reenter = reenter_processor;
    CHECK_EQ(INapSoHProcessor_GetAttribute(p, 1, &type, &value), S_OK);
    spy.reenter = NULL;
    CHECK(spy.reentered > 0);
    printf("soh_com: GetNumberOfAttributes from PreAlloc within GetAttribute of the same object: 0x%08lx\n",
           (unsigned long)(DWORD)spy.reentered_result);
    CHECK(spy.reentered_result == S_OK || spy.reentered_result == E_UNEXPECTED);
    if (value != SENTINEL) {
        CHECK(same_value(type, value, &v));
        FreeSoHAttributeValue(type, value);
    }
    CHECK_EQ(INapSoHConstructor_Release(c), 0);
    CHECK_EQ(INapSoHProcessor_Release(p), 0);
    CHECK_EQ(CoRevokeMallocSpy(), S_OK);
    CHECK_EQ(spy.refs, 1);
    CHECK_EQ(task_blocks(), blocks);
    com_done();
}

/* PreAlloc drops the object's last reference, and frees and reallocates
 * task memory of its own, while the object's call is still allocating. */
static void release_and_churn(Spy *s)
{
    void *scratch = CoTaskMemAlloc(24);
    void *grown = CoTaskMemRealloc(scratch, 4000);
    CoTaskMemFree(grown ? grown : scratch);
    if (s->c) {
        CHECK_EQ(INapSoHConstructor_Release(s->c), 0);
        s->c = NULL;
    }
    if (s->p) {
        CHECK_EQ(INapSoHProcessor_Release(s->p), 0);
        s->p = NULL;
    }
}

/* The last Release runs from a spy in the middle of GetSoH and of
 * GetAttribute: the calls finish with what they took before allocating,
 * hand out whole results, and nothing is left behind. */
static void scenario_spy_releases_object_mid_call(void)
{
    Spy spy;
    INapSoHConstructor *c;
    INapSoHProcessor *p;
    SoHAttributeValue v = vendor(EXAMPLE_VENDOR, vendor_other, sizeof vendor_other);
    SoHAttributeValue *value = (SoHAttributeValue *)SENTINEL;
    SoHAttributeType type = (SoHAttributeType)0;
    SoH *soh = (SoH *)SENTINEL;
    SystemHealthEntityId id = 0;
    unsigned long long blocks;
    com_init();
    blocks = task_blocks();
    c = new_constructor();
    p = new_processor();
    if (!c || !p)
        return;
    CHECK_EQ(INapSoHConstructor_Initialize(c, EXAMPLE_SHA_ID, TRUE), S_OK);
    CHECK_EQ(INapSoHConstructor_AppendAttribute(c, sohAttributeTypeVendorSpecific, &v), S_OK);
    CHECK_EQ(INapSoHConstructor_GetSoH(c, &soh), S_OK);
    if (soh == SENTINEL)
        return;
    CHECK_EQ(INapSoHProcessor_Initialize(p, soh, TRUE, &id), S_OK);
    FreeSoH(soh);
    soh = (SoH *)SENTINEL;

    spy_init(&spy);
    CHECK_EQ(CoRegisterMallocSpy(&spy.iface), S_OK);
    spy.reenter = release_and_churn;
    spy.c = c;
    CHECK_EQ(INapSoHConstructor_GetSoH(c, &soh), S_OK);
    CHECK(spy.c == NULL);
    if (soh != SENTINEL) {
        CHECK_EQ(soh->count, 2);
        CHECK_EQ(soh->attributes[0].type, sohAttributeTypeSystemHealthId);
        CHECK(same_value(sohAttributeTypeVendorSpecific, (SoHAttributeValue *)soh->attributes[1].value, &v));
        FreeSoH(soh);
    }
    spy.reentered = 0;
    spy.p = p;
    CHECK_EQ(INapSoHProcessor_GetAttribute(p, 1, &type, &value), S_OK);
    CHECK(spy.p == NULL);
    CHECK(spy.reentered > 0);
    if (value != SENTINEL) {
        CHECK(same_value(type, value, &v));
        FreeSoHAttributeValue(type, value);
    }
    spy.reenter = NULL;
    CHECK_EQ(CoRevokeMallocSpy(), S_OK);
    CHECK_EQ(task_blocks(), blocks);
    com_done();
}

/* Every allocation a call makes fails in turn (the spy's PreAlloc answers
 * 0): the call answers E_OUTOFMEMORY, leaves its out-pointer alone (or
 * NULL, for creation), leaks nothing and leaves the object as it was. */
static void scenario_out_of_memory(void)
{
    Spy spy;
    INapSoHConstructor *c;
    INapSoHProcessor *p;
    Attribute list[SHA_REQUEST_ATTRIBUTES];
    int n = sha_request(list, 1), i, failed_creations = 0, failed_gets = 0;
    SystemHealthEntityId id = 0;
    SoH *reference = (SoH *)SENTINEL;
    unsigned long long blocks;
    com_init();
    blocks = task_blocks();
    c = new_constructor();
    p = new_processor();
    if (!c || !p)
        return;
    construct(c, EXAMPLE_SHA_ID, TRUE, list, n);
    CHECK_EQ(INapSoHConstructor_GetSoH(c, &reference), S_OK);
    if (reference == SENTINEL)
        return;
    CHECK_EQ(INapSoHProcessor_Initialize(p, reference, TRUE, &id), S_OK);
    spy_init(&spy);
    CHECK_EQ(CoRegisterMallocSpy(&spy.iface), S_OK);

    for (i = 1;; i++) {
        SoH *soh = (SoH *)SENTINEL;
        unsigned long long before = task_blocks();
        HRESULT hr;
        spy.fail_at = i;
        spy.attempts = 0;
        hr = INapSoHConstructor_GetSoH(c, &soh);
        spy.fail_at = 0;
        if (hr == S_OK) {
            CHECK(i > 1);
            check_soh(soh, EXAMPLE_SHA_ID, list, n);
            FreeSoH(soh);
            break;
        }
        failed_gets++;
        CHECK_EQ(hr, E_OUTOFMEMORY);
        CHECK(soh == SENTINEL);
        CHECK_EQ(task_blocks(), before);
        if (i > 1000)
            break;
    }
    /* The SoH, its array, one value per attribute, and the data of the
     * values that have some. */
    CHECK(failed_gets >= 2 + n + 1);

    for (i = 1; i <= n + 1; i++) {
        SoHAttributeType type = (SoHAttributeType)0;
        SoHAttributeValue *value = (SoHAttributeValue *)SENTINEL;
        unsigned long long before = task_blocks();
        HRESULT hr;
        spy.fail_at = 1;
        spy.attempts = 0;
        hr = INapSoHProcessor_GetAttribute(p, (UINT16)(i - 1), &type, &value);
        spy.fail_at = 0;
        CHECK_EQ(hr, E_OUTOFMEMORY);
        CHECK(value == SENTINEL);
        CHECK_EQ(task_blocks(), before);
        if (i > 1 && embedded(list[i - 2].type, &list[i - 2].value) != NULL) {
            /* The value's data fails instead of the value. */
            spy.fail_at = 2;
            spy.attempts = 0;
            hr = INapSoHProcessor_GetAttribute(p, (UINT16)(i - 1), &type, &value);
            spy.fail_at = 0;
            CHECK_EQ(hr, E_OUTOFMEMORY);
            CHECK(value == SENTINEL);
            CHECK_EQ(task_blocks(), before);
        }
    }

    /* Appending and the processor's Initialize copy into the object: they
     * either do not use task memory or answer E_OUTOFMEMORY and keep what
     * they had. */
    for (i = 1; i <= 4; i++) {
        SoHAttributeValue v = vendor(EXAMPLE_VENDOR, vendor_other, sizeof vendor_other);
        SoH *soh;
        UINT16 count = 0;
        HRESULT hr;
        spy.fail_at = i;
        spy.attempts = 0;
        hr = INapSoHConstructor_AppendAttribute(c, sohAttributeTypeVendorSpecific, &v);
        spy.fail_at = 0;
        CHECK(hr == S_OK || hr == E_OUTOFMEMORY);
        soh = current(c);
        if (soh) {
            CHECK_EQ(soh->count, n + 1 + (hr == S_OK));
            FreeSoH(soh);
        }
        if (hr == S_OK)
            CHECK_EQ(INapSoHConstructor_Initialize(c, EXAMPLE_SHA_ID, TRUE), S_OK);
        if (hr == S_OK)
            construct(c, EXAMPLE_SHA_ID, TRUE, list, n);
        spy.fail_at = i;
        spy.attempts = 0;
        hr = INapSoHProcessor_Initialize(p, reference, TRUE, &id);
        spy.fail_at = 0;
        CHECK(hr == S_OK || hr == E_OUTOFMEMORY);
        CHECK_EQ(INapSoHProcessor_GetNumberOfAttributes(p, &count), S_OK);
        CHECK_EQ(count, n + 1);
    }

    /* Creation: an object is made or *ppv is NULL. */
    for (i = 1; i <= 3; i++) {
        void *object = SENTINEL;
        HRESULT hr;
        spy.fail_at = i;
        spy.attempts = 0;
        hr = CoCreateInstance(&CLSID_NapSoHProcessor, NULL, CLSCTX_INPROC_SERVER, &IID_INapSoHProcessor, &object);
        spy.fail_at = 0;
        if (hr == S_OK) {
            CHECK(object != SENTINEL && object != NULL);
            if (object != SENTINEL && object)
                CHECK_EQ(INapSoHProcessor_Release((INapSoHProcessor *)object), 0);
        } else {
            failed_creations++;
            CHECK_EQ(hr, E_OUTOFMEMORY);
            CHECK(object == NULL);
        }
    }
    printf("soh_com: CoCreateInstance failed %d of 3 times when its n-th allocation failed\n", failed_creations);

    FreeSoH(reference);
    CHECK_EQ(INapSoHConstructor_Release(c), 0);
    CHECK_EQ(INapSoHProcessor_Release(p), 0);
    CHECK_EQ(CoRevokeMallocSpy(), S_OK);
    CHECK_EQ(spy.refs, 1);
    CHECK_EQ(task_blocks(), blocks);
    com_done();
}

/* ---- What only naputil can tell ---------------------------------------------------------- */

#ifdef WITH_NAPUTIL_HEADER

/* CHECK(misuse_log_has(kind, pointer)), listing the reports made when it
 * fails. */
#define CHECK_REPORTED(kind, pointer)                          \
    do {                                                       \
        if (!misuse_log_has(kind, pointer))                    \
            misuse_log_print(__FILE__, __LINE__);              \
        CHECK(misuse_log_has(kind, pointer));                  \
    } while (0)

/* CoTaskMemFree of an interface pointer: refused (the pointer is inside
 * the object's block), reported, and the object goes on working. */
static void scenario_task_free_of_object(void)
{
    INapSoHConstructor *c;
    INapSoHProcessor *p;
    IClassFactory *f = NULL;
    SoH *soh = NULL;
    SystemHealthEntityId id = 0;
    UINT16 count = 0;
    unsigned long long blocks;
    com_init();
    blocks = task_blocks();
    c = new_constructor();
    p = new_processor();
    if (!c || !p)
        return;
    CHECK_EQ(task_blocks(), blocks + 2);
    misuse_log_start();
    CoTaskMemFree(c);
    MISUSE_LOG_EXPECT(1);
    CHECK_REPORTED(NAPUTIL_MISUSE_INTERIOR, c);
    CHECK(strcmp(misuse_log.entries[0].function, "CoTaskMemFree") == 0);
    CoTaskMemFree(p);
    MISUSE_LOG_EXPECT(2);
    CHECK_REPORTED(NAPUTIL_MISUSE_INTERIOR, p);
    CHECK_EQ(CoGetClassObject(&CLSID_NapSoHConstructor, CLSCTX_INPROC_SERVER, NULL, &IID_IClassFactory,
                              (void **)&f),
             S_OK);
    CoTaskMemFree(f); /* a static object */
    MISUSE_LOG_EXPECT(3);
    CHECK(misuse_log_has(0, f));
    /* Nor may they be reallocated, or freed as a SoH. */
    misuse_log_start();
    CHECK(CoTaskMemRealloc(c, 8) == NULL);
    MISUSE_LOG_EXPECT(1);
    CHECK_REPORTED(NAPUTIL_MISUSE_INTERIOR, c);
    misuse_log_start();
    FreeSoH((SoH *)(void *)p);
    CHECK(misuse_log.count >= 1);
    CHECK(misuse_log_has(0, p));
    misuse_log_stop();
    {
        IMalloc *m = NULL;
        CHECK_EQ(CoGetMalloc(1, &m), S_OK);
        if (m) {
            CHECK_EQ(IMalloc_DidAlloc(m, c), 0);
            CHECK_EQ(IMalloc_GetSize(m, c), (SIZE_T)-1);
        }
    }
    CHECK_EQ(task_blocks(), blocks + 2);

    CHECK_EQ(constructor_refs(c), 1);
    CHECK_EQ(INapSoHConstructor_Initialize(c, EXAMPLE_SHA_ID, TRUE), S_OK);
    CHECK_EQ(INapSoHConstructor_GetSoH(c, &soh), S_OK);
    CHECK_EQ(INapSoHProcessor_Initialize(p, soh, TRUE, &id), S_OK);
    CHECK_EQ(id, EXAMPLE_SHA_ID);
    CHECK_EQ(INapSoHProcessor_GetNumberOfAttributes(p, &count), S_OK);
    CHECK_EQ(count, 1);
    FreeSoH(soh);
    if (f) {
        INapSoHConstructor *made = NULL;
        CHECK_EQ(IClassFactory_CreateInstance(f, NULL, &IID_INapSoHConstructor, (void **)&made), S_OK);
        if (made)
            CHECK_EQ(INapSoHConstructor_Release(made), 0);
    }
    CHECK_EQ(INapSoHConstructor_Release(c), 0);
    CHECK_EQ(INapSoHProcessor_Release(p), 0);
    CHECK_EQ(task_blocks(), blocks);
    com_done();
}

/* Calls on released objects: E_POINTER (AddRef and Release 0) and a
 * misuse report each. The library keeps the memory of the objects released
 * last for a while (so that a caller's own read of the vtable pointer
 * finds it); the calls are made again once many more objects have been
 * released after these, when their memory is freed, so that valgrind sees
 * any read of it. The test keeps the vtable pointers it read while the
 * objects were alive, so it reads nothing freed itself. */
#define EVICTING_OBJECTS 200

static void scenario_released_objects(void)
{
    INapSoHConstructor *c;
    INapSoHProcessor *p;
    const INapSoHConstructorVtbl *cv;
    const INapSoHProcessorVtbl *pv;
    SoHAttributeValue v = byte_value(1);
    SoHAttributeValue *value = (SoHAttributeValue *)SENTINEL;
    SoHAttributeType type = (SoHAttributeType)0;
    SoH *soh = (SoH *)SENTINEL;
    SoH valid;
    SoHAttribute attribute;
    SoHAttributeValue id_value;
    SystemHealthEntityId id = 0;
    void *other = SENTINEL;
    UINT16 count = 0xBEEF, at = 0xBEEF;
    com_init();
    c = new_constructor();
    p = new_processor();
    if (!c || !p)
        return;
    id_value.idVal = 5;
    attribute.type = sohAttributeTypeSystemHealthId;
    attribute.size = 4;
    attribute.value = (BYTE *)&id_value;
    valid.count = 1;
    valid.attributes = &attribute;
    cv = c->lpVtbl;
    pv = p->lpVtbl;
    CHECK_EQ(cv->Initialize(c, EXAMPLE_SHA_ID, TRUE), S_OK);
    CHECK_EQ(pv->Initialize(p, &valid, TRUE, &id), S_OK);
    CHECK_EQ(cv->Release(c), 0);
    CHECK_EQ(pv->Release(p), 0);

    misuse_log_start();
    CHECK_EQ(cv->AddRef(c), 0);
    CHECK_EQ(cv->Release(c), 0);
    CHECK_EQ(cv->QueryInterface(c, &IID_IUnknown, &other), E_POINTER);
    CHECK_EQ(cv->Initialize(c, EXAMPLE_SHA_ID, TRUE), E_POINTER);
    CHECK_EQ(cv->AppendAttribute(c, sohAttributeTypeHealthClass, &v), E_POINTER);
    CHECK_EQ(cv->GetSoH(c, &soh), E_POINTER);
    CHECK_EQ(cv->Validate(c, &valid, TRUE), E_POINTER);
    MISUSE_LOG_EXPECT(7);
    CHECK(misuse_log_has(0, c));
    misuse_log_start();
    CHECK_EQ(pv->AddRef(p), 0);
    CHECK_EQ(pv->Release(p), 0);
    CHECK_EQ(pv->QueryInterface(p, &IID_INapSoHProcessor, &other), E_POINTER);
    CHECK_EQ(pv->Initialize(p, &valid, TRUE, &id), E_POINTER);
    CHECK_EQ(pv->GetNumberOfAttributes(p, &count), E_POINTER);
    CHECK_EQ(pv->FindNextAttribute(p, 0, sohAttributeTypeSystemHealthId, &at), E_POINTER);
    CHECK_EQ(pv->GetAttribute(p, 0, &type, &value), E_POINTER);
    MISUSE_LOG_EXPECT(7);
    CHECK(misuse_log_has(0, p));
    misuse_log_stop();
    CHECK(soh == SENTINEL);
    CHECK(value == SENTINEL);
    CHECK_EQ(count, 0xBEEF);
    CHECK_EQ(at, 0xBEEF);
    /* Where QueryInterface wrote, it wrote NULL. */
    CHECK(other == SENTINEL || other == NULL);

    /* Many more objects made (all first, so none takes the memory of the
     * two above) and released. */
    {
        static INapSoHConstructor *later[EVICTING_OBJECTS];
        int i;
        for (i = 0; i < EVICTING_OBJECTS; i++)
            later[i] = new_constructor();
        for (i = 0; i < EVICTING_OBJECTS; i++)
            if (later[i])
                CHECK_EQ(INapSoHConstructor_Release(later[i]), 0);
    }
    misuse_log_start();
    CHECK_EQ(cv->AddRef(c), 0);
    CHECK_EQ(cv->Release(c), 0);
    CHECK_EQ(cv->Initialize(c, EXAMPLE_SHA_ID, TRUE), E_POINTER);
    CHECK_EQ(cv->GetSoH(c, &soh), E_POINTER);
    CHECK_EQ(pv->Release(p), 0);
    CHECK_EQ(pv->GetAttribute(p, 0, &type, &value), E_POINTER);
    CHECK_EQ(pv->FindNextAttribute(p, 0, sohAttributeTypeSystemHealthId, &at), E_POINTER);
    MISUSE_LOG_EXPECT(7);
    misuse_log_stop();
    CHECK(soh == SENTINEL);
    CHECK(value == SENTINEL);
    com_done();
}

/* A call through an object's vtable with a pointer that is not an object
 * of that class: a stack structure that borrows the vtable, and a live
 * object of the other class. */
static void scenario_not_an_object(void)
{
    INapSoHConstructor *c;
    INapSoHProcessor *p;
    INapSoHConstructor fake;
    SoH *soh = (SoH *)SENTINEL;
    UINT16 count = 0xBEEF;
    com_init();
    c = new_constructor();
    p = new_processor();
    if (!c || !p)
        return;
    fake.lpVtbl = c->lpVtbl;
    misuse_log_start();
    CHECK_EQ(INapSoHConstructor_Initialize(&fake, 1, TRUE), E_POINTER);
    CHECK_EQ(INapSoHConstructor_GetSoH(&fake, &soh), E_POINTER);
    CHECK_EQ(INapSoHConstructor_AddRef(&fake), 0);
    MISUSE_LOG_EXPECT(3);
    CHECK(misuse_log_has(0, &fake));
    misuse_log_start();
    CHECK_EQ(c->lpVtbl->Initialize((INapSoHConstructor *)(void *)p, 1, TRUE), E_POINTER);
    CHECK_EQ(c->lpVtbl->GetSoH((INapSoHConstructor *)(void *)p, &soh), E_POINTER);
    CHECK_EQ(p->lpVtbl->GetNumberOfAttributes((INapSoHProcessor *)(void *)c, &count), E_POINTER);
    CHECK_EQ(p->lpVtbl->Release((INapSoHProcessor *)(void *)c), 0);
    MISUSE_LOG_EXPECT(4);
    CHECK(misuse_log_has(0, p));
    CHECK(misuse_log_has(0, c));
    misuse_log_stop();
    CHECK(soh == SENTINEL);
    CHECK_EQ(count, 0xBEEF);
    /* Both objects are untouched. */
    CHECK_EQ(constructor_refs(c), 1);
    CHECK_EQ(processor_refs(p), 1);
    CHECK_EQ(INapSoHProcessor_GetNumberOfAttributes(p, &count), NAP_E_NOT_INITIALIZED);
    CHECK_EQ(INapSoHConstructor_GetSoH(c, &soh), NAP_E_NOT_INITIALIZED);
    CHECK_EQ(INapSoHConstructor_Release(c), 0);
    CHECK_EQ(INapSoHProcessor_Release(p), 0);
    com_done();
}

/* Objects forged in live task-memory blocks (the vtable pointer copied to
 * the start of a block, and 16 bytes in): not objects, so E_POINTER and a
 * misuse report; the blocks are left alone. */
static void scenario_forged_objects(void)
{
    INapSoHConstructor *c;
    INapSoHProcessor *p;
    BYTE *block = NULL, *other = NULL;
    SoH *soh = (SoH *)SENTINEL;
    UINT16 count = 0xBEEF;
    size_t at;
    com_init();
    c = new_constructor();
    p = new_processor();
    block = (BYTE *)CoTaskMemAlloc(128);
    other = (BYTE *)CoTaskMemAlloc(128);
    if (!c || !p || !block || !other)
        return;
    memset(block, 0, 128);
    memset(other, 0, 128);
    for (at = 0; at <= 16; at += 16) {
        INapSoHConstructor *fc = (INapSoHConstructor *)(void *)(block + at);
        INapSoHProcessor *fp = (INapSoHProcessor *)(void *)(other + at);
        fc->lpVtbl = c->lpVtbl;
        fp->lpVtbl = p->lpVtbl;
        misuse_log_start();
        CHECK_EQ(INapSoHConstructor_Initialize(fc, 1, TRUE), E_POINTER);
        CHECK_EQ(INapSoHConstructor_GetSoH(fc, &soh), E_POINTER);
        CHECK_EQ(INapSoHConstructor_Release(fc), 0);
        CHECK_EQ(INapSoHProcessor_GetNumberOfAttributes(fp, &count), E_POINTER);
        CHECK_EQ(INapSoHProcessor_Release(fp), 0);
        MISUSE_LOG_EXPECT(5);
        CHECK(misuse_log_has(0, fc));
        CHECK(misuse_log_has(0, fp));
        misuse_log_stop();
    }
    CHECK(soh == SENTINEL);
    CHECK_EQ(count, 0xBEEF);
    CoTaskMemFree(block);
    CoTaskMemFree(other);
    CHECK_EQ(INapSoHConstructor_Release(c), 0);
    CHECK_EQ(INapSoHProcessor_Release(p), 0);
    com_done();
}

/* The library's own entry points: no apartment needed, no context. */
static void scenario_naputil_create_instance(void)
{
    INapSoHConstructor *c = (INapSoHConstructor *)SENTINEL;
    IClassFactory *f = (IClassFactory *)SENTINEL;
    void *object;
    unsigned long long blocks = task_blocks();
#ifndef _WIN32 /* ole32's answer there */
    CHECK_EQ(try_create(), CO_E_NOTINITIALIZED);
#endif
    CHECK_EQ(naputil_create_instance(&CLSID_NapSoHConstructor, NULL, &IID_INapSoHConstructor, (void **)&c), S_OK);
    if (c != SENTINEL && c) {
        SoH *soh = NULL;
        CHECK_EQ(INapSoHConstructor_Initialize(c, EXAMPLE_SHA_ID, TRUE), S_OK);
        CHECK_EQ(INapSoHConstructor_GetSoH(c, &soh), S_OK);
        check_soh(soh, EXAMPLE_SHA_ID, NULL, 0);
        FreeSoH(soh);
        CHECK_EQ(INapSoHConstructor_Release(c), 0);
    }
    CHECK_EQ(naputil_get_class_object(&CLSID_NapSoHProcessor, &IID_IClassFactory, (void **)&f), S_OK);
    if (f != SENTINEL && f) {
        INapSoHProcessor *p = NULL;
        CHECK_EQ(IClassFactory_CreateInstance(f, NULL, &IID_INapSoHProcessor, (void **)&p), S_OK);
        if (p)
            CHECK_EQ(INapSoHProcessor_Release(p), 0);
#ifndef _WIN32 /* ole32's answer there */
        object = SENTINEL;
        CHECK_EQ(CoGetClassObject(&CLSID_NapSoHProcessor, CLSCTX_INPROC_SERVER, NULL, &IID_IClassFactory, &object),
                 CO_E_NOTINITIALIZED);
        CHECK(object == NULL);
#endif
    }
    object = SENTINEL;
    CHECK_EQ(naputil_get_class_object(&CLSID_NapSoHProcessor, &IID_IUnknown, &object), S_OK);
    CHECK(object == (void *)f);

    CHECK_EQ(naputil_create_instance(&CLSID_NapSoHConstructor, NULL, &IID_IUnknown, NULL), E_POINTER);
    CHECK_EQ(naputil_create_instance(NULL, NULL, NULL, NULL), E_POINTER);
    object = SENTINEL;
    CHECK_EQ(naputil_create_instance(NULL, NULL, &IID_IUnknown, &object), E_INVALIDARG);
    CHECK(object == NULL);
    object = SENTINEL;
    CHECK_EQ(naputil_create_instance(&CLSID_NapSoHConstructor, NULL, NULL, &object), E_INVALIDARG);
    CHECK(object == NULL);
    object = SENTINEL;
    CHECK_EQ(naputil_create_instance(&clsid_unknown, NULL, &IID_IUnknown, &object), REGDB_E_CLASSNOTREG);
    CHECK(object == NULL);
    object = SENTINEL;
    CHECK_EQ(naputil_create_instance(&CLSID_NapSoHProcessor, (IUnknown *)f, &IID_IUnknown, &object),
             CLASS_E_NOAGGREGATION);
    CHECK(object == NULL);
    object = SENTINEL;
    CHECK_EQ(naputil_create_instance(&CLSID_NapSoHProcessor, NULL, &IID_INapSoHConstructor, &object), E_NOINTERFACE);
    CHECK(object == NULL);
    CHECK_EQ(naputil_get_class_object(&CLSID_NapSoHProcessor, &IID_IClassFactory, NULL), E_POINTER);
    object = SENTINEL;
    CHECK_EQ(naputil_get_class_object(NULL, &IID_IClassFactory, &object), E_INVALIDARG);
    CHECK(object == NULL);
    object = SENTINEL;
    CHECK_EQ(naputil_get_class_object(&CLSID_NapSoHProcessor, NULL, &object), E_INVALIDARG);
    CHECK(object == NULL);
    object = SENTINEL;
    CHECK_EQ(naputil_get_class_object(&clsid_unknown, &IID_IClassFactory, &object), REGDB_E_CLASSNOTREG);
    CHECK(object == NULL);
    object = SENTINEL;
    CHECK_EQ(naputil_get_class_object(&CLSID_NapSoHConstructor, &IID_INapSoHConstructor, &object), E_NOINTERFACE);
    CHECK(object == NULL);
    CHECK_EQ(task_blocks(), blocks);
}
#endif /* WITH_NAPUTIL_HEADER */

#ifndef _WIN32 /* POSIX: stderr captured with dup2, a child process (fork, exec) */
typedef struct Found {
    const void *object;
    int containing;
} Found;

static void find_object(void *block, size_t size, void *context)
{
    Found *f = (Found *)context;
    if ((const BYTE *)f->object >= (const BYTE *)block && (const BYTE *)f->object < (const BYTE *)block + size)
        f->containing++;
}

/* Runs naputil_report_leaks(checkpoint) with stderr going to a file;
 * returns what it printed (at most size - 1 bytes). */
static void leak_report_text(uint32_t checkpoint, char *text, size_t size)
{
    FILE *capture = tmpfile();
    int saved;
    size_t n;
    text[0] = 0;
    CHECK(capture != NULL);
    if (!capture)
        return;
    fflush(stderr);
    saved = dup(2);
    dup2(fileno(capture), 2);
    naputil_report_leaks(checkpoint);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(capture);
    n = fread(text, 1, size - 1, capture);
    text[n] = 0;
    fclose(capture);
}

/* A live object is one tracked block; the leak report names its class. */
static void scenario_objects_in_leak_report(void)
{
    static char text[4096];
    INapSoHConstructor *c;
    INapSoHProcessor *p;
    Found found;
    uint32_t checkpoint;
    com_init();
    checkpoint = naputil_checkpoint();
    c = new_constructor();
    p = new_processor();
    if (!c || !p)
        return;
    CHECK_EQ(naputil_leaks_since(checkpoint, NULL, NULL), 2);
    found.object = c;
    found.containing = 0;
    naputil_leaks_since(checkpoint, find_object, &found);
    CHECK_EQ(found.containing, 1);
    found.object = p;
    found.containing = 0;
    naputil_leaks_since(checkpoint, find_object, &found);
    CHECK_EQ(found.containing, 1);
    leak_report_text(checkpoint, text, sizeof text);
    if (!strstr(text, "an INapSoHConstructor object") || !strstr(text, "an INapSoHProcessor object"))
        fprintf(stderr, "soh_com.c: the leak report said:\n%s\n", text);
    CHECK(strstr(text, "an INapSoHConstructor object") != NULL);
    CHECK(strstr(text, "an INapSoHProcessor object") != NULL);
    CHECK_EQ(INapSoHConstructor_Release(c), 0);
    CHECK_EQ(naputil_leaks_since(checkpoint, NULL, NULL), 1);
    CHECK_EQ(INapSoHProcessor_Release(p), 0);
    CHECK_EQ(naputil_leaks_since(checkpoint, NULL, NULL), 0);
    com_done();
}

/* The child of scenario_leaked_object_at_exit: leaves an object alive. */
static int leak_an_object(void)
{
    void *object = NULL;
    if (FAILED(CoInitializeEx(NULL, COINIT_MULTITHREADED)))
        return 1;
    if (FAILED(CoCreateInstance(&CLSID_NapSoHConstructor, NULL, CLSCTX_INPROC_SERVER, &IID_INapSoHConstructor,
                                &object)))
        return 1;
    CoUninitialize();
    return 0;
}

static const char *self_path;

/* An object never released is a leak at exit: NAPUTIL_LEAK_REPORT names
 * it, NAPUTIL_LEAK_EXITCODE counts it. (This program again, with the
 * settings the library reads at load time.) */
static void scenario_leaked_object_at_exit(void)
{
    static char text[4096];
    size_t used = 0;
    ssize_t got;
    int fds[2], status = 0;
    pid_t pid;
    CHECK(pipe(fds) == 0);
    pid = fork();
    if (pid == 0) {
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        setenv("NAPUTIL_LEAK_REPORT", "1", 1);
        setenv("NAPUTIL_LEAK_EXITCODE", "3", 1);
        execl(self_path, self_path, "--leak-an-object", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    while (used < sizeof text - 1 && (got = read(fds[0], text + used, sizeof text - 1 - used)) > 0)
        used += (size_t)got;
    text[used] = 0;
    close(fds[0]);
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK_EQ(WEXITSTATUS(status), 3);
    if (!strstr(text, "an INapSoHConstructor object"))
        fprintf(stderr, "soh_com.c: at exit the child said:\n%s\n", text);
    CHECK(strstr(text, "an INapSoHConstructor object") != NULL);
}
#endif /* !_WIN32 */

int main(int argc, char **argv)
{
#ifndef _WIN32
    if (argc > 1 && strcmp(argv[1], "--leak-an-object") == 0)
        return leak_an_object();
    self_path = argv[0];
#else
    (void)argc;
    (void)argv;
#endif
    RUN(scenario_create_and_count_references);
    RUN(scenario_contexts);
    RUN(scenario_creation_bad_input);
#ifndef _WIN32 /* the apartment rules are ole32's on Windows */
    RUN(scenario_apartments);
#endif
    RUN(scenario_class_factory);
    RUN(scenario_sha_request_shv_response);
    RUN(scenario_get_soh_again);
    RUN(scenario_constructor_bad_input);
    RUN(scenario_validate);
    RUN(scenario_processor_bad_input);
    RUN(scenario_deep_copies);
    RUN(scenario_threads);
    RUN(scenario_spy_sees_allocations);
    RUN(scenario_spy_reenters_object);
    RUN(scenario_spy_releases_object_mid_call);
    RUN(scenario_out_of_memory);
#ifdef WITH_NAPUTIL_HEADER
    RUN(scenario_task_free_of_object);
    RUN(scenario_released_objects);
    RUN(scenario_not_an_object);
    RUN(scenario_forged_objects);
    RUN(scenario_naputil_create_instance);
#endif
#ifndef _WIN32
    RUN(scenario_objects_in_leak_report);
    RUN(scenario_leaked_object_at_exit);
    isolate_summary("soh_com");
#endif
    CHECK_EXIT();
}
