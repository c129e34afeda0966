/*
 * The SoH wire format as a system health agent and a validator use it: an
 * SHA-style request built attribute by attribute in task memory (as
 * INapSoHConstructor builds one), sent inside a complete SoH message next
 * to a system SoH; an SHV-style checker that finds its section, judges it
 * and answers with compliance result codes in an SoH response; the SHA
 * reading that answer back. Every value crosses the wire as bytes. Then
 * bad input to every naputil_soh_* function: each must answer with its
 * documented HRESULT, allocate nothing and leave its out-pointer alone.
 */
#include <stdint.h>
#include <string.h>

#include "napUtil.h"
#include "check.h"

#define SENTINEL ((void *)(uintptr_t)0xDEADBEE0)

/* The example agent: vendor (IANA number) 0x00ABCD, component 1. */
#define EXAMPLE_VENDOR 0x0000ABCDu
#define EXAMPLE_SHA_ID 0x00ABCD01u
#define SYSTEM_SOH_ID 0x00013700u
/* The example validator's own compliance codes. */
#define EXAMPLE_E_FIREWALL_OFF ((HRESULT)0xC0ABCD01L)
#define EXAMPLE_E_SIGNATURES_OLD ((HRESULT)0xC0ABCD02L)

static NaputilStats stats_now(void)
{
    NaputilStats s;
    memset(&s, 0, sizeof s);
    CHECK_EQ(naputil_get_stats(&s), S_OK);
    return s;
}

/* A failed call allocates nothing and frees nothing. */
static void check_nothing_allocated(const NaputilStats *before, const char *what)
{
    NaputilStats after = stats_now();
    if (after.total_allocs != before->total_allocs || after.live_blocks != before->live_blocks)
        fprintf(stderr, "soh.c: %s allocated\n", what);
    CHECK_EQ(after.total_allocs, before->total_allocs);
    CHECK_EQ(after.total_frees, before->total_frees);
}

/* ---- An SHA-style request builder ---------------------------------------- */

static void *copy_to_task(const void *p, size_t n)
{
    void *block;
    if (n == 0)
        return NULL;
    block = CoTaskMemAlloc(n);
    CHECK(block != NULL);
    if (block)
        memcpy(block, p, n);
    return block;
}

/* Appends a deep copy of `value` to `soh` (all in task memory, in the shape
 * FreeSoH frees), with `size` the length of the value on the wire. */
static void append(SoH *soh, SoHAttributeType type, const SoHAttributeValue *value)
{
    SoHAttributeValue *copy = (SoHAttributeValue *)CoTaskMemAlloc(sizeof *copy);
    SoHAttribute *grown =
        (SoHAttribute *)CoTaskMemRealloc(soh->attributes, (soh->count + 1u) * sizeof(SoHAttribute));
    UINT16 size = 0;
    CHECK(copy != NULL && grown != NULL);
    if (!copy || !grown)
        return;
    soh->attributes = grown;
    *copy = *value;
    switch (type) {
    case sohAttributeTypeSystemHealthId:
        size = 4;
        break;
    case sohAttributeTypeIpv4FixupServers:
        copy->v4AddressesVal.addresses = (Ipv4Address *)copy_to_task(
            value->v4AddressesVal.addresses, value->v4AddressesVal.count * sizeof(Ipv4Address));
        size = (UINT16)(4 * value->v4AddressesVal.count);
        break;
    case sohAttributeTypeIpv6FixupServers:
        copy->v6AddressesVal.addresses = (Ipv6Address *)copy_to_task(
            value->v6AddressesVal.addresses, value->v6AddressesVal.count * sizeof(Ipv6Address));
        size = (UINT16)(16 * value->v6AddressesVal.count);
        break;
    case sohAttributeTypeComplianceResultCodes:
    case sohAttributeTypeErrorCodes:
        copy->codesVal.results =
            (HRESULT *)copy_to_task(value->codesVal.results, value->codesVal.count * sizeof(HRESULT));
        size = (UINT16)(4 * value->codesVal.count);
        break;
    case sohAttributeTypeTimeOfLastUpdate:
    case sohAttributeTypeSoHGenerationTime:
        size = 8;
        break;
    case sohAttributeTypeVendorSpecific:
        copy->vendorSpecificVal.vendorSpecificData = (BYTE *)copy_to_task(
            value->vendorSpecificVal.vendorSpecificData, value->vendorSpecificVal.size);
        size = (UINT16)(4 + value->vendorSpecificVal.size);
        break;
    case sohAttributeTypeHealthClass:
    case sohAttributeTypeFailureCategory:
    case sohAttributeTypeExtendedIsolationState:
        size = 1;
        break;
    default: /* the octet strings */
        copy->octetStringVal.data =
            (BYTE *)copy_to_task(value->octetStringVal.data, value->octetStringVal.size);
        size = value->octetStringVal.size;
        break;
    }
    soh->attributes[soh->count].type = (UINT16)type;
    soh->attributes[soh->count].size = size;
    soh->attributes[soh->count].value = (BYTE *)copy;
    soh->count++;
}

static SoH *new_soh(SystemHealthEntityId id)
{
    SoH *soh = (SoH *)CoTaskMemAlloc(sizeof *soh);
    SoHAttributeValue v;
    CHECK(soh != NULL);
    if (!soh)
        return NULL;
    soh->count = 0;
    soh->attributes = NULL;
    memset(&v, 0, sizeof v);
    v.idVal = id;
    append(soh, sohAttributeTypeSystemHealthId, &v);
    return soh;
}

static void append_octets(SoH *soh, SoHAttributeType type, const void *data, UINT16 size)
{
    SoHAttributeValue v;
    memset(&v, 0, sizeof v);
    v.octetStringVal.size = size;
    v.octetStringVal.data = (BYTE *)data;
    append(soh, type, &v);
}

static void append_byte(SoH *soh, SoHAttributeType type, UINT8 byte)
{
    SoHAttributeValue v;
    memset(&v, 0, sizeof v);
    v.uint8Val = byte;
    append(soh, type, &v);
}

static void append_time(SoH *soh, SoHAttributeType type, DWORD high, DWORD low)
{
    SoHAttributeValue v;
    memset(&v, 0, sizeof v);
    v.dateTimeVal.dwHighDateTime = high;
    v.dateTimeVal.dwLowDateTime = low;
    append(soh, type, &v);
}

static void append_codes(SoH *soh, SoHAttributeType type, const HRESULT *codes, UINT16 count)
{
    SoHAttributeValue v;
    memset(&v, 0, sizeof v);
    v.codesVal.count = count;
    v.codesVal.results = (HRESULT *)codes;
    append(soh, type, &v);
}

static void append_vendor(SoH *soh, UINT32 vendor, const void *data, UINT16 size)
{
    SoHAttributeValue v;
    memset(&v, 0, sizeof v);
    v.vendorSpecificVal.vendorId = vendor;
    v.vendorSpecificVal.size = size;
    v.vendorSpecificVal.vendorSpecificData = (BYTE *)data;
    append(soh, sohAttributeTypeVendorSpecific, &v);
}

/* What the example agent knows about its machine. */
struct machine_state {
    int firewall_on;
    DWORD signatures_high, signatures_low; /* time of the last signature update */
};

static const BYTE sha_private_state_on[] = "firewall=on;engine=2.1";
static const BYTE sha_private_state_off[] = "firewall=off;engine=2.1";
static const BYTE product_name[] = { 'E', 0, 'x', 0, 'A', 0, 'V', 0 }; /* UTF-16LE "ExAV" */
static const BYTE client_id[] = { 0x11, 0x22, 0x33, 0x44, 0x55 };

/* The example agent's SoHRequest, as an SHA's GetSoHRequest builds it. */
static SoH *sha_build_request(const struct machine_state *m)
{
    static const BYTE version[] = "2.1";
    SoH *soh = new_soh(EXAMPLE_SHA_ID);
    BYTE status[4];
    DWORD code = m->firewall_on ? 0x00000007u : 0x00000004u;
    if (!soh)
        return NULL;
    status[0] = (BYTE)(code >> 24);
    status[1] = (BYTE)(code >> 16);
    status[2] = (BYTE)(code >> 8);
    status[3] = (BYTE)code;
    if (m->firewall_on)
        append_vendor(soh, EXAMPLE_VENDOR, sha_private_state_on, (UINT16)(sizeof sha_private_state_on - 1));
    else
        append_vendor(soh, EXAMPLE_VENDOR, sha_private_state_off, (UINT16)(sizeof sha_private_state_off - 1));
    append_byte(soh, sohAttributeTypeHealthClass, healthClassFirewall);
    append_octets(soh, sohAttributeTypeProductName, product_name, sizeof product_name);
    append_octets(soh, sohAttributeTypeSoftwareVersion, version, (UINT16)(sizeof version - 1));
    append_octets(soh, sohAttributeTypeHealthClassStatus, status, sizeof status);
    append_time(soh, sohAttributeTypeTimeOfLastUpdate, m->signatures_high, m->signatures_low);
    append_octets(soh, sohAttributeTypeClientId, client_id, sizeof client_id);
    append_time(soh, sohAttributeTypeSoHGenerationTime, 0x01DA0000u, 0x12345678u);
    return soh;
}

/* The system SoH a NAP agent puts first: Microsoft's vendor-specific
 * attribute with a packet-info type-value (request, version 1). */
static SoH *system_soh(void)
{
    static const BYTE packet_info[] = { 3, 0x11 };
    SoH *soh = new_soh(SYSTEM_SOH_ID);
    if (soh)
        append_vendor(soh, 311, packet_info, sizeof packet_info);
    return soh;
}

static CorrelationId correlation(void)
{
    CorrelationId id;
    static const BYTE data4[8] = { 0x8a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f, 0x60, 0x71 };
    id.connId.Data1 = 0x6b29fc40u;
    id.connId.Data2 = 0xca47;
    id.connId.Data3 = 0x1067;
    memcpy(id.connId.Data4, data4, sizeof data4);
    id.timeStamp.dwHighDateTime = 0x01DA1234u;
    id.timeStamp.dwLowDateTime = 0x9ABCDEF0u;
    return id;
}

static int same_correlation(const CorrelationId *a, const CorrelationId *b)
{
    return a->connId.Data1 == b->connId.Data1 && a->connId.Data2 == b->connId.Data2 &&
           a->connId.Data3 == b->connId.Data3 &&
           memcmp(a->connId.Data4, b->connId.Data4, sizeof a->connId.Data4) == 0 &&
           a->timeStamp.dwHighDateTime == b->timeStamp.dwHighDateTime &&
           a->timeStamp.dwLowDateTime == b->timeStamp.dwLowDateTime;
}

/* Encodes `count` sections as a message; returns the bytes (FreeNetworkSoH). */
static NetworkSoH *encode(SoH **sections, UINT16 count, UINT8 intent, UINT32 framing)
{
    NaputilSoHMessage message;
    NetworkSoH *bytes = (NetworkSoH *)SENTINEL;
    memset(&message, 0, sizeof message);
    message.has_mode_sub_header = 1;
    message.correlation_id = correlation();
    message.intent = intent;
    message.count = count;
    message.sections = sections;
    CHECK_EQ(naputil_soh_message_encode(&message, framing, &bytes), S_OK);
    CHECK(bytes != SENTINEL && bytes != NULL && bytes->data != NULL);
    return bytes == SENTINEL ? NULL : bytes;
}

/* ---- An SHV-style checker ---------------------------------------------------- */

static const SoHAttribute *find(const SoH *soh, SoHAttributeType type)
{
    UINT16 i;
    for (i = 0; i < soh->count; i++)
        if (soh->attributes[i].type == type)
            return &soh->attributes[i];
    return NULL;
}

static const SoHAttributeValue *value_of(const SoH *soh, SoHAttributeType type)
{
    const SoHAttribute *a = find(soh, type);
    return a ? (const SoHAttributeValue *)a->value : NULL;
}

/* The section of `message` that belongs to system health entity `id`. */
static SoH *section_of(const NaputilSoHMessage *message, SystemHealthEntityId id)
{
    UINT16 i;
    for (i = 0; i < message->count; i++) {
        const SoHAttributeValue *v = value_of(message->sections[i], sohAttributeTypeSystemHealthId);
        if (v && v->idVal == id)
            return message->sections[i];
    }
    return NULL;
}

/* Judges the example agent's request as the example validator does, and
 * checks that every value arrived as the agent sent it. */
static SoH *shv_check_request(const SoH *request, const struct machine_state *sent)
{
    const SoHAttributeValue *v;
    const SoHAttribute *a;
    HRESULT codes[2];
    HRESULT errors[1] = { S_OK };
    UINT16 ncodes = 0;
    SoH *response;
    int firewall_on = 0;

    CHECK_EQ(request->count, 9);
    CHECK_EQ(request->attributes[0].type, sohAttributeTypeSystemHealthId);
    v = value_of(request, sohAttributeTypeVendorSpecific);
    CHECK(v != NULL);
    if (v) {
        const BYTE *expected = sent->firewall_on ? sha_private_state_on : sha_private_state_off;
        size_t n = strlen((const char *)expected);
        CHECK_EQ(v->vendorSpecificVal.vendorId, EXAMPLE_VENDOR);
        CHECK_EQ(v->vendorSpecificVal.size, n);
        CHECK(memcmp(v->vendorSpecificVal.vendorSpecificData, expected, n) == 0);
        firewall_on = memcmp(v->vendorSpecificVal.vendorSpecificData, "firewall=on", 11) == 0;
    }
    a = find(request, sohAttributeTypeVendorSpecific);
    CHECK(a != NULL && a->size == 4 + strlen(sent->firewall_on ? (const char *)sha_private_state_on
                                                               : (const char *)sha_private_state_off));
    v = value_of(request, sohAttributeTypeHealthClass);
    CHECK(v != NULL && v->uint8Val == healthClassFirewall);
    v = value_of(request, sohAttributeTypeProductName);
    CHECK(v != NULL && v->octetStringVal.size == sizeof product_name &&
          memcmp(v->octetStringVal.data, product_name, sizeof product_name) == 0);
    v = value_of(request, sohAttributeTypeSoftwareVersion);
    CHECK(v != NULL && v->octetStringVal.size == 3 && memcmp(v->octetStringVal.data, "2.1", 3) == 0);
    v = value_of(request, sohAttributeTypeHealthClassStatus);
    CHECK(v != NULL && v->octetStringVal.size == 4);
    if (v && v->octetStringVal.size == 4)
        CHECK_EQ(v->octetStringVal.data[3], sent->firewall_on ? 7 : 4);
    v = value_of(request, sohAttributeTypeTimeOfLastUpdate);
    CHECK(v != NULL);
    if (v) {
        CHECK_EQ(v->dateTimeVal.dwHighDateTime, sent->signatures_high);
        CHECK_EQ(v->dateTimeVal.dwLowDateTime, sent->signatures_low);
    }
    v = value_of(request, sohAttributeTypeClientId);
    CHECK(v != NULL && v->octetStringVal.size == sizeof client_id &&
          memcmp(v->octetStringVal.data, client_id, sizeof client_id) == 0);
    v = value_of(request, sohAttributeTypeSoHGenerationTime);
    CHECK(v != NULL && v->dateTimeVal.dwHighDateTime == 0x01DA0000u &&
          v->dateTimeVal.dwLowDateTime == 0x12345678u);

    if (!firewall_on)
        codes[ncodes++] = EXAMPLE_E_FIREWALL_OFF;
    v = value_of(request, sohAttributeTypeTimeOfLastUpdate);
    if (v && v->dateTimeVal.dwHighDateTime < 0x01DA0000u)
        codes[ncodes++] = EXAMPLE_E_SIGNATURES_OLD;
    if (ncodes == 0)
        codes[ncodes++] = S_OK;

    response = new_soh(EXAMPLE_SHA_ID);
    if (!response)
        return NULL;
    append_codes(response, sohAttributeTypeComplianceResultCodes, codes, ncodes);
    if (codes[0] != S_OK) {
        static const Ipv4Address servers[2] = { { { 10, 0, 0, 53 } }, { { 10, 0, 1, 53 } } };
        SoHAttributeValue fixup;
        memset(&fixup, 0, sizeof fixup);
        fixup.v4AddressesVal.count = 2;
        fixup.v4AddressesVal.addresses = (Ipv4Address *)servers;
        append(response, sohAttributeTypeIpv4FixupServers, &fixup);
        append_byte(response, sohAttributeTypeFailureCategory, failureCategoryClientComponent);
        append_byte(response, sohAttributeTypeExtendedIsolationState, extendedIsolationStateInfected);
    } else {
        static const Ipv6Address server = { { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53 } };
        SoHAttributeValue fixup;
        memset(&fixup, 0, sizeof fixup);
        fixup.v6AddressesVal.count = 1;
        fixup.v6AddressesVal.addresses = (Ipv6Address *)&server;
        append(response, sohAttributeTypeIpv6FixupServers, &fixup);
    }
    append_codes(response, sohAttributeTypeErrorCodes, errors, 1);
    return response;
}

/* One request/response exchange; returns the compliance codes the agent
 * received (first one) and their number through `*count`. */
static HRESULT exchange(const struct machine_state *m, UINT16 *count)
{
    SoH *request[2];
    SoH *response_sections[1];
    NetworkSoH *bytes;
    NaputilSoHMessage *received = (NaputilSoHMessage *)SENTINEL;
    NaputilSoHMessage *answer = (NaputilSoHMessage *)SENTINEL;
    NetworkSoH *again = NULL;
    const SoH *mine;
    const SoHAttributeValue *v;
    HRESULT first = E_FAIL;
    uint64_t blocks_before = naputil_live_blocks();
    CorrelationId expected = correlation();

    *count = 0;
    /* Client: the NAP agent collects the system SoH and the agent's. */
    request[0] = system_soh();
    request[1] = sha_build_request(m);
    bytes = encode(request, 2, 1, NAPUTIL_SOH_FRAMING_PEAP_SOH);
    FreeSoH(request[0]);
    FreeSoH(request[1]);
    if (!bytes)
        return E_FAIL;

    /* Server: decode, re-encode identically, hand the section to the SHV. */
    CHECK_EQ(naputil_soh_message_decode(bytes, NAPUTIL_SOH_FRAMING_PEAP_SOH, &received), S_OK);
    if (received == SENTINEL)
        return E_FAIL;
    CHECK_EQ(received->count, 2);
    CHECK(received->has_mode_sub_header);
    CHECK_EQ(received->intent, 1);
    CHECK(same_correlation(&received->correlation_id, &expected));
    CHECK_EQ(naputil_soh_message_encode(received, NAPUTIL_SOH_FRAMING_PEAP_SOH, &again), S_OK);
    CHECK(again && again->size == bytes->size && memcmp(again->data, bytes->data, bytes->size) == 0);
    FreeNetworkSoH(again);
    FreeNetworkSoH(bytes);
    CHECK(section_of(received, SYSTEM_SOH_ID) == received->sections[0]);
    mine = section_of(received, EXAMPLE_SHA_ID);
    CHECK(mine != NULL);
    response_sections[0] = mine ? shv_check_request(mine, m) : NULL;
    naputil_soh_message_free(received);
    if (!response_sections[0])
        return E_FAIL;
    bytes = encode(response_sections, 1, 2, NAPUTIL_SOH_FRAMING_PEAP_SOH_RESPONSE);
    FreeSoH(response_sections[0]);
    if (!bytes)
        return E_FAIL;

    /* Client: the response for this correlation id, this agent's section. */
    CHECK_EQ(naputil_soh_message_decode(bytes, NAPUTIL_SOH_FRAMING_PEAP_SOH, &answer), NAP_E_INVALID_PACKET);
    CHECK(answer == SENTINEL);
    CHECK_EQ(naputil_soh_message_decode(bytes, NAPUTIL_SOH_FRAMING_PEAP_SOH_RESPONSE, &answer), S_OK);
    FreeNetworkSoH(bytes);
    if (answer == SENTINEL)
        return E_FAIL;
    CHECK(same_correlation(&answer->correlation_id, &expected));
    mine = section_of(answer, EXAMPLE_SHA_ID);
    v = mine ? value_of(mine, sohAttributeTypeComplianceResultCodes) : NULL;
    CHECK(v != NULL);
    if (v) {
        *count = v->codesVal.count;
        first = v->codesVal.results[0];
        CHECK_EQ(find(mine, sohAttributeTypeComplianceResultCodes)->size, 4u * v->codesVal.count);
        if (first == S_OK) {
            v = value_of(mine, sohAttributeTypeIpv6FixupServers);
            CHECK(v != NULL && v->v6AddressesVal.count == 1 && v->v6AddressesVal.addresses[0].addr[15] == 0x53);
            CHECK(find(mine, sohAttributeTypeFailureCategory) == NULL);
        } else {
            v = value_of(mine, sohAttributeTypeIpv4FixupServers);
            CHECK(v != NULL && v->v4AddressesVal.count == 2 && v->v4AddressesVal.addresses[1].addr[2] == 1);
            v = value_of(mine, sohAttributeTypeFailureCategory);
            CHECK(v != NULL && v->uint8Val == failureCategoryClientComponent);
            v = value_of(mine, sohAttributeTypeExtendedIsolationState);
            CHECK(v != NULL && v->uint8Val == extendedIsolationStateInfected);
        }
        v = value_of(mine, sohAttributeTypeErrorCodes);
        CHECK(v != NULL && v->codesVal.count == 1 && v->codesVal.results[0] == S_OK);
        if (*count == 2)
            CHECK_EQ(value_of(mine, sohAttributeTypeComplianceResultCodes)->codesVal.results[1],
                     EXAMPLE_E_SIGNATURES_OLD);
    }
    naputil_soh_message_free(answer);
    CHECK_EQ(naputil_live_blocks(), blocks_before);
    return first;
}

static void test_exchanges(void)
{
    struct machine_state healthy = { 1, 0x01DA5555u, 0x00000001u };
    struct machine_state firewall_off = { 0, 0x01DA5555u, 0x00000001u };
    struct machine_state everything_wrong = { 0, 0x01C00000u, 0x00000001u };
    UINT16 count;
    CHECK_EQ(exchange(&healthy, &count), S_OK);
    CHECK_EQ(count, 1);
    CHECK_EQ(exchange(&firewall_off, &count), EXAMPLE_E_FIREWALL_OFF);
    CHECK_EQ(count, 1);
    CHECK_EQ(exchange(&everything_wrong, &count), EXAMPLE_E_FIREWALL_OFF);
    CHECK_EQ(count, 2);
}

/* ---- One agent's attribute list ------------------------------------------ */

static void test_attribute_list(void)
{
    struct machine_state m = { 1, 1, 2 };
    SoH *request = sha_build_request(&m);
    SoH *decoded = (SoH *)SENTINEL;
    NetworkSoH *bytes = (NetworkSoH *)SENTINEL, *again = NULL;
    UINT16 i;
    if (!request)
        return;
    CHECK_EQ(naputil_soh_encode(request, &bytes), S_OK);
    if (bytes == SENTINEL)
        return;
    /* The first attribute: type 2, length 4, the id, big-endian. */
    CHECK(bytes->size > 8 && memcmp(bytes->data, "\x00\x02\x00\x04\x00\xAB\xCD\x01", 8) == 0);
    CHECK_EQ(naputil_soh_decode(bytes, &decoded), S_OK);
    if (decoded != SENTINEL) {
        CHECK_EQ(decoded->count, request->count);
        for (i = 0; i < decoded->count && i < request->count; i++) {
            CHECK_EQ(decoded->attributes[i].type, request->attributes[i].type);
            CHECK_EQ(decoded->attributes[i].size, request->attributes[i].size);
        }
        CHECK_EQ(naputil_soh_encode(decoded, &again), S_OK);
        CHECK(again && again->size == bytes->size && memcmp(again->data, bytes->data, bytes->size) == 0);
        FreeNetworkSoH(again);
        FreeSoH(decoded);
    }
    FreeNetworkSoH(bytes);
    FreeSoH(request);
}

/* ---- Every byte changed: invalid, or decodes and encodes back exactly ---- */

static void test_every_byte_changed(void)
{
    struct machine_state m = { 1, 1, 2 };
    SoH *sections[2];
    NetworkSoH *bytes;
    BYTE copy[600];
    unsigned at, flip, invalid = 0, valid = 0;
    sections[0] = system_soh();
    sections[1] = sha_build_request(&m);
    bytes = encode(sections, 2, 1, NAPUTIL_SOH_FRAMING_MESSAGE);
    FreeSoH(sections[0]);
    FreeSoH(sections[1]);
    if (!bytes || bytes->size > sizeof copy)
        return;
    for (at = 0; at <= bytes->size; at++) {
        for (flip = 0; flip < 3; flip++) {
            static const BYTE flips[3] = { 0x01, 0x40, 0xff };
            NetworkSoH changed;
            NaputilSoHMessage *message = (NaputilSoHMessage *)SENTINEL;
            NaputilStats before;
            HRESULT hr;
            memcpy(copy, bytes->data, bytes->size);
            changed.data = copy;
            changed.size = bytes->size;
            if (at == bytes->size) /* truncated instead of changed */
                changed.size = (UINT16)(bytes->size - 1 - flip);
            else
                copy[at] ^= flips[flip];
            before = stats_now();
            hr = naputil_soh_message_decode(&changed, NAPUTIL_SOH_FRAMING_MESSAGE, &message);
            if (hr == S_OK) {
                NetworkSoH *again = NULL;
                valid++;
                CHECK_EQ(naputil_soh_message_encode(message, NAPUTIL_SOH_FRAMING_MESSAGE, &again), S_OK);
                CHECK(again && again->size == changed.size && memcmp(again->data, copy, changed.size) == 0);
                FreeNetworkSoH(again);
                naputil_soh_message_free(message);
            } else {
                invalid++;
                CHECK_EQ(hr, NAP_E_INVALID_PACKET);
                CHECK(message == SENTINEL);
                check_nothing_allocated(&before, "an invalid message");
            }
        }
    }
    CHECK(valid > 0 && invalid > 0);
    FreeNetworkSoH(bytes);
}

/* ---- Bad input to every function ------------------------------------------ */

static void test_bad_input(void)
{
    static const BYTE two_attributes[] = { 0, 2, 0, 4, 0, 0, 0, 1, 0, 8, 0, 1, 2 };
    static const BYTE cases[][8] = {
        { 0, 2, 0, 3, 0, 0, 0, 0 }, /* system health id of 3 bytes */
        { 0, 8, 0, 9, 0, 0, 0, 0 }, /* length past the end */
        { 0, 7, 0, 2, 0, 0, 0, 0 }, /* vendor-specific without its vendor id */
        { 0, 3, 0, 3, 1, 2, 3, 0 }, /* part of an IPv4 address, then a header fragment */
    };
    NetworkSoH good = { sizeof two_attributes, (BYTE *)two_attributes };
    NetworkSoH no_data = { 4, NULL };
    NetworkSoH empty = { 0, NULL };
    SoH *soh = (SoH *)SENTINEL;
    NetworkSoH *bytes = (NetworkSoH *)SENTINEL;
    NaputilSoHMessage *message = (NaputilSoHMessage *)SENTINEL;
    NaputilStats before = stats_now();
    SoHAttribute attribute;
    SoHAttributeValue value;
    SoH bad;
    SoH *null_section = NULL;
    NaputilSoHMessage bad_message;
    size_t i;

    /* NULL arguments and bad framings. */
    CHECK_EQ(naputil_soh_decode(NULL, &soh), E_INVALIDARG);
    CHECK_EQ(naputil_soh_decode(&good, NULL), E_INVALIDARG);
    CHECK_EQ(naputil_soh_decode(&no_data, &soh), E_INVALIDARG);
    CHECK_EQ(naputil_soh_encode(NULL, &bytes), E_INVALIDARG);
    CHECK_EQ(naputil_soh_message_decode(NULL, NAPUTIL_SOH_FRAMING_MESSAGE, &message), E_INVALIDARG);
    CHECK_EQ(naputil_soh_message_decode(&good, NAPUTIL_SOH_FRAMING_MESSAGE, NULL), E_INVALIDARG);
    CHECK_EQ(naputil_soh_message_decode(&no_data, NAPUTIL_SOH_FRAMING_MESSAGE, &message), E_INVALIDARG);
    CHECK_EQ(naputil_soh_message_decode(&good, 3, &message), E_INVALIDARG);
    CHECK_EQ(naputil_soh_message_decode(&good, 0xFFFFFFFFu, &message), E_INVALIDARG);
    CHECK_EQ(naputil_soh_message_encode(NULL, NAPUTIL_SOH_FRAMING_MESSAGE, &bytes), E_INVALIDARG);

    /* Not a message; not an attribute list. */
    CHECK_EQ(naputil_soh_message_decode(&good, NAPUTIL_SOH_FRAMING_MESSAGE, &message), NAP_E_INVALID_PACKET);
    CHECK_EQ(naputil_soh_message_decode(&empty, NAPUTIL_SOH_FRAMING_PEAP_SOH, &message), NAP_E_INVALID_PACKET);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        NetworkSoH c = { sizeof cases[i], (BYTE *)cases[i] };
        CHECK_EQ(naputil_soh_decode(&c, &soh), NAP_E_INVALID_PACKET);
    }
    for (i = 1; i < sizeof two_attributes; i++) {
        NetworkSoH prefix = { (UINT16)i, (BYTE *)two_attributes };
        if (i != 8)
            CHECK_EQ(naputil_soh_decode(&prefix, &soh), NAP_E_INVALID_PACKET);
    }

    /* Structures that have no encoding. */
    memset(&value, 0, sizeof value);
    attribute.type = sohAttributeTypeSystemHealthId;
    attribute.size = 4;
    attribute.value = NULL;
    bad.count = 1;
    bad.attributes = &attribute;
    CHECK_EQ(naputil_soh_encode(&bad, NULL), E_INVALIDARG);
    CHECK_EQ(naputil_soh_encode(&bad, &bytes), E_INVALIDARG); /* NULL value */
    attribute.value = (BYTE *)&value;
    bad.attributes = NULL;
    CHECK_EQ(naputil_soh_encode(&bad, &bytes), E_INVALIDARG); /* NULL attributes */
    bad.attributes = &attribute;
    bad.count = maxSoHAttributeCount + 1;
    CHECK_EQ(naputil_soh_encode(&bad, &bytes), E_INVALIDARG); /* too many */
    bad.count = 1;
    attribute.type = sohAttributeTypeIpv4FixupServers;
    value.v4AddressesVal.count = maxIpv4CountPerSoHAttribute + 1;
    value.v4AddressesVal.addresses = (Ipv4Address *)two_attributes; /* never read */
    CHECK_EQ(naputil_soh_encode(&bad, &bytes), E_INVALIDARG);
    value.v4AddressesVal.count = 1;
    value.v4AddressesVal.addresses = NULL;
    CHECK_EQ(naputil_soh_encode(&bad, &bytes), E_INVALIDARG);
    attribute.type = sohAttributeTypeComplianceResultCodes;
    value.codesVal.count = maxDwordCountPerSoHAttribute + 1;
    value.codesVal.results = (HRESULT *)two_attributes; /* never read */
    CHECK_EQ(naputil_soh_encode(&bad, &bytes), E_INVALIDARG);
    attribute.type = sohAttributeTypeProductName;
    value.octetStringVal.size = maxSoHAttributeSize + 1;
    value.octetStringVal.data = (BYTE *)two_attributes; /* never read */
    CHECK_EQ(naputil_soh_encode(&bad, &bytes), E_INVALIDARG);
    attribute.type = 1234; /* not a SoHAttributeType: `size` raw bytes */
    attribute.size = 2;
    attribute.value = NULL;
    CHECK_EQ(naputil_soh_encode(&bad, &bytes), E_INVALIDARG);

    /* A message whose section does not start with its system health id, one
     * with a NULL section, and mode fields without the sub-header. */
    attribute.type = sohAttributeTypeHealthClass;
    attribute.value = (BYTE *)&value;
    memset(&bad_message, 0, sizeof bad_message);
    bad_message.count = 1;
    bad_message.sections = &null_section;
    CHECK_EQ(naputil_soh_message_encode(&bad_message, NAPUTIL_SOH_FRAMING_MESSAGE, &bytes), E_INVALIDARG);
    null_section = &bad;
    CHECK_EQ(naputil_soh_message_encode(&bad_message, NAPUTIL_SOH_FRAMING_MESSAGE, &bytes), E_INVALIDARG);
    bad_message.count = 0;
    bad_message.intent = 1;
    CHECK_EQ(naputil_soh_message_encode(&bad_message, NAPUTIL_SOH_FRAMING_MESSAGE, &bytes), E_INVALIDARG);
    bad_message.intent = 0;
    CHECK_EQ(naputil_soh_message_encode(&bad_message, 7, &bytes), E_INVALIDARG);

    CHECK(soh == SENTINEL);
    CHECK(bytes == SENTINEL);
    CHECK(message == SENTINEL);
    check_nothing_allocated(&before, "a refused call");

    /* The message with no sections is fine, and so are zero bytes for an
     * attribute list. */
    CHECK_EQ(naputil_soh_message_encode(&bad_message, NAPUTIL_SOH_FRAMING_MESSAGE, &bytes), S_OK);
    if (bytes != SENTINEL) {
        CHECK_EQ(bytes->size, minNetworkSoHSize);
        FreeNetworkSoH(bytes);
    }
    CHECK_EQ(naputil_soh_decode(&empty, &soh), S_OK);
    if (soh != SENTINEL) {
        CHECK(soh->count == 0 && soh->attributes == NULL);
        FreeSoH(soh);
    }

    /* Freeing: NULL is a no-op; a pointer that is not a block is only
     * reported. */
    naputil_soh_message_free(NULL);
    {
        uint64_t misuse = naputil_misuse_count();
        CHECK_EQ(naputil_set_misuse_policy(NAPUTIL_MISUSE_SILENT), S_OK);
        naputil_soh_message_free(&bad_message);
        CHECK_EQ(naputil_misuse_count(), misuse + 1);
        CHECK_EQ(naputil_set_misuse_policy(NAPUTIL_MISUSE_REPORT), S_OK);
    }
}

/* ---- Decoding under a spy ----------------------------------------------------- */

static unsigned spy_allocs;

static HRESULT STDMETHODCALLTYPE spy_query(IMallocSpy *This, REFIID riid, void **ppv)
{
    (void)riid;
    *ppv = This;
    return S_OK;
}
static ULONG STDMETHODCALLTYPE spy_addref(IMallocSpy *This) { (void)This; return 2; }
static ULONG STDMETHODCALLTYPE spy_release(IMallocSpy *This) { (void)This; return 1; }
static SIZE_T STDMETHODCALLTYPE spy_pre_alloc(IMallocSpy *This, SIZE_T cb) { (void)This; spy_allocs++; return cb; }
static void *STDMETHODCALLTYPE spy_post_alloc(IMallocSpy *This, void *p) { (void)This; return p; }
static void *STDMETHODCALLTYPE spy_pre_free(IMallocSpy *This, void *p, BOOL s) { (void)This; (void)s; return p; }
static void STDMETHODCALLTYPE spy_post_free(IMallocSpy *This, BOOL s) { (void)This; (void)s; }
static SIZE_T STDMETHODCALLTYPE spy_pre_realloc(IMallocSpy *This, void *p, SIZE_T cb, void **pp, BOOL s)
{
    (void)This; (void)s;
    *pp = p;
    return cb;
}
static void *STDMETHODCALLTYPE spy_post_realloc(IMallocSpy *This, void *p, BOOL s) { (void)This; (void)s; return p; }
static void *STDMETHODCALLTYPE spy_pre_get_size(IMallocSpy *This, void *p, BOOL s) { (void)This; (void)s; return p; }
static SIZE_T STDMETHODCALLTYPE spy_post_get_size(IMallocSpy *This, SIZE_T cb, BOOL s) { (void)This; (void)s; return cb; }
static void *STDMETHODCALLTYPE spy_pre_did_alloc(IMallocSpy *This, void *p, BOOL s) { (void)This; (void)s; return p; }
static int STDMETHODCALLTYPE spy_post_did_alloc(IMallocSpy *This, void *p, BOOL s, int f)
{
    (void)This; (void)p; (void)s;
    return f;
}
static void STDMETHODCALLTYPE spy_heap(IMallocSpy *This) { (void)This; }

static const IMallocSpyVtbl spy_vtbl = {
    spy_query, spy_addref, spy_release, spy_pre_alloc, spy_post_alloc, spy_pre_free, spy_post_free,
    spy_pre_realloc, spy_post_realloc, spy_pre_get_size, spy_post_get_size, spy_pre_did_alloc,
    spy_post_did_alloc, spy_heap, spy_heap,
};

static void test_decode_goes_through_the_spy(void)
{
    static IMallocSpy spy = { &spy_vtbl };
    struct machine_state m = { 1, 1, 2 };
    SoH *request = sha_build_request(&m);
    NetworkSoH *bytes = NULL;
    SoH *decoded = NULL;
    if (!request)
        return;
    CHECK_EQ(naputil_soh_encode(request, &bytes), S_OK);
    FreeSoH(request);
    if (!bytes)
        return;
    CHECK_EQ(CoRegisterMallocSpy(&spy), S_OK);
    spy_allocs = 0;
    CHECK_EQ(naputil_soh_decode(bytes, &decoded), S_OK);
    /* The SoH, its array, 9 values and the octets of 5 of them. */
    CHECK_EQ(spy_allocs, 16);
    FreeSoH(decoded);
    CHECK_EQ(CoRevokeMallocSpy(), S_OK);
    FreeNetworkSoH(bytes);
}

int main(void)
{
    uint64_t blocks = naputil_live_blocks();
    test_exchanges();
    test_attribute_list();
    test_every_byte_changed();
    test_bad_input();
    test_decode_goes_through_the_spy();
    CHECK_EQ(naputil_live_blocks(), blocks);
    CHECK_EXIT();
}
