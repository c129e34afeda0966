/*
 * Vtable calling-convention proof for 32-bit Windows. The library calls
 * COM methods (a connection's Release, a spy's Pre/Post methods) as
 * __stdcall, so a C object must be able to fill its vtable with
 * STDMETHODCALLTYPE functions. With -Werror, a vtable slot declared without
 * __stdcall makes this file fail to compile; it is compiled against
 * Windows' headers and against napUtil.h.
 */
#ifdef LAYOUT_WINDOWS_SDK
#include <windows.h>
#include <objidl.h>
#include <naputil.h>
#else
#include <windows.h>
#include "napUtil.h"
#endif

void fill_vtables(INapEnforcementClientConnectionVtbl *connection, IMallocSpyVtbl *spy);

static ULONG STDMETHODCALLTYPE connection_release(INapEnforcementClientConnection *This)
{
    (void)This;
    return 0;
}

static SIZE_T STDMETHODCALLTYPE spy_pre_alloc(IMallocSpy *This, SIZE_T cbRequest)
{
    (void)This;
    return cbRequest;
}

void fill_vtables(INapEnforcementClientConnectionVtbl *connection, IMallocSpyVtbl *spy)
{
    connection->Release = connection_release;
    spy->PreAlloc = spy_pre_alloc;
}
