/*
 * Stand-ins for the objects Windows' NAP system hands to health agents,
 * validators and enforcement clients: the SoH constructor and processor
 * (what CoCreateInstance(CLSID_NapSoHConstructor / CLSID_NapSoHProcessor)
 * gives on Windows), the NAP agent's request and binding objects, and the
 * NAP server's validation request and callback. No NAP agent or server
 * runs outside Windows (nor under Wine), so the SDK-style programs in this
 * directory drive their components through these, as the NAP system would.
 *
 * Everything they hand out is task memory that the receiving code frees
 * with the NapUtil.h functions, as it would on Windows. Attribute values
 * are kept in a simple big-endian encoding of this file's own.
 */
#ifndef NAP_STAND_INS_H
#define NAP_STAND_INS_H

#include <NapTypes.h>
#include <NapProtocol.h>
#include <NapEnforcementClient.h>
#include <NapSystemHealthAgent.h>
#include <NapSystemHealthValidator.h>
#include <NapError.h>
#include <NapUtil.h>

#include <cstdio>
#include <cstring>
#include <new>

namespace stand_in {

/* Every stand-in object alive; each program checks it ends at 0. */
inline int &objects_alive()
{
    static int alive = 0;
    return alive;
}

/* IUnknown for a stand-in implementing interface I, whose base interface
 * (other than IUnknown) is Base. */
template <class I, class Base = I> class Object : public I {
public:
    Object() : refs_(1) { objects_alive()++; }
    virtual ~Object() { objects_alive()--; }
    HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void **ppv)
    {
        if (ppv == NULL)
            return E_POINTER;
        if (riid == __uuidof(IUnknown) || riid == __uuidof(I) || riid == __uuidof(Base)) {
            *ppv = static_cast<I *>(this);
            AddRef();
            return S_OK;
        }
        *ppv = NULL;
        return E_NOINTERFACE;
    }
    ULONG STDMETHODCALLTYPE AddRef() { return ++refs_; }
    ULONG STDMETHODCALLTYPE Release()
    {
        ULONG left = --refs_;
        if (left == 0)
            delete this;
        return left;
    }

private:
    ULONG refs_;
};

inline void put_be32(BYTE *out, UINT32 v)
{
    out[0] = static_cast<BYTE>(v >> 24);
    out[1] = static_cast<BYTE>(v >> 16);
    out[2] = static_cast<BYTE>(v >> 8);
    out[3] = static_cast<BYTE>(v);
}

inline UINT32 get_be32(const BYTE *in)
{
    return (static_cast<UINT32>(in[0]) << 24) | (static_cast<UINT32>(in[1]) << 16) |
           (static_cast<UINT32>(in[2]) << 8) | in[3];
}

/* A deep copy of soh in task memory (free it with FreeSoH), or NULL. */
inline SoH *copy_soh(const SoH *soh)
{
    SoH *copy = static_cast<SoH *>(CoTaskMemAlloc(sizeof(SoH)));
    if (copy == NULL)
        return NULL;
    copy->count = 0;
    copy->attributes = NULL;
    if (soh->count > 0) {
        copy->attributes = static_cast<SoHAttribute *>(CoTaskMemAlloc(soh->count * sizeof(SoHAttribute)));
        if (copy->attributes == NULL) {
            FreeSoH(copy);
            return NULL;
        }
    }
    for (UINT16 i = 0; i < soh->count; i++) {
        SoHAttribute &to = copy->attributes[copy->count];
        to.type = soh->attributes[i].type;
        to.size = soh->attributes[i].size;
        to.value = static_cast<BYTE *>(CoTaskMemAlloc(to.size > 0 ? to.size : 1));
        if (to.value == NULL) {
            FreeSoH(copy);
            return NULL;
        }
        std::memcpy(to.value, soh->attributes[i].value, to.size);
        copy->count++;
    }
    return copy;
}

/* INapSoHConstructor: collects attributes into a SoH. */
class SoHConstructor : public Object<INapSoHConstructor> {
public:
    SoHConstructor() { std::memset(&soh_, 0, sizeof soh_); }
    ~SoHConstructor() { clear(); }
    HRESULT STDMETHODCALLTYPE Initialize(SystemHealthEntityId id, BOOL isRequest)
    {
        clear();
        isRequest_ = isRequest;
        SoHAttributeValue value;
        value.idVal = id;
        return AppendAttribute(sohAttributeTypeSystemHealthId, &value);
    }
    HRESULT STDMETHODCALLTYPE AppendAttribute(SoHAttributeType type, const SoHAttributeValue *value)
    {
        if (value == NULL)
            return E_POINTER;
        if (soh_.count >= maxSoHAttributeCount)
            return E_INVALIDARG;
        BYTE bytes[maxSoHAttributeSize];
        UINT16 size = 0;
        switch (type) {
        case sohAttributeTypeSystemHealthId:
            put_be32(bytes, value->idVal);
            size = 4;
            break;
        case sohAttributeTypeComplianceResultCodes:
        case sohAttributeTypeErrorCodes:
            if (value->codesVal.count > maxDwordCountPerSoHAttribute)
                return E_INVALIDARG;
            for (UINT16 i = 0; i < value->codesVal.count; i++)
                put_be32(bytes + 4 * i, static_cast<UINT32>(value->codesVal.results[i]));
            size = static_cast<UINT16>(4 * value->codesVal.count);
            break;
        case sohAttributeTypeVendorSpecific:
            if (value->vendorSpecificVal.size > maxSoHAttributeSize - 4)
                return E_INVALIDARG;
            put_be32(bytes, value->vendorSpecificVal.vendorId);
            std::memcpy(bytes + 4, value->vendorSpecificVal.vendorSpecificData, value->vendorSpecificVal.size);
            size = static_cast<UINT16>(4 + value->vendorSpecificVal.size);
            break;
        case sohAttributeTypeHealthClass:
        case sohAttributeTypeFailureCategory:
        case sohAttributeTypeExtendedIsolationState:
            bytes[0] = value->uint8Val;
            size = 1;
            break;
        default:
            return E_NOTIMPL;
        }
        SoHAttribute *grown = static_cast<SoHAttribute *>(
            CoTaskMemRealloc(soh_.attributes, (soh_.count + 1) * sizeof(SoHAttribute)));
        if (grown == NULL)
            return E_OUTOFMEMORY;
        soh_.attributes = grown;
        BYTE *stored = static_cast<BYTE *>(CoTaskMemAlloc(size));
        if (stored == NULL)
            return E_OUTOFMEMORY;
        std::memcpy(stored, bytes, size);
        grown[soh_.count].type = static_cast<UINT16>(type);
        grown[soh_.count].size = size;
        grown[soh_.count].value = stored;
        soh_.count++;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE GetSoH(SoH **soh)
    {
        if (soh == NULL)
            return E_POINTER;
        *soh = copy_soh(&soh_);
        return *soh != NULL ? S_OK : E_OUTOFMEMORY;
    }
    HRESULT STDMETHODCALLTYPE Validate(const SoH *soh, BOOL)
    {
        if (soh == NULL)
            return E_POINTER;
        return soh->count > 0 && soh->attributes[0].type == sohAttributeTypeSystemHealthId ? S_OK
                                                                                             : NAP_E_INVALID_PACKET;
    }

private:
    void clear()
    {
        for (UINT16 i = 0; i < soh_.count; i++)
            CoTaskMemFree(soh_.attributes[i].value);
        CoTaskMemFree(soh_.attributes);
        std::memset(&soh_, 0, sizeof soh_);
    }
    SoH soh_;
    BOOL isRequest_;
};

/* INapSoHProcessor: reads the attributes of a SoH. */
class SoHProcessor : public Object<INapSoHProcessor> {
public:
    SoHProcessor() : soh_(NULL) {}
    ~SoHProcessor() { FreeSoH(soh_); }
    HRESULT STDMETHODCALLTYPE Initialize(const SoH *soh, BOOL, SystemHealthEntityId *id)
    {
        if (soh == NULL || id == NULL)
            return E_POINTER;
        if (soh->count == 0 || soh->attributes[0].type != sohAttributeTypeSystemHealthId ||
            soh->attributes[0].size != 4)
            return NAP_E_INVALID_PACKET;
        FreeSoH(soh_);
        soh_ = copy_soh(soh);
        if (soh_ == NULL)
            return E_OUTOFMEMORY;
        *id = get_be32(soh_->attributes[0].value);
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE FindNextAttribute(UINT16 fromLocation, SoHAttributeType type, UINT16 *attributeLocation)
    {
        if (attributeLocation == NULL)
            return E_POINTER;
        for (UINT16 i = fromLocation; soh_ != NULL && i < soh_->count; i++) {
            if (soh_->attributes[i].type == type) {
                *attributeLocation = i;
                return S_OK;
            }
        }
        return NAP_E_ID_NOT_FOUND;
    }
    HRESULT STDMETHODCALLTYPE GetAttribute(UINT16 attributeLocation, SoHAttributeType *type, SoHAttributeValue **value)
    {
        if (type == NULL || value == NULL)
            return E_POINTER;
        if (soh_ == NULL || attributeLocation >= soh_->count)
            return E_INVALIDARG;
        const SoHAttribute &attribute = soh_->attributes[attributeLocation];
        SoHAttributeValue *out = static_cast<SoHAttributeValue *>(CoTaskMemAlloc(sizeof(SoHAttributeValue)));
        if (out == NULL)
            return E_OUTOFMEMORY;
        std::memset(out, 0, sizeof *out);
        *type = static_cast<SoHAttributeType>(attribute.type);
        switch (attribute.type) {
        case sohAttributeTypeSystemHealthId:
            out->idVal = get_be32(attribute.value);
            break;
        case sohAttributeTypeComplianceResultCodes:
        case sohAttributeTypeErrorCodes:
            out->codesVal.count = static_cast<UINT16>(attribute.size / 4);
            out->codesVal.results = static_cast<HRESULT *>(CoTaskMemAlloc(out->codesVal.count * sizeof(HRESULT) + 1));
            if (out->codesVal.results == NULL) {
                CoTaskMemFree(out);
                return E_OUTOFMEMORY;
            }
            for (UINT16 i = 0; i < out->codesVal.count; i++)
                out->codesVal.results[i] = static_cast<HRESULT>(get_be32(attribute.value + 4 * i));
            break;
        case sohAttributeTypeVendorSpecific:
            out->vendorSpecificVal.vendorId = get_be32(attribute.value);
            out->vendorSpecificVal.size = static_cast<UINT16>(attribute.size - 4);
            out->vendorSpecificVal.vendorSpecificData =
                static_cast<BYTE *>(CoTaskMemAlloc(out->vendorSpecificVal.size + 1));
            if (out->vendorSpecificVal.vendorSpecificData == NULL) {
                CoTaskMemFree(out);
                return E_OUTOFMEMORY;
            }
            std::memcpy(out->vendorSpecificVal.vendorSpecificData, attribute.value + 4, out->vendorSpecificVal.size);
            break;
        default:
            out->uint8Val = attribute.value[0];
            break;
        }
        *value = out;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE GetNumberOfAttributes(UINT16 *attributeCount)
    {
        if (attributeCount == NULL)
            return E_POINTER;
        *attributeCount = soh_ != NULL ? soh_->count : 0;
        return S_OK;
    }

private:
    SoH *soh_;
};

/* What CoCreateInstance(CLSID_NapSoHConstructor / CLSID_NapSoHProcessor,
 * ..., CLSCTX_INPROC_SERVER, IID_INapSoH..., ...) gives on Windows. */
inline HRESULT CreateInstance(REFCLSID clsid, REFIID riid, void **ppv)
{
    if (ppv == NULL)
        return E_POINTER;
    *ppv = NULL;
    IUnknown *object = NULL;
    if (clsid == CLSID_NapSoHConstructor)
        object = new (std::nothrow) SoHConstructor();
    else if (clsid == CLSID_NapSoHProcessor)
        object = new (std::nothrow) SoHProcessor();
    else
        return static_cast<HRESULT>(0x80040154UL); /* REGDB_E_CLASSNOTREG */
    if (object == NULL)
        return E_OUTOFMEMORY;
    HRESULT hr = object->QueryInterface(riid, ppv);
    object->Release();
    return hr;
}

/* A correlation id whose timestamp is fixed, so output is reproducible. */
inline CorrelationId fixed_correlation(UINT32 seed)
{
    CorrelationId id;
    std::memset(&id, 0, sizeof id);
    id.connId.Data1 = seed;
    id.connId.Data2 = 0x4e41;
    id.connId.Data3 = 0x5000;
    id.timeStamp.dwLowDateTime = 0x01020304;
    id.timeStamp.dwHighDateTime = 0x01d0a0b0;
    return id;
}

/* The NAP agent's request object, as a system health agent sees it. */
class AgentRequest : public Object<INapSystemHealthAgentRequest> {
public:
    explicit AgentRequest(UINT32 seed)
        : correlation_(fixed_correlation(seed)), request_(NULL), response_(NULL), flags_(0), cache_(FALSE)
    {
    }
    ~AgentRequest()
    {
        FreeSoH(request_);
        FreeSoH(response_);
    }
    HRESULT STDMETHODCALLTYPE GetCorrelationId(CorrelationId *correlationId)
    {
        if (correlationId == NULL)
            return E_POINTER;
        *correlationId = correlation_;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE GetStringCorrelationId(StringCorrelationId **correlationId)
    {
        return AllocCountedString(correlationId, L"{agent-request}");
    }
    HRESULT STDMETHODCALLTYPE SetSoHRequest(const SoHRequest *sohRequest, BOOL cacheSohForLaterUse)
    {
        if (sohRequest == NULL)
            return E_POINTER;
        SoH *copy = copy_soh(sohRequest);
        if (copy == NULL)
            return E_OUTOFMEMORY;
        FreeSoH(request_);
        request_ = copy;
        cache_ = cacheSohForLaterUse;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE GetSoHRequest(SoHRequest **sohRequest) { return hand_out(request_, sohRequest); }
    HRESULT STDMETHODCALLTYPE GetSoHResponse(SoHResponse **sohResponse, UINT8 *flags)
    {
        if (flags == NULL)
            return E_POINTER;
        *flags = flags_;
        return hand_out(response_, sohResponse);
    }
    HRESULT STDMETHODCALLTYPE GetCacheSoHFlag(BOOL *cacheSohForLaterUse)
    {
        if (cacheSohForLaterUse == NULL)
            return E_POINTER;
        *cacheSohForLaterUse = cache_;
        return S_OK;
    }

    /* The agent side: the server's answer arrives; takes ownership. */
    void set_response(SoH *response, UINT8 flags)
    {
        FreeSoH(response_);
        response_ = response;
        flags_ = flags;
    }

private:
    static HRESULT hand_out(const SoH *soh, SoH **out)
    {
        if (out == NULL)
            return E_POINTER;
        if (soh == NULL)
            return NAP_E_MISSING_SOH;
        *out = copy_soh(soh);
        return *out != NULL ? S_OK : E_OUTOFMEMORY;
    }
    CorrelationId correlation_;
    SoH *request_;
    SoH *response_;
    UINT8 flags_;
    BOOL cache_;
};

/* The NAP server's validation request, as a system health validator sees
 * it. */
class ValidationRequest : public Object<INapSystemHealthValidationRequest2, INapSystemHealthValidationRequest> {
public:
    ValidationRequest(UINT32 seed, const SoH *request, UINT32 configId)
        : correlation_(fixed_correlation(seed)), request_(copy_soh(request)), response_(NULL), configId_(configId)
    {
        std::memset(&privateData_, 0, sizeof privateData_);
    }
    ~ValidationRequest()
    {
        FreeSoH(request_);
        FreeSoH(response_);
        CoTaskMemFree(privateData_.data);
    }
    HRESULT STDMETHODCALLTYPE GetCorrelationId(CorrelationId *correlationId)
    {
        if (correlationId == NULL)
            return E_POINTER;
        *correlationId = correlation_;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE GetStringCorrelationId(StringCorrelationId **correlationId)
    {
        return AllocCountedString(correlationId, L"{validation-request}");
    }
    HRESULT STDMETHODCALLTYPE GetMachineName(CountedString **machineName)
    {
        return AllocCountedString(machineName, L"client-7.corp.example");
    }
    HRESULT STDMETHODCALLTYPE GetSoHRequest(SoHRequest **sohRequest, BOOL *napSystemGenerated)
    {
        if (sohRequest == NULL || napSystemGenerated == NULL)
            return E_POINTER;
        if (request_ == NULL)
            return NAP_E_MISSING_SOH;
        *napSystemGenerated = FALSE;
        *sohRequest = copy_soh(request_);
        return *sohRequest != NULL ? S_OK : E_OUTOFMEMORY;
    }
    HRESULT STDMETHODCALLTYPE SetSoHResponse(const SoHResponse *sohResponse)
    {
        if (sohResponse == NULL)
            return E_POINTER;
        SoH *copy = copy_soh(sohResponse);
        if (copy == NULL)
            return E_OUTOFMEMORY;
        FreeSoH(response_);
        response_ = copy;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE GetSoHResponse(SoHResponse **sohResponse)
    {
        if (sohResponse == NULL)
            return E_POINTER;
        if (response_ == NULL)
            return NAP_E_MISSING_SOH;
        *sohResponse = copy_soh(response_);
        return *sohResponse != NULL ? S_OK : E_OUTOFMEMORY;
    }
    HRESULT STDMETHODCALLTYPE SetPrivateData(const PrivateData *privateData)
    {
        if (privateData == NULL)
            return E_POINTER;
        if (privateData->size > maxPrivateDataSize)
            return E_INVALIDARG;
        BYTE *data = static_cast<BYTE *>(CoTaskMemAlloc(privateData->size + 1));
        if (data == NULL)
            return E_OUTOFMEMORY;
        std::memcpy(data, privateData->data, privateData->size);
        CoTaskMemFree(privateData_.data);
        privateData_.size = privateData->size;
        privateData_.data = data;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE GetPrivateData(PrivateData **privateData)
    {
        if (privateData == NULL)
            return E_POINTER;
        PrivateData *copy = static_cast<PrivateData *>(CoTaskMemAlloc(sizeof(PrivateData)));
        if (copy == NULL)
            return E_OUTOFMEMORY;
        copy->size = privateData_.size;
        copy->data = static_cast<BYTE *>(CoTaskMemAlloc(privateData_.size + 1));
        if (copy->data == NULL) {
            CoTaskMemFree(copy);
            return E_OUTOFMEMORY;
        }
        std::memcpy(copy->data, privateData_.data, privateData_.size);
        *privateData = copy;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE GetConfigID(UINT32 *configID)
    {
        if (configID == NULL)
            return E_POINTER;
        *configID = configId_;
        return S_OK;
    }

private:
    CorrelationId correlation_;
    SoH *request_;
    SoH *response_;
    UINT32 configId_;
    PrivateData privateData_;
};

/* The NAP server's callback, handed to a validator with each request. */
class ServerCallback : public Object<INapServerCallback> {
public:
    ServerCallback() : completed_(0), lastError_(S_OK) {}
    HRESULT STDMETHODCALLTYPE OnComplete(INapSystemHealthValidationRequest *request, HRESULT errorCode)
    {
        if (request == NULL)
            return E_POINTER;
        completed_++;
        lastError_ = errorCode;
        return S_OK;
    }
    int completed() const { return completed_; }
    HRESULT last_error() const { return lastError_; }

private:
    int completed_;
    HRESULT lastError_;
};

/* One connection, as the NAP agent keeps it for an enforcement client. */
class Connection : public Object<INapEnforcementClientConnection2, INapEnforcementClientConnection> {
public:
    Connection() : id_(0), maxSize_(defaultProtocolMaxSize), flags_(0), shvCount_(0)
    {
        std::memset(&correlation_, 0, sizeof correlation_);
        std::memset(&request_, 0, sizeof request_);
        std::memset(&response_, 0, sizeof response_);
        std::memset(&isolation_, 0, sizeof isolation_);
        std::memset(shvs_, 0, sizeof shvs_);
    }
    ~Connection()
    {
        CoTaskMemFree(request_.data);
        CoTaskMemFree(response_.data);
        CoTaskMemFree(isolation_.failureUrl.string);
    }
    HRESULT STDMETHODCALLTYPE Initialize(EnforcementEntityId id)
    {
        id_ = id;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE SetMaxSize(ProtocolMaxSize maxSize)
    {
        if (maxSize < minProtocolMaxSize || maxSize > maxProtocolMaxSize)
            return E_INVALIDARG;
        maxSize_ = maxSize;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE GetMaxSize(ProtocolMaxSize *maxSize) { return get(maxSize, maxSize_); }
    HRESULT STDMETHODCALLTYPE SetFlags(UINT8 flags)
    {
        flags_ = flags;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE GetFlags(UINT8 *flags) { return get(flags, flags_); }
    HRESULT STDMETHODCALLTYPE SetConnectionId(const ConnectionId *connectionId)
    {
        if (connectionId == NULL)
            return E_POINTER;
        correlation_.connId = *connectionId;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE GetConnectionId(ConnectionId **connectionId)
    {
        if (connectionId == NULL)
            return E_POINTER;
        ConnectionId *copy = static_cast<ConnectionId *>(CoTaskMemAlloc(sizeof(ConnectionId)));
        if (copy == NULL)
            return E_OUTOFMEMORY;
        *copy = correlation_.connId;
        *connectionId = copy;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE GetCorrelationId(CorrelationId *correlationId) { return get(correlationId, correlation_); }
    HRESULT STDMETHODCALLTYPE GetStringCorrelationId(StringCorrelationId **correlationId)
    {
        return AllocCountedString(correlationId, L"{connection}");
    }
    HRESULT STDMETHODCALLTYPE SetCorrelationId(CorrelationId correlationId)
    {
        correlation_ = correlationId;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE SetSoHRequest(const NetworkSoHRequest *sohRequest) { return set(sohRequest, request_); }
    HRESULT STDMETHODCALLTYPE GetSoHRequest(NetworkSoHRequest **sohRequest) { return hand_out(request_, sohRequest); }
    HRESULT STDMETHODCALLTYPE SetSoHResponse(const NetworkSoHResponse *sohResponse) { return set(sohResponse, response_); }
    HRESULT STDMETHODCALLTYPE GetSoHResponse(NetworkSoHResponse **sohResponse) { return hand_out(response_, sohResponse); }
    HRESULT STDMETHODCALLTYPE SetIsolationInfo(const IsolationInfo *isolationInfo)
    {
        if (isolationInfo == NULL)
            return E_POINTER;
        IsolationInfoEx ex;
        ex.isolationState = isolationInfo->isolationState;
        ex.extendedIsolationState = extendedIsolationStateNoData;
        ex.probEndTime = isolationInfo->probEndTime;
        ex.failureUrl = isolationInfo->failureUrl;
        return SetIsolationInfoEx(&ex);
    }
    HRESULT STDMETHODCALLTYPE GetIsolationInfo(IsolationInfo **isolationInfo)
    {
        if (isolationInfo == NULL)
            return E_POINTER;
        IsolationInfo *info = static_cast<IsolationInfo *>(CoTaskMemAlloc(sizeof(IsolationInfo)));
        if (info == NULL)
            return E_OUTOFMEMORY;
        info->isolationState = isolation_.isolationState;
        info->probEndTime = isolation_.probEndTime;
        if (FAILED(copy_string(isolation_.failureUrl, &info->failureUrl))) {
            CoTaskMemFree(info);
            return E_OUTOFMEMORY;
        }
        *isolationInfo = info;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE SetPrivateData(const PrivateData *) { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE GetPrivateData(PrivateData **) { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE SetEnforcerPrivateData(const PrivateData *) { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE GetEnforcerPrivateData(PrivateData **) { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE SetIsolationInfoEx(const IsolationInfoEx *isolationInfo)
    {
        if (isolationInfo == NULL)
            return E_POINTER;
        CountedString url;
        if (FAILED(copy_string(isolationInfo->failureUrl, &url)))
            return E_OUTOFMEMORY;
        CoTaskMemFree(isolation_.failureUrl.string);
        isolation_ = *isolationInfo;
        isolation_.failureUrl = url;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE GetIsolationInfoEx(IsolationInfoEx **isolationInfo)
    {
        if (isolationInfo == NULL)
            return E_POINTER;
        IsolationInfoEx *info = static_cast<IsolationInfoEx *>(CoTaskMemAlloc(sizeof(IsolationInfoEx)));
        if (info == NULL)
            return E_OUTOFMEMORY;
        *info = isolation_;
        if (FAILED(copy_string(isolation_.failureUrl, &info->failureUrl))) {
            CoTaskMemFree(info);
            return E_OUTOFMEMORY;
        }
        *isolationInfo = info;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE GetInstalledShvs(SystemHealthEntityCount *count, SystemHealthEntityId **ids)
    {
        if (count == NULL || ids == NULL)
            return E_POINTER;
        *ids = static_cast<SystemHealthEntityId *>(CoTaskMemAlloc(shvCount_ * sizeof(SystemHealthEntityId) + 1));
        if (*ids == NULL)
            return E_OUTOFMEMORY;
        std::memcpy(*ids, shvs_, shvCount_ * sizeof(SystemHealthEntityId));
        *count = shvCount_;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE SetInstalledShvs(SystemHealthEntityCount count, SystemHealthEntityId *ids)
    {
        if (count > maxSystemHealthEntityCount || (count > 0 && ids == NULL))
            return E_INVALIDARG;
        std::memcpy(shvs_, ids, count * sizeof(SystemHealthEntityId));
        shvCount_ = count;
        return S_OK;
    }

private:
    template <typename T> static HRESULT get(T *out, const T &value)
    {
        if (out == NULL)
            return E_POINTER;
        *out = value;
        return S_OK;
    }
    static HRESULT set(const NetworkSoH *from, NetworkSoH &to)
    {
        if (from == NULL)
            return E_POINTER;
        BYTE *data = static_cast<BYTE *>(CoTaskMemAlloc(from->size + 1));
        if (data == NULL)
            return E_OUTOFMEMORY;
        std::memcpy(data, from->data, from->size);
        CoTaskMemFree(to.data);
        to.size = from->size;
        to.data = data;
        return S_OK;
    }
    static HRESULT hand_out(const NetworkSoH &from, NetworkSoH **out)
    {
        if (out == NULL)
            return E_POINTER;
        if (from.data == NULL)
            return NAP_E_MISSING_SOH;
        NetworkSoH *copy = static_cast<NetworkSoH *>(CoTaskMemAlloc(sizeof(NetworkSoH)));
        if (copy == NULL)
            return E_OUTOFMEMORY;
        copy->size = 0;
        copy->data = NULL;
        if (FAILED(set(&from, *copy))) {
            CoTaskMemFree(copy);
            return E_OUTOFMEMORY;
        }
        *out = copy;
        return S_OK;
    }
    static HRESULT copy_string(const CountedString &from, CountedString *to)
    {
        to->length = from.length;
        to->string = static_cast<WCHAR *>(CoTaskMemAlloc((from.length + 1) * sizeof(WCHAR)));
        if (to->string == NULL)
            return E_OUTOFMEMORY;
        if (from.length > 0)
            std::memcpy(to->string, from.string, from.length * sizeof(WCHAR));
        to->string[from.length] = 0;
        return S_OK;
    }
    EnforcementEntityId id_;
    ProtocolMaxSize maxSize_;
    UINT8 flags_;
    CorrelationId correlation_;
    NetworkSoH request_;
    NetworkSoH response_;
    IsolationInfoEx isolation_;
    SystemHealthEntityCount shvCount_;
    SystemHealthEntityId shvs_[maxSystemHealthEntityCount];
};

/* The NAP agent's binding object, as an enforcement client sees it. */
class EnforcementBinding : public Object<INapEnforcementClientBinding> {
public:
    EnforcementBinding() : id_(0), callback_(NULL), requests_(0) {}
    ~EnforcementBinding() { Uninitialize(); }
    HRESULT STDMETHODCALLTYPE Initialize(EnforcementEntityId id, INapEnforcementClientCallback *callback)
    {
        if (callback == NULL)
            return E_POINTER;
        if (callback_ != NULL)
            return NAP_E_STILL_BOUND;
        id_ = id;
        callback_ = callback;
        callback_->AddRef();
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE Uninitialize()
    {
        if (callback_ == NULL)
            return NAP_E_NOT_INITIALIZED;
        callback_->Release();
        callback_ = NULL;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE CreateConnection(INapEnforcementClientConnection **connection)
    {
        if (connection == NULL)
            return E_POINTER;
        Connection *created = new (std::nothrow) Connection();
        if (created == NULL)
            return E_OUTOFMEMORY;
        created->Initialize(id_);
        *connection = created;
        return S_OK;
    }
    /* Puts the SoHs of the installed agents on the connection, encoded as
     * a network SoH (here: a fixed header and a counter). */
    HRESULT STDMETHODCALLTYPE GetSoHRequest(INapEnforcementClientConnection *connection, BOOL *retriggerHint)
    {
        if (connection == NULL || retriggerHint == NULL)
            return E_POINTER;
        BYTE bytes[minNetworkSoHSize + 4];
        std::memset(bytes, 0, sizeof bytes);
        put_be32(bytes, id_);
        put_be32(bytes + minNetworkSoHSize, ++requests_);
        NetworkSoH soh;
        soh.size = sizeof bytes;
        soh.data = bytes;
        *retriggerHint = FALSE;
        return connection->SetSoHRequest(&soh);
    }
    /* The server's answer: restricted access, with a remediation page. */
    HRESULT STDMETHODCALLTYPE ProcessSoHResponse(INapEnforcementClientConnection *connection)
    {
        if (connection == NULL)
            return E_POINTER;
        static const WCHAR url[] = L"http://remediation.corp.example/";
        IsolationInfo info;
        std::memset(&info, 0, sizeof info);
        info.isolationState = isolationStateRestrictedAccess;
        info.failureUrl.length = static_cast<UINT16>(sizeof url / sizeof url[0] - 1);
        info.failureUrl.string = const_cast<WCHAR *>(url);
        return connection->SetIsolationInfo(&info);
    }
    HRESULT STDMETHODCALLTYPE NotifyConnectionStateDown(INapEnforcementClientConnection *downCxn)
    {
        return downCxn != NULL ? S_OK : E_POINTER;
    }
    HRESULT STDMETHODCALLTYPE NotifySoHChangeFailure() { return S_OK; }

    INapEnforcementClientCallback *callback() const { return callback_; }

private:
    EnforcementEntityId id_;
    INapEnforcementClientCallback *callback_;
    UINT32 requests_;
};

} // namespace stand_in

#endif
