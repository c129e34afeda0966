/*
 * An SDK-style system health validator (SHV), written as Windows NAP code
 * is: a COM class implementing INapSystemHealthValidator that reads the
 * client's SoH with INapSoHProcessor, answers with an SoH built by
 * INapSoHConstructor and reports through INapServerCallback; a second class
 * implementing INapComponentConfig3 for its settings; the registration
 * record with L"..." strings; __uuidof and IID_*.
 *
 * Builds unchanged with mingw-w64 against Windows' headers and on Linux
 * against the compat headers with -fshort-wchar (and, with u"..." for L"...",
 * without it). The SoH constructor and processor come from CoCreateInstance
 * (the library's classes; on Windows builds, the stand-ins registered by
 * nap_stand_ins.h). There is no NAP server here, so main() plays the
 * server's part with the objects of nap_stand_ins.h and prints what happens.
 */
#ifdef _WIN32
#include <windows.h>
#endif
#include <NapTypes.h>
#include <NapProtocol.h>
#include <NapSystemHealthValidator.h>
#include <NapServerManagement.h>
#include <NapCommon.h>
#include <NapError.h>
#include <NapUtil.h>

#include <cstring>
#include <new>

#include "sample.h"
#include "nap_stand_ins.h"

namespace {

/* The SHA this validator pairs with (see sha.cpp). */
const SystemHealthEntityId SampleShvId = 0x00ABCD01;
const HRESULT SampleClientNotPatched = static_cast<HRESULT>(0x80ABCD01UL);

class SampleShv final : public INapSystemHealthValidator {
public:
    SampleShv() : m_cRef(1), m_validations(0), m_lastTimeout(0) {}

    STDMETHODIMP QueryInterface(REFIID riid, void **ppv)
    {
        if (ppv == NULL)
            return E_POINTER;
        if (riid == __uuidof(IUnknown) || riid == __uuidof(INapSystemHealthValidator)) {
            *ppv = static_cast<INapSystemHealthValidator *>(this);
            AddRef();
            return S_OK;
        }
        *ppv = NULL;
        return E_NOINTERFACE;
    }
    STDMETHODIMP_(ULONG) AddRef() { return static_cast<ULONG>(++m_cRef); }
    STDMETHODIMP_(ULONG) Release() { return static_cast<ULONG>(--m_cRef); }

    /* Checks the client's SoH, sets the SoH response on the request, and
     * tells the server it is done. A real SHV may finish on another thread
     * after returning; this one finishes before it returns. */
    STDMETHODIMP Validate(INapSystemHealthValidationRequest *request, UINT32 hintTimeOutInMsec,
                          INapServerCallback *callback)
    {
        if (request == NULL || callback == NULL)
            return E_POINTER;
        m_validations++;
        m_lastTimeout = hintTimeOutInMsec;
        HRESULT compliance = S_OK;
        HRESULT hr = CheckRequest(request, &compliance);
        if (SUCCEEDED(hr))
            hr = RespondWith(request, compliance);
        return callback->OnComplete(request, hr);
    }

    int validations() const { return m_validations; }
    UINT32 last_timeout() const { return m_lastTimeout; }

private:
    HRESULT CheckRequest(INapSystemHealthValidationRequest *request, HRESULT *compliance)
    {
        SoHRequest *soh = NULL;
        BOOL napSystemGenerated = FALSE;
        INapSoHProcessor *processor = NULL;
        SoHAttributeValue *value = NULL;
        SoHAttributeType type = sohAttributeTypeSystemHealthId;
        SystemHealthEntityId id = 0;
        UINT16 at = 0;
        HRESULT hr = request->GetSoHRequest(&soh, &napSystemGenerated);
        if (SUCCEEDED(hr))
            hr = CoCreateInstance(CLSID_NapSoHProcessor, NULL, CLSCTX_INPROC_SERVER, __uuidof(INapSoHProcessor),
                                  reinterpret_cast<void **>(&processor));
        if (SUCCEEDED(hr))
            hr = processor->Initialize(soh, TRUE, &id);
        if (SUCCEEDED(hr) && id != SampleShvId)
            hr = NAP_E_MISMATCHED_ID;
        if (SUCCEEDED(hr))
            hr = processor->FindNextAttribute(0, sohAttributeTypeVendorSpecific, &at);
        if (SUCCEEDED(hr))
            hr = processor->GetAttribute(at, &type, &value);
        if (SUCCEEDED(hr)) {
            bool patched = value->vendorSpecificVal.vendorId == SampleShvId && value->vendorSpecificVal.size == 1 &&
                           value->vendorSpecificVal.vendorSpecificData[0] == 1;
            *compliance = patched ? S_OK : SampleClientNotPatched;
        }
        if (value != NULL)
            FreeSoHAttributeValue(type, value);
        if (processor != NULL)
            processor->Release();
        FreeSoH(soh);
        return hr;
    }

    HRESULT RespondWith(INapSystemHealthValidationRequest *request, HRESULT compliance)
    {
        INapSoHConstructor *constructor = NULL;
        SoHResponse *response = NULL;
        HRESULT hr = CoCreateInstance(CLSID_NapSoHConstructor, NULL, CLSCTX_INPROC_SERVER, IID_INapSoHConstructor,
                                      reinterpret_cast<void **>(&constructor));
        if (SUCCEEDED(hr))
            hr = constructor->Initialize(SampleShvId, FALSE);
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
            hr = constructor->GetSoH(&response);
        if (SUCCEEDED(hr))
            hr = request->SetSoHResponse(response);
        if (constructor != NULL)
            constructor->Release();
        FreeSoH(response);
        return hr;
    }

    LONG m_cRef;
    int m_validations;
    UINT32 m_lastTimeout;
};

/* The SHV's settings: one byte per configuration ("require patches"). */
class ShvConfig final : public INapComponentConfig3 {
public:
    ShvConfig() : m_cRef(1), m_count(0)
    {
        std::memset(m_ids, 0, sizeof m_ids);
        std::memset(m_values, 0, sizeof m_values);
    }

    STDMETHODIMP QueryInterface(REFIID riid, void **ppv)
    {
        if (ppv == NULL)
            return E_POINTER;
        if (riid == IID_IUnknown || riid == IID_INapComponentConfig || riid == IID_INapComponentConfig2 ||
            riid == __uuidof(INapComponentConfig3)) {
            *ppv = static_cast<INapComponentConfig3 *>(this);
            AddRef();
            return S_OK;
        }
        *ppv = NULL;
        return E_NOINTERFACE;
    }
    STDMETHODIMP_(ULONG) AddRef() { return static_cast<ULONG>(++m_cRef); }
    STDMETHODIMP_(ULONG) Release() { return static_cast<ULONG>(--m_cRef); }

    /* INapComponentConfig: the default configuration (id 0). */
    STDMETHODIMP IsUISupported(BOOL *isSupported) { return set(isSupported, FALSE); }
    STDMETHODIMP InvokeUI(HWND) { return E_NOTIMPL; }
    STDMETHODIMP GetConfig(UINT16 *bCount, BYTE **data) { return GetConfigFromID(0, bCount, data); }
    STDMETHODIMP SetConfig(UINT16 bCount, BYTE *data) { return SetConfigToID(0, bCount, data); }

    /* INapComponentConfig2 */
    STDMETHODIMP IsRemoteConfigSupported(BOOL *isSupported, UINT8 *remoteConfigType)
    {
        if (remoteConfigType == NULL)
            return E_POINTER;
        *remoteConfigType = remoteConfigTypeConfigBlob;
        return set(isSupported, TRUE);
    }
    STDMETHODIMP InvokeUIForMachine(HWND, CountedString *) { return E_NOTIMPL; }
    STDMETHODIMP InvokeUIFromConfigBlob(HWND, UINT16, BYTE *, UINT16 *, BYTE **, BOOL *) { return E_NOTIMPL; }

    /* INapComponentConfig3 */
    STDMETHODIMP NewConfig(UINT32 configID)
    {
        if (find(configID) >= 0)
            return NAP_E_SHV_CONFIG_EXISTED;
        if (m_count == MaxConfigs)
            return E_OUTOFMEMORY;
        m_ids[m_count] = configID;
        m_values[m_count] = 0;
        m_count++;
        return S_OK;
    }
    STDMETHODIMP DeleteConfig(UINT32 configID)
    {
        int at = find(configID);
        if (at < 0)
            return NAP_E_SHV_CONFIG_NOT_FOUND;
        m_ids[at] = m_ids[m_count - 1];
        m_values[at] = m_values[m_count - 1];
        m_count--;
        return S_OK;
    }
    STDMETHODIMP DeleteAllConfig()
    {
        m_count = 0;
        return S_OK;
    }
    STDMETHODIMP GetConfigFromID(UINT32 configID, UINT16 *count, BYTE **outdata)
    {
        if (count == NULL || outdata == NULL)
            return E_POINTER;
        int at = find(configID);
        if (at < 0)
            return NAP_E_SHV_CONFIG_NOT_FOUND;
        *outdata = static_cast<BYTE *>(CoTaskMemAlloc(1));
        if (*outdata == NULL)
            return E_OUTOFMEMORY;
        **outdata = m_values[at];
        *count = 1;
        return S_OK;
    }
    STDMETHODIMP SetConfigToID(UINT32 configID, UINT16 count, BYTE *data)
    {
        if (count != 1 || data == NULL)
            return E_INVALIDARG;
        int at = find(configID);
        if (at < 0 && SUCCEEDED(NewConfig(configID)))
            at = find(configID);
        if (at < 0)
            return E_OUTOFMEMORY;
        m_values[at] = data[0];
        return S_OK;
    }

private:
    enum { MaxConfigs = 4 };
    static HRESULT set(BOOL *out, BOOL value)
    {
        if (out == NULL)
            return E_POINTER;
        *out = value;
        return S_OK;
    }
    int find(UINT32 id) const
    {
        for (int i = 0; i < m_count; i++)
            if (m_ids[i] == id)
                return i;
        return -1;
    }
    LONG m_cRef;
    int m_count;
    UINT32 m_ids[MaxConfigs];
    BYTE m_values[MaxConfigs];
};

/* The SoH the SHA of sha.cpp sends: its id and one "patched" byte. */
SoH *client_soh(BYTE patched)
{
    INapSoHConstructor *constructor = NULL;
    SoH *soh = NULL;
    if (FAILED(CoCreateInstance(CLSID_NapSoHConstructor, NULL, CLSCTX_INPROC_SERVER, IID_INapSoHConstructor,
                                reinterpret_cast<void **>(&constructor))))
        return NULL;
    SoHAttributeValue value;
    std::memset(&value, 0, sizeof value);
    value.vendorSpecificVal.vendorId = SampleShvId;
    value.vendorSpecificVal.size = 1;
    value.vendorSpecificVal.vendorSpecificData = &patched;
    if (SUCCEEDED(constructor->Initialize(SampleShvId, TRUE)) &&
        SUCCEEDED(constructor->AppendAttribute(sohAttributeTypeVendorSpecific, &value)))
        constructor->GetSoH(&soh);
    constructor->Release();
    return soh;
}

/* Prints the compliance result (and failure category) of a response. */
void print_response(INapSystemHealthValidationRequest *request)
{
    SoHResponse *response = NULL;
    if (FAILED(sample::expect("  GetSoHResponse", request->GetSoHResponse(&response), S_OK)))
        return;
    INapSoHProcessor *processor = NULL;
    SystemHealthEntityId id = 0;
    UINT16 count = 0;
    if (SUCCEEDED(CoCreateInstance(CLSID_NapSoHProcessor, NULL, CLSCTX_INPROC_SERVER, IID_INapSoHProcessor,
                                   reinterpret_cast<void **>(&processor))) &&
        SUCCEEDED(processor->Initialize(response, FALSE, &id)) && SUCCEEDED(processor->GetNumberOfAttributes(&count))) {
        std::printf("%-52s id=0x%08lX attributes=%u\n", "  response", static_cast<unsigned long>(id),
                    static_cast<unsigned>(count));
        for (UINT16 i = 1; i < count; i++) {
            SoHAttributeType type = sohAttributeTypeSystemHealthId;
            SoHAttributeValue *value = NULL;
            if (FAILED(processor->GetAttribute(i, &type, &value)))
                continue;
            if (type == sohAttributeTypeComplianceResultCodes)
                std::printf("%-52s 0x%08lX\n", "    compliance result",
                            static_cast<unsigned long>(static_cast<DWORD>(value->codesVal.results[0])));
            else
                std::printf("%-52s type=%d value=%u\n", "    attribute", static_cast<int>(type),
                            static_cast<unsigned>(value->uint8Val));
            FreeSoHAttributeValue(type, value);
        }
    }
    if (processor != NULL)
        processor->Release();
    FreeSoH(response);
}

} // namespace

int main()
{
    using sample::check;
    using sample::expect;
    std::printf("SDK-style system health validator, sizeof(NapComponentRegistrationInfo)=%u\n",
                static_cast<unsigned>(sizeof(NapComponentRegistrationInfo)));
    if (FAILED(expect("CoInitializeEx(COINIT_MULTITHREADED)", CoInitializeEx(NULL, COINIT_MULTITHREADED), S_OK)) ||
        FAILED(stand_in::register_soh_classes()))
        return 1;
    sample::print_guid("IID_INapSystemHealthValidator", __uuidof(INapSystemHealthValidator));
    sample::print_guid("CLSID_NapServerManagement", CLSID_NapServerManagement);

    /* The registration record an SHV hands INapServerManagement (there is
     * no NAP server here to take it; the strings are freed afterwards). */
    NapComponentRegistrationInfo shvInfo;
    std::memset(&shvInfo, 0, sizeof shvInfo);
    shvInfo.id = SampleShvId;
    CountedString *text = NULL;
    expect("AllocCountedString(friendlyName)", AllocCountedString(&text, L"SDK-style Health Validator"), S_OK);
    if (text != NULL) {
        shvInfo.friendlyName = *text;
        CoTaskMemFree(text);
    }
    expect("AllocCountedString(vendorName)", AllocCountedString(&text, L"Example Vendor"), S_OK);
    if (text != NULL) {
        shvInfo.vendorName = *text;
        CoTaskMemFree(text);
    }
    sample::print_counted("  friendlyName", shvInfo.friendlyName);
    sample::print_counted("  vendorName", shvInfo.vendorName);
    CoTaskMemFree(shvInfo.friendlyName.string);
    CoTaskMemFree(shvInfo.vendorName.string);

    /* Failure categories that still count as compliant. */
    FailureCategoryMapping mapping;
    std::memset(&mapping, 0, sizeof mapping);
    mapping.mappingCompliance[failureCategoryClientCommunication - 1] = TRUE;
    std::printf("%-52s %d %d %d %d %d\n", "failure category mapping", mapping.mappingCompliance[0],
                mapping.mappingCompliance[1], mapping.mappingCompliance[2], mapping.mappingCompliance[3],
                mapping.mappingCompliance[4]);

    SampleShv shv;
    INapSystemHealthValidator *validator = NULL;
    expect("QueryInterface(INapSystemHealthValidator)",
           shv.QueryInterface(IID_INapSystemHealthValidator, reinterpret_cast<void **>(&validator)), S_OK);
    stand_in::ServerCallback *callback = new stand_in::ServerCallback();

    /* A patched client, then one missing patches. */
    const BYTE states[] = {1, 0};
    for (int i = 0; i < 2; i++) {
        SoH *soh = client_soh(states[i]);
        stand_in::ValidationRequest *request = new stand_in::ValidationRequest(40 + i, soh, 3);
        FreeSoH(soh);
        expect(i == 0 ? "Validate (patched client)" : "Validate (unpatched client)",
               validator->Validate(request, 5000, callback), S_OK);
        check("  OnComplete called with S_OK", callback->completed() == i + 1 && callback->last_error() == S_OK);
        print_response(request);
        INapSystemHealthValidationRequest2 *request2 = NULL;
        UINT32 configId = 0;
        if (SUCCEEDED(request->QueryInterface(__uuidof(INapSystemHealthValidationRequest2),
                                              reinterpret_cast<void **>(&request2)))) {
            request2->GetConfigID(&configId);
            request2->Release();
        }
        std::printf("%-52s %u\n", "  configuration id", static_cast<unsigned>(configId));
        CountedString *machine = NULL;
        if (SUCCEEDED(request->GetMachineName(&machine))) {
            sample::print_counted("  machine", *machine);
            FreeCountedString(machine);
        }
        request->Release();
    }
    check("validations counted, timeout passed", shv.validations() == 2 && shv.last_timeout() == 5000);

    /* Settings, through INapComponentConfig and INapComponentConfig3. */
    ShvConfig config;
    INapComponentConfig *basic = &config;
    BYTE on = 1;
    expect("INapComponentConfig::SetConfig", basic->SetConfig(1, &on), S_OK);
    expect("INapComponentConfig3::NewConfig(3)", config.NewConfig(3), S_OK);
    expect("INapComponentConfig3::NewConfig(3) again", config.NewConfig(3), NAP_E_SHV_CONFIG_EXISTED);
    BYTE *data = NULL;
    UINT16 size = 0;
    if (SUCCEEDED(expect("INapComponentConfig::GetConfig", basic->GetConfig(&size, &data), S_OK))) {
        check("  default configuration is on", size == 1 && data[0] == 1);
        CoTaskMemFree(data);
    }
    expect("INapComponentConfig3::DeleteConfig(9)", config.DeleteConfig(9), NAP_E_SHV_CONFIG_NOT_FOUND);
    BOOL remote = FALSE;
    UINT8 remoteType = 0;
    expect("IsRemoteConfigSupported", config.IsRemoteConfigSupported(&remote, &remoteType), S_OK);
    check("  as a configuration blob", remote == TRUE && remoteType == remoteConfigTypeConfigBlob);
    expect("InvokeUI", basic->InvokeUI(NULL), E_NOTIMPL);

    callback->Release();
    validator->Release();
    stand_in::revoke_soh_classes();
    CoUninitialize();
    return sample::finish("shv", stand_in::objects_alive());
}
