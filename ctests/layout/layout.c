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
#include <naputil.h>
#else
#ifdef _WIN32
#include <windows.h>
#endif
#include "napUtil.h"
#endif

#include <stddef.h>
#include <stdio.h>

static unsigned long types, structs, fields, constants, aliases, functions;

#define MEMBER(T, m) (((T *)0)->m)
/* Compares with 1, not 0, so that no compiler calls it always false. */
#define IS_SIGNED_TYPE(T) ((T)-1 < (T)1)
#define IS_SIGNED(expr) IS_SIGNED_TYPE(__typeof__(expr))

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

int main(void)
{
#include "nap_layout_list.h"
    fprintf(stderr,
            "layout: %lu types, %lu structs, %lu fields, %lu constants, "
            "%lu aliases, %lu prototypes printed\n",
            types, structs, fields, constants, aliases, functions);
    return 0;
}
