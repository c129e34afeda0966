/*
 * An SDK-style enforcement client, written as Windows NAP code is: a COM
 * class implementing INapEnforcementClientCallback that asks the NAP
 * agent's binding for a connection and its SoH, and hands the agent its
 * connections with AllocConnections (AddRef'd, released by
 * FreeConnections); the connection read through INapEnforcementClientConnection
 * and INapEnforcementClientConnection2; L"..." strings, __uuidof and IID_*.
 *
 * Builds unchanged with mingw-w64 against Windows' headers and on Linux
 * against the compat headers with -fshort-wchar (and, with u"..." for L"...",
 * without it). There is no NAP agent here, so main() plays the agent's part
 * with the binding and connection objects of nap_stand_ins.h and prints
 * what happens.
 */
#ifdef _WIN32
#include <windows.h>
#endif
#include <NapTypes.h>
#include <NapProtocol.h>
#include <NapEnforcementClient.h>
#include <NapManagement.h>
#include <NapError.h>
#include <NapMicrosoftVendorIds.h>
#include <NapUtil.h>

#include <cstring>
#include <new>

#include "sample.h"
#include "nap_stand_ins.h"

namespace {

/* A made-up vendor code (0x00ABCD) and component number (0x80). */
const EnforcementEntityId SampleQecId = 0x00ABCD80;
const GUID SampleConnectionId = {0xFAB24754, 0x0440, 0x439B, {0xA2, 0x23, 0xB1, 0xD3, 0x60, 0x06, 0x2D, 0x01}};

class QecCallback final : public INapEnforcementClientCallback {
public:
    explicit QecCallback(INapEnforcementClientBinding *binding)
        : m_cRef(1), m_binding(binding), m_connection(NULL), m_notifications(0)
    {
        m_binding->AddRef();
    }

    STDMETHODIMP QueryInterface(REFIID riid, void **ppv)
    {
        if (ppv == NULL)
            return E_POINTER;
        if (riid == IID_IUnknown || riid == __uuidof(INapEnforcementClientCallback)) {
            *ppv = static_cast<INapEnforcementClientCallback *>(this);
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

    /* The SoHs changed: get the new SoH request for our connection (a real
     * client would then send it to the server on its own protocol). */
    STDMETHODIMP NotifySoHChange()
    {
        m_notifications++;
        HRESULT hr = CreateConnectionObject();
        BOOL retrigger = FALSE;
        NetworkSoHRequest *request = NULL;
        if (SUCCEEDED(hr))
            hr = m_binding->GetSoHRequest(m_connection, &retrigger);
        if (SUCCEEDED(hr))
            hr = m_connection->GetSoHRequest(&request);
        if (SUCCEEDED(hr)) {
            std::printf("%-52s %u bytes, retrigger=%d\n", "  network SoH request", static_cast<unsigned>(request->size),
                        retrigger);
            FreeNetworkSoH(request);
        }
        return hr;
    }

    /* Every connection that is up, each with a reference for the caller. */
    STDMETHODIMP GetConnections(Connections **connections)
    {
        if (connections == NULL)
            return E_INVALIDARG;
        *connections = NULL;
        HRESULT hr = AllocConnections(connections, m_connection != NULL ? 1 : 0);
        if (FAILED(hr))
            return hr;
        if (m_connection != NULL) {
            (*connections)->connections[0] = m_connection;
            m_connection->AddRef();
        }
        return S_OK;
    }

    /* The connection went down: tell the agent and drop it. */
    HRESULT ConnectionDown()
    {
        if (m_connection == NULL)
            return S_FALSE;
        HRESULT hr = m_binding->NotifyConnectionStateDown(m_connection);
        m_connection->Release();
        m_connection = NULL;
        return hr;
    }

    INapEnforcementClientConnection *connection() const { return m_connection; }
    int notifications() const { return m_notifications; }

private:
    ~QecCallback()
    {
        if (m_connection != NULL)
            m_connection->Release();
        m_binding->Release();
    }

    HRESULT CreateConnectionObject()
    {
        if (m_connection != NULL)
            return S_FALSE;
        HRESULT hr = m_binding->CreateConnection(&m_connection);
        if (SUCCEEDED(hr))
            hr = m_connection->SetConnectionId(&SampleConnectionId);
        if (SUCCEEDED(hr))
            hr = m_connection->SetMaxSize(1500);
        return hr;
    }

    LONG m_cRef;
    INapEnforcementClientBinding *m_binding;
    INapEnforcementClientConnection *m_connection;
    int m_notifications;
};

void print_isolation(const IsolationInfo &info)
{
    std::printf("%-52s %d\n", "  isolationState", static_cast<int>(info.isolationState));
    sample::print_counted("  failureUrl", info.failureUrl);
}

} // namespace

int main()
{
    using sample::check;
    using sample::expect;
    std::printf("SDK-style enforcement client, sizeof(Connections)=%u sizeof(IsolationInfoEx)=%u\n",
                static_cast<unsigned>(sizeof(Connections)), static_cast<unsigned>(sizeof(IsolationInfoEx)));
    sample::print_guid("IID_INapEnforcementClientCallback", __uuidof(INapEnforcementClientCallback));
    sample::print_guid("CLSID_NapEnforcementClientBinding", CLSID_NapEnforcementClientBinding);
    sample::print_guid("CLSID_NapClientManagement", CLSID_NapClientManagement);
    check("client id is not one of Microsoft's", (SampleQecId >> 8) != MicrosoftVendorId && SampleQecId != NapDhcpEnforcementId);

    /* On Windows: CoCreateInstance(CLSID_NapEnforcementClientBinding, ...). */
    INapEnforcementClientBinding *binding = new stand_in::EnforcementBinding();
    QecCallback *qec = new QecCallback(binding);
    expect("Binding::Initialize", binding->Initialize(SampleQecId, qec), S_OK);
    expect("Binding::Initialize again", binding->Initialize(SampleQecId, qec), NAP_E_STILL_BOUND);

    INapEnforcementClientCallback *callback = NULL;
    expect("QueryInterface(INapEnforcementClientCallback)",
           qec->QueryInterface(IID_INapEnforcementClientCallback, reinterpret_cast<void **>(&callback)), S_OK);

    /* No connection yet: an empty list. */
    Connections *list = NULL;
    if (SUCCEEDED(expect("GetConnections (none up)", callback->GetConnections(&list), S_OK))) {
        check("  count 0, no array", list->count == 0 && list->connections == NULL);
        FreeConnections(list);
    }

    /* The agent announces new SoHs twice. */
    expect("NotifySoHChange", callback->NotifySoHChange(), S_OK);
    expect("NotifySoHChange (again)", callback->NotifySoHChange(), S_OK);
    INapEnforcementClientConnection *connection = qec->connection();
    ProtocolMaxSize maxSize = 0;
    if (connection != NULL && SUCCEEDED(connection->GetMaxSize(&maxSize)))
        std::printf("%-52s %u\n", "  connection max size", static_cast<unsigned>(maxSize));
    ConnectionId *id = NULL;
    if (connection != NULL && SUCCEEDED(expect("  GetConnectionId", connection->GetConnectionId(&id), S_OK))) {
        check("  the id the client set", IsEqualGUID(*id, SampleConnectionId) != 0);
        CoTaskMemFree(id);
    }

    /* The server's answer arrives. */
    if (connection != NULL) {
        expect("Binding::ProcessSoHResponse", binding->ProcessSoHResponse(connection), S_OK);
        IsolationInfo *isolation = NULL;
        if (SUCCEEDED(expect("  GetIsolationInfo", connection->GetIsolationInfo(&isolation), S_OK))) {
            print_isolation(*isolation);
            FreeIsolationInfo(isolation);
        }
        INapEnforcementClientConnection2 *connection2 = NULL;
        if (SUCCEEDED(expect("  QueryInterface(INapEnforcementClientConnection2)",
                             connection->QueryInterface(__uuidof(INapEnforcementClientConnection2),
                                                        reinterpret_cast<void **>(&connection2)),
                             S_OK))) {
            IsolationInfoEx *ex = NULL;
            if (SUCCEEDED(expect("  GetIsolationInfoEx", connection2->GetIsolationInfoEx(&ex), S_OK))) {
                std::printf("%-52s %d\n", "  extendedIsolationState", static_cast<int>(ex->extendedIsolationState));
                FreeIsolationInfoEx(ex);
            }
            SystemHealthEntityId shvs[] = {0x00ABCD01, NapOutOfBoxSystemHealthId};
            expect("  SetInstalledShvs", connection2->SetInstalledShvs(2, shvs), S_OK);
            SystemHealthEntityCount count = 0;
            SystemHealthEntityId *ids = NULL;
            if (SUCCEEDED(expect("  GetInstalledShvs", connection2->GetInstalledShvs(&count, &ids), S_OK))) {
                std::printf("%-52s %u: 0x%08lX 0x%08lX\n", "  installed validators", static_cast<unsigned>(count),
                            static_cast<unsigned long>(ids[0]), static_cast<unsigned long>(ids[1]));
                CoTaskMemFree(ids);
            }
            connection2->Release();
        }
    }

    /* The agent asks for the connections that are up, and frees the list. */
    if (SUCCEEDED(expect("GetConnections (one up)", callback->GetConnections(&list), S_OK))) {
        check("  count 1, the client's connection", list->count == 1 && list->connections[0] == connection);
        StringCorrelationId *correlation = NULL;
        if (SUCCEEDED(list->connections[0]->GetStringCorrelationId(&correlation))) {
            sample::print_counted("  correlation", *correlation);
            FreeCountedString(correlation);
        }
        FreeConnections(list); /* releases the reference GetConnections added */
    }
    check("notifications counted", qec->notifications() == 2);

    expect("connection down", qec->ConnectionDown(), S_OK);
    expect("Binding::Uninitialize", binding->Uninitialize(), S_OK);
    expect("Binding::Uninitialize again", binding->Uninitialize(), NAP_E_NOT_INITIALIZED);
    callback->Release();
    qec->Release();
    binding->Release();
    return sample::finish("enforcer", stand_in::objects_alive());
}
