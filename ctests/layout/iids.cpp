/*
 * Interface identity proof, C++: for every LAYOUT_INTERFACE(X, B) entry of
 * nap_layout_list.h, prints the value of IID_X and of __uuidof(X), and
 * checks while compiling that B is a base class of X.
 *
 * Built against Windows' own headers (-DLAYOUT_WINDOWS_SDK, with mingw-w64,
 * whose DEFINE_GUID defines the IIDs here because of INITGUID) and against
 * napUtil.h linked with the library (whose exported statics are the IIDs);
 * the two outputs must be identical.
 */
#ifdef LAYOUT_WINDOWS_SDK
#define INITGUID
#include <windows.h>
#include <objidl.h>
#include <naptypes.h>
#include <napprotocol.h>
#include <napenforcementclient.h>
#include <napsystemhealthagent.h>
#include <napsystemhealthvalidator.h>
#include <napmanagement.h>
#include <napservermanagement.h>
#include <napcommon.h>
#include <napcertrelyingparty.h>
#include <naputil.h>
#else
#include "napUtil.h"
#endif

#include <cstdio>
#include <type_traits>

namespace {

unsigned long interfaces;

template <typename Base, typename X> struct derives : std::is_base_of<Base, X> {};
/* IUnknown derives from nothing. */
template <typename X> struct derives<void, X> : std::true_type {};

void print_guid(const GUID &g)
{
    std::printf("{%08lX-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}", static_cast<unsigned long>(g.Data1),
                static_cast<unsigned>(g.Data2), static_cast<unsigned>(g.Data3), g.Data4[0], g.Data4[1],
                g.Data4[2], g.Data4[3], g.Data4[4], g.Data4[5], g.Data4[6], g.Data4[7]);
}

void print_interface(const char *name, const char *base, const GUID &iid, const GUID &uuid, const GUID &uuid_ptr)
{
    std::printf("interface %s : %s iid ", name, base);
    print_guid(iid);
    std::printf(" __uuidof ");
    print_guid(uuid);
    std::printf(" %s\n", IsEqualGUID(uuid, uuid_ptr) ? "(same through a pointer)" : "(DIFFERENT through a pointer)");
    interfaces++;
}

} // namespace

#define LAYOUT_TYPE(T)
#define LAYOUT_ITYPE(T)
#define LAYOUT_STRUCT(T)
#define LAYOUT_FIELD(T, m)
#define LAYOUT_IFIELD(T, m)
#define LAYOUT_ALIAS(A, T)
#define LAYOUT_CONST(X)
#define LAYOUT_FUNC(R, f, P)
#define LAYOUT_SLOT(V, m, R, P)
#define LAYOUT_CLSID(C)
#define LAYOUT_VALUE(X)
#define LAYOUT_INTERFACE(X, B) \
    static_assert(derives<B, X>::value, #X " must derive from " #B); \
    print_interface(#X, #B, IID_##X, __uuidof(X), __uuidof(static_cast<X *>(NULL)));

int main()
{
#include "nap_layout_list.h"
    std::fprintf(stderr, "iids: %lu interfaces printed\n", interfaces);
    return 0;
}
