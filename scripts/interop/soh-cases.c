/*
 * soh-cases: the statements of health `make test-interop` sends to
 * FreeRADIUS (scripts/interop/freeradius.sh), encoded with naputil, and
 * what FreeRADIUS must decode from each. One line per item on stdout:
 *
 *   case NAME HEX       an MS-Quarantine-SoH value (PEAP SoH TLV framing, as
 *                       rlm_soh reads it) that FreeRADIUS must accept
 *   expect NAME TEXT    a Reply-Message "Attribute=value" the server must
 *                       send back for case NAME (the configuration echoes
 *                       every SoH-* attribute rlm_soh decoded)
 *   log NAME TEXT       a line rlm_soh must write to the debug log for NAME
 *   reject NAME HEX     bytes naputil's decoder has just rejected with
 *                       NAP_E_INVALID_PACKET, which FreeRADIUS must reject
 *
 * Each case is a Microsoft-style system SoH (system health id 0x00013700,
 * whose vendor-specific attribute carries the machine's type-values: OS
 * version, machine name, correlation id, ...), a Windows security agent's
 * section (0x00013780) with health class statuses, and a third-party agent's
 * section with its vendor-specific attribute, built as a system health agent
 * builds its SoH: with INapSoHConstructor. Exits non-zero if naputil
 * fails to encode, to decode its own bytes back, or to reject a malformed
 * variant.
 */
#define COBJMACROS
#include <stdio.h>
#include <string.h>

#include "napUtil.h"

#define THIRD_PARTY_VENDOR 0x0000ABCDu
#define THIRD_PARTY_ID 0x00ABCD01u

static int failures;

static void fail(const char *what)
{
    fprintf(stderr, "soh-cases: %s\n", what);
    failures++;
}

/* ---- Byte buffers ------------------------------------------------------------ */

struct buffer {
    BYTE data[512];
    UINT16 size;
};

static void put(struct buffer *b, const void *p, size_t n)
{
    if (b->size + n > sizeof b->data) {
        fail("buffer too small");
        return;
    }
    memcpy(b->data + b->size, p, n);
    b->size = (UINT16)(b->size + n);
}

static void put8(struct buffer *b, unsigned v)
{
    BYTE x = (BYTE)v;
    put(b, &x, 1);
}

static void put16(struct buffer *b, unsigned v)
{
    put8(b, v >> 8);
    put8(b, v);
}

static void put32(struct buffer *b, unsigned long v)
{
    put16(b, (unsigned)(v >> 16) & 0xffff);
    put16(b, (unsigned)v & 0xffff);
}

static void print_hex(const char *kind, const char *name, const BYTE *p, size_t n)
{
    size_t i;
    printf("%s %s 0x", kind, name);
    for (i = 0; i < n; i++)
        printf("%02x", p[i]);
    printf("\n");
}

/* ---- The statement of health ------------------------------------------------- */

struct machine {
    const char *case_name;
    unsigned long os_major, os_minor, os_build;
    unsigned sp_major, sp_minor, processor, role;
    const char *name;
    BOOL mode_sub_header;
    CorrelationId correlation;
};

/* A health class and its status as the security agent reports them, and
 * how rlm_soh renders the pair in SoH-MS-Windows-Health-Status. */
struct health {
    BYTE health_class;
    unsigned long status;
    const char *rendered;
};

static const struct health healths[] = {
    { 0, 0x00000007ul, "firewall ok snoozed=0 microsoft=1 up2date=1 enabled=1" },
    { 1, 0xC0FF0002ul, "antivirus error not-installed" },
    { 2, 0x00000009ul, "antispyware ok snoozed=1 microsoft=0 up2date=0 enabled=1" },
    { 3, 0x00000004ul, "auto-updates ok action=install" },
    { 4, 0x00FF0005ul, "security-updates ok all-installed" },
};

static const BYTE third_party_state[] = "av=on;v=2";

/* The correlation id in its wire form, as NaputilSoHMessage documents it. */
static void correlation_bytes(const CorrelationId *c, struct buffer *b)
{
    put32(b, c->connId.Data1);
    put16(b, c->connId.Data2);
    put16(b, c->connId.Data3);
    put(b, c->connId.Data4, 8);
    put32(b, c->timeStamp.dwHighDateTime);
    put32(b, c->timeStamp.dwLowDateTime);
}

/* The Microsoft type-values of the system SoH (rlm_soh's eapsoh_mstlv). */
static void machine_type_values(const struct machine *m, struct buffer *b)
{
    size_t name_length = strlen(m->name);
    put8(b, 3); /* packet info: request, version 1 */
    put8(b, 0x11);
    put8(b, 1); /* machine inventory */
    put32(b, m->os_major);
    put32(b, m->os_minor);
    put32(b, m->os_build);
    put16(b, m->sp_major);
    put16(b, m->sp_minor);
    put16(b, m->processor);
    put8(b, 5); /* machine name */
    put16(b, (unsigned)name_length);
    put(b, m->name, name_length);
    put8(b, 6); /* correlation id */
    correlation_bytes(&m->correlation, b);
    put8(b, 8); /* machine inventory ex: reserved, product type */
    put32(b, 0);
    put8(b, m->role);
}

/* ---- NAP structures, on the stack ---------------------------------------- */

#define MAX_ATTRIBUTES 16

struct section {
    SoH soh;
    SoHAttribute attributes[MAX_ATTRIBUTES];
    SoHAttributeValue values[MAX_ATTRIBUTES];
};

static SoHAttributeValue *add(struct section *s, SoHAttributeType type)
{
    SoHAttributeValue *v;
    if (s->soh.count == MAX_ATTRIBUTES) {
        fail("too many attributes");
        return &s->values[0];
    }
    v = &s->values[s->soh.count];
    memset(v, 0, sizeof *v);
    s->attributes[s->soh.count].type = (UINT16)type;
    s->attributes[s->soh.count].size = 0; /* not read for these types */
    s->attributes[s->soh.count].value = (BYTE *)v;
    s->soh.count++;
    s->soh.attributes = s->attributes;
    return v;
}

static void start(struct section *s, SystemHealthEntityId id)
{
    memset(s, 0, sizeof *s);
    add(s, sohAttributeTypeSystemHealthId)->idVal = id;
}

static void add_octets(struct section *s, SoHAttributeType type, BYTE *data, UINT16 size)
{
    SoHAttributeValue *v = add(s, type);
    v->octetStringVal.size = size;
    v->octetStringVal.data = data;
}

static void add_vendor(struct section *s, UINT32 vendor, const BYTE *data, UINT16 size)
{
    SoHAttributeValue *v = add(s, sohAttributeTypeVendorSpecific);
    v->vendorSpecificVal.vendorId = vendor;
    v->vendorSpecificVal.size = size;
    v->vendorSpecificVal.vendorSpecificData = (BYTE *)data;
}

/* The third-party agent's SoH, as an agent builds it: Initialize, one
 * AppendAttribute per attribute, GetSoH (freed with FreeSoH). NULL after a
 * failure. */
static SoH *third_party_soh(void)
{
    INapSoHConstructor *constructor = NULL;
    SoHAttributeValue value;
    BYTE status[4] = { 0, 0, 0, 1 };
    SoH *soh = NULL;

    if (CoCreateInstance(&CLSID_NapSoHConstructor, NULL, CLSCTX_INPROC_SERVER, &IID_INapSoHConstructor,
                         (void **)&constructor) != S_OK) {
        fail("CoCreateInstance(CLSID_NapSoHConstructor) failed");
        return NULL;
    }
    if (INapSoHConstructor_Initialize(constructor, THIRD_PARTY_ID, TRUE) != S_OK)
        fail("INapSoHConstructor::Initialize failed");
    memset(&value, 0, sizeof value);
    value.vendorSpecificVal.vendorId = THIRD_PARTY_VENDOR;
    value.vendorSpecificVal.size = sizeof third_party_state - 1;
    value.vendorSpecificVal.vendorSpecificData = (BYTE *)third_party_state;
    if (INapSoHConstructor_AppendAttribute(constructor, sohAttributeTypeVendorSpecific, &value) != S_OK)
        fail("AppendAttribute(sohAttributeTypeVendorSpecific) failed");
    memset(&value, 0, sizeof value);
    value.octetStringVal.size = sizeof status;
    value.octetStringVal.data = status;
    if (INapSoHConstructor_AppendAttribute(constructor, sohAttributeTypeHealthClassStatus, &value) != S_OK)
        fail("AppendAttribute(sohAttributeTypeHealthClassStatus) failed");
    if (INapSoHConstructor_GetSoH(constructor, &soh) != S_OK)
        fail("INapSoHConstructor::GetSoH failed");
    INapSoHConstructor_Release(constructor);
    return soh;
}

static void emit(const struct machine *m)
{
    struct section system, security;
    SoH *third_party;
    struct buffer type_values = { { 0 }, 0 }, corr = { { 0 }, 0 };
    BYTE statuses[sizeof healths / sizeof healths[0]][4];
    SoH *sections[3];
    NaputilSoHMessage message;
    NetworkSoH *bytes = NULL, *again = NULL;
    NaputilSoHMessage *decoded = NULL;
    size_t i;
    unsigned k;
    HRESULT hr;

    start(&system, 0x00013700u);
    machine_type_values(m, &type_values);
    add_vendor(&system, 311, type_values.data, type_values.size);

    start(&security, 0x00013780u);
    for (i = 0; i < sizeof healths / sizeof healths[0]; i++) {
        add(&security, sohAttributeTypeHealthClass)->uint8Val = healths[i].health_class;
        for (k = 0; k < 4; k++)
            statuses[i][k] = (BYTE)(healths[i].status >> (24 - 8 * k));
        add_octets(&security, sohAttributeTypeHealthClassStatus, statuses[i], 4);
    }

    third_party = third_party_soh();
    if (!third_party)
        return;

    sections[0] = &system.soh;
    sections[1] = &security.soh;
    sections[2] = third_party;
    memset(&message, 0, sizeof message);
    message.has_mode_sub_header = m->mode_sub_header;
    if (m->mode_sub_header) {
        message.correlation_id = m->correlation;
        message.intent = 1;
    }
    message.count = 3;
    message.sections = sections;

    hr = naputil_soh_message_encode(&message, NAPUTIL_SOH_FRAMING_PEAP_SOH, &bytes);
    FreeSoH(third_party);
    if (hr != S_OK || !bytes) {
        fail("naputil_soh_message_encode failed");
        return;
    }
    /* A RADIUS attribute holds at most 253 bytes: 247 after the vendor
     * header of MS-Quarantine-SoH. */
    if (bytes->size > 247)
        fail("the SoH does not fit in one MS-Quarantine-SoH attribute");

    /* naputil reads its own bytes back, to the same bytes. */
    hr = naputil_soh_message_decode(bytes, NAPUTIL_SOH_FRAMING_PEAP_SOH, &decoded);
    if (hr != S_OK || !decoded || decoded->count != 3) {
        fail("naputil_soh_message_decode of naputil's own bytes failed");
    } else {
        if (naputil_soh_message_encode(decoded, NAPUTIL_SOH_FRAMING_PEAP_SOH, &again) != S_OK || !again ||
            again->size != bytes->size || memcmp(again->data, bytes->data, bytes->size) != 0)
            fail("naputil did not encode its decoded message back to the same bytes");
        FreeNetworkSoH(again);
        naputil_soh_message_free(decoded);
    }
    /* The mode sub-header's correlation id is the one in the type-value. */
    correlation_bytes(&m->correlation, &corr);
    if (m->mode_sub_header && memcmp(bytes->data + 12 + 12 + 8, corr.data, 24) != 0)
        fail("the mode sub-header's correlation id is not in its documented wire form");

    print_hex("case", m->case_name, bytes->data, bytes->size);
    printf("expect %s SoH-MS-Machine-OS-vendor=311\n", m->case_name);
    printf("expect %s SoH-MS-Machine-OS-version=%lu\n", m->case_name, m->os_major);
    printf("expect %s SoH-MS-Machine-OS-release=%lu\n", m->case_name, m->os_minor);
    printf("expect %s SoH-MS-Machine-OS-build=%lu\n", m->case_name, m->os_build);
    printf("expect %s SoH-MS-Machine-SP-version=%u\n", m->case_name, m->sp_major);
    printf("expect %s SoH-MS-Machine-SP-release=%u\n", m->case_name, m->sp_minor);
    printf("expect %s SoH-MS-Machine-Processor=%u\n", m->case_name, m->processor);
    printf("expect %s SoH-MS-Machine-Name=%s\n", m->case_name, m->name);
    printf("expect %s SoH-MS-Machine-Role=%u\n", m->case_name, m->role);
    printf("expect %s SoH-MS-Correlation-Id=0x", m->case_name);
    for (i = 0; i < corr.size; i++)
        printf("%02x", corr.data[i]);
    printf("\n");
    for (i = 0; i < sizeof healths / sizeof healths[0]; i++)
        printf("expect %s SoH-MS-Windows-Health-Status=%s\n", m->case_name, healths[i].rendered);
    printf("expect %s SoH-MS-Health-Other=%08x/%u ?\n", m->case_name, (unsigned)(THIRD_PARTY_ID >> 8),
           (unsigned)(THIRD_PARTY_ID & 0xff));
    printf("log %s SoH System-Health-ID vendor 00000137 component=0\n", m->case_name);
    printf("log %s SoH System-Health-ID vendor 00000137 component=128\n", m->case_name);
    printf("log %s SoH System-Health-ID vendor %08x component=%u\n", m->case_name,
           (unsigned)(THIRD_PARTY_ID >> 8), (unsigned)(THIRD_PARTY_ID & 0xff));
    printf("log %s SoH unhandled vendor-specific TLV %08x/component=%u %u bytes payload\n", m->case_name,
           (unsigned)(THIRD_PARTY_ID >> 8), (unsigned)(THIRD_PARTY_ID & 0xff),
           (unsigned)(4 + sizeof third_party_state - 1));

    if (m->mode_sub_header) {
        /* Malformed variants: (name, offset, byte). Offsets: the PEAP TLV
         * (12 bytes), the SoH header (12), the mode sub-header (34). */
        static const struct {
            const char *name;
            unsigned offset;
            BYTE byte;
        } variants[] = {
            { "peap-vendor-312", 7, 0x38 },    /* the PEAP TLV's vendor id */
            { "peap-response-tlv", 9, 3 },     /* SoH Response TLV where an SoH TLV belongs */
            { "soh-outer-type-8", 13, 8 },     /* the SoH header's outer type */
            { "soh-vendor-312", 19, 0x38 },    /* the SoH header's vendor id */
            { "soh-inner-type-3", 21, 3 },     /* neither 1 nor 2 */
            { "mode-vendor-312", 31, 0x38 },   /* the mode sub-header's vendor id */
            { "mode-content-type-1", 57, 1 },  /* a content type other than 0 */
        };
        BYTE bad[sizeof((struct buffer *)0)->data];
        for (i = 0; i < sizeof variants / sizeof variants[0]; i++) {
            NetworkSoH input;
            NaputilSoHMessage *out = NULL;
            memcpy(bad, bytes->data, bytes->size);
            bad[variants[i].offset] = variants[i].byte;
            input.size = bytes->size;
            input.data = bad;
            hr = naputil_soh_message_decode(&input, NAPUTIL_SOH_FRAMING_PEAP_SOH, &out);
            if (hr != NAP_E_INVALID_PACKET || out != NULL) {
                fail("naputil accepted a malformed SoH");
                naputil_soh_message_free(out);
                continue;
            }
            print_hex("reject", variants[i].name, bad, bytes->size);
        }
    }
    FreeNetworkSoH(bytes);
}

int main(void)
{
    struct machine a = {
        "windows10-with-mode-sub-header", 10, 0, 19045, 0, 0, 9, 1, "naputil-a", 1,
        { { 0x6b29fc40ul, 0xca47, 0x1067, { 0xb3, 0x1d, 0x00, 0xdd, 0x01, 0x06, 0x62, 0xda } },
          { 0x9abcdef0ul, 0x01da1234ul } },
    };
    struct machine b = {
        "windows7-server-no-mode-sub-header", 6, 1, 7601, 1, 0, 0, 3, "NAPUTIL-B", 0,
        { { 0x01020304ul, 0x0506, 0x0708, { 9, 10, 11, 12, 13, 14, 15, 16 } }, { 0x1b1c1d1eul, 0x1718191aul } },
    };
    if (CoInitializeEx(NULL, COINIT_MULTITHREADED) != S_OK)
        fail("CoInitializeEx failed");
    emit(&a);
    emit(&b);
    CoUninitialize();
    if (naputil_live_blocks() != 0)
        fail("blocks left live");
    return failures ? 1 : 0;
}
