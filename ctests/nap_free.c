/*
 * The Free* functions of NapUtil.h on structures built the way NAP code
 * builds them (every member its own CoTaskMemAlloc block): what each frees,
 * NULL arguments, NULL embedded members, FreeSoHAttributeValue for every
 * SoHAttributeType and for unknown types, FreeNapComponentRegistrationInfoArray
 * clearing its argument.
 */
#include <stdint.h>
#include <string.h>

#include "napUtil.h"
#include "check.h"

static IMalloc *task;

static NaputilStats stats_now(void)
{
    NaputilStats s;
    memset(&s, 0, sizeof s);
    CHECK_EQ(naputil_get_stats(&s), S_OK);
    return s;
}

static int is_block(const void *p)
{
    return task->lpVtbl->DidAlloc(task, (void *)p) == 1;
}

/* A zero-filled task-memory block. */
static void *zalloc(size_t n)
{
    void *p = CoTaskMemAlloc(n);
    CHECK(p != NULL);
    if (p)
        memset(p, 0, n);
    return p;
}

/*
 * Checks what a Free* call did since `before`: exactly `frees` blocks freed,
 * none allocated, no misuse.
 */
static void expect_freed(const NaputilStats *before, uint64_t frees, int line)
{
    NaputilStats after = stats_now();
    if (after.total_frees - before->total_frees != frees || after.misuse_total != before->misuse_total)
        fprintf(stderr, "%s:%d: expected %llu block(s) freed and no misuse, got %llu freed, %llu misuse\n",
                __FILE__, line, (unsigned long long)frees,
                (unsigned long long)(after.total_frees - before->total_frees),
                (unsigned long long)(after.misuse_total - before->misuse_total));
    CHECK_EQ(after.total_frees - before->total_frees, frees);
    CHECK_EQ(before->live_blocks - after.live_blocks, frees);
    CHECK_EQ(after.total_allocs, before->total_allocs);
    CHECK_EQ(after.misuse_total, before->misuse_total);
}

#define EXPECT_FREED(before, n) expect_freed(&(before), (n), __LINE__)

/* A CountedString member the way real code gets one: copied out of the
 * struct AllocCountedString made, whose struct is then freed. */
static CountedString make_member(const char *ascii)
{
    WCHAR buffer[64];
    CountedString *made = NULL;
    CountedString copy = { 0, NULL };
    size_t i;

    for (i = 0; ascii[i] && i < 63; i++)
        buffer[i] = (WCHAR)ascii[i];
    buffer[i] = 0;
    CHECK_EQ(AllocCountedString(&made, buffer), S_OK);
    if (made) {
        copy = *made;
        CoTaskMemFree(made);
    }
    return copy;
}

static void test_null_arguments(void)
{
    NaputilStats before = stats_now();
    NapComponentRegistrationInfo *none = NULL;

    FreeConnections(NULL);
    FreeCountedString(NULL);
    FreeFixupInfo(NULL);
    FreeIsolationInfo(NULL);
    FreeIsolationInfoEx(NULL);
    FreeSoH(NULL);
    FreeNetworkSoH(NULL);
    FreePrivateData(NULL);
    FreeSoHAttributeValue(sohAttributeTypeVendorSpecific, NULL);
    FreeSoHAttributeValue(999, NULL);
    FreeNapComponentRegistrationInfoArray(3, NULL);
    FreeNapComponentRegistrationInfoArray(0, NULL);
    FreeNapComponentRegistrationInfoArray(3, &none);
    CHECK(none == NULL);
    FreeSystemHealthAgentState(NULL);
    EXPECT_FREED(before, 0);
}

static void test_counted_string(void)
{
    NaputilStats before;
    CountedString *cs = zalloc(sizeof *cs);

    /* NULL string member: only the struct. */
    before = stats_now();
    FreeCountedString(cs);
    EXPECT_FREED(before, 1);

    cs = zalloc(sizeof *cs);
    if (cs)
        *cs = make_member("string member");
    before = stats_now();
    FreeCountedString(cs);
    EXPECT_FREED(before, 2);
}

static void test_fixup_info(void)
{
    NaputilStats before;
    FixupInfo *f = zalloc(sizeof *f);

    before = stats_now();
    FreeFixupInfo(f);
    EXPECT_FREED(before, 1);

    f = zalloc(sizeof *f);
    if (f) {
        f->resultCodes.count = 4;
        f->resultCodes.results = zalloc(4 * sizeof(HRESULT));
        f->percentage = percentageNotSupported;
    }
    before = stats_now();
    FreeFixupInfo(f);
    EXPECT_FREED(before, 2);
}

static void test_isolation_info(void)
{
    NaputilStats before;
    IsolationInfo *info = zalloc(sizeof *info);
    IsolationInfoEx *ex;

    if (info)
        info->isolationState = isolationStateRestrictedAccess;
    before = stats_now();
    FreeIsolationInfo(info);
    EXPECT_FREED(before, 1);

    info = zalloc(sizeof *info);
    if (info) {
        info->isolationState = isolationStateInProbation;
        info->probEndTime.dwLowDateTime = 0x12345678;
        info->failureUrl = make_member("http://example.invalid/fix");
    }
    before = stats_now();
    FreeIsolationInfo(info);
    EXPECT_FREED(before, 2);

    ex = zalloc(sizeof *ex);
    before = stats_now();
    FreeIsolationInfoEx(ex);
    EXPECT_FREED(before, 1);

    ex = zalloc(sizeof *ex);
    if (ex) {
        ex->isolationState = isolationStateNotRestricted;
        ex->extendedIsolationState = extendedIsolationStateInfected;
        ex->failureUrl = make_member("u");
    }
    before = stats_now();
    FreeIsolationInfoEx(ex);
    EXPECT_FREED(before, 2);
}

static void test_network_soh_and_private_data(void)
{
    NaputilStats before;
    NetworkSoH *n = zalloc(sizeof *n);
    PrivateData *p;

    before = stats_now();
    FreeNetworkSoH(n);
    EXPECT_FREED(before, 1);

    n = zalloc(sizeof *n);
    if (n) {
        n->size = maxNetworkSoHSize;
        n->data = zalloc(maxNetworkSoHSize);
    }
    before = stats_now();
    FreeNetworkSoH(n);
    EXPECT_FREED(before, 2);

    p = zalloc(sizeof *p);
    before = stats_now();
    FreePrivateData(p);
    EXPECT_FREED(before, 1);

    p = zalloc(sizeof *p);
    if (p) {
        p->size = maxPrivateDataSize;
        p->data = zalloc(maxPrivateDataSize);
    }
    before = stats_now();
    FreePrivateData(p);
    EXPECT_FREED(before, 2);
}

static void test_system_health_agent_state(void)
{
    NaputilStats before;
    SystemHealthAgentState *s = zalloc(sizeof *s);

    before = stats_now();
    FreeSystemHealthAgentState(s);
    EXPECT_FREED(before, 1);

    s = zalloc(sizeof *s);
    if (s) {
        s->shaResultCodes.count = 2;
        s->shaResultCodes.results = zalloc(2 * sizeof(HRESULT));
    }
    before = stats_now();
    FreeSystemHealthAgentState(s);
    EXPECT_FREED(before, 2);

    s = zalloc(sizeof *s);
    if (s) {
        s->fixupInfo.resultCodes.count = 3;
        s->fixupInfo.resultCodes.results = zalloc(3 * sizeof(HRESULT));
    }
    before = stats_now();
    FreeSystemHealthAgentState(s);
    EXPECT_FREED(before, 2);

    s = zalloc(sizeof *s);
    if (s) {
        s->id = 0x13701;
        s->failureCategory = failureCategoryClientComponent;
        s->shaResultCodes.count = 1;
        s->shaResultCodes.results = zalloc(sizeof(HRESULT));
        s->fixupInfo.resultCodes.count = 1;
        s->fixupInfo.resultCodes.results = zalloc(sizeof(HRESULT));
    }
    before = stats_now();
    FreeSystemHealthAgentState(s);
    EXPECT_FREED(before, 3);
}

/* ---- SoHAttributeValue --------------------------------------------------- */

/*
 * Builds a value for `type` with its embedded array (if the type has one)
 * as a separate block; returns that block through `embedded` (NULL when the
 * type has none).
 */
static SoHAttributeValue *make_value(UINT32 type, void **embedded)
{
    SoHAttributeValue *v = zalloc(sizeof *v);
    *embedded = NULL;
    if (!v)
        return NULL;
    switch (type) {
    case sohAttributeTypeSystemHealthId:
        v->idVal = 0x13701;
        break;
    case sohAttributeTypeIpv4FixupServers:
        v->v4AddressesVal.count = 2;
        v->v4AddressesVal.addresses = zalloc(2 * sizeof(Ipv4Address));
        *embedded = v->v4AddressesVal.addresses;
        break;
    case sohAttributeTypeIpv6FixupServers:
        v->v6AddressesVal.count = 3;
        v->v6AddressesVal.addresses = zalloc(3 * sizeof(Ipv6Address));
        *embedded = v->v6AddressesVal.addresses;
        break;
    case sohAttributeTypeComplianceResultCodes:
    case sohAttributeTypeErrorCodes:
        v->codesVal.count = 2;
        v->codesVal.results = zalloc(2 * sizeof(HRESULT));
        *embedded = v->codesVal.results;
        break;
    case sohAttributeTypeTimeOfLastUpdate:
    case sohAttributeTypeSoHGenerationTime:
        v->dateTimeVal.dwLowDateTime = 0xFFFFFFFFu;
        v->dateTimeVal.dwHighDateTime = 0x01D00000u;
        break;
    case sohAttributeTypeClientId:
    case sohAttributeTypeSoftwareVersion:
    case sohAttributeTypeProductName:
    case sohAttributeTypeHealthClassStatus:
        v->octetStringVal.size = 5;
        v->octetStringVal.data = zalloc(5);
        *embedded = v->octetStringVal.data;
        break;
    case sohAttributeTypeVendorSpecific:
        v->vendorSpecificVal.vendorId = 311;
        v->vendorSpecificVal.size = 7;
        v->vendorSpecificVal.vendorSpecificData = zalloc(7);
        *embedded = v->vendorSpecificVal.vendorSpecificData;
        break;
    case sohAttributeTypeHealthClass:
    case sohAttributeTypeFailureCategory:
    case sohAttributeTypeExtendedIsolationState:
        v->uint8Val = 2;
        break;
    default:
        break;
    }
    return v;
}

static void test_attribute_value_every_type(void)
{
    UINT32 type;

    for (type = sohAttributeTypeSystemHealthId; type <= sohAttributeTypeExtendedIsolationState; type++) {
        void *embedded;
        SoHAttributeValue *v = make_value(type, &embedded);
        NaputilStats before = stats_now();

        FreeSoHAttributeValue(type, v);
        if (embedded) {
            EXPECT_FREED(before, 2);
            CHECK(!is_block(embedded));
        } else {
            EXPECT_FREED(before, 1);
        }
        CHECK(!is_block(v));
    }
}

/* Pointer-carrying types with a NULL embedded pointer free only the value. */
static void test_attribute_value_null_members(void)
{
    static const UINT32 types[] = { sohAttributeTypeIpv4FixupServers, sohAttributeTypeIpv6FixupServers,
                                    sohAttributeTypeComplianceResultCodes, sohAttributeTypeErrorCodes,
                                    sohAttributeTypeClientId, sohAttributeTypeVendorSpecific };
    size_t k;

    for (k = 0; k < sizeof types / sizeof types[0]; k++) {
        SoHAttributeValue *v = zalloc(sizeof *v);
        NaputilStats before = stats_now();
        if (v && types[k] == sohAttributeTypeVendorSpecific)
            v->vendorSpecificVal.size = 9;
        FreeSoHAttributeValue(types[k], v);
        EXPECT_FREED(before, 1);
    }
}

/*
 * The type, not the bytes, decides what is freed: a live block sitting where
 * another member's pointer would be is left alone, and an unknown type frees
 * only the value.
 */
static void test_attribute_value_type_decides(void)
{
    static const UINT32 no_pointer[] = { sohAttributeTypeSystemHealthId, sohAttributeTypeTimeOfLastUpdate,
                                         sohAttributeTypeSoHGenerationTime, sohAttributeTypeHealthClass,
                                         sohAttributeTypeFailureCategory,
                                         sohAttributeTypeExtendedIsolationState, 0, 1, 17, 999,
                                         0xFFFFFFFFu };
    size_t k;

    for (k = 0; k < sizeof no_pointer / sizeof no_pointer[0]; k++) {
        SoHAttributeValue *v = zalloc(sizeof *v);
        void *bystander = zalloc(8);
        NaputilStats before;

        if (!v || !bystander)
            continue;
        /* Every pointer-carrying member's pointer sits at offset 8. */
        v->octetStringVal.size = 8;
        v->octetStringVal.data = bystander;
        CHECK((void *)v->codesVal.results == bystander);
        CHECK((void *)v->v4AddressesVal.addresses == bystander);
        CHECK((void *)v->v6AddressesVal.addresses == bystander);
        CHECK((void *)v->vendorSpecificVal.vendorSpecificData == bystander);
        before = stats_now();
        FreeSoHAttributeValue(no_pointer[k], v);
        EXPECT_FREED(before, 1);
        CHECK(is_block(bystander));
        CoTaskMemFree(bystander);
    }
}

/* ---- SoH ------------------------------------------------------------------ */

static void test_soh(void)
{
    NaputilStats before;
    SoH *soh;
    UINT16 i, n = 0;
    uint64_t blocks = 0;

    /* Bare struct, NULL attributes. */
    soh = zalloc(sizeof *soh);
    before = stats_now();
    FreeSoH(soh);
    EXPECT_FREED(before, 1);

    /* count 0 with an (empty) array: the array is still freed. */
    soh = zalloc(sizeof *soh);
    if (soh)
        soh->attributes = zalloc(sizeof(SoHAttribute));
    before = stats_now();
    FreeSoH(soh);
    EXPECT_FREED(before, 2);

    /* One attribute of every type, plus an unknown type and a NULL value. */
    soh = zalloc(sizeof *soh);
    if (!soh)
        return;
    soh->attributes = zalloc(20 * sizeof(SoHAttribute));
    if (!soh->attributes) {
        CoTaskMemFree(soh);
        return;
    }
    blocks = 2;
    for (i = sohAttributeTypeSystemHealthId; i <= sohAttributeTypeExtendedIsolationState; i++, n++) {
        void *embedded;
        soh->attributes[n].type = i;
        soh->attributes[n].size = sizeof(SoHAttributeValue);
        soh->attributes[n].value = (BYTE *)make_value(i, &embedded);
        blocks += 1 + (embedded != NULL);
    }
    soh->attributes[n].type = 999;
    soh->attributes[n].size = sizeof(SoHAttributeValue);
    soh->attributes[n].value = (BYTE *)zalloc(sizeof(SoHAttributeValue));
    blocks++;
    n++;
    soh->attributes[n].type = sohAttributeTypeVendorSpecific;
    soh->attributes[n].size = 0;
    soh->attributes[n].value = NULL;
    n++;
    soh->count = n;
    CHECK(n <= maxSoHAttributeCount);

    before = stats_now();
    FreeSoH(soh);
    EXPECT_FREED(before, blocks);
}

/* A count larger than the array: the array is read no further than it goes. */
static void test_soh_count_beyond_array(void)
{
    SoH *soh = zalloc(sizeof *soh);
    NaputilStats before;
    void *embedded;

    if (!soh)
        return;
    soh->attributes = zalloc(2 * sizeof(SoHAttribute));
    if (!soh->attributes)
        return;
    soh->count = 5;
    soh->attributes[0].type = sohAttributeTypeErrorCodes;
    soh->attributes[0].value = (BYTE *)make_value(sohAttributeTypeErrorCodes, &embedded);
    soh->attributes[1].type = sohAttributeTypeHealthClass;
    soh->attributes[1].value = (BYTE *)make_value(sohAttributeTypeHealthClass, &embedded);
    before = stats_now();
    FreeSoH(soh);
    EXPECT_FREED(before, 5);
}

/* ---- NapComponentRegistrationInfo arrays -------------------------------- */

static void test_registration_info_array(void)
{
    NaputilStats before;
    NapComponentRegistrationInfo *info, *keep;
    UINT16 i;

    info = zalloc(3 * sizeof *info);
    if (!info)
        return;
    for (i = 0; i < 3; i++) {
        info[i].id = 0x13700 + i;
        info[i].friendlyName = make_member("Friendly");
        info[i].description = make_member("Description");
        info[i].version = make_member("1.0");
        info[i].vendorName = make_member("Vendor");
        info[i].componentType = ComponentTypeEnforcementClientSoH;
    }
    /* Some NULL members in the middle element. */
    CoTaskMemFree(info[1].description.string);
    info[1].description.string = NULL;
    CoTaskMemFree(info[1].vendorName.string);
    info[1].vendorName.string = NULL;

    keep = info;
    before = stats_now();
    FreeNapComponentRegistrationInfoArray(3, &info);
    EXPECT_FREED(before, 4 + 2 + 4 + 1);
    CHECK(info == NULL);
    CHECK(!is_block(keep));

    /* count 0: only the array, and *info is cleared. */
    info = zalloc(sizeof *info);
    before = stats_now();
    FreeNapComponentRegistrationInfoArray(0, &info);
    EXPECT_FREED(before, 1);
    CHECK(info == NULL);

    /* A single element with every string NULL. */
    info = zalloc(sizeof *info);
    before = stats_now();
    FreeNapComponentRegistrationInfoArray(1, &info);
    EXPECT_FREED(before, 1);
    CHECK(info == NULL);
}

int main(void)
{
    uint64_t start_blocks = naputil_live_blocks();
    uint64_t start_misuse = naputil_misuse_count();

    CHECK_EQ(CoGetMalloc(1, &task), S_OK);
    if (!task)
        CHECK_EXIT();

    test_null_arguments();
    test_counted_string();
    test_fixup_info();
    test_isolation_info();
    test_network_soh_and_private_data();
    test_system_health_agent_state();
    test_attribute_value_every_type();
    test_attribute_value_null_members();
    test_attribute_value_type_decides();
    test_soh();
    test_soh_count_beyond_array();
    test_registration_info_array();

    CHECK_EQ(naputil_live_blocks(), start_blocks);
    CHECK_EQ(naputil_misuse_count(), start_misuse);
    CHECK_EXIT();
}
