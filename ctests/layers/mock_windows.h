/*
 * A small Windows compatibility layer of the kind a port brings along: the
 * Windows base types, GUIDs, IUnknown and __uuidof, and nothing of NAP. It
 * guards what Windows' own headers guard with the same macros (GUID_DEFINED,
 * _GUIDDEF_H_, _SYS_GUID_OPERATORS_, _SYS_GUID_OPERATOR_EQ_, _FILETIME_,
 * __IUnknown_INTERFACE_DEFINED__, ...) and its other macros with #ifndef,
 * and writes several definitions differently from napUtil.h (S_OK as
 * ((HRESULT)0L), its own __uuidof machinery), so that a redefinition, or a
 * definition of napUtil.h's used where this layer's should be, shows up.
 *
 * The layer tests include it before and after napUtil.h.
 */
#ifndef MOCK_WINDOWS_H
#define MOCK_WINDOWS_H

#include <stddef.h>
#include <string.h>

typedef unsigned char BYTE;
typedef unsigned char UINT8;
typedef unsigned short WORD;
typedef unsigned short USHORT;
typedef unsigned short UINT16;
typedef unsigned int DWORD;
typedef unsigned int UINT;
typedef unsigned int ULONG;
typedef unsigned int UINT32;
typedef int LONG;
typedef int BOOL;
typedef LONG HRESULT;
typedef size_t SIZE_T;
typedef void *LPVOID;
typedef void *HANDLE;
struct HWND__;
typedef struct HWND__ *HWND;
#if defined(__SIZEOF_WCHAR_T__) && __SIZEOF_WCHAR_T__ == 2
typedef wchar_t WCHAR;
#elif defined(__cplusplus)
typedef char16_t WCHAR;
#else
typedef unsigned short WCHAR;
#endif
typedef WCHAR OLECHAR;
typedef OLECHAR *BSTR;

#ifndef WINAPI
#define WINAPI
#endif
#ifndef STDMETHODCALLTYPE
#define STDMETHODCALLTYPE
#endif
#ifndef EXTERN_C
#ifdef __cplusplus
#define EXTERN_C extern "C"
#else
#define EXTERN_C extern
#endif
#endif
/* COM method macros, written as a port layer might (C++ only). */
#ifdef __cplusplus
#ifndef STDMETHOD
#define STDMETHOD(method) virtual HRESULT STDMETHODCALLTYPE method
#endif
#ifndef STDMETHOD_
#define STDMETHOD_(type, method) virtual type STDMETHODCALLTYPE method
#endif
#ifndef STDMETHODIMP
#define STDMETHODIMP HRESULT STDMETHODCALLTYPE
#endif
#ifndef STDMETHODIMP_
#define STDMETHODIMP_(type) type STDMETHODCALLTYPE
#endif
#endif

#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif
#ifndef S_OK
#define S_OK ((HRESULT)0L)
#endif
#ifndef S_FALSE
#define S_FALSE ((HRESULT)1L)
#endif
#ifndef E_NOINTERFACE
#define E_NOINTERFACE ((HRESULT)0x80004002L)
#endif
#ifndef E_POINTER
#define E_POINTER ((HRESULT)0x80004003L)
#endif
#ifndef SUCCEEDED
#define SUCCEEDED(hr) ((HRESULT)(hr) >= 0)
#endif
#ifndef FAILED
#define FAILED(hr) ((HRESULT)(hr) < 0)
#endif

#ifndef _FILETIME_
#define _FILETIME_
typedef struct _FILETIME {
    DWORD dwLowDateTime;
    DWORD dwHighDateTime;
} FILETIME;
#endif

#ifndef GUID_DEFINED
#define GUID_DEFINED
typedef struct _GUID {
    unsigned int Data1;
    unsigned short Data2;
    unsigned short Data3;
    unsigned char Data4[8];
} GUID;

/* __uuidof as Wine does it, and only together with GUID. */
#ifdef __cplusplus
extern "C++" {
template <typename T> struct mock_uuidof;
template <typename T> struct mock_uuidof_type { typedef mock_uuidof<T> inst; };
template <typename T> struct mock_uuidof_type<T *> { typedef mock_uuidof<T> inst; };
}
#define __CRT_UUID_DECL(type, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) \
    extern "C++" { \
    template <> struct mock_uuidof<type> { \
        static const GUID &get() \
        { \
            static const GUID uuid = {l, w1, w2, {b1, b2, b3, b4, b5, b6, b7, b8}}; \
            return uuid; \
        } \
    }; \
    }
#define __uuidof(type) mock_uuidof_type<__typeof__(type)>::inst::get()
#endif
#endif /* GUID_DEFINED */

#undef DEFINE_GUID
#ifdef INITGUID
#ifdef __cplusplus
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) \
    EXTERN_C const GUID name = {l, w1, w2, {b1, b2, b3, b4, b5, b6, b7, b8}}
#else
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) \
    const GUID name = {l, w1, w2, {b1, b2, b3, b4, b5, b6, b7, b8}}
#endif
#else
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) EXTERN_C const GUID name
#endif

#ifndef _GUIDDEF_H_
#define _GUIDDEF_H_
typedef GUID IID;
typedef GUID CLSID;
#ifdef __cplusplus
#define REFGUID const GUID &
#define REFIID const IID &
#define REFCLSID const IID &
#else
#define REFGUID const GUID *
#define REFIID const IID *
#define REFCLSID const IID *
#endif
#define IsEqualIID(a, b) IsEqualGUID(a, b)
#define IsEqualCLSID(a, b) IsEqualGUID(a, b)
#ifdef __cplusplus
inline int IsEqualGUID(REFGUID a, REFGUID b) { return !memcmp(&a, &b, sizeof(GUID)); }
inline int InlineIsEqualGUID(REFGUID a, REFGUID b) { return !memcmp(&a, &b, sizeof(GUID)); }
inline bool operator==(REFGUID a, REFGUID b) { return IsEqualGUID(a, b) != 0; }
inline bool operator!=(REFGUID a, REFGUID b) { return !(a == b); }
#else
#define IsEqualGUID(a, b) (!memcmp(a, b, sizeof(GUID)))
#define InlineIsEqualGUID(a, b) (!memcmp(a, b, sizeof(GUID)))
#endif
#endif /* _GUIDDEF_H_ */

#ifndef __IUnknown_INTERFACE_DEFINED__
#define __IUnknown_INTERFACE_DEFINED__
EXTERN_C const IID IID_IUnknown;
#if defined(__cplusplus) && !defined(CINTERFACE)
struct IUnknown {
    virtual HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void **ppvObject) = 0;
    virtual ULONG STDMETHODCALLTYPE AddRef(void) = 0;
    virtual ULONG STDMETHODCALLTYPE Release(void) = 0;
};
__CRT_UUID_DECL(IUnknown, 0x00000000, 0x0000, 0x0000, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46)
#else
typedef struct IUnknownVtbl IUnknownVtbl;
typedef struct IUnknown {
    const IUnknownVtbl *lpVtbl;
} IUnknown;
struct IUnknownVtbl {
    HRESULT(STDMETHODCALLTYPE *QueryInterface)(IUnknown *This, REFIID riid, void **ppvObject);
    ULONG(STDMETHODCALLTYPE *AddRef)(IUnknown *This);
    ULONG(STDMETHODCALLTYPE *Release)(IUnknown *This);
};
#endif
#endif

#endif /* MOCK_WINDOWS_H */
