/*
 * Porting proof, C++: a NAP enforcement client's connection implemented as
 * a COM class, written the way it is written for Windows.
 *
 * The same file compiles unchanged with mingw-w64 against Windows' own
 * headers (and runs against naputil.dll under Wine) and on Linux/macOS
 * against napUtil.h through the compat headers (build/include/naputil).
 * It prints what it observes; both builds must print the same lines.
 */
#ifdef _WIN32
#include <windows.h>
#endif
#include <NapUtil.h>
#include <NapTypes.h>
#include <NapProtocol.h>
#include <NapError.h>
#include <NapEnforcementClient.h>

#include <cstdio>
#include <cstring>
#include <new>

#include "wtext.h"

namespace {

int connections_alive = 0;

/* A connection as an enforcement client keeps it: reference counted,
 * deleting itself on the last Release, and handing out its data as task
 * memory that the caller frees with the NapUtil.h functions. */
class Connection final : public INapEnforcementClientConnection {
public:
    Connection() : refs_(1), id_(0), maxSize_(4000), flags_(0)
    {
        std::memset(&correlation_, 0, sizeof correlation_);
        connections_alive++;
    }

    /* IUnknown */
    HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void **ppv)
    {
        if (ppv == NULL)
            return E_POINTER;
        if (std::memcmp(&riid, &IID_IUnknown, sizeof(GUID)) == 0) {
            *ppv = static_cast<IUnknown *>(this);
            AddRef();
            return S_OK;
        }
        *ppv = NULL;
        return E_NOINTERFACE;
    }
    ULONG STDMETHODCALLTYPE AddRef() { return static_cast<ULONG>(++refs_); }
    ULONG STDMETHODCALLTYPE Release()
    {
        LONG left = --refs_;
        if (left == 0)
            delete this;
        return static_cast<ULONG>(left);
    }

    /* INapEnforcementClientConnection */
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
    HRESULT STDMETHODCALLTYPE GetMaxSize(ProtocolMaxSize *maxSize)
    {
        if (maxSize == NULL)
            return E_POINTER;
        *maxSize = maxSize_;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE SetFlags(UINT8 flags)
    {
        flags_ = flags;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE GetFlags(UINT8 *flags)
    {
        if (flags == NULL)
            return E_POINTER;
        *flags = flags_;
        return S_OK;
    }
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
    HRESULT STDMETHODCALLTYPE GetCorrelationId(CorrelationId *correlationId)
    {
        if (correlationId == NULL)
            return E_POINTER;
        *correlationId = correlation_;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE GetStringCorrelationId(StringCorrelationId **correlationId)
    {
        return AllocCountedString(correlationId, WTEXT("{conn-7}"));
    }
    HRESULT STDMETHODCALLTYPE SetCorrelationId(CorrelationId correlationId)
    {
        correlation_ = correlationId;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE SetSoHRequest(const NetworkSoHRequest *) { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE GetSoHRequest(NetworkSoHRequest **) { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE SetSoHResponse(const NetworkSoHResponse *) { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE GetSoHResponse(NetworkSoHResponse **) { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE SetIsolationInfo(const IsolationInfo *) { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE GetIsolationInfo(IsolationInfo **isolationInfo)
    {
        if (isolationInfo == NULL)
            return E_POINTER;
        IsolationInfo *info = static_cast<IsolationInfo *>(CoTaskMemAlloc(sizeof(IsolationInfo)));
        if (info == NULL)
            return E_OUTOFMEMORY;
        std::memset(info, 0, sizeof *info);
        info->isolationState = isolationStateInProbation;
        CountedString *url = NULL;
        HRESULT hr = AllocCountedString(&url, WTEXT("http://remediation.example/"));
        if (FAILED(hr)) {
            CoTaskMemFree(info);
            return hr;
        }
        /* Keep the string, drop the CountedString block that carried it. */
        info->failureUrl = *url;
        CoTaskMemFree(url);
        *isolationInfo = info;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE SetPrivateData(const PrivateData *) { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE GetPrivateData(PrivateData **) { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE SetEnforcerPrivateData(const PrivateData *) { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE GetEnforcerPrivateData(PrivateData **) { return E_NOTIMPL; }

private:
    /* Only Release deletes: COM objects have no public destructor. */
    ~Connection() { connections_alive--; }

    LONG refs_;
    EnforcementEntityId id_;
    ProtocolMaxSize maxSize_;
    UINT8 flags_;
    CorrelationId correlation_;
};

void print_hr(const char *what, HRESULT hr)
{
    std::printf("%-40s hr=0x%08lX %s\n", what, static_cast<unsigned long>(static_cast<DWORD>(hr)),
                SUCCEEDED(hr) ? "SUCCEEDED" : "FAILED");
}

void print_counted(const char *what, const CountedString &cs)
{
    /* Prints ASCII only; anything else would be a bug here. */
    std::printf("%-40s length=%u \"", what, static_cast<unsigned>(cs.length));
    for (UINT16 i = 0; i < cs.length; i++)
        std::putchar(cs.string[i] < 128 ? static_cast<char>(cs.string[i]) : '?');
    std::printf("\"\n");
}

} // namespace

int main()
{
    std::printf("porting proof (C++), sizeof(IsolationInfo)=%u sizeof(CorrelationId)=%u\n",
                static_cast<unsigned>(sizeof(IsolationInfo)),
                static_cast<unsigned>(sizeof(CorrelationId)));

    Connections *list = NULL;
    HRESULT hr = AllocConnections(&list, 2);
    print_hr("AllocConnections(2)", hr);
    if (FAILED(hr))
        return 1;
    for (UINT16 i = 0; i < list->count; i++) {
        Connection *connection = new (std::nothrow) Connection();
        if (connection == NULL)
            return 1;
        connection->Initialize(100 + i);
        list->connections[i] = connection; /* the list owns this reference */
    }
    std::printf("%-40s %d\n", "connections alive", connections_alive);

    INapEnforcementClientConnection *first = list->connections[0];
    ProtocolMaxSize maxSize = 0;
    print_hr("SetMaxSize(100)", first->SetMaxSize(100));
    print_hr("SetMaxSize(1500)", first->SetMaxSize(1500));
    first->GetMaxSize(&maxSize);
    std::printf("%-40s %u\n", "GetMaxSize", static_cast<unsigned>(maxSize));

    StringCorrelationId *correlation = NULL;
    hr = first->GetStringCorrelationId(&correlation);
    print_hr("GetStringCorrelationId", hr);
    if (SUCCEEDED(hr)) {
        print_counted("  correlation", *correlation);
        FreeCountedString(correlation);
    }

    IsolationInfo *isolation = NULL;
    hr = first->GetIsolationInfo(&isolation);
    print_hr("GetIsolationInfo", hr);
    if (SUCCEEDED(hr)) {
        std::printf("%-40s %d\n", "  isolationState", static_cast<int>(isolation->isolationState));
        print_counted("  failureUrl", isolation->failureUrl);
        FreeIsolationInfo(isolation);
    }

    IUnknown *unknown = NULL;
    hr = first->QueryInterface(IID_IUnknown, reinterpret_cast<void **>(&unknown));
    print_hr("QueryInterface(IID_IUnknown)", hr);
    if (SUCCEEDED(hr))
        unknown->Release();

    IMalloc *taskMalloc = NULL;
    hr = CoGetMalloc(1 /* MEMCTX_TASK */, &taskMalloc);
    print_hr("CoGetMalloc(MEMCTX_TASK)", hr);
    if (SUCCEEDED(hr)) {
        void *block = taskMalloc->Alloc(16);
        std::printf("%-40s GetSize=%lu DidAlloc=%d\n", "  IMalloc::Alloc(16)",
                    static_cast<unsigned long>(taskMalloc->GetSize(block)),
                    taskMalloc->DidAlloc(block));
        taskMalloc->Free(block);
        taskMalloc->Release();
    }

    FreeConnections(list); /* releases both connections */
    std::printf("%-40s %d\n", "connections alive after FreeConnections", connections_alive);
    return connections_alive == 0 ? 0 : 1;
}
