/*
 * Calling-convention proof for 32-bit Windows, where WINAPI means
 * __stdcall and the linker sees it in the symbol name (_AllocConnections@8:
 * callee pops 8 bytes of arguments). This file calls every NapUtil.h
 * function and the task allocator once; it is only compiled (-c), once
 * against Windows' headers and once against napUtil.h, and the undefined
 * symbols of the two objects must be the same decorated names.
 */
#ifdef LAYOUT_WINDOWS_SDK
#include <windows.h>
#include <objidl.h>
#include <naputil.h>
#else
#include <windows.h>
#include "napUtil.h"
#endif

#include <stddef.h>

void call_every_function(void);

void call_every_function(void)
{
    static const WCHAR text[] = {'n', 'a', 'p', 0};
    Connections *connections = NULL;
    CountedString *counted = NULL;
    FixupInfo *fixup = NULL;
    NapComponentRegistrationInfo *registrations = NULL;
    IMalloc *task_malloc = NULL;
    void *block;

    (void)AllocConnections(&connections, 1);
    (void)AllocCountedString(&counted, text);
    (void)AllocFixupInfo(&fixup, 1);
    FreeConnections(connections);
    FreeCountedString(counted);
    FreeFixupInfo(fixup);
    FreeIsolationInfo(NULL);
    FreeIsolationInfoEx(NULL);
    FreeSoH(NULL);
    FreeNetworkSoH(NULL);
    FreePrivateData(NULL);
    FreeSoHAttributeValue(sohAttributeTypeClientId, NULL);
    FreeNapComponentRegistrationInfoArray(0, &registrations);
    FreeSystemHealthAgentState(NULL);
    (void)InitializeNapAgentNotifier(napNotifyTypeServiceState, NULL);
    UninitializeNapAgentNotifier(napNotifyTypeServiceState);

    block = CoTaskMemAlloc(16);
    block = CoTaskMemRealloc(block, 32);
    CoTaskMemFree(block);
    (void)CoGetMalloc(1, &task_malloc);
    (void)CoRegisterMallocSpy(NULL);
    (void)CoRevokeMallocSpy();
}
