/*
 * Misuse through the NapUtil.h Free* functions: a top-level pointer or an
 * embedded member that is not a live task-memory block (stack, static,
 * string literal, malloc'd, already freed, interior) is left alone, counted
 * once by kind, and reported under the Free* function's name, while every
 * valid block in the same structure is still freed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "napUtil.h"
#include "check.h"

#define MAX_INCIDENTS 8

struct incident {
    uint32_t kind;
    char function[64];
    const void *pointer;
    const void *block;
};

static struct {
    int count;
    struct incident list[MAX_INCIDENTS];
} rec;

static void record_misuse(const NaputilMisuse *misuse, void *context)
{
    (void)context;
    if (rec.count < MAX_INCIDENTS) {
        struct incident *i = &rec.list[rec.count];
        i->kind = misuse->kind;
        i->function[0] = '\0';
        if (misuse->function) {
            strncpy(i->function, misuse->function, sizeof i->function - 1);
            i->function[sizeof i->function - 1] = '\0';
        }
        i->pointer = misuse->pointer;
        i->block = misuse->block;
    }
    rec.count++;
}

static NaputilStats stats_now(void)
{
    NaputilStats s;
    memset(&s, 0, sizeof s);
    CHECK_EQ(naputil_get_stats(&s), S_OK);
    return s;
}

static void *zalloc(size_t n)
{
    void *p = CoTaskMemAlloc(n);
    CHECK(p != NULL);
    if (p)
        memset(p, 0, n);
    return p;
}

struct expected {
    uint32_t kind;
    const void *pointer;
    const void *block;
};

/*
 * Checks the incidents recorded since `rec.count` was reset: exactly
 * `n` of them, in order, each naming `function`; and that `frees` blocks
 * were freed since `before`.
 */
static void expect_incidents(const char *function, const NaputilStats *before, uint64_t frees,
                             const struct expected *want, int n, int line)
{
    NaputilStats after = stats_now();
    int i;

    if (rec.count != n)
        fprintf(stderr, "%s:%d: %s: %d incident(s) reported, expected %d\n", __FILE__, line, function,
                rec.count, n);
    CHECK_EQ(rec.count, n);
    CHECK_EQ(after.misuse_total - before->misuse_total, n);
    for (i = 0; i < n && i < rec.count && i < MAX_INCIDENTS; i++) {
        if (rec.list[i].kind != want[i].kind || rec.list[i].pointer != want[i].pointer ||
            strcmp(rec.list[i].function, function) != 0)
            fprintf(stderr, "%s:%d: incident %d: kind %u function \"%s\" pointer %p; expected kind %u "
                            "function \"%s\" pointer %p\n",
                    __FILE__, line, i, (unsigned)rec.list[i].kind, rec.list[i].function, rec.list[i].pointer,
                    (unsigned)want[i].kind, function, want[i].pointer);
        CHECK_EQ(rec.list[i].kind, want[i].kind);
        CHECK(strcmp(rec.list[i].function, function) == 0);
        CHECK(rec.list[i].pointer == want[i].pointer);
        CHECK(rec.list[i].block == want[i].block);
    }
    if (after.total_frees - before->total_frees != frees)
        fprintf(stderr, "%s:%d: %s freed %llu block(s), expected %llu\n", __FILE__, line, function,
                (unsigned long long)(after.total_frees - before->total_frees), (unsigned long long)frees);
    CHECK_EQ(after.total_frees - before->total_frees, frees);
    CHECK_EQ(after.total_allocs, before->total_allocs);
    rec.count = 0;
}

#define EXPECT_ONE(function, before, frees, kind, pointer, block)                                       \
    do {                                                                                                \
        struct expected one_ = { (kind), (pointer), (block) };                                         \
        expect_incidents((function), &(before), (frees), &one_, 1, __LINE__);                         \
    } while (0)

static const WCHAR static_wide[] = { 's', 't', 'a', 't', 'i', 'c', 0 };
static HRESULT static_results[4];
static BYTE static_bytes[16];
static SoHAttribute static_attributes[2];
static INapEnforcementClientConnection *static_connections[2];
static CountedString static_counted = { 6, NULL };
static NapComponentRegistrationInfo static_info[1];

/* ---- bad top-level pointers --------------------------------------------- */

typedef void (*free_fn)(void *);

static void free_connections(void *p) { FreeConnections(p); }
static void free_counted_string(void *p) { FreeCountedString(p); }
static void free_fixup_info(void *p) { FreeFixupInfo(p); }
static void free_isolation_info(void *p) { FreeIsolationInfo(p); }
static void free_isolation_info_ex(void *p) { FreeIsolationInfoEx(p); }
static void free_soh(void *p) { FreeSoH(p); }
static void free_network_soh(void *p) { FreeNetworkSoH(p); }
static void free_private_data(void *p) { FreePrivateData(p); }
static void free_attribute_value(void *p) { FreeSoHAttributeValue(sohAttributeTypeVendorSpecific, p); }
static void free_agent_state(void *p) { FreeSystemHealthAgentState(p); }

static const struct {
    const char *name;
    free_fn call;
} free_functions[] = {
    { "FreeConnections", free_connections },
    { "FreeCountedString", free_counted_string },
    { "FreeFixupInfo", free_fixup_info },
    { "FreeIsolationInfo", free_isolation_info },
    { "FreeIsolationInfoEx", free_isolation_info_ex },
    { "FreeSoH", free_soh },
    { "FreeNetworkSoH", free_network_soh },
    { "FreePrivateData", free_private_data },
    { "FreeSoHAttributeValue", free_attribute_value },
    { "FreeSystemHealthAgentState", free_agent_state },
};

static void test_bad_top_level(void *foreign)
{
    size_t k;

    for (k = 0; k < sizeof free_functions / sizeof free_functions[0]; k++) {
        const char *name = free_functions[k].name;
        /* Big enough to look like any of the structures. */
        unsigned char stack_struct[128];
        unsigned char *live = zalloc(128);
        void *freed = zalloc(64);
        NaputilStats before;

        memset(stack_struct, 0, sizeof stack_struct);
        CoTaskMemFree(freed);

        before = stats_now();
        free_functions[k].call(stack_struct);
        EXPECT_ONE(name, before, 0, NAPUTIL_MISUSE_STACK, stack_struct, NULL);

        before = stats_now();
        free_functions[k].call(&static_counted);
        EXPECT_ONE(name, before, 0, NAPUTIL_MISUSE_STATIC, &static_counted, NULL);

        before = stats_now();
        free_functions[k].call((void *)"a string literal, long enough");
        CHECK_EQ(rec.count, 1);
        CHECK(rec.count == 1 && rec.list[0].kind == NAPUTIL_MISUSE_STATIC);
        rec.count = 0;

        before = stats_now();
        free_functions[k].call(foreign);
        EXPECT_ONE(name, before, 0, NAPUTIL_MISUSE_FOREIGN, foreign, NULL);

        before = stats_now();
        free_functions[k].call(freed);
        EXPECT_ONE(name, before, 0, NAPUTIL_MISUSE_DOUBLE_FREE, freed, NULL);

        if (live) {
            before = stats_now();
            free_functions[k].call(live + 32);
            EXPECT_ONE(name, before, 0, NAPUTIL_MISUSE_INTERIOR, live + 32, live);
            CoTaskMemFree(live);
        }
    }
}

/* ---- bad embedded members ------------------------------------------------ */

static void test_counted_string_static_member(void)
{
    CountedString *cs = zalloc(sizeof *cs);
    NaputilStats before;

    if (!cs)
        return;
    cs->length = 6;
    cs->string = (WCHAR *)static_wide;
    before = stats_now();
    FreeCountedString(cs);
    EXPECT_ONE("FreeCountedString", before, 1, NAPUTIL_MISUSE_STATIC, static_wide, NULL);
    CHECK(static_wide[0] == 's' && static_wide[6] == 0);
}

static void test_isolation_info_members(void *foreign)
{
    WCHAR stack_url[4] = { 'u', 'r', 'l', 0 };
    IsolationInfo *info = zalloc(sizeof *info);
    IsolationInfoEx *ex = zalloc(sizeof *ex);
    NaputilStats before;

    if (info) {
        info->failureUrl.length = 3;
        info->failureUrl.string = stack_url;
        before = stats_now();
        FreeIsolationInfo(info);
        EXPECT_ONE("FreeIsolationInfo", before, 1, NAPUTIL_MISUSE_STACK, stack_url, NULL);
    }
    if (ex) {
        ex->failureUrl.string = foreign;
        before = stats_now();
        FreeIsolationInfoEx(ex);
        EXPECT_ONE("FreeIsolationInfoEx", before, 1, NAPUTIL_MISUSE_FOREIGN, foreign, NULL);
    }
}

static void test_data_members(void)
{
    FixupInfo *f = zalloc(sizeof *f);
    NetworkSoH *n = zalloc(sizeof *n);
    PrivateData *p = zalloc(sizeof *p);
    unsigned char *holder = zalloc(64);
    void *gone = zalloc(8);
    NaputilStats before;

    CoTaskMemFree(gone);
    if (f) {
        f->resultCodes.count = 4;
        f->resultCodes.results = static_results;
        before = stats_now();
        FreeFixupInfo(f);
        EXPECT_ONE("FreeFixupInfo", before, 1, NAPUTIL_MISUSE_STATIC, static_results, NULL);
    }
    if (n && holder) {
        n->size = 16;
        n->data = holder + 16;
        before = stats_now();
        FreeNetworkSoH(n);
        EXPECT_ONE("FreeNetworkSoH", before, 1, NAPUTIL_MISUSE_INTERIOR, holder + 16, holder);
        CHECK(CoTaskMemRealloc(holder, 0) == NULL);
    }
    if (p) {
        p->size = 8;
        p->data = gone;
        before = stats_now();
        FreePrivateData(p);
        EXPECT_ONE("FreePrivateData", before, 1, NAPUTIL_MISUSE_DOUBLE_FREE, gone, NULL);
    }
}

static void test_agent_state_members(void)
{
    SystemHealthAgentState *s = zalloc(sizeof *s);
    NaputilStats before;
    struct expected want[2];

    if (!s)
        return;
    s->shaResultCodes.count = 4;
    s->shaResultCodes.results = static_results;
    s->fixupInfo.resultCodes.count = 4;
    s->fixupInfo.resultCodes.results = static_results + 2;
    want[0].kind = NAPUTIL_MISUSE_STATIC;
    want[0].pointer = static_results;
    want[0].block = NULL;
    want[1].kind = NAPUTIL_MISUSE_STATIC;
    want[1].pointer = static_results + 2;
    want[1].block = NULL;
    before = stats_now();
    FreeSystemHealthAgentState(s);
    expect_incidents("FreeSystemHealthAgentState", &before, 1, want, 2, __LINE__);
}

static void test_attribute_value_members(void)
{
    SoHAttributeValue *v = zalloc(sizeof *v);
    NaputilStats before;

    if (!v)
        return;
    v->octetStringVal.size = sizeof static_bytes;
    v->octetStringVal.data = static_bytes;
    before = stats_now();
    FreeSoHAttributeValue(sohAttributeTypeProductName, v);
    EXPECT_ONE("FreeSoHAttributeValue", before, 1, NAPUTIL_MISUSE_STATIC, static_bytes, NULL);
}

static void test_soh_members(void)
{
    SoHAttributeValue stack_value;
    SoH *soh = zalloc(sizeof *soh);
    NaputilStats before;

    memset(&stack_value, 0, sizeof stack_value);
    /* An attribute value on the stack; the array and struct are good. */
    if (soh) {
        soh->count = 2;
        soh->attributes = zalloc(2 * sizeof(SoHAttribute));
        if (soh->attributes) {
            soh->attributes[0].type = sohAttributeTypeClientId;
            soh->attributes[0].value = (BYTE *)&stack_value;
            soh->attributes[1].type = sohAttributeTypeClientId;
            soh->attributes[1].value = zalloc(sizeof(SoHAttributeValue));
        }
        before = stats_now();
        FreeSoH(soh);
        EXPECT_ONE("FreeSoH", before, 3, NAPUTIL_MISUSE_STACK, &stack_value, NULL);
    }

    /* The attributes array itself is static: reported once, not read. */
    soh = zalloc(sizeof *soh);
    if (soh) {
        soh->count = 2;
        soh->attributes = static_attributes;
        before = stats_now();
        FreeSoH(soh);
        EXPECT_ONE("FreeSoH", before, 1, NAPUTIL_MISUSE_STATIC, static_attributes, NULL);
    }
}

static void test_connections_members(void)
{
    Connections *c = zalloc(sizeof *c);
    NaputilStats before;

    if (!c)
        return;
    c->count = 2;
    c->connections = static_connections;
    before = stats_now();
    FreeConnections(c);
    EXPECT_ONE("FreeConnections", before, 1, NAPUTIL_MISUSE_STATIC, static_connections, NULL);
}

static void test_registration_info_members(void)
{
    static const WCHAR name[] = { 'n', 0 };
    NapComponentRegistrationInfo *info = zalloc(2 * sizeof *info);
    NapComponentRegistrationInfo *bad = static_info;
    NaputilStats before;
    CountedString *cs = NULL;

    if (info) {
        CHECK_EQ(AllocCountedString(&cs, name), S_OK);
        if (cs) {
            info[0].friendlyName = *cs;
            CoTaskMemFree(cs);
        }
        info[1].vendorName.string = (WCHAR *)static_wide;
        before = stats_now();
        FreeNapComponentRegistrationInfoArray(2, &info);
        EXPECT_ONE("FreeNapComponentRegistrationInfoArray", before, 2, NAPUTIL_MISUSE_STATIC, static_wide, NULL);
        CHECK(info == NULL);
    }

    /* The array itself is static: reported once, not read. */
    before = stats_now();
    FreeNapComponentRegistrationInfoArray(1, &bad);
    EXPECT_ONE("FreeNapComponentRegistrationInfoArray", before, 0, NAPUTIL_MISUSE_STATIC, static_info, NULL);
}

int main(void)
{
    void *foreign = malloc(160);
    uint64_t start_blocks;

    CHECK(foreign != NULL);
    if (foreign)
        memset(foreign, 0, 160);
    start_blocks = naputil_live_blocks();
    CHECK_EQ(naputil_set_misuse_policy(NAPUTIL_MISUSE_SILENT), S_OK);
    naputil_set_misuse_handler(record_misuse, NULL);

    test_bad_top_level(foreign);
    test_counted_string_static_member();
    test_isolation_info_members(foreign);
    test_data_members();
    test_agent_state_members();
    test_attribute_value_members();
    test_soh_members();
    test_connections_members();
    test_registration_info_members();

    naputil_set_misuse_handler(NULL, NULL);
    free(foreign);
    CHECK_EQ(naputil_live_blocks(), start_blocks);
    CHECK_EXIT();
}
