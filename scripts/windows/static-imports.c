/*
 * Import-table pointers for linking naputil's static library on Windows.
 *
 * Windows' headers declare the COM allocator (objbase.h) and the NapUtil.h
 * functions (naputil.h) __declspec(dllimport), so every call compiles to an
 * indirect call through a pointer named __imp_<function>, which normally
 * lives in a DLL's import library. GNU ld does not make those pointers for
 * functions that come from a static archive, so a program compiled against
 * <windows.h> would not link against libnaputil.a. This object defines them,
 * pointing at the library's own functions; it is added to the Windows static
 * archive by `make windows-lib`. Only the address of each function is
 * taken, so the one-size-fits-all declaration below is never called through.
 */

#define NAPUTIL_DLLIMPORTED(X) \
    X(CoTaskMemAlloc) X(CoTaskMemRealloc) X(CoTaskMemFree) X(CoGetMalloc) \
    X(CoRegisterMallocSpy) X(CoRevokeMallocSpy) \
    X(AllocConnections) X(AllocCountedString) X(AllocFixupInfo) \
    X(FreeConnections) X(FreeCountedString) X(FreeFixupInfo) \
    X(FreeIsolationInfo) X(FreeIsolationInfoEx) X(FreeSoH) X(FreeNetworkSoH) \
    X(FreePrivateData) X(FreeSoHAttributeValue) \
    X(FreeNapComponentRegistrationInfoArray) X(FreeSystemHealthAgentState) \
    X(InitializeNapAgentNotifier) X(UninitializeNapAgentNotifier)

typedef void (*naputil_function)(void);

#define DECLARE(name) extern void name(void);
#define IMPORT_POINTER(name) naputil_function __imp_##name = name;

NAPUTIL_DLLIMPORTED(DECLARE)
NAPUTIL_DLLIMPORTED(IMPORT_POINTER)
