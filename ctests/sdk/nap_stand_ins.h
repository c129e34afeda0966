/*
 * Stand-ins for the objects Windows' NAP system hands to health agents,
 * validators and enforcement clients: the NAP agent's request and binding
 * objects, and the NAP server's validation request and callback. No NAP
 * agent or server runs outside Windows (nor under Wine), so the SDK-style
 * programs in this directory drive their components through these, as the
 * NAP system would. On Windows builds also the SoH constructor and
 * processor (see register_soh_classes); elsewhere the programs use the
 * library's.
 *
 * Everything they hand out is task memory that the receiving code frees
 * with the NapUtil.h functions, as it would on Windows; SoHs are in the
 * shape FreeSoH frees (each attribute's value a SoHAttributeValue).
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

/* A copy of n bytes in task memory (NULL for none); ok turns false when
 * the memory is not there. */
inline void *copy_bytes(const void *from, size_t n, bool &ok)
{
    if (n == 0 || from == NULL)
        return NULL;
    void *to = CoTaskMemAlloc(n);
    if (to == NULL) {
        ok = false;
        return NULL;
    }
    std::memcpy(to, from, n);
    return to;
}

/* A copy of an attribute's value in task memory, in the shape FreeSoH and
 * FreeSoHAttributeValue free: a SoHAttributeValue whose member (chosen by
 * type) points to a block of its own; for a type that is not a
 * SoHAttributeType, the size raw bytes the attribute holds. */
inline HRESULT copy_value(UINT16 type, UINT16 size, const BYTE *from, BYTE **to)
{
    *to = NULL;
    bool ok = true;
    if (type < sohAttributeTypeSystemHealthId || type > sohAttributeTypeExtendedIsolationState) {
        *to = static_cast<BYTE *>(copy_bytes(from, size, ok));
        return ok ? S_OK : E_OUTOFMEMORY;
    }
    if (from == NULL)
        return E_INVALIDARG;
    const SoHAttributeValue *in = reinterpret_cast<const SoHAttributeValue *>(from);
    SoHAttributeValue *out = static_cast<SoHAttributeValue *>(CoTaskMemAlloc(sizeof(SoHAttributeValue)));
    if (out == NULL)
        return E_OUTOFMEMORY;
    *out = *in;
    switch (type) {
    case sohAttributeTypeIpv4FixupServers:
        out->v4AddressesVal.addresses = static_cast<Ipv4Address *>(
            copy_bytes(in->v4AddressesVal.addresses, in->v4AddressesVal.count * sizeof(Ipv4Address), ok));
        break;
    case sohAttributeTypeIpv6FixupServers:
        out->v6AddressesVal.addresses = static_cast<Ipv6Address *>(
            copy_bytes(in->v6AddressesVal.addresses, in->v6AddressesVal.count * sizeof(Ipv6Address), ok));
        break;
    case sohAttributeTypeComplianceResultCodes:
    case sohAttributeTypeErrorCodes:
        out->codesVal.results =
            static_cast<HRESULT *>(copy_bytes(in->codesVal.results, in->codesVal.count * sizeof(HRESULT), ok));
        break;
    case sohAttributeTypeVendorSpecific:
        out->vendorSpecificVal.vendorSpecificData = static_cast<BYTE *>(
            copy_bytes(in->vendorSpecificVal.vendorSpecificData, in->vendorSpecificVal.size, ok));
        break;
    case sohAttributeTypeClientId:
    case sohAttributeTypeSoftwareVersion:
    case sohAttributeTypeProductName:
    case sohAttributeTypeHealthClassStatus:
        out->octetStringVal.data =
            static_cast<BYTE *>(copy_bytes(in->octetStringVal.data, in->octetStringVal.size, ok));
        break;
    default: /* the id, times and single bytes live in the value itself */
        break;
    }
    if (!ok) {
        CoTaskMemFree(out);
        return E_OUTOFMEMORY;
    }
    *to = reinterpret_cast<BYTE *>(out);
    return S_OK;
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
        const SoHAttribute &from = soh->attributes[i];
        SoHAttribute &to = copy->attributes[copy->count];
        to.type = from.type;
        to.size = from.size;
        if (FAILED(copy_value(from.type, from.size, from.value, &to.value))) {
            FreeSoH(copy);
            return NULL;
        }
        copy->count++;
    }
    return copy;
}

#ifdef _WIN32
/* The SoH constructor and processor. Off Windows the library provides
 * them (CoCreateInstance reaches its classes); on Windows they are
 * qutil.dll's, which exists on Windows Vista to 8.1 only and not under
 * Wine. There these stand-ins are registered as the classes for this
 * process (register_soh_classes), so that the programs' CoCreateInstance
 * calls find them; they hold SoHs in the same shape as the library's. */

/* The length of a value on the wire: what SoHAttribute.size holds. */
inline UINT16 wire_size(SoHAttributeType type, const SoHAttributeValue *value)
{
    switch (type) {
    case sohAttributeTypeSystemHealthId:
        return 4;
    case sohAttributeTypeIpv4FixupServers:
        return static_cast<UINT16>(4 * value->v4AddressesVal.count);
    case sohAttributeTypeIpv6FixupServers:
        return static_cast<UINT16>(16 * value->v6AddressesVal.count);
    case sohAttributeTypeComplianceResultCodes:
    case sohAttributeTypeErrorCodes:
        return static_cast<UINT16>(4 * value->codesVal.count);
    case sohAttributeTypeTimeOfLastUpdate:
    case sohAttributeTypeSoHGenerationTime:
        return 8;
    case sohAttributeTypeVendorSpecific:
        return static_cast<UINT16>(4 + value->vendorSpecificVal.size);
    case sohAttributeTypeHealthClass:
    case sohAttributeTypeFailureCategory:
    case sohAttributeTypeExtendedIsolationState:
        return 1;
    default:
        return value->octetStringVal.size;
    }
}

/* INapSoHConstructor: collects attributes into a SoH. */
class SoHConstructor : public Object<INapSoHConstructor> {
public:
    SoHConstructor() : soh_(NULL) {}
    ~SoHConstructor() { FreeSoH(soh_); }
    HRESULT STDMETHODCALLTYPE Initialize(SystemHealthEntityId id, BOOL)
    {
        SoH *fresh = static_cast<SoH *>(CoTaskMemAlloc(sizeof(SoH)));
        if (fresh == NULL)
            return E_OUTOFMEMORY;
        fresh->count = 0;
        fresh->attributes = NULL;
        FreeSoH(soh_);
        soh_ = fresh;
        SoHAttributeValue value;
        std::memset(&value, 0, sizeof value);
        value.idVal = id;
        return append(sohAttributeTypeSystemHealthId, &value);
    }
    HRESULT STDMETHODCALLTYPE AppendAttribute(SoHAttributeType type, const SoHAttributeValue *value)
    {
        if (value == NULL)
            return E_POINTER;
        if (soh_ == NULL)
            return NAP_E_NOT_INITIALIZED;
        if (type <= sohAttributeTypeSystemHealthId || type > sohAttributeTypeExtendedIsolationState)
            return E_INVALIDARG;
        return append(type, value);
    }
    HRESULT STDMETHODCALLTYPE GetSoH(SoH **soh)
    {
        if (soh == NULL)
            return E_POINTER;
        if (soh_ == NULL)
            return NAP_E_NOT_INITIALIZED;
        SoH *copy = copy_soh(soh_);
        if (copy == NULL)
            return E_OUTOFMEMORY;
        *soh = copy;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE Validate(const SoH *soh, BOOL)
    {
        if (soh == NULL)
            return E_POINTER;
        return soh->count > 0 && soh->count <= maxSoHAttributeCount && soh->attributes != NULL &&
                       soh->attributes[0].type == sohAttributeTypeSystemHealthId
                   ? S_OK
                   : NAP_E_INVALID_PACKET;
    }

private:
    HRESULT append(SoHAttributeType type, const SoHAttributeValue *value)
    {
        if (soh_->count >= maxSoHAttributeCount)
            return E_INVALIDARG;
        SoHAttribute *grown = static_cast<SoHAttribute *>(
            CoTaskMemRealloc(soh_->attributes, (soh_->count + 1) * sizeof(SoHAttribute)));
        if (grown == NULL)
            return E_OUTOFMEMORY;
        soh_->attributes = grown;
        SoHAttribute &added = grown[soh_->count];
        added.type = static_cast<UINT16>(type);
        added.size = wire_size(type, value);
        HRESULT hr = copy_value(added.type, added.size, reinterpret_cast<const BYTE *>(value), &added.value);
        if (SUCCEEDED(hr))
            soh_->count++;
        return hr;
    }
    SoH *soh_;
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
        if (soh->count == 0 || soh->attributes == NULL ||
            soh->attributes[0].type != sohAttributeTypeSystemHealthId || soh->attributes[0].value == NULL)
            return NAP_E_INVALID_PACKET;
        SoH *copy = copy_soh(soh);
        if (copy == NULL)
            return E_OUTOFMEMORY;
        FreeSoH(soh_);
        soh_ = copy;
        *id = reinterpret_cast<const SoHAttributeValue *>(soh_->attributes[0].value)->idVal;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE FindNextAttribute(UINT16 fromLocation, SoHAttributeType type, UINT16 *attributeLocation)
    {
        if (attributeLocation == NULL)
            return E_POINTER;
        if (soh_ == NULL)
            return NAP_E_NOT_INITIALIZED;
        for (UINT16 i = fromLocation; i < soh_->count; i++) {
            if (soh_->attributes[i].type == type) {
                *attributeLocation = i;
                return S_OK;
            }
        }
        return HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND);
    }
    HRESULT STDMETHODCALLTYPE GetAttribute(UINT16 attributeLocation, SoHAttributeType *type, SoHAttributeValue **value)
    {
        if (type == NULL || value == NULL)
            return E_POINTER;
        if (soh_ == NULL)
            return NAP_E_NOT_INITIALIZED;
        if (attributeLocation >= soh_->count)
            return E_INVALIDARG;
        const SoHAttribute &attribute = soh_->attributes[attributeLocation];
        BYTE *copy = NULL;
        HRESULT hr = copy_value(attribute.type, attribute.size, attribute.value, &copy);
        if (FAILED(hr))
            return hr;
        *type = static_cast<SoHAttributeType>(attribute.type);
        *value = reinterpret_cast<SoHAttributeValue *>(copy);
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE GetNumberOfAttributes(UINT16 *attributeCount)
    {
        if (attributeCount == NULL)
            return E_POINTER;
        if (soh_ == NULL)
            return NAP_E_NOT_INITIALIZED;
        *attributeCount = soh_->count;
        return S_OK;
    }

private:
    SoH *soh_;
};

/* The class factory of a stand-in class: static, never freed. */
template <class Made> class Factory : public IClassFactory {
public:
    HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void **ppv)
    {
        if (ppv == NULL)
            return E_POINTER;
        if (riid == __uuidof(IUnknown) || riid == __uuidof(IClassFactory)) {
            *ppv = static_cast<IClassFactory *>(this);
            return S_OK;
        }
        *ppv = NULL;
        return E_NOINTERFACE;
    }
    ULONG STDMETHODCALLTYPE AddRef() { return 2; }
    ULONG STDMETHODCALLTYPE Release() { return 1; }
    HRESULT STDMETHODCALLTYPE CreateInstance(IUnknown *outer, REFIID riid, void **ppv)
    {
        if (ppv == NULL)
            return E_POINTER;
        *ppv = NULL;
        if (outer != NULL)
            return CLASS_E_NOAGGREGATION;
        Made *object = new (std::nothrow) Made();
        if (object == NULL)
            return E_OUTOFMEMORY;
        HRESULT hr = object->QueryInterface(riid, ppv);
        object->Release();
        return hr;
    }
    HRESULT STDMETHODCALLTYPE LockServer(BOOL) { return S_OK; }
};

inline DWORD *soh_class_cookies()
{
    static DWORD cookies[2] = {0, 0};
    return cookies;
}

/* Registers the stand-ins as CLSID_NapSoHConstructor and
 * CLSID_NapSoHProcessor for this process (after CoInitializeEx). */
inline HRESULT register_soh_classes()
{
    static Factory<SoHConstructor> constructors;
    static Factory<SoHProcessor> processors;
    DWORD *cookies = soh_class_cookies();
    HRESULT hr = CoRegisterClassObject(CLSID_NapSoHConstructor, &constructors, CLSCTX_INPROC_SERVER,
                                       REGCLS_MULTIPLEUSE, &cookies[0]);
    if (SUCCEEDED(hr))
        hr = CoRegisterClassObject(CLSID_NapSoHProcessor, &processors, CLSCTX_INPROC_SERVER, REGCLS_MULTIPLEUSE,
                                   &cookies[1]);
    return hr;
}

/* Undoes register_soh_classes (before CoUninitialize). */
inline void revoke_soh_classes()
{
    DWORD *cookies = soh_class_cookies();
    for (int i = 0; i < 2; i++) {
        if (cookies[i] != 0)
            CoRevokeClassObject(cookies[i]);
        cookies[i] = 0;
    }
}
#else
/* Off Windows the library's own classes answer CoCreateInstance. */
inline HRESULT register_soh_classes() { return S_OK; }
inline void revoke_soh_classes() {}
#endif

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
