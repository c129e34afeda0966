/*
 * napUtil.h together with a Windows compatibility layer (mock_windows.h),
 * in C: built with the layer included first and with napUtil.h included
 * first (-DNAPUTIL_FIRST), each also with -fshort-wchar. Whichever header
 * comes second must redefine nothing (-Werror), and the GUID helpers, the
 * COM declarations and the NAP functions must work either way.
 */
#define COBJMACROS
#define INITGUID
#ifdef NAPUTIL_FIRST
#include "napUtil.h"
#include "mock_windows.h"
#else
#include "mock_windows.h"
#include "napUtil.h"
#endif

#include "../check.h"

DEFINE_GUID(CLSID_LayerTestValidator, 0x0A1B2C3D, 0x4E5F, 0x6071, 0x82, 0x93, 0xA4, 0xB5, 0xC6, 0xD7, 0xE8, 0xF9);

/* A system health validator in C: an object whose first member is the
 * interface, and a static vtable. */
typedef struct {
    INapSystemHealthValidator iface;
    ULONG refs;
    UINT32 lastTimeout;
} Validator;

static HRESULT STDMETHODCALLTYPE validator_query(INapSystemHealthValidator *This, REFIID riid, void **ppv)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_INapSystemHealthValidator)) {
        *ppv = This;
        INapSystemHealthValidator_AddRef(This);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG STDMETHODCALLTYPE validator_addref(INapSystemHealthValidator *This)
{
    return ++((Validator *)This)->refs;
}

static ULONG STDMETHODCALLTYPE validator_release(INapSystemHealthValidator *This)
{
    return --((Validator *)This)->refs;
}

static HRESULT STDMETHODCALLTYPE validator_validate(INapSystemHealthValidator *This,
                                                    INapSystemHealthValidationRequest *request,
                                                    UINT32 hintTimeOutInMsec, INapServerCallback *callback)
{
    ((Validator *)This)->lastTimeout = hintTimeOutInMsec;
    return request == NULL && callback == NULL ? S_FALSE : S_OK;
}

static const INapSystemHealthValidatorVtbl validator_vtbl = {
    validator_query, validator_addref, validator_release, validator_validate,
};

int main(void)
{
    static const GUID expected = {0x0A1B2C3D, 0x4E5F, 0x6071, {0x82, 0x93, 0xA4, 0xB5, 0xC6, 0xD7, 0xE8, 0xF9}};
    Validator validator;
    INapSystemHealthValidator *shv = &validator.iface;
    IUnknown *unknown = NULL;
    FILETIME when;
    CountedString *name = NULL;

    validator.iface.lpVtbl = &validator_vtbl;
    validator.refs = 1;
    validator.lastTimeout = 0;

    /* GUID helpers, whichever header defined them. */
    CHECK(IsEqualGUID(&IID_INapSystemHealthValidator, &IID_INapSystemHealthValidator));
    CHECK(!IsEqualIID(&IID_INapSystemHealthValidator, &IID_INapServerCallback));
    CHECK(InlineIsEqualGUID(&CLSID_LayerTestValidator, &expected));
    CHECK(!IsEqualCLSID(&CLSID_NapSoHConstructor, &CLSID_NapSoHProcessor));
    CHECK_EQ(CLSID_NapSystemHealthAgentBinding.Data1, 0x8E594310u);

    /* COM through the C call macros and through IUnknown's layout. */
    CHECK_EQ(INapSystemHealthValidator_QueryInterface(shv, &IID_IUnknown, (void **)&unknown), S_OK);
    CHECK(unknown == (IUnknown *)shv);
    CHECK_EQ(validator.refs, 2);
    CHECK_EQ(unknown->lpVtbl->Release(unknown), 1);
    CHECK_EQ(INapSystemHealthValidator_Validate(shv, NULL, 250, NULL), S_FALSE);
    CHECK_EQ(validator.lastTimeout, 250);
    CHECK_EQ(INapSystemHealthValidator_QueryInterface(shv, &IID_INapServerCallback, (void **)&unknown),
             E_NOINTERFACE);
    CHECK(unknown == NULL);

    /* Base types and NAP functions. */
    when.dwLowDateTime = 1;
    when.dwHighDateTime = 2;
    CHECK_EQ(sizeof when, 8);
    CHECK(SUCCEEDED(S_OK) && FAILED(NAP_E_NOT_REGISTERED) && TRUE && !FALSE);
#if defined(__SIZEOF_WCHAR_T__) && __SIZEOF_WCHAR_T__ == 2
    CHECK_EQ(AllocCountedString(&name, L"layer"), S_OK);
#else
    CHECK_EQ(AllocCountedString(&name, u"layer"), S_OK);
#endif
    if (name != NULL) {
        CHECK_EQ(name->length, 5);
        CHECK_EQ(name->string[4], 'r');
        FreeCountedString(name);
    }
    CHECK_EQ(naputil_live_blocks(), 0);
    CHECK_EXIT();
}
