/*
 * com_register.h: on Windows, the library's SoH classes for the
 * CoCreateInstance and CoGetClassObject calls of one apartment.
 *
 * There CoCreateInstance is ole32's, and Windows 10 and later (and Wine)
 * have no NAP classes, so ole32 answers REGDB_E_CLASSNOTREG for
 * CLSID_NapSoHConstructor and CLSID_NapSoHProcessor. com_register_classes,
 * called after CoInitializeEx, registers the library's class factories
 * (naputil_get_class_object) for them with CoRegisterClassObject, so that
 * unchanged CoCreateInstance calls make the library's objects;
 * com_revoke_classes undoes it before CoUninitialize. A registration
 * belongs to the apartment that made it (so ole32 behaves under Wine): a
 * thread that enters a single-threaded apartment registers there too,
 * while the threads of the multithreaded apartment share one.
 *
 * Off Windows the library's own CoCreateInstance has the classes, and both
 * do nothing.
 *
 * Include after NapUtil.h (Windows' own or the library's).
 */
#ifndef NAPUTIL_CTESTS_COM_REGISTER_H
#define NAPUTIL_CTESTS_COM_REGISTER_H

typedef struct ComClasses {
    DWORD cookies[2];
} ComClasses;

#ifdef _WIN32

#ifdef __cplusplus
#define COM_REGISTER_REF(id) (id)
#define COM_REGISTER_RELEASE(p) ((p)->Release())
#else
#define COM_REGISTER_REF(id) (&(id))
#define COM_REGISTER_RELEASE(p) ((p)->lpVtbl->Release(p))
#endif

#ifndef NAPUTIL_MISUSE_INTERIOR
/* The library's header declares it; Windows' own NapUtil.h does not. */
#ifdef __cplusplus
extern "C"
#endif
    HRESULT naputil_get_class_object(REFCLSID rclsid, REFIID riid, LPVOID *ppv);
#endif

static void com_revoke_classes(ComClasses *classes)
{
    int i;
    for (i = 0; i < 2; i++) {
        if (classes->cookies[i] != 0)
            CoRevokeClassObject(classes->cookies[i]);
        classes->cookies[i] = 0;
    }
}

/* S_OK, or the first failure (then nothing stays registered). */
static HRESULT com_register_classes(ComClasses *classes)
{
    const CLSID *ids[2];
    HRESULT hr = S_OK;
    int i;
    ids[0] = &CLSID_NapSoHConstructor;
    ids[1] = &CLSID_NapSoHProcessor;
    classes->cookies[0] = classes->cookies[1] = 0;
    for (i = 0; i < 2 && SUCCEEDED(hr); i++) {
        IUnknown *factory = NULL;
        hr = naputil_get_class_object(COM_REGISTER_REF(*ids[i]), COM_REGISTER_REF(IID_IClassFactory),
                                      (LPVOID *)&factory);
        if (FAILED(hr))
            break;
        hr = CoRegisterClassObject(COM_REGISTER_REF(*ids[i]), factory, CLSCTX_INPROC_SERVER, REGCLS_MULTIPLEUSE,
                                   &classes->cookies[i]);
        COM_REGISTER_RELEASE(factory); /* the registration holds its own reference */
    }
    if (FAILED(hr))
        com_revoke_classes(classes);
    return hr;
}

#else

static HRESULT com_register_classes(ComClasses *classes)
{
    classes->cookies[0] = classes->cookies[1] = 0;
    return S_OK;
}

static void com_revoke_classes(ComClasses *classes)
{
    (void)classes;
}

#endif /* _WIN32 */

#endif
