/*
 * napUtil.h together with a Windows compatibility layer (mock_windows.h),
 * in C++: built with the layer included first and with napUtil.h included
 * first (-DNAPUTIL_FIRST), each also with -fshort-wchar. Whichever header
 * comes second must redefine nothing (-Werror); __uuidof, the GUID
 * operators and helpers, the interface classes and the NAP functions must
 * work either way.
 */
#ifdef NAPUTIL_FIRST
#include "napUtil.h"
#include "mock_windows.h"
#else
#include "mock_windows.h"
#include "napUtil.h"
#endif

#include <cstring>

#include "../check.h"

namespace {

/* The validator's callback, as the NAP server would hand it over. */
class ServerCallback : public INapServerCallback {
public:
    ServerCallback() : refs_(1), completed_(0) {}
    STDMETHODIMP QueryInterface(REFIID riid, void **ppv)
    {
        if (riid == __uuidof(IUnknown) || riid == __uuidof(INapServerCallback)) {
            *ppv = static_cast<INapServerCallback *>(this);
            AddRef();
            return S_OK;
        }
        *ppv = NULL;
        return E_NOINTERFACE;
    }
    STDMETHODIMP_(ULONG) AddRef() { return ++refs_; }
    STDMETHODIMP_(ULONG) Release() { return --refs_; }
    STDMETHODIMP OnComplete(INapSystemHealthValidationRequest *, HRESULT errorCode)
    {
        completed_++;
        return errorCode;
    }
    ULONG refs() const { return refs_; }
    int completed() const { return completed_; }

private:
    ULONG refs_;
    int completed_;
};

/* A system health validator as SDK code writes one (STDMETHOD, __uuidof). */
class Validator : public INapSystemHealthValidator {
public:
    Validator() : refs_(1) {}
    STDMETHODIMP QueryInterface(REFIID riid, void **ppv)
    {
        if (IsEqualIID(riid, IID_IUnknown) || InlineIsEqualGUID(riid, __uuidof(INapSystemHealthValidator))) {
            *ppv = static_cast<INapSystemHealthValidator *>(this);
            AddRef();
            return S_OK;
        }
        *ppv = NULL;
        return E_NOINTERFACE;
    }
    STDMETHODIMP_(ULONG) AddRef() { return ++refs_; }
    STDMETHODIMP_(ULONG) Release() { return --refs_; }
    STDMETHODIMP Validate(INapSystemHealthValidationRequest *request, UINT32, INapServerCallback *callback)
    {
        return callback->OnComplete(request, S_OK);
    }

private:
    ULONG refs_;
};

} // namespace

int main()
{
    Validator validator;
    ServerCallback callback;
    INapSystemHealthValidator *shv = &validator;
    void *object = NULL;

    /* __uuidof: the header's IIDs, equal to the IIDs the library exports. */
    CHECK(__uuidof(INapSystemHealthValidator) == IID_INapSystemHealthValidator);
    CHECK(__uuidof(shv) == IID_INapSystemHealthValidator);
    CHECK(__uuidof(INapServerCallback) != IID_INapSystemHealthValidator);
    CHECK(__uuidof(IUnknown) == IID_IUnknown);
    CHECK(__uuidof(INapSystemHealthAgentCallback) == IID_INapSystemHealthAgentCallback);
    CHECK(__uuidof(INapEnforcementClientCallback) == IID_INapEnforcementClientCallback);
    CHECK(IsEqualGUID(__uuidof(INapSoHConstructor), IID_INapSoHConstructor));
    CHECK(IsEqualCLSID(CLSID_NapSoHConstructor, CLSID_NapSoHConstructor));

    /* Interface classes. */
    CHECK_EQ(shv->QueryInterface(IID_IUnknown, &object), S_OK);
    CHECK(object == static_cast<INapSystemHealthValidator *>(&validator));
    CHECK_EQ(shv->Release(), 1);
    CHECK_EQ(shv->QueryInterface(__uuidof(INapServerCallback), &object), E_NOINTERFACE);
    CHECK_EQ(shv->Validate(NULL, 1000, &callback), S_OK);
    CHECK_EQ(callback.completed(), 1);
    CHECK_EQ(callback.QueryInterface(IID_INapServerCallback, &object), S_OK);
    CHECK_EQ(callback.refs(), 2);

    /* NAP functions with the layer's WCHAR. */
    CountedString *name = NULL;
#if defined(__SIZEOF_WCHAR_T__) && __SIZEOF_WCHAR_T__ == 2
    const wchar_t *text = L"layer";
    CHECK_EQ(AllocCountedString(&name, text), S_OK);
#else
    CHECK_EQ(AllocCountedString(&name, u"layer"), S_OK);
#endif
    if (name != NULL) {
        CHECK_EQ(name->length, 5);
        FreeCountedString(name);
    }
    CHECK(SUCCEEDED(S_OK) && FAILED(NAP_E_NOT_REGISTERED));
    CHECK_EQ(naputil_live_blocks(), 0);
    CHECK_EXIT();
}
