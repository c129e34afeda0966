/*
 * Layout proof: prints the size, alignment and member offsets of every NAP
 * type and the value of every NAP constant listed in nap_layout_list.h.
 *
 * Built against Windows' own headers (-DLAYOUT_WINDOWS_SDK, with mingw-w64)
 * and against napUtil.h; the two outputs must be byte-for-byte identical.
 * Prototypes are checked while compiling (-Werror turns a mismatch into a
 * build failure); nothing here calls into the library, so the program needs
 * no library to link.
 */
#ifdef LAYOUT_WINDOWS_SDK
#include <windows.h>
#include <objidl.h>
#include <winerror.h>
#include <naptypes.h>
#include <napprotocol.h>
#include <napenforcementclient.h>
#include <napsystemhealthagent.h>
#include <napsystemhealthvalidator.h>
#include <napmanagement.h>
#include <napservermanagement.h>
#include <napcommon.h>
#include <napcertrelyingparty.h>
#include <napmicrosoftvendorids.h>
#include <naputil.h>
#else
#ifdef _WIN32
#include <windows.h>
#endif
#include "napUtil.h"
#endif

#include <stddef.h>
#include <stdio.h>

#define MEMBER(T, m) (((T *)0)->m)
/* Compares with 1, not 0, so that no compiler calls it always false. */
#define IS_SIGNED_TYPE(T) ((T)-1 < (T)1)
#define IS_SIGNED(expr) IS_SIGNED_TYPE(__typeof__(expr))

#ifdef LAYOUT_DATA_ONLY
/*
 * For targets this host cannot run (i686-w64-mingw32): every entry becomes
 * a constant array named after its line in the list, compiled with -S; the
 * assembly of the two builds must be identical. Aliases and prototypes are
 * compared with _Generic (1 = same type), so a calling-convention mismatch
 * shows up as a 0.
 */
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define ENTRY(...) const long long CAT(layout_line_, __LINE__)[] = {__VA_ARGS__};
#define LAYOUT_TYPE(T) ENTRY(sizeof(T), _Alignof(T))
#define LAYOUT_ITYPE(T) ENTRY(sizeof(T), _Alignof(T), IS_SIGNED_TYPE(T))
#define LAYOUT_STRUCT(T) ENTRY(sizeof(T), _Alignof(T))
#define LAYOUT_FIELD(T, m) ENTRY(offsetof(T, m), sizeof(MEMBER(T, m)))
#define LAYOUT_IFIELD(T, m) \
    ENTRY(offsetof(T, m), sizeof(MEMBER(T, m)), IS_SIGNED(MEMBER(T, m)))
#define LAYOUT_ALIAS(A, T) ENTRY(_Generic((A *)0, T *: 1, default: 0), sizeof(A))
#define LAYOUT_CONST(X) ENTRY((long long)(X))
#define LAYOUT_FUNC(R, f, P) ENTRY(_Generic((f), R (WINAPI *) P: 1, default: 0))
#define LAYOUT_INTERFACE(X, B) \
    ENTRY(sizeof(X), offsetof(X, lpVtbl), sizeof(X##Vtbl), _Alignof(X##Vtbl), \
          _Generic(&IID_##X, const GUID *: 1, default: 0))
#define LAYOUT_SLOT(V, m, R, P) \
    ENTRY(offsetof(V, m), sizeof(MEMBER(V, m)), \
          _Generic(MEMBER(V, m), R (STDMETHODCALLTYPE *) P: 1, default: 0))
#define LAYOUT_CLSID(C) ENTRY(_Generic(&C, const CLSID *: 1, default: 0))
/* Not constant expressions in Windows' headers; compared where it runs. */
#define LAYOUT_VALUE(X)
#include "nap_layout_list.h"
#else

static unsigned long types, structs, fields, constants, aliases, functions, interfaces, slots;

#define LAYOUT_TYPE(T) \
    printf("type %s size %u align %u\n", #T, (unsigned)sizeof(T), \
           (unsigned)_Alignof(T)); \
    types++;
#define LAYOUT_ITYPE(T) \
    printf("type %s size %u align %u %s\n", #T, (unsigned)sizeof(T), \
           (unsigned)_Alignof(T), IS_SIGNED_TYPE(T) ? "signed" : "unsigned"); \
    types++;
#define LAYOUT_STRUCT(T) \
    printf("struct %s size %u align %u\n", #T, (unsigned)sizeof(T), \
           (unsigned)_Alignof(T)); \
    structs++;
#define LAYOUT_FIELD(T, m) \
    printf("field %s.%s offset %u size %u\n", #T, #m, \
           (unsigned)offsetof(T, m), (unsigned)sizeof(MEMBER(T, m))); \
    fields++;
#define LAYOUT_IFIELD(T, m) \
    printf("field %s.%s offset %u size %u %s\n", #T, #m, \
           (unsigned)offsetof(T, m), (unsigned)sizeof(MEMBER(T, m)), \
           IS_SIGNED(MEMBER(T, m)) ? "signed" : "unsigned"); \
    fields++;
#define LAYOUT_ALIAS(A, T) \
    { \
        T *target_ = NULL; \
        A *alias_ = target_; /* incompatible pointer types: not the same type */ \
        (void)alias_; \
        printf("alias %s = %s size %u\n", #A, #T, (unsigned)sizeof(A)); \
        aliases++; \
    }
#define LAYOUT_CONST(X) \
    printf("const %s = %lld\n", #X, (long long)(X)); \
    constants++;
#define LAYOUT_FUNC(R, f, P) \
    { \
        R (WINAPI *fn_) P = NULL; \
        /* sizeof does not evaluate: the types are checked, f is not linked */ \
        printf("function %s %s\n", #f, sizeof(fn_ = f) ? "declared" : ""); \
        (void)fn_; \
        functions++; \
    }

/* The IIDs and CLSIDs are only named inside _Generic and sizeof, which do
 * not evaluate their operands, so the program needs no definition of them. */
#define LAYOUT_INTERFACE(X, B) \
    printf("interface %s size %u lpVtbl %u vtbl size %u align %u iid %s\n", #X, \
           (unsigned)sizeof(X), (unsigned)offsetof(X, lpVtbl), (unsigned)sizeof(X##Vtbl), \
           (unsigned)_Alignof(X##Vtbl), \
           _Generic(&IID_##X, const GUID *: "declared", default: "MISTYPED")); \
    interfaces++;
#define LAYOUT_SLOT(V, m, R, P) \
    printf("slot %s.%s offset %u size %u %s\n", #V, #m, (unsigned)offsetof(V, m), \
           (unsigned)sizeof(MEMBER(V, m)), \
           _Generic(MEMBER(V, m), R (STDMETHODCALLTYPE *) P: #R " " #P, default: "MISTYPED")); \
    slots++;
#define LAYOUT_CLSID(C) \
    printf("clsid %s %s\n", #C, _Generic(&C, const CLSID *: "declared", default: "MISTYPED")); \
    constants++;
#define LAYOUT_VALUE(X) \
    printf("value %s = %lld\n", #X, (long long)(X)); \
    constants++;

int main(void)
{
#include "nap_layout_list.h"
    fprintf(stderr,
            "layout: %lu types, %lu structs, %lu fields, %lu constants, "
            "%lu aliases, %lu prototypes, %lu interfaces, %lu vtable slots printed\n",
            types, structs, fields, constants, aliases, functions, interfaces, slots);
    return 0;
}
#endif
