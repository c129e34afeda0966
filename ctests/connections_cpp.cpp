/*
 * FreeConnections with a connection implemented as a C++ class deriving from
 * INapEnforcementClientConnection (the header declares the interface as a
 * class of pure virtual methods in C++), and the header used from C++:
 * UTF-16 literals for WCHAR strings, IMalloc called through its C++ methods.
 */
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "napUtil.h"
#include "check.h"

/* A WCHAR literal: u"" where WCHAR is char16_t, L"" where it is a 16-bit
 * wchar_t (Windows). */
#ifdef _WIN32
#define WTEXT(s) L##s
#else
#define WTEXT(s) u##s
#endif

namespace {

struct Tally {
    int releases = 0;
    int destroyed = 0;
};

class Connection final : public INapEnforcementClientConnection {
public:
    explicit Connection(Tally &tally) : tally_(tally) {}

    HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void **ppv) override
    {
        if (!ppv)
            return E_POINTER;
        if (std::memcmp(&riid, &IID_IUnknown, sizeof(GUID)) == 0 ||
            std::memcmp(&riid, &IID_INapEnforcementClientConnection, sizeof(GUID)) == 0) {
            *ppv = static_cast<INapEnforcementClientConnection *>(this);
            AddRef();
            return S_OK;
        }
        *ppv = nullptr;
        return E_NOINTERFACE;
    }

    ULONG STDMETHODCALLTYPE AddRef() override { return ++refs_; }

    ULONG STDMETHODCALLTYPE Release() override
    {
        ULONG left = --refs_;
        tally_.releases++;
        if (left == 0) {
            tally_.destroyed++;
            delete this;
        }
        return left;
    }

    HRESULT STDMETHODCALLTYPE Initialize(EnforcementEntityId id) override
    {
        id_ = id;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE SetMaxSize(ProtocolMaxSize maxSize) override
    {
        if (maxSize < minProtocolMaxSize || maxSize > maxProtocolMaxSize)
            return E_INVALIDARG;
        maxSize_ = maxSize;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE GetMaxSize(ProtocolMaxSize *maxSize) override
    {
        if (!maxSize)
            return E_POINTER;
        *maxSize = maxSize_;
        return S_OK;
    }
    HRESULT STDMETHODCALLTYPE SetFlags(UINT8) override { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE GetFlags(UINT8 *) override { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE SetConnectionId(const ConnectionId *) override { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE GetConnectionId(ConnectionId **) override { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE GetCorrelationId(CorrelationId *) override { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE GetStringCorrelationId(StringCorrelationId **correlationId) override
    {
        /* Hands out task memory, as NAP's out-parameters do. */
        if (!correlationId)
            return E_POINTER;
        return AllocCountedString(correlationId, WTEXT("{conn-42}"));
    }
    HRESULT STDMETHODCALLTYPE SetCorrelationId(CorrelationId) override { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE SetSoHRequest(const NetworkSoHRequest *) override { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE GetSoHRequest(NetworkSoHRequest **) override { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE SetSoHResponse(const NetworkSoHResponse *) override { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE GetSoHResponse(NetworkSoHResponse **) override { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE SetIsolationInfo(const IsolationInfo *) override { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE GetIsolationInfo(IsolationInfo **) override { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE SetPrivateData(const PrivateData *) override { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE GetPrivateData(PrivateData **) override { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE SetEnforcerPrivateData(const PrivateData *) override { return E_NOTIMPL; }
    HRESULT STDMETHODCALLTYPE GetEnforcerPrivateData(PrivateData **) override { return E_NOTIMPL; }

    EnforcementEntityId id() const { return id_; }

private:
    Tally &tally_;
    ULONG refs_ = 1;
    EnforcementEntityId id_ = 0;
    ProtocolMaxSize maxSize_ = defaultProtocolMaxSize;
};

void test_free_connections()
{
    Tally kept, handed_over, twice;
    Connection *keep = new Connection(kept);
    Connection *give = new Connection(handed_over);
    Connection *both = new Connection(twice);
    Connections *list = nullptr;
    std::uint64_t blocks0 = naputil_live_blocks();

    CHECK(AllocConnections(&list, 6) == S_OK);
    if (!list)
        return;
    CHECK(list->count == 6);

    keep->AddRef();
    list->connections[0] = keep;        /* the caller keeps its own reference */
    list->connections[2] = give;        /* the list holds the only reference */
    void *again = nullptr;
    CHECK(both->QueryInterface(IID_INapEnforcementClientConnection, &again) == S_OK);
    list->connections[3] = both;
    list->connections[5] = static_cast<INapEnforcementClientConnection *>(again);

    FreeConnections(list);
    CHECK(naputil_live_blocks() == blocks0);
    CHECK(kept.releases == 1 && kept.destroyed == 0);
    CHECK(handed_over.releases == 1 && handed_over.destroyed == 1);
    CHECK(twice.releases == 2 && twice.destroyed == 1);

    /* The kept connection still works through its C++ methods. */
    CHECK(keep->Initialize(0x13701) == S_OK);
    CHECK(keep->id() == 0x13701);
    ProtocolMaxSize size = 0;
    CHECK(keep->SetMaxSize(minProtocolMaxSize - 1) == E_INVALIDARG);
    CHECK(keep->SetMaxSize(2048) == S_OK);
    CHECK(keep->GetMaxSize(&size) == S_OK && size == 2048);
    CHECK(keep->GetFlags(nullptr) == E_NOTIMPL);

    StringCorrelationId *cid = nullptr;
    CHECK(keep->GetStringCorrelationId(&cid) == S_OK);
    if (cid) {
        CHECK(cid->length == 9);
        CHECK(std::memcmp(cid->string, WTEXT("{conn-42}"), 10 * sizeof(WCHAR)) == 0);
        FreeCountedString(cid);
    }
    CHECK(keep->Release() == 0);
    CHECK(kept.destroyed == 1);
}

void test_wchar_literals()
{
    static_assert(sizeof(WCHAR) == 2, "WCHAR is one UTF-16 code unit");
    CountedString *cs = nullptr;
    CHECK(AllocCountedString(&cs, WTEXT("Gr\u00fc\u00dfe \U0001F600")) == S_OK);
    if (!cs)
        return;
    /* 'G' 'r' U+00FC U+00DF 'e' ' ' and a surrogate pair. */
    CHECK(cs->length == 8);
    CHECK(cs->string[2] == 0x00FC && cs->string[6] == 0xD83D && cs->string[7] == 0xDE00);
    CHECK(cs->string[8] == 0);

    /* Copy out, free the struct, then the string on its own. */
    CountedString copy = *cs;
    CoTaskMemFree(cs);
    CHECK(copy.string[0] == u'G');
    CoTaskMemFree(copy.string);
}

void test_imalloc_from_cpp()
{
    IMalloc *m = nullptr;
    CHECK(CoGetMalloc(MEMCTX_TASK, &m) == S_OK);
    if (!m)
        return;
    void *p = m->Alloc(16);
    CHECK(p != nullptr);
    CHECK(m->GetSize(p) == 16);
    CHECK(m->DidAlloc(p) == 1);
    CHECK(m->DidAlloc(nullptr) == -1);
    void *self = nullptr;
    CHECK(m->QueryInterface(IID_IMalloc, &self) == S_OK && self == m);
    m->Free(p);
    CHECK(m->DidAlloc(p) == 0);
    m->HeapMinimize();
    m->Release();
}

} // namespace

int main()
{
    std::uint64_t start_blocks = naputil_live_blocks();
    std::uint64_t start_misuse = naputil_misuse_count();

    test_free_connections();
    test_wchar_literals();
    test_imalloc_from_cpp();

    CHECK(naputil_live_blocks() == start_blocks);
    CHECK(naputil_misuse_count() == start_misuse);
    CHECK_EXIT();
}
