/*
 * An SDK-style system health agent (SHA), written as Windows NAP code is:
 * a COM class implementing INapSystemHealthAgentCallback, another
 * implementing INapComponentInfo, L"..." strings, __uuidof and IID_*,
 * the SoH built with INapSoHConstructor and read with INapSoHProcessor,
 * memory handed over as task memory and freed with the NapUtil.h functions.
 *
 * Builds unchanged with mingw-w64 against Windows' headers and on Linux
 * against the compat headers with -fshort-wchar (and, with u"..." for L"...",
 * without it). The SoH constructor and processor come from CoCreateInstance
 * (the library's classes; on Windows builds, the stand-ins registered by
 * nap_stand_ins.h). There is no NAP agent to register with here, so main()
 * plays the agent's part with the objects of nap_stand_ins.h, calling the
 * SHA as the agent would; it prints what happens.
 */
#ifdef _WIN32
#include <windows.h>
#endif
#include <NapTypes.h>
#include <NapProtocol.h>
#include <NapSystemHealthAgent.h>
#include <NapCommon.h>
#include <NapError.h>
#include <NapMicrosoftVendorIds.h>
#include <NapUtil.h>

#include <cstring>
#include <new>

#include "sample.h"
#include "nap_stand_ins.h"

namespace {

/* A made-up vendor code (0x00ABCD) and component number (0x01). */
const SystemHealthEntityId SampleShaId = 0x00ABCD01;
const UINT16 NumberOfResults = 1;
const HRESULT SampleClientNotPatched = static_cast<HRESULT>(0x80ABCD01UL);

/* Message ids of the SHA's resources. */
enum { MsgFriendlyName = 1, MsgDescription, MsgVendor, MsgVersion, MsgFixupSuccess, MsgNotPatched };

enum HealthState { Healthy, NeedsFixes, FixesInProgress };

class ShaCallback final : public INapSystemHealthAgentCallback {
public:
    static ShaCallback *CreateInstance() { return new (std::nothrow) ShaCallback(); }

    /* IUnknown */
    STDMETHODIMP QueryInterface(REFIID riid, void **ppv)
    {
        if (ppv == NULL)
            return E_POINTER;
        if (IsEqualIID(riid, IID_IUnknown) || riid == __uuidof(INapSystemHealthAgentCallback)) {
            *ppv = static_cast<INapSystemHealthAgentCallback *>(this);
            AddRef();
            return S_OK;
        }
        *ppv = NULL;
        return E_NOINTERFACE;
    }
    STDMETHODIMP_(ULONG) AddRef() { return static_cast<ULONG>(++m_cRef); }
    STDMETHODIMP_(ULONG) Release()
    {
        LONG left = --m_cRef;
        if (left == 0)
            delete this;
        return static_cast<ULONG>(left);
    }

    /* INapSystemHealthAgentCallback */
    STDMETHODIMP GetSoHRequest(INapSystemHealthAgentRequest *request)
    {
        if (request == NULL)
            return E_POINTER;
        INapSoHConstructor *constructor = NULL;
        SoHRequest *soh = NULL;
        HRESULT hr = CoCreateInstance(CLSID_NapSoHConstructor, NULL, CLSCTX_INPROC_SERVER,
                                      __uuidof(INapSoHConstructor), reinterpret_cast<void **>(&constructor));
        if (SUCCEEDED(hr))
            hr = constructor->Initialize(SampleShaId, TRUE);
        if (SUCCEEDED(hr)) {
            /* One vendor-specific attribute: 1 = patched, 0 = not. */
            BYTE patched = m_patched ? 1 : 0;
            SoHAttributeValue value;
            std::memset(&value, 0, sizeof value);
            value.vendorSpecificVal.vendorId = SampleShaId;
            value.vendorSpecificVal.size = sizeof patched;
            value.vendorSpecificVal.vendorSpecificData = &patched;
            hr = constructor->AppendAttribute(sohAttributeTypeVendorSpecific, &value);
        }
        if (SUCCEEDED(hr))
            hr = constructor->GetSoH(&soh);
        if (SUCCEEDED(hr))
            hr = request->SetSoHRequest(soh, TRUE);
        if (constructor != NULL)
            constructor->Release();
        FreeSoH(soh);
        return hr;
    }

    STDMETHODIMP ProcessSoHResponse(INapSystemHealthAgentRequest *request)
    {
        if (request == NULL)
            return E_POINTER;
        SoHResponse *response = NULL;
        INapSoHProcessor *processor = NULL;
        SoHAttributeValue *value = NULL;
        SoHAttributeType type = sohAttributeTypeSystemHealthId;
        SystemHealthEntityId id = 0;
        UINT8 flags = 0;
        UINT16 at = 0;
        HRESULT hr = request->GetSoHResponse(&response, &flags);
        if (SUCCEEDED(hr))
            hr = CoCreateInstance(CLSID_NapSoHProcessor, NULL, CLSCTX_INPROC_SERVER, IID_INapSoHProcessor,
                                  reinterpret_cast<void **>(&processor));
        if (SUCCEEDED(hr))
            hr = processor->Initialize(response, FALSE, &id);
        if (SUCCEEDED(hr) && id != SampleShaId)
            hr = NAP_E_MISMATCHED_ID;
        if (SUCCEEDED(hr))
            hr = processor->FindNextAttribute(0, sohAttributeTypeComplianceResultCodes, &at);
        if (SUCCEEDED(hr))
            hr = processor->GetAttribute(at, &type, &value);
        if (SUCCEEDED(hr) && value->codesVal.count != NumberOfResults)
            hr = NAP_E_INVALID_PACKET;
        if (SUCCEEDED(hr)) {
            HRESULT result = value->codesVal.results[0];
            if (SUCCEEDED(result))
                m_state = Healthy;
            else if ((flags & shaFixup) == shaFixup)
                m_state = FixesInProgress;
            else
                m_state = NeedsFixes;
        }
        if (value != NULL)
            FreeSoHAttributeValue(type, value);
        if (processor != NULL)
            processor->Release();
        FreeSoH(response);
        return hr;
    }

    STDMETHODIMP NotifySystemIsolationStateChange()
    {
        m_isolationChanges++;
        return S_OK;
    }

    STDMETHODIMP GetFixupInfo(FixupInfo **info)
    {
        if (info == NULL)
            return E_POINTER;
        HRESULT hr = AllocFixupInfo(info, NumberOfResults);
        if (FAILED(hr))
            return hr;
        switch (m_state) {
        case Healthy:
            (*info)->state = fixupStateSuccess;
            (*info)->percentage = 100;
            (*info)->fixupMsgId = MsgFixupSuccess;
            (*info)->resultCodes.results[0] = S_OK;
            break;
        case FixesInProgress:
            (*info)->state = fixupStateInProgress;
            (*info)->percentage = 50;
            (*info)->fixupMsgId = MsgNotPatched;
            (*info)->resultCodes.results[0] = SampleClientNotPatched;
            break;
        case NeedsFixes:
            (*info)->state = fixupStateCouldNotUpdate;
            (*info)->percentage = percentageNotSupported;
            (*info)->fixupMsgId = MsgNotPatched;
            (*info)->resultCodes.results[0] = SampleClientNotPatched;
            break;
        }
        return S_OK;
    }

    STDMETHODIMP CompareSoHRequests(const SoHRequest *lhs, const SoHRequest *rhs, BOOL *isEqual)
    {
        if (lhs == NULL || rhs == NULL || isEqual == NULL)
            return E_POINTER;
        *isEqual = lhs->count == rhs->count;
        for (UINT16 i = 0; *isEqual && i < lhs->count; i++)
            *isEqual = SameAttribute(lhs->attributes[i], rhs->attributes[i]);
        return S_OK;
    }

    STDMETHODIMP NotifyOrphanedSoHRequest(const CorrelationId *correlationId)
    {
        if (correlationId == NULL)
            return E_POINTER;
        m_orphaned++;
        return S_OK;
    }

    void set_patched(bool patched) { m_patched = patched; }

private:
    /* Whether two attributes of this SHA's requests (its id, its
     * vendor-specific state) hold the same value. */
    static bool SameAttribute(const SoHAttribute &a, const SoHAttribute &b)
    {
        if (a.type != b.type || a.size != b.size || a.value == NULL || b.value == NULL)
            return false;
        const SoHAttributeValue &x = *reinterpret_cast<const SoHAttributeValue *>(a.value);
        const SoHAttributeValue &y = *reinterpret_cast<const SoHAttributeValue *>(b.value);
        switch (a.type) {
        case sohAttributeTypeSystemHealthId:
            return x.idVal == y.idVal;
        case sohAttributeTypeVendorSpecific:
            return x.vendorSpecificVal.vendorId == y.vendorSpecificVal.vendorId &&
                   x.vendorSpecificVal.size == y.vendorSpecificVal.size &&
                   std::memcmp(x.vendorSpecificVal.vendorSpecificData, y.vendorSpecificVal.vendorSpecificData,
                               x.vendorSpecificVal.size) == 0;
        default:
            return false;
        }
    }

public:
    int isolation_changes() const { return m_isolationChanges; }
    int orphaned() const { return m_orphaned; }

private:
    ShaCallback() : m_cRef(1), m_patched(true), m_state(Healthy), m_isolationChanges(0), m_orphaned(0) {}
    ~ShaCallback() {}

    LONG m_cRef;
    bool m_patched;
    HealthState m_state;
    int m_isolationChanges;
    int m_orphaned;
};

/* What management tools ask an SHA about itself. */
class ShaInfo final : public INapComponentInfo {
public:
    ShaInfo() : m_cRef(1) {}

    STDMETHODIMP QueryInterface(REFIID riid, void **ppv)
    {
        if (ppv == NULL)
            return E_POINTER;
        if (riid == IID_IUnknown || riid == IID_INapComponentInfo) {
            *ppv = static_cast<INapComponentInfo *>(this);
            AddRef();
            return S_OK;
        }
        *ppv = NULL;
        return E_NOINTERFACE;
    }
    STDMETHODIMP_(ULONG) AddRef() { return static_cast<ULONG>(++m_cRef); }
    STDMETHODIMP_(ULONG) Release() { return static_cast<ULONG>(--m_cRef); }

    STDMETHODIMP GetFriendlyName(MessageId *id) { return set_id(id, MsgFriendlyName); }
    STDMETHODIMP GetDescription(MessageId *id) { return set_id(id, MsgDescription); }
    STDMETHODIMP GetVendorName(MessageId *id) { return set_id(id, MsgVendor); }
    STDMETHODIMP GetVersion(MessageId *id) { return set_id(id, MsgVersion); }
    STDMETHODIMP GetIcon(CountedString **dllFilePath, UINT32 *iconResourceId)
    {
        if (dllFilePath == NULL || iconResourceId == NULL)
            return E_POINTER;
        *iconResourceId = 101;
        return AllocCountedString(dllFilePath, L"%SystemRoot%\\System32\\SampleSha.dll");
    }
    STDMETHODIMP ConvertErrorCodeToMessageId(HRESULT errorCode, MessageId *msgId)
    {
        if (msgId == NULL)
            return E_POINTER;
        if (errorCode == SampleClientNotPatched)
            return set_id(msgId, MsgNotPatched);
        return E_INVALIDARG;
    }
    STDMETHODIMP GetLocalizedString(MessageId msgId, CountedString **string)
    {
        static const WCHAR *const strings[] = {
            NULL,
            L"SDK-style System Health Agent",
            L"Reports whether this client is patched",
            L"Example Vendor",
            L"1.0.0.0",
            L"The client is patched.",
            L"The client is missing patches.",
        };
        if (msgId < MsgFriendlyName || msgId > MsgNotPatched)
            return E_INVALIDARG;
        return AllocCountedString(string, strings[msgId]);
    }

private:
    static HRESULT set_id(MessageId *out, MessageId id)
    {
        if (out == NULL)
            return E_POINTER;
        *out = id;
        return S_OK;
    }
    LONG m_cRef;
};

/* The registration record the agent keeps for an SHA: strings taken from
 * INapComponentInfo, in the array shape FreeNapComponentRegistrationInfoArray
 * frees. The CountedString blocks are freed, their strings kept. */
HRESULT registration(INapComponentInfo *info, NapComponentRegistrationInfo **out)
{
    NapComponentRegistrationInfo *array =
        static_cast<NapComponentRegistrationInfo *>(CoTaskMemAlloc(sizeof(NapComponentRegistrationInfo)));
    if (array == NULL)
        return E_OUTOFMEMORY;
    std::memset(array, 0, sizeof *array);
    array->id = SampleShaId;
    CountedString *const fields[] = {&array->friendlyName, &array->description, &array->vendorName,
                                     &array->version};
    HRESULT hr = S_OK;
    for (MessageId i = 0; i < 4 && SUCCEEDED(hr); i++) {
        CountedString *text = NULL;
        hr = info->GetLocalizedString(MsgFriendlyName + i, &text);
        if (SUCCEEDED(hr)) {
            *fields[i] = *text;
            CoTaskMemFree(text);
        }
    }
    if (FAILED(hr)) {
        FreeNapComponentRegistrationInfoArray(1, &array);
        return hr;
    }
    *out = array;
    return S_OK;
}

} // namespace

int main()
{
    using sample::expect;
    using sample::check;
    std::printf("SDK-style system health agent, sizeof(SystemHealthAgentState)=%u\n",
                static_cast<unsigned>(sizeof(SystemHealthAgentState)));
    if (FAILED(expect("CoInitializeEx(COINIT_MULTITHREADED)", CoInitializeEx(NULL, COINIT_MULTITHREADED), S_OK)) ||
        FAILED(stand_in::register_soh_classes()))
        return 1;
    sample::print_guid("IID_INapSystemHealthAgentCallback", __uuidof(INapSystemHealthAgentCallback));
    sample::print_guid("CLSID_NapSystemHealthAgentBinding", CLSID_NapSystemHealthAgentBinding);
    check("SHA id is not one of Microsoft's", SampleShaId != NapOutOfBoxSystemHealthId && (SampleShaId >> 8) != MicrosoftVendorId);

    ShaCallback *sha = ShaCallback::CreateInstance();
    if (sha == NULL)
        return 1;
    INapSystemHealthAgentCallback *callback = NULL;
    expect("QueryInterface(INapSystemHealthAgentCallback)",
           sha->QueryInterface(__uuidof(INapSystemHealthAgentCallback), reinterpret_cast<void **>(&callback)), S_OK);
    void *other = NULL;
    expect("QueryInterface(INapSystemHealthAgentBinding)",
           sha->QueryInterface(IID_INapSystemHealthAgentBinding, &other), E_NOINTERFACE);
    sha->Release();

    /* Registration: what the agent learns from INapComponentInfo. */
    ShaInfo info;
    NapComponentRegistrationInfo *registered = NULL;
    if (SUCCEEDED(expect("registration record", registration(&info, &registered), S_OK))) {
        sample::print_counted("  friendlyName", registered->friendlyName);
        sample::print_counted("  vendorName", registered->vendorName);
        sample::print_counted("  version", registered->version);
        FreeNapComponentRegistrationInfoArray(1, &registered);
        check("  array freed and cleared", registered == NULL);
    }
    CountedString *icon = NULL;
    UINT32 iconId = 0;
    if (SUCCEEDED(expect("INapComponentInfo::GetIcon", info.GetIcon(&icon, &iconId), S_OK))) {
        sample::print_counted("  dllFilePath", *icon);
        FreeCountedString(icon);
    }
    MessageId message = 0;
    expect("ConvertErrorCodeToMessageId(not patched)", info.ConvertErrorCodeToMessageId(SampleClientNotPatched, &message), S_OK);
    check("  message id is MsgNotPatched", message == MsgNotPatched);

    /* The agent asks for an SoH, twice, and compares them. */
    stand_in::AgentRequest *request = new stand_in::AgentRequest(7);
    stand_in::AgentRequest *again = new stand_in::AgentRequest(8);
    expect("GetSoHRequest", callback->GetSoHRequest(request), S_OK);
    expect("GetSoHRequest (again)", callback->GetSoHRequest(again), S_OK);
    SoHRequest *first = NULL;
    SoHRequest *second = NULL;
    BOOL cached = FALSE;
    request->GetCacheSoHFlag(&cached);
    check("  SHA asked the agent to cache its SoH", cached == TRUE);
    if (SUCCEEDED(request->GetSoHRequest(&first)) && SUCCEEDED(again->GetSoHRequest(&second))) {
        std::printf("%-52s %u (sizes", "  attributes", static_cast<unsigned>(first->count));
        for (UINT16 i = 0; i < first->count; i++)
            std::printf(" %u:%u", static_cast<unsigned>(first->attributes[i].type),
                        static_cast<unsigned>(first->attributes[i].size));
        std::printf(")\n");
        BOOL equal = FALSE;
        expect("CompareSoHRequests", callback->CompareSoHRequests(first, second, &equal), S_OK);
        check("  the two requests are equal", equal == TRUE);
    }
    FreeSoH(first);
    FreeSoH(second);
    again->Release();

    /* The server answers "not patched" and asks for a fix-up. */
    SoH *answer = NULL;
    INapSoHConstructor *constructor = NULL;
    CoCreateInstance(CLSID_NapSoHConstructor, NULL, CLSCTX_INPROC_SERVER, IID_INapSoHConstructor,
                     reinterpret_cast<void **>(&constructor));
    if (constructor != NULL) {
        HRESULT codes[NumberOfResults] = {SampleClientNotPatched};
        SoHAttributeValue value;
        std::memset(&value, 0, sizeof value);
        value.codesVal.count = NumberOfResults;
        value.codesVal.results = codes;
        constructor->Initialize(SampleShaId, FALSE);
        constructor->AppendAttribute(sohAttributeTypeComplianceResultCodes, &value);
        constructor->GetSoH(&answer);
        constructor->Release();
    }
    request->set_response(answer, shaFixup);
    expect("ProcessSoHResponse", callback->ProcessSoHResponse(request), S_OK);
    FixupInfo *fixup = NULL;
    if (SUCCEEDED(expect("GetFixupInfo", callback->GetFixupInfo(&fixup), S_OK))) {
        std::printf("%-52s state=%d percentage=%u msg=%u result=0x%08lX\n", "  fixup", static_cast<int>(fixup->state),
                    static_cast<unsigned>(fixup->percentage), static_cast<unsigned>(fixup->fixupMsgId),
                    static_cast<unsigned long>(static_cast<DWORD>(fixup->resultCodes.results[0])));
        CountedString *text = NULL;
        if (SUCCEEDED(info.GetLocalizedString(fixup->fixupMsgId, &text))) {
            sample::print_counted("  fixup message", *text);
            FreeCountedString(text);
        }
        FreeFixupInfo(fixup);
    }

    CorrelationId correlation;
    request->GetCorrelationId(&correlation);
    expect("NotifyOrphanedSoHRequest", callback->NotifyOrphanedSoHRequest(&correlation), S_OK);
    expect("NotifySystemIsolationStateChange", callback->NotifySystemIsolationStateChange(), S_OK);
    check("  callbacks counted", sha->orphaned() == 1 && sha->isolation_changes() == 1);
    StringCorrelationId *text = NULL;
    if (SUCCEEDED(expect("GetStringCorrelationId", request->GetStringCorrelationId(&text), S_OK))) {
        sample::print_counted("  correlation", *text);
        FreeCountedString(text);
    }
    request->Release();
    callback->Release();
    stand_in::revoke_soh_classes();
    CoUninitialize();
    return sample::finish("sha", stand_in::objects_alive());
}
