/*
 * Every Free* function given structures whose members share blocks or
 * point back into the structure: a member pointing at the structure
 * itself, at the array being freed, into that array, two members (or two
 * attributes) pointing at the same block, one attribute's value serving as
 * another's embedded array.
 *
 * The rule checked: a Free* function frees every distinct block it can
 * reach exactly once and reads nothing after it is freed. Sharing it finds
 * on its own (a block reached twice) is not the caller's misuse and is not
 * reported; a pointer that is no block start at all (one into the middle
 * of an array) is reported once, as for any other call. So after each call
 * every block of the structure is gone, the free counter rose by exactly
 * the number of distinct blocks, nothing was allocated, and the misuse
 * reports are exactly the expected ones. valgrind and the sanitizers catch
 * what these counters cannot: a read of a block after it was freed.
 *
 * Also: FreeNapComponentRegistrationInfoArray refusing an array that is
 * not a task-memory block (stack, static, malloc) reports it once and does
 * nothing else: `*info` is left as it was and no element string is freed.
 *
 * Each scenario runs in a child process (isolate.h).
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

#define MAX_BLOCKS 32

static IMalloc *task;
static void *blocks[MAX_BLOCKS];
static int block_count;
static NaputilStats before;

static NaputilStats stats_now(void)
{
    NaputilStats s;
    memset(&s, 0, sizeof s);
    CHECK_EQ(naputil_get_stats(&s), S_OK);
    return s;
}

static int did_alloc(const void *p)
{
    return task->lpVtbl->DidAlloc(task, (void *)p);
}

/* A zero-filled task-memory block, one of the structure's distinct blocks. */
static void *blk(size_t n)
{
    void *p = CoTaskMemAlloc(n);
    if (!p || block_count == MAX_BLOCKS) {
        fprintf(stderr, "out of memory or blocks\n");
        _exit(1);
    }
    memset(p, 0, n);
    blocks[block_count++] = p;
    return p;
}

/* A string member: a block of `units` code units, 'x' then a terminator. */
static WCHAR *text(size_t units)
{
    WCHAR *s = blk((units + 1) * sizeof(WCHAR));
    size_t i;
    for (i = 0; i < units; i++)
        s[i] = 'x';
    return s;
}

static void start(void)
{
    CHECK_EQ(CoGetMalloc(1, &task), S_OK);
    block_count = 0;
}

/* Just before the Free* call. */
static void begin(void)
{
    before = stats_now();
    misuse_log_start();
}

/* Just after it: every block listed freed, exactly once each, and exactly
 * `misuse` reports. */
static void finish(const char *what, int misuse, int line)
{
    NaputilStats after;
    int i, live = 0;

    misuse_log_stop();
    after = stats_now();
    for (i = 0; i < block_count; i++)
        if (did_alloc(blocks[i]) != 0) {
            fprintf(stderr, "%s:%d: %s: block %d of %d (%p) was not freed\n", __FILE__, line, what, i + 1,
                    block_count, blocks[i]);
            live++;
        }
    if (live)
        check_failures++;
    if (after.total_frees - before.total_frees != (uint64_t)block_count) {
        fprintf(stderr, "%s:%d: %s: %llu free(s), expected %d (one per distinct block)\n", __FILE__, line, what,
                (unsigned long long)(after.total_frees - before.total_frees), block_count);
        check_failures++;
    }
    CHECK_EQ(before.live_blocks - after.live_blocks, block_count);
    CHECK_EQ(after.total_allocs, before.total_allocs);
    if (misuse_log.count != misuse) {
        fprintf(stderr, "%s:%d: %s: %d misuse report(s), expected %d\n", __FILE__, line, what, misuse_log.count,
                misuse);
        misuse_log_print(__FILE__, line);
        check_failures++;
    }
    block_count = 0;
}

#define FINISH(what, misuse) finish((what), (misuse), __LINE__)

/* ---- a member pointing at the structure itself ----------------------- */

static void counted_string_is_its_own_string(void)
{
    CountedString *cs;
    start();
    cs = blk(sizeof *cs);
    cs->length = 3;
    cs->string = (WCHAR *)(void *)cs;
    begin();
    FreeCountedString(cs);
    FINISH("FreeCountedString, string == the struct", 0);
}

static void fixup_info_results_are_the_struct(void)
{
    FixupInfo *f;
    start();
    f = blk(sizeof *f);
    f->resultCodes.count = 2;
    f->resultCodes.results = (HRESULT *)(void *)f;
    begin();
    FreeFixupInfo(f);
    FINISH("FreeFixupInfo, results == the struct", 0);
}

static void isolation_info_url_is_the_struct(void)
{
    IsolationInfo *info;
    IsolationInfoEx *ex;
    start();
    info = blk(sizeof *info);
    info->failureUrl.length = 2;
    info->failureUrl.string = (WCHAR *)(void *)info;
    begin();
    FreeIsolationInfo(info);
    FINISH("FreeIsolationInfo, failureUrl.string == the struct", 0);

    ex = blk(sizeof *ex);
    ex->failureUrl.length = 2;
    ex->failureUrl.string = (WCHAR *)(void *)ex;
    begin();
    FreeIsolationInfoEx(ex);
    FINISH("FreeIsolationInfoEx, failureUrl.string == the struct", 0);
}

static void data_is_the_struct(void)
{
    NetworkSoH *n;
    PrivateData *p;
    start();
    n = blk(sizeof *n);
    n->size = 16;
    n->data = (BYTE *)n;
    begin();
    FreeNetworkSoH(n);
    FINISH("FreeNetworkSoH, data == the struct", 0);

    p = blk(sizeof *p);
    p->size = 16;
    p->data = (BYTE *)p;
    begin();
    FreePrivateData(p);
    FINISH("FreePrivateData, data == the struct", 0);
}

/* The embedded pointer of every pointer-carrying member is the value. */
static void attribute_value_points_at_itself(void)
{
    static const SoHAttributeType types[] = {
        sohAttributeTypeIpv4FixupServers, sohAttributeTypeComplianceResultCodes, sohAttributeTypeClientId,
        sohAttributeTypeVendorSpecific,   sohAttributeTypeSoftwareVersion,       sohAttributeTypeProductName,
        sohAttributeTypeHealthClassStatus, sohAttributeTypeErrorCodes,           sohAttributeTypeIpv6FixupServers,
    };
    size_t i;
    char what[96];
    start();
    for (i = 0; i < sizeof types / sizeof types[0]; i++) {
        SoHAttributeValue *v = blk(sizeof *v);
        switch (types[i]) {
        case sohAttributeTypeIpv4FixupServers:
            v->v4AddressesVal.count = 1;
            v->v4AddressesVal.addresses = (Ipv4Address *)(void *)v;
            break;
        case sohAttributeTypeIpv6FixupServers:
            v->v6AddressesVal.count = 1;
            v->v6AddressesVal.addresses = (Ipv6Address *)(void *)v;
            break;
        case sohAttributeTypeComplianceResultCodes:
        case sohAttributeTypeErrorCodes:
            v->codesVal.count = 1;
            v->codesVal.results = (HRESULT *)(void *)v;
            break;
        case sohAttributeTypeVendorSpecific:
            v->vendorSpecificVal.size = 4;
            v->vendorSpecificVal.vendorSpecificData = (BYTE *)v;
            break;
        default:
            v->octetStringVal.size = 4;
            v->octetStringVal.data = (BYTE *)v;
            break;
        }
        snprintf(what, sizeof what, "FreeSoHAttributeValue(%d), embedded pointer == the value", (int)types[i]);
        begin();
        FreeSoHAttributeValue(types[i], v);
        FINISH(what, 0);
    }
}

static void connections_array_is_the_struct(void)
{
    Connections *c;
    start();
    c = blk(sizeof *c);
    c->count = 0;
    c->connections = (INapEnforcementClientConnection **)(void *)c;
    begin();
    FreeConnections(c);
    FINISH("FreeConnections, connections == the struct (count 0)", 0);
}

/* ---- two members, one block ------------------------------------------ */

static void health_agent_state_members_shared(void)
{
    SystemHealthAgentState *s;
    HRESULT *r;
    start();
    s = blk(sizeof *s);
    r = blk(4 * sizeof *r);
    s->shaResultCodes.count = 4;
    s->shaResultCodes.results = r;
    s->fixupInfo.resultCodes.count = 4;
    s->fixupInfo.resultCodes.results = r;
    begin();
    FreeSystemHealthAgentState(s);
    FINISH("FreeSystemHealthAgentState, both results the same block", 0);

    s = blk(sizeof *s);
    s->shaResultCodes.count = 1;
    s->shaResultCodes.results = (HRESULT *)(void *)s;
    s->fixupInfo.resultCodes.count = 1;
    s->fixupInfo.resultCodes.results = (HRESULT *)(void *)s;
    begin();
    FreeSystemHealthAgentState(s);
    FINISH("FreeSystemHealthAgentState, both results == the struct", 0);

    s = blk(sizeof *s);
    r = blk(2 * sizeof *r);
    s->shaResultCodes.count = 1;
    s->shaResultCodes.results = (HRESULT *)(void *)s;
    s->fixupInfo.resultCodes.count = 2;
    s->fixupInfo.resultCodes.results = r;
    begin();
    FreeSystemHealthAgentState(s);
    FINISH("FreeSystemHealthAgentState, shaResultCodes.results == the struct", 0);
}

/* ---- FreeSoH ---------------------------------------------------------- */

/* A SoH with an attribute array of `count` zeroed attributes. */
static SoH *make_soh(UINT16 count)
{
    SoH *s = blk(sizeof *s);
    s->count = count;
    s->attributes = blk(count * sizeof(SoHAttribute));
    return s;
}

/* A ClientId value whose octet string is a block of its own. */
static SoHAttributeValue *client_id_value(void)
{
    SoHAttributeValue *v = blk(sizeof *v);
    v->octetStringVal.size = 8;
    v->octetStringVal.data = blk(8);
    return v;
}

static void set_attribute(SoH *s, int i, SoHAttributeType type, void *value)
{
    s->attributes[i].type = (UINT16)type;
    s->attributes[i].size = sizeof(SoHAttributeValue);
    s->attributes[i].value = value;
}

/* As found by an outside test: the first value's addresses are the
 * attribute array, and two more attributes follow it. */
static void soh_addresses_are_the_attribute_array(void)
{
    SoH *s;
    SoHAttributeValue *v0;
    start();
    s = make_soh(3);
    v0 = blk(sizeof *v0);
    v0->v4AddressesVal.count = 3;
    v0->v4AddressesVal.addresses = (Ipv4Address *)(void *)s->attributes;
    set_attribute(s, 0, sohAttributeTypeIpv4FixupServers, v0);
    set_attribute(s, 1, sohAttributeTypeClientId, client_id_value());
    set_attribute(s, 2, sohAttributeTypeClientId, client_id_value());
    begin();
    FreeSoH(s);
    FINISH("FreeSoH, value 0's addresses == the attribute array", 0);
}

static void soh_value_is_the_attribute_array(void)
{
    SoH *s;
    start();
    s = make_soh(2);
    set_attribute(s, 0, sohAttributeTypeHealthClass, s->attributes);
    set_attribute(s, 1, sohAttributeTypeClientId, client_id_value());
    begin();
    FreeSoH(s);
    FINISH("FreeSoH, value 0 == the attribute array", 0);
}

/* The value is the SoH itself: read as an Ipv4FixupServers value, its
 * `attributes` member is the embedded address array. */
static void soh_value_is_the_soh(void)
{
    SoH *s;
    start();
    s = make_soh(2);
    set_attribute(s, 0, sohAttributeTypeIpv4FixupServers, s);
    set_attribute(s, 1, sohAttributeTypeClientId, client_id_value());
    begin();
    FreeSoH(s);
    FINISH("FreeSoH, value 0 == the SoH (its attributes read as addresses)", 0);
}

static void soh_embedded_is_the_soh(void)
{
    SoH *s;
    SoHAttributeValue *v0;
    start();
    s = make_soh(2);
    v0 = blk(sizeof *v0);
    v0->codesVal.count = 1;
    v0->codesVal.results = (HRESULT *)(void *)s;
    set_attribute(s, 0, sohAttributeTypeErrorCodes, v0);
    set_attribute(s, 1, sohAttributeTypeClientId, client_id_value());
    begin();
    FreeSoH(s);
    FINISH("FreeSoH, value 0's results == the SoH", 0);
}

/* attributes == the SoH, count 1: attribute 0 reads as type 1 (the count),
 * whose value is the SoH again. */
static void soh_attributes_are_the_soh(void)
{
    SoH *s;
    start();
    s = blk(sizeof *s);
    s->count = 1;
    s->attributes = (SoHAttribute *)(void *)s;
    begin();
    FreeSoH(s);
    FINISH("FreeSoH, attributes == the SoH", 0);
}

static void soh_attributes_share_a_value(void)
{
    SoH *s;
    SoHAttributeValue *v;
    start();
    s = make_soh(3);
    v = client_id_value();
    set_attribute(s, 0, sohAttributeTypeClientId, v);
    set_attribute(s, 1, sohAttributeTypeClientId, v);
    set_attribute(s, 2, sohAttributeTypeProductName, v);
    begin();
    FreeSoH(s);
    FINISH("FreeSoH, three attributes share one value", 0);
}

static void soh_values_share_embedded_data(void)
{
    SoH *s;
    SoHAttributeValue *v0, *v1;
    BYTE *d;
    start();
    s = make_soh(2);
    d = blk(16);
    v0 = blk(sizeof *v0);
    v0->octetStringVal.size = 16;
    v0->octetStringVal.data = d;
    v1 = blk(sizeof *v1);
    v1->vendorSpecificVal.size = 16;
    v1->vendorSpecificVal.vendorSpecificData = d;
    set_attribute(s, 0, sohAttributeTypeClientId, v0);
    set_attribute(s, 1, sohAttributeTypeVendorSpecific, v1);
    begin();
    FreeSoH(s);
    FINISH("FreeSoH, two values share their embedded data", 0);
}

/* Value 0's addresses are value 1, which has results of its own: value 1
 * must still be read (for its results) before anything frees it. */
static void soh_embedded_is_a_later_value(void)
{
    SoH *s;
    SoHAttributeValue *v0, *v1;
    start();
    s = make_soh(2);
    v1 = blk(sizeof *v1);
    v1->codesVal.count = 2;
    v1->codesVal.results = blk(2 * sizeof(HRESULT));
    v0 = blk(sizeof *v0);
    v0->v4AddressesVal.count = 4;
    v0->v4AddressesVal.addresses = (Ipv4Address *)(void *)v1;
    set_attribute(s, 0, sohAttributeTypeIpv4FixupServers, v0);
    set_attribute(s, 1, sohAttributeTypeErrorCodes, v1);
    begin();
    FreeSoH(s);
    FINISH("FreeSoH, value 0's addresses == value 1", 0);
}

static void soh_embedded_is_an_earlier_value(void)
{
    SoH *s;
    SoHAttributeValue *v0, *v1;
    start();
    s = make_soh(2);
    v0 = blk(sizeof *v0);
    v0->codesVal.count = 2;
    v0->codesVal.results = blk(2 * sizeof(HRESULT));
    v1 = blk(sizeof *v1);
    v1->v6AddressesVal.count = 1;
    v1->v6AddressesVal.addresses = (Ipv6Address *)(void *)v0;
    set_attribute(s, 0, sohAttributeTypeErrorCodes, v0);
    set_attribute(s, 1, sohAttributeTypeIpv6FixupServers, v1);
    begin();
    FreeSoH(s);
    FINISH("FreeSoH, value 1's addresses == value 0", 0);
}

/* A pointer into the attribute array is no block: one report, and the
 * array itself is freed once. */
static void soh_embedded_points_into_the_array(void)
{
    SoH *s;
    SoHAttributeValue *v0;
    void *interior;
    start();
    s = make_soh(2);
    interior = &s->attributes[1];
    v0 = blk(sizeof *v0);
    v0->v4AddressesVal.count = 1;
    v0->v4AddressesVal.addresses = interior;
    set_attribute(s, 0, sohAttributeTypeIpv4FixupServers, v0);
    set_attribute(s, 1, sohAttributeTypeClientId, client_id_value());
    begin();
    FreeSoH(s);
    CHECK(misuse_log_has(NAPUTIL_MISUSE_INTERIOR, interior));
    FINISH("FreeSoH, value 0's addresses point into the attribute array", 1);
}

/* ---- FreeNapComponentRegistrationInfoArray --------------------------- */

static NapComponentRegistrationInfo *make_registrations(int count)
{
    NapComponentRegistrationInfo *a = blk(count * sizeof *a);
    int i;
    for (i = 0; i < count; i++) {
        a[i].id = 79744 + i;
        a[i].friendlyName.length = 3;
        a[i].friendlyName.string = text(3);
        a[i].description.length = 5;
        a[i].description.string = text(5);
        a[i].version.length = 1;
        a[i].version.string = text(1);
        a[i].vendorName.length = 2;
        a[i].vendorName.string = text(2);
    }
    return a;
}

/* Replaces a string member with another pointer; the block it had is
 * freed here and dropped from the list. */
static void replace_string(CountedString *member, void *with)
{
    int i;
    for (i = 0; i < block_count; i++)
        if (blocks[i] == member->string) {
            CoTaskMemFree(member->string);
            blocks[i] = blocks[--block_count];
            break;
        }
    member->string = with;
}

static void registration_string_is_the_array(void)
{
    NapComponentRegistrationInfo *a;
    start();
    a = make_registrations(2);
    replace_string(&a[0].friendlyName, a);
    begin();
    FreeNapComponentRegistrationInfoArray(2, &a);
    CHECK(a == NULL);
    FINISH("FreeNapComponentRegistrationInfoArray, a[0].friendlyName.string == the array", 0);

    a = make_registrations(3);
    replace_string(&a[2].vendorName, a);
    begin();
    FreeNapComponentRegistrationInfoArray(3, &a);
    CHECK(a == NULL);
    FINISH("FreeNapComponentRegistrationInfoArray, last element's vendorName.string == the array", 0);
}

static void registration_strings_shared(void)
{
    NapComponentRegistrationInfo *a;
    start();
    a = make_registrations(2);
    replace_string(&a[0].description, a[0].friendlyName.string);
    begin();
    FreeNapComponentRegistrationInfoArray(2, &a);
    CHECK(a == NULL);
    FINISH("FreeNapComponentRegistrationInfoArray, two strings of one element shared", 0);

    a = make_registrations(3);
    replace_string(&a[1].version, a[0].version.string);
    replace_string(&a[2].version, a[0].version.string);
    begin();
    FreeNapComponentRegistrationInfoArray(3, &a);
    CHECK(a == NULL);
    FINISH("FreeNapComponentRegistrationInfoArray, one version string shared by three elements", 0);
}

static void registration_string_points_into_the_array(void)
{
    NapComponentRegistrationInfo *a;
    void *interior;
    start();
    a = make_registrations(2);
    interior = &a[1];
    replace_string(&a[1].friendlyName, interior);
    begin();
    FreeNapComponentRegistrationInfoArray(2, &a);
    CHECK(a == NULL);
    CHECK(misuse_log_has(NAPUTIL_MISUSE_INTERIOR, interior));
    FINISH("FreeNapComponentRegistrationInfoArray, a[1].friendlyName.string points into the array", 1);
}

/* A refused call does nothing else: `*info` unchanged, strings intact. */
static void refused(NapComponentRegistrationInfo *array, uint32_t kind, const char *what)
{
    NapComponentRegistrationInfo *info = array;
    int i;
    for (i = 0; i < 2; i++) {
        array[i].friendlyName.string = text(3);
        array[i].vendorName.string = text(2);
    }
    before = stats_now();
    misuse_log_start();
    FreeNapComponentRegistrationInfoArray(2, &info);
    misuse_log_stop();
    if (info != array)
        fprintf(stderr, "%s:%d: %s: *info changed to %p\n", __FILE__, __LINE__, what, (void *)info);
    CHECK(info == array);
    MISUSE_LOG_EXPECT(1);
    CHECK(misuse_log_has(kind, array));
    for (i = 0; i < block_count; i++)
        CHECK_EQ(did_alloc(blocks[i]), 1);
    CHECK_EQ(stats_now().total_frees, before.total_frees);
    for (i = 0; i < block_count; i++)
        CoTaskMemFree(blocks[i]);
    block_count = 0;
}

static void registration_array_not_task_memory(void)
{
    NapComponentRegistrationInfo on_stack[2];
    static NapComponentRegistrationInfo in_static[2];
    NapComponentRegistrationInfo *on_heap = calloc(2, sizeof *on_heap);
    start();
    memset(on_stack, 0, sizeof on_stack);
    refused(on_stack, NAPUTIL_MISUSE_STACK, "stack array");
    refused(in_static, NAPUTIL_MISUSE_STATIC, "static array");
    if (on_heap)
        refused(on_heap, NAPUTIL_MISUSE_FOREIGN, "malloc array");
    free(on_heap);
}

int main(void)
{
    RUN_ISOLATED(counted_string_is_its_own_string);
    RUN_ISOLATED(fixup_info_results_are_the_struct);
    RUN_ISOLATED(isolation_info_url_is_the_struct);
    RUN_ISOLATED(data_is_the_struct);
    RUN_ISOLATED(attribute_value_points_at_itself);
    RUN_ISOLATED(connections_array_is_the_struct);
    RUN_ISOLATED(health_agent_state_members_shared);
    RUN_ISOLATED(soh_addresses_are_the_attribute_array);
    RUN_ISOLATED(soh_value_is_the_attribute_array);
    RUN_ISOLATED(soh_value_is_the_soh);
    RUN_ISOLATED(soh_embedded_is_the_soh);
    RUN_ISOLATED(soh_attributes_are_the_soh);
    RUN_ISOLATED(soh_attributes_share_a_value);
    RUN_ISOLATED(soh_values_share_embedded_data);
    RUN_ISOLATED(soh_embedded_is_a_later_value);
    RUN_ISOLATED(soh_embedded_is_an_earlier_value);
    RUN_ISOLATED(soh_embedded_points_into_the_array);
    RUN_ISOLATED(registration_string_is_the_array);
    RUN_ISOLATED(registration_strings_shared);
    RUN_ISOLATED(registration_string_points_into_the_array);
    RUN_ISOLATED(registration_array_not_task_memory);
    isolate_summary("shared_members");
    CHECK_EXIT();
}
