/*
 * The SoH constructor and processor from C++, written as the NAP SDK's
 * samples write it: CoInitializeEx in main, CoCreateInstance(
 * CLSID_NapSoHConstructor, NULL, CLSCTX_INPROC_SERVER,
 * __uuidof(INapSoHConstructor), reinterpret_cast<void **>(&p)), calls
 * through the interface classes (p->Initialize(...)), IClassFactory from
 * CoGetClassObject, results freed with FreeSoH / FreeSoHAttributeValue.
 *
 * A health agent builds its request, which crosses the wire as bytes
 * (naputil_soh_encode / naputil_soh_decode); a validator reads it with a
 * FindNextAttribute loop and answers with compliance result codes, which
 * the agent reads back. Then bad input to every method, QueryInterface,
 * reference counts, deep copies, and objects shared by std::threads.
 *
 * On Windows, where CoCreateInstance is ole32's and has no NAP classes
 * (Windows 10 and later, Wine), each apartment registers the library's
 * class factories first (com_register.h), and the checks of what ole32
 * itself answers are left out; ctests/soh_com.c is the check that also
 * compiles against Windows' own headers.
 */
#include <NapTypes.h>
#include <NapProtocol.h>
#include <NapError.h>
#include <NapUtil.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "check.h"
#include "com_register.h"

namespace {

const SystemHealthEntityId SampleShaId = 0x00ABCD02;
const UINT32 SampleVendorId = 0x0000ABCD;
const HRESULT SampleClientNotPatched = static_cast<HRESULT>(0xC0ABCD02UL);
const HRESULT NotFound = HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND);

void *const Sentinel = reinterpret_cast<void *>(static_cast<std::uintptr_t>(0xDEADBEE0u));

template <class T> T *sentinel() { return static_cast<T *>(Sentinel); }

unsigned long long blocks_now() { return static_cast<unsigned long long>(naputil_live_blocks()); }

/* Releases an interface pointer at the end of a scope, as CComPtr does. */
template <class I> class Ref {
public:
    Ref() : p_(nullptr) {}
    ~Ref() { reset(); }
    Ref(const Ref &) = delete;
    Ref &operator=(const Ref &) = delete;
    I *operator->() const { return p_; }
    I *get() const { return p_; }
    explicit operator bool() const { return p_ != nullptr; }
    void **out() { return reinterpret_cast<void **>(&p_); }
    I **addr() { return &p_; }
    /* Releases now and returns what Release returned. */
    ULONG reset()
    {
        ULONG left = 0;
        if (p_ != nullptr)
            left = p_->Release();
        p_ = nullptr;
        return left;
    }

private:
    I *p_;
};

template <class I> ULONG refs(I *p)
{
    p->AddRef();
    return p->Release();
}

/* ---- The health agent ------------------------------------------------------ */

BYTE patched_state[] = {'p', 'a', 't', 'c', 'h', 'e', 'd'};
BYTE unpatched_state[] = {'m', 'i', 's', 's', 'i', 'n', 'g'};
BYTE product[] = {'S', 0, 'H', 0, 'A', 0};

HRESULT sha_build_request(bool patched, SoHRequest **request)
{
    Ref<INapSoHConstructor> constructor;
    HRESULT hr = CoCreateInstance(CLSID_NapSoHConstructor, NULL, CLSCTX_INPROC_SERVER,
                                  __uuidof(INapSoHConstructor), constructor.out());
    if (SUCCEEDED(hr))
        hr = constructor->Initialize(SampleShaId, TRUE);
    if (SUCCEEDED(hr)) {
        SoHAttributeValue value;
        std::memset(&value, 0, sizeof value);
        value.vendorSpecificVal.vendorId = SampleVendorId;
        value.vendorSpecificVal.size = sizeof patched_state;
        value.vendorSpecificVal.vendorSpecificData = patched ? patched_state : unpatched_state;
        hr = constructor->AppendAttribute(sohAttributeTypeVendorSpecific, &value);
    }
    if (SUCCEEDED(hr)) {
        SoHAttributeValue value;
        std::memset(&value, 0, sizeof value);
        value.uint8Val = healthClassCriticalUpdate;
        hr = constructor->AppendAttribute(sohAttributeTypeHealthClass, &value);
    }
    if (SUCCEEDED(hr)) {
        SoHAttributeValue value;
        std::memset(&value, 0, sizeof value);
        value.octetStringVal.size = sizeof product;
        value.octetStringVal.data = product;
        hr = constructor->AppendAttribute(sohAttributeTypeProductName, &value);
    }
    if (SUCCEEDED(hr)) {
        SoHAttributeValue value;
        std::memset(&value, 0, sizeof value);
        value.dateTimeVal.dwHighDateTime = 0x01DA7777;
        value.dateTimeVal.dwLowDateTime = 0x00000042;
        hr = constructor->AppendAttribute(sohAttributeTypeTimeOfLastUpdate, &value);
    }
    if (SUCCEEDED(hr))
        hr = constructor->GetSoH(request);
    if (SUCCEEDED(hr))
        hr = constructor->Validate(*request, TRUE);
    return hr;
}

/* The bytes a NAP enforcement client would carry, and the SoH the server
 * decodes from them. Frees `soh`. */
SoH *over_the_wire(SoH *soh)
{
    NetworkSoH *bytes = nullptr;
    SoH *received = nullptr;
    CHECK_EQ(naputil_soh_encode(soh, &bytes), S_OK);
    FreeSoH(soh);
    if (bytes == nullptr)
        return nullptr;
    CHECK_EQ(naputil_soh_decode(bytes, &received), S_OK);
    FreeNetworkSoH(bytes);
    return received;
}

/* ---- The health validator --------------------------------------------------- */

HRESULT shv_check(const SoHRequest *request, HRESULT *compliance)
{
    Ref<INapSoHProcessor> processor;
    SystemHealthEntityId id = 0;
    UINT16 count = 0;
    HRESULT hr = CoCreateInstance(CLSID_NapSoHProcessor, NULL, CLSCTX_INPROC_SERVER, __uuidof(INapSoHProcessor),
                                  processor.out());
    if (SUCCEEDED(hr))
        hr = processor->Initialize(request, TRUE, &id);
    if (SUCCEEDED(hr) && id != SampleShaId)
        hr = NAP_E_MISMATCHED_ID;
    if (SUCCEEDED(hr))
        hr = processor->GetNumberOfAttributes(&count);
    if (FAILED(hr))
        return hr;
    CHECK_EQ(count, 5);

    /* Every vendor-specific attribute, as the SDK's validators look for
     * theirs. */
    *compliance = SampleClientNotPatched;
    int vendorAttributes = 0;
    UINT16 at = 0;
    for (UINT16 from = 0; (hr = processor->FindNextAttribute(from, sohAttributeTypeVendorSpecific, &at)) == S_OK;
         from = static_cast<UINT16>(at + 1)) {
        SoHAttributeType type = sohAttributeTypeSystemHealthId;
        SoHAttributeValue *value = nullptr;
        vendorAttributes++;
        CHECK_EQ(processor->GetAttribute(at, &type, &value), S_OK);
        if (value == nullptr)
            continue;
        CHECK_EQ(type, sohAttributeTypeVendorSpecific);
        if (value->vendorSpecificVal.vendorId == SampleVendorId && value->vendorSpecificVal.size == sizeof patched_state &&
            std::memcmp(value->vendorSpecificVal.vendorSpecificData, patched_state, sizeof patched_state) == 0)
            *compliance = S_OK;
        FreeSoHAttributeValue(type, value);
    }
    CHECK_EQ(hr, NotFound);
    CHECK_EQ(vendorAttributes, 1);

    /* The other attributes arrived as sent. */
    SoHAttributeType type = sohAttributeTypeSystemHealthId;
    SoHAttributeValue *value = nullptr;
    CHECK_EQ(processor->FindNextAttribute(0, sohAttributeTypeProductName, &at), S_OK);
    CHECK_EQ(processor->GetAttribute(at, &type, &value), S_OK);
    if (value != nullptr) {
        CHECK(type == sohAttributeTypeProductName && value->octetStringVal.size == sizeof product &&
              std::memcmp(value->octetStringVal.data, product, sizeof product) == 0);
        FreeSoHAttributeValue(type, value);
    }
    value = nullptr;
    CHECK_EQ(processor->FindNextAttribute(0, sohAttributeTypeTimeOfLastUpdate, &at), S_OK);
    CHECK_EQ(at, 4);
    CHECK_EQ(processor->GetAttribute(at, &type, &value), S_OK);
    if (value != nullptr) {
        CHECK_EQ(value->dateTimeVal.dwHighDateTime, 0x01DA7777u);
        CHECK_EQ(value->dateTimeVal.dwLowDateTime, 0x42u);
        FreeSoHAttributeValue(type, value);
    }
    return S_OK;
}

HRESULT shv_respond(HRESULT compliance, SoHResponse **response)
{
    Ref<INapSoHConstructor> constructor;
    HRESULT hr = CoCreateInstance(CLSID_NapSoHConstructor, NULL, CLSCTX_INPROC_SERVER,
                                  __uuidof(INapSoHConstructor), constructor.out());
    if (SUCCEEDED(hr))
        hr = constructor->Initialize(SampleShaId, FALSE);
    if (SUCCEEDED(hr)) {
        SoHAttributeValue value;
        std::memset(&value, 0, sizeof value);
        value.codesVal.count = 1;
        value.codesVal.results = &compliance;
        hr = constructor->AppendAttribute(sohAttributeTypeComplianceResultCodes, &value);
    }
    if (SUCCEEDED(hr) && FAILED(compliance)) {
        SoHAttributeValue value;
        std::memset(&value, 0, sizeof value);
        value.uint8Val = failureCategoryClientComponent;
        hr = constructor->AppendAttribute(sohAttributeTypeFailureCategory, &value);
    }
    if (SUCCEEDED(hr))
        hr = constructor->GetSoH(response);
    return hr;
}

/* ---- The agent reads the answer ------------------------------------------------ */

HRESULT sha_process_response(const SoHResponse *response, HRESULT *result)
{
    Ref<IClassFactory> factory;
    Ref<INapSoHProcessor> processor;
    SoHAttributeValue *value = nullptr;
    SoHAttributeType type = sohAttributeTypeSystemHealthId;
    SystemHealthEntityId id = 0;
    UINT16 at = 0;
    HRESULT hr = CoGetClassObject(CLSID_NapSoHProcessor, CLSCTX_INPROC_SERVER, NULL, __uuidof(IClassFactory),
                                  factory.out());
    if (SUCCEEDED(hr))
        hr = factory->CreateInstance(NULL, __uuidof(INapSoHProcessor), processor.out());
    if (SUCCEEDED(hr))
        hr = processor->Initialize(response, FALSE, &id);
    if (SUCCEEDED(hr) && id != SampleShaId)
        hr = NAP_E_MISMATCHED_ID;
    if (SUCCEEDED(hr))
        hr = processor->FindNextAttribute(0, sohAttributeTypeComplianceResultCodes, &at);
    if (SUCCEEDED(hr))
        hr = processor->GetAttribute(at, &type, &value);
    if (SUCCEEDED(hr) && value->codesVal.count != 1)
        hr = NAP_E_INVALID_PACKET;
    if (SUCCEEDED(hr))
        *result = value->codesVal.results[0];
    if (value != nullptr)
        FreeSoHAttributeValue(type, value);
    if (SUCCEEDED(hr)) {
        HRESULT failure = processor->FindNextAttribute(0, sohAttributeTypeFailureCategory, &at);
        CHECK_EQ(failure, FAILED(*result) ? S_OK : NotFound);
    }
    CHECK_EQ(refs(factory.get()), 1u);
    return hr;
}

HRESULT exchange(bool patched)
{
    SoHRequest *request = nullptr;
    SoHResponse *response = nullptr;
    HRESULT compliance = E_FAIL, result = E_FAIL;
    CHECK_EQ(sha_build_request(patched, &request), S_OK);
    request = over_the_wire(request);
    if (request == nullptr)
        return E_FAIL;
    CHECK_EQ(shv_check(request, &compliance), S_OK);
    FreeSoH(request);
    CHECK_EQ(shv_respond(compliance, &response), S_OK);
    response = over_the_wire(response);
    if (response == nullptr)
        return E_FAIL;
    CHECK_EQ(sha_process_response(response, &result), S_OK);
    FreeSoH(response);
    return result;
}

void test_exchange()
{
    unsigned long long before = blocks_now();
    CHECK_EQ(exchange(true), S_OK);
    CHECK_EQ(exchange(false), SampleClientNotPatched);
    CHECK_EQ(blocks_now(), before);
}

/* ---- COM creation and IUnknown ----------------------------------------------------- */

void test_creation_and_interfaces()
{
    unsigned long long before = blocks_now();
    Ref<INapSoHConstructor> constructor;
    Ref<INapSoHProcessor> processor;
    CHECK_EQ(CoCreateInstance(CLSID_NapSoHConstructor, NULL, CLSCTX_INPROC_SERVER, __uuidof(INapSoHConstructor),
                              constructor.out()),
             S_OK);
    CHECK_EQ(CoCreateInstance(CLSID_NapSoHProcessor, NULL, CLSCTX_ALL, IID_INapSoHProcessor, processor.out()), S_OK);
    if (!constructor || !processor)
        return;
    CHECK_EQ(constructor->AddRef(), 2u);
    CHECK_EQ(constructor->Release(), 1u);
    CHECK_EQ(refs(processor.get()), 1u);

    IUnknown *unknown = sentinel<IUnknown>();
    CHECK_EQ(constructor->QueryInterface(__uuidof(IUnknown), reinterpret_cast<void **>(&unknown)), S_OK);
    CHECK(static_cast<void *>(unknown) == static_cast<void *>(constructor.get()));
    CHECK_EQ(refs(constructor.get()), 2u);
    CHECK_EQ(unknown->Release(), 1u);
    INapSoHProcessor *self = sentinel<INapSoHProcessor>();
    CHECK_EQ(processor->QueryInterface(__uuidof(INapSoHProcessor), reinterpret_cast<void **>(&self)), S_OK);
    CHECK(self == processor.get());
    CHECK_EQ(self->Release(), 1u);
    void *other = Sentinel;
    CHECK_EQ(processor->QueryInterface(__uuidof(INapSoHConstructor), &other), E_NOINTERFACE);
    CHECK(other == nullptr);
    other = Sentinel;
    CHECK_EQ(constructor->QueryInterface(__uuidof(IClassFactory), &other), E_NOINTERFACE);
    CHECK(other == nullptr);
    CHECK_EQ(constructor->QueryInterface(__uuidof(IUnknown), nullptr), E_POINTER);

    /* Creation that fails leaves *ppv NULL. */
    static const CLSID unknownClass = {0x6e1f0d2a, 0x1234, 0x4abc, {0x80, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07}};
    other = Sentinel;
    CHECK_EQ(CoCreateInstance(unknownClass, NULL, CLSCTX_INPROC_SERVER, __uuidof(IUnknown), &other),
             REGDB_E_CLASSNOTREG);
    CHECK(other == nullptr);
#ifndef _WIN32 /* ole32's answer there */
    other = Sentinel;
    CHECK_EQ(CoCreateInstance(CLSID_NapSoHConstructor, NULL, CLSCTX_LOCAL_SERVER, __uuidof(IUnknown), &other),
             REGDB_E_CLASSNOTREG);
    CHECK(other == nullptr);
#endif
    other = Sentinel;
    CHECK_EQ(CoCreateInstance(CLSID_NapSoHConstructor, constructor.get(), CLSCTX_INPROC_SERVER, __uuidof(IUnknown),
                              &other),
             CLASS_E_NOAGGREGATION);
    CHECK(other == nullptr);
    other = Sentinel;
    CHECK_EQ(CoCreateInstance(CLSID_NapSoHProcessor, NULL, CLSCTX_INPROC_SERVER, __uuidof(INapSoHConstructor), &other),
             E_NOINTERFACE);
    CHECK(other == nullptr);
#ifndef _WIN32 /* ole32's argument check there */
    CHECK_EQ(CoCreateInstance(CLSID_NapSoHProcessor, NULL, CLSCTX_INPROC_SERVER, __uuidof(IUnknown), nullptr),
             E_POINTER);
#endif

    /* IClassFactory. */
    Ref<IClassFactory> factory;
    CHECK_EQ(CoGetClassObject(CLSID_NapSoHConstructor, CLSCTX_INPROC_SERVER, NULL, __uuidof(IClassFactory),
                              factory.out()),
             S_OK);
    if (factory) {
        CHECK_EQ(factory->AddRef(), 2u);
        CHECK_EQ(factory->Release(), 1u);
        CHECK_EQ(factory->LockServer(TRUE), S_OK);
        CHECK_EQ(factory->LockServer(FALSE), S_OK);
        Ref<INapSoHConstructor> made;
        CHECK_EQ(factory->CreateInstance(NULL, __uuidof(INapSoHConstructor), made.out()), S_OK);
        CHECK(made && made.get() != constructor.get());
        other = Sentinel;
        CHECK_EQ(factory->CreateInstance(constructor.get(), __uuidof(IUnknown), &other), CLASS_E_NOAGGREGATION);
        CHECK(other == nullptr);
        other = Sentinel;
        CHECK_EQ(factory->CreateInstance(NULL, __uuidof(INapSoHProcessor), &other), E_NOINTERFACE);
        CHECK(other == nullptr);
        CHECK_EQ(factory->CreateInstance(NULL, __uuidof(IUnknown), nullptr), E_POINTER);
        CHECK_EQ(made.reset(), 0u);
    }
    other = Sentinel;
    CHECK_EQ(CoGetClassObject(unknownClass, CLSCTX_INPROC_SERVER, NULL, __uuidof(IClassFactory), &other),
             REGDB_E_CLASSNOTREG);
    CHECK(other == nullptr);
    other = Sentinel;
    CHECK_EQ(CoGetClassObject(CLSID_NapSoHProcessor, CLSCTX_INPROC_SERVER, NULL, __uuidof(INapSoHProcessor), &other),
             E_NOINTERFACE);
    CHECK(other == nullptr);
    CHECK_EQ(factory.reset(), 1u);
    CHECK_EQ(constructor.reset(), 0u);
    CHECK_EQ(processor.reset(), 0u);
    CHECK_EQ(blocks_now(), before);
}

/* ---- Bad input to every method -------------------------------------------------------- */

void test_bad_input()
{
    unsigned long long before = blocks_now();
    Ref<INapSoHConstructor> constructor;
    Ref<INapSoHProcessor> processor;
    CHECK_EQ(CoCreateInstance(CLSID_NapSoHConstructor, NULL, CLSCTX_INPROC_SERVER, __uuidof(INapSoHConstructor),
                              constructor.out()),
             S_OK);
    CHECK_EQ(CoCreateInstance(CLSID_NapSoHProcessor, NULL, CLSCTX_INPROC_SERVER, __uuidof(INapSoHProcessor),
                              processor.out()),
             S_OK);
    if (!constructor || !processor)
        return;
    SoHAttributeValue value;
    std::memset(&value, 0, sizeof value);
    value.uint8Val = 1;
    SoH *soh = sentinel<SoH>();

    /* Out of order. */
    CHECK_EQ(constructor->AppendAttribute(sohAttributeTypeHealthClass, &value), NAP_E_NOT_INITIALIZED);
    CHECK_EQ(constructor->GetSoH(&soh), NAP_E_NOT_INITIALIZED);
    CHECK(soh == Sentinel);
    UINT16 count = 0xBEEF, at = 0xBEEF;
    SoHAttributeType type = sohAttributeTypeSystemHealthId;
    SoHAttributeValue *got = sentinel<SoHAttributeValue>();
    CHECK_EQ(processor->GetNumberOfAttributes(&count), NAP_E_NOT_INITIALIZED);
    CHECK_EQ(processor->FindNextAttribute(0, sohAttributeTypeHealthClass, &at), NAP_E_NOT_INITIALIZED);
    CHECK_EQ(processor->GetAttribute(0, &type, &got), NAP_E_NOT_INITIALIZED);
    CHECK(count == 0xBEEF && at == 0xBEEF && got == Sentinel);

    /* NULL pointers. */
    CHECK_EQ(constructor->AppendAttribute(sohAttributeTypeHealthClass, nullptr), E_POINTER);
    CHECK_EQ(constructor->GetSoH(nullptr), E_POINTER);
    CHECK_EQ(constructor->Validate(nullptr, TRUE), E_POINTER);
    SystemHealthEntityId id = 0;
    CHECK_EQ(processor->Initialize(nullptr, TRUE, &id), E_POINTER);
    CHECK_EQ(processor->GetNumberOfAttributes(nullptr), E_POINTER);
    CHECK_EQ(processor->FindNextAttribute(0, sohAttributeTypeHealthClass, nullptr), E_POINTER);
    CHECK_EQ(processor->GetAttribute(0, nullptr, &got), E_POINTER);
    CHECK_EQ(processor->GetAttribute(0, &type, nullptr), E_POINTER);

    /* Values the constructor refuses. */
    CHECK_EQ(constructor->Initialize(SampleShaId, FALSE), S_OK);
    CHECK_EQ(processor->Initialize(nullptr, FALSE, nullptr), E_POINTER);
    CHECK_EQ(constructor->AppendAttribute(sohAttributeTypeSystemHealthId, &value), E_INVALIDARG);
    CHECK_EQ(constructor->AppendAttribute(static_cast<SoHAttributeType>(17), &value), E_INVALIDARG);
    CHECK_EQ(constructor->AppendAttribute(static_cast<SoHAttributeType>(0), &value), E_INVALIDARG);
    std::vector<HRESULT> codes(maxDwordCountPerSoHAttribute + 1, S_OK);
    SoHAttributeValue big;
    std::memset(&big, 0, sizeof big);
    big.codesVal.count = static_cast<UINT16>(codes.size());
    big.codesVal.results = codes.data();
    CHECK_EQ(constructor->AppendAttribute(sohAttributeTypeErrorCodes, &big), E_INVALIDARG);
    std::memset(&big, 0, sizeof big);
    big.octetStringVal.size = 3;
    CHECK_EQ(constructor->AppendAttribute(sohAttributeTypeClientId, &big), E_INVALIDARG); /* NULL data */
    Ipv6Address server = {{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
    std::memset(&big, 0, sizeof big);
    big.v6AddressesVal.count = 1;
    big.v6AddressesVal.addresses = &server;
    CHECK_EQ(constructor->AppendAttribute(sohAttributeTypeIpv6FixupServers, &big), S_OK);
    CHECK_EQ(constructor->AppendAttribute(sohAttributeTypeIpv6FixupServers, &big), E_INVALIDARG); /* a response */
    CHECK_EQ(constructor->GetSoH(&soh), S_OK);
    if (soh != Sentinel) {
        CHECK_EQ(soh->count, 2);
        CHECK_EQ(soh->attributes[1].size, 16);
        CHECK_EQ(constructor->Validate(soh, FALSE), S_OK);

        /* The processor: out of range, nothing found, invalid SoHs. */
        CHECK_EQ(processor->Initialize(soh, FALSE, &id), S_OK);
        CHECK_EQ(id, SampleShaId);
        CHECK_EQ(processor->GetAttribute(2, &type, &got), E_INVALIDARG);
        CHECK_EQ(processor->FindNextAttribute(2, sohAttributeTypeIpv6FixupServers, &at), NotFound);
        CHECK_EQ(processor->FindNextAttribute(0, sohAttributeTypeIpv4FixupServers, &at), NotFound);
        CHECK_EQ(at, 0xBEEF);
        SoHAttribute first = soh->attributes[0];
        soh->attributes[0] = soh->attributes[1];
        CHECK_EQ(constructor->Validate(soh, FALSE), NAP_E_INVALID_PACKET);
        CHECK_EQ(processor->Initialize(soh, FALSE, &id), NAP_E_INVALID_PACKET);
        soh->attributes[0] = first;
        UINT16 n = soh->count;
        soh->count = 0;
        CHECK_EQ(constructor->Validate(soh, TRUE), NAP_E_INVALID_PACKET);
        CHECK_EQ(processor->Initialize(soh, TRUE, &id), NAP_E_INVALID_PACKET);
        soh->count = n;
        CHECK_EQ(processor->GetNumberOfAttributes(&count), S_OK);
        CHECK_EQ(count, 2);
        FreeSoH(soh);
    }
    CHECK_EQ(constructor.reset(), 0u);
    CHECK_EQ(processor.reset(), 0u);
    CHECK_EQ(blocks_now(), before);
}

/* ---- Deep copies ---------------------------------------------------------------------- */

void test_deep_copies()
{
    unsigned long long before = blocks_now();
    Ref<INapSoHConstructor> constructor;
    Ref<INapSoHProcessor> processor;
    CHECK_EQ(CoCreateInstance(CLSID_NapSoHConstructor, NULL, CLSCTX_INPROC_SERVER, __uuidof(INapSoHConstructor),
                              constructor.out()),
             S_OK);
    CHECK_EQ(CoCreateInstance(CLSID_NapSoHProcessor, NULL, CLSCTX_INPROC_SERVER, __uuidof(INapSoHProcessor),
                              processor.out()),
             S_OK);
    if (!constructor || !processor)
        return;
    CHECK_EQ(constructor->Initialize(SampleShaId, TRUE), S_OK);
    {
        std::vector<BYTE> data(40, 0x5A);
        std::vector<HRESULT> results(3, SampleClientNotPatched);
        SoHAttributeValue value;
        std::memset(&value, 0, sizeof value);
        value.vendorSpecificVal.vendorId = SampleVendorId;
        value.vendorSpecificVal.size = static_cast<UINT16>(data.size());
        value.vendorSpecificVal.vendorSpecificData = data.data();
        CHECK_EQ(constructor->AppendAttribute(sohAttributeTypeVendorSpecific, &value), S_OK);
        std::memset(&value, 0, sizeof value);
        value.codesVal.count = static_cast<UINT16>(results.size());
        value.codesVal.results = results.data();
        CHECK_EQ(constructor->AppendAttribute(sohAttributeTypeComplianceResultCodes, &value), S_OK);
        std::fill(data.begin(), data.end(), 0);
        std::fill(results.begin(), results.end(), S_OK);
    }
    SoH *soh = nullptr;
    CHECK_EQ(constructor->GetSoH(&soh), S_OK);
    CHECK_EQ(constructor.reset(), 0u);
    if (soh == nullptr)
        return;
    SystemHealthEntityId id = 0;
    CHECK_EQ(processor->Initialize(soh, TRUE, &id), S_OK);
    FreeSoH(soh); /* the processor has its own copy */
    SoHAttributeType type = sohAttributeTypeSystemHealthId;
    SoHAttributeValue *value = nullptr;
    CHECK_EQ(processor->GetAttribute(1, &type, &value), S_OK);
    if (value != nullptr) {
        CHECK_EQ(type, sohAttributeTypeVendorSpecific);
        CHECK_EQ(value->vendorSpecificVal.size, 40);
        for (UINT16 i = 0; i < value->vendorSpecificVal.size; i++)
            CHECK_EQ(value->vendorSpecificVal.vendorSpecificData[i], 0x5A);
        FreeSoHAttributeValue(type, value);
    }
    value = nullptr;
    CHECK_EQ(processor->GetAttribute(2, &type, &value), S_OK);
    if (value != nullptr) {
        CHECK_EQ(type, sohAttributeTypeComplianceResultCodes);
        CHECK(value->codesVal.count == 3 && value->codesVal.results[2] == SampleClientNotPatched);
        FreeSoHAttributeValue(type, value);
    }
    CHECK_EQ(processor.reset(), 0u);
    CHECK_EQ(blocks_now(), before);
}

/* ---- Threads ------------------------------------------------------------------------------ */

void test_threads()
{
    const int threads = 4;
    const int appends = 20;
    const int rounds = std::getenv("NAPUTIL_TEST_UNDER_VALGRIND") ? 30 : 300;
    unsigned long long before = blocks_now();
    Ref<INapSoHConstructor> constructor;
    CHECK_EQ(CoCreateInstance(CLSID_NapSoHConstructor, NULL, CLSCTX_INPROC_SERVER, __uuidof(INapSoHConstructor),
                              constructor.out()),
             S_OK);
    if (!constructor)
        return;
    CHECK_EQ(constructor->Initialize(SampleShaId, TRUE), S_OK);
    std::atomic<int> failures(0), appended(0);
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; t++) {
        workers.emplace_back([&, t] {
            INapSoHConstructor *shared = constructor.get();
            for (int i = 0; i < appends; i++) {
                SoHAttributeValue value;
                std::memset(&value, 0, sizeof value);
                value.uint8Val = static_cast<UINT8>(t * appends + i);
                if (shared->AppendAttribute(sohAttributeTypeHealthClass, &value) != S_OK)
                    failures++;
            }
            /* Reading starts when every thread has appended. */
            appended++;
            while (appended.load() < threads)
                std::this_thread::yield();
            /* Each thread in an apartment of its own kind, with objects of
             * its own, while the others work on the shared one. */
            bool apartment = t % 2 != 0;
            if (FAILED(CoInitializeEx(NULL, apartment ? COINIT_APARTMENTTHREADED : COINIT_MULTITHREADED)))
                failures++;
            /* A single-threaded apartment registers the classes for
             * itself; the multithreaded one has main's registration. */
            ComClasses classes;
            if (apartment && FAILED(com_register_classes(&classes)))
                failures++;
            for (int r = 0; r < rounds; r++) {
                shared->AddRef();
                INapSoHProcessor *own = nullptr;
                SoH *soh = nullptr;
                if (FAILED(shared->GetSoH(&soh)) ||
                    FAILED(CoCreateInstance(CLSID_NapSoHProcessor, NULL, CLSCTX_INPROC_SERVER,
                                            __uuidof(INapSoHProcessor), reinterpret_cast<void **>(&own)))) {
                    failures++;
                } else {
                    SystemHealthEntityId id = 0;
                    UINT16 count = 0;
                    if (own->Initialize(soh, TRUE, &id) != S_OK || id != SampleShaId ||
                        own->GetNumberOfAttributes(&count) != S_OK || count != threads * appends + 1)
                        failures++;
                }
                if (own != nullptr && own->Release() != 0)
                    failures++;
                FreeSoH(soh);
                shared->Release();
            }
            if (apartment)
                com_revoke_classes(&classes);
            CoUninitialize();
        });
    }
    for (std::thread &w : workers)
        w.join();
    CHECK_EQ(failures.load(), 0);
    CHECK_EQ(refs(constructor.get()), 1u);
    SoH *soh = nullptr;
    CHECK_EQ(constructor->GetSoH(&soh), S_OK);
    if (soh != nullptr) {
        std::vector<int> seen(threads * appends, 0);
        CHECK_EQ(soh->count, threads * appends + 1);
        for (UINT16 i = 1; i < soh->count; i++) {
            UINT8 b = reinterpret_cast<SoHAttributeValue *>(soh->attributes[i].value)->uint8Val;
            if (b < seen.size())
                seen[b]++;
        }
        for (int s : seen)
            CHECK_EQ(s, 1);
        FreeSoH(soh);
    }
    CHECK_EQ(constructor.reset(), 0u);
    CHECK_EQ(blocks_now(), before);
}

} // namespace

int main()
{
    unsigned long long at_start = blocks_now();
#ifndef _WIN32 /* the apartment rules are ole32's on Windows */
    /* Before CoInitializeEx nothing is created. */
    void *early = Sentinel;
    CHECK_EQ(CoCreateInstance(CLSID_NapSoHConstructor, NULL, CLSCTX_INPROC_SERVER, __uuidof(INapSoHConstructor),
                              &early),
             CO_E_NOTINITIALIZED);
    CHECK(early == nullptr);
#endif

    HRESULT hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    CHECK_EQ(hr, S_OK);
#ifndef _WIN32
    CHECK_EQ(CoInitialize(NULL), RPC_E_CHANGED_MODE);
#endif
    ComClasses classes;
    CHECK_EQ(com_register_classes(&classes), S_OK);
    test_exchange();
    test_creation_and_interfaces();
    test_bad_input();
    test_deep_copies();
    test_threads();
    com_revoke_classes(&classes);
    CoUninitialize();
    CHECK_EQ(blocks_now(), at_start);
    CHECK_EXIT();
}
