#!/bin/sh
# Compiles a small translation unit that includes include/napUtil.h in every
# language mode the header promises (C89, C99, C11, C17, C++11, C++14,
# C++17, C++20) with -Wall -Wextra -pedantic -Werror, with gcc/g++ and, when
# installed, clang/clang++; in C also with -fshort-wchar, COBJMACROS and
# INITGUID, in C++ also with -fshort-wchar and with CINTERFACE + COBJMACROS.
# Exits non-zero if any compilation fails.
#
# Usage: scripts/check-header.sh [path/to/napUtil.h]

set -u

here=$(cd "$(dirname "$0")/.." && pwd)
header=${1:-"$here/include/napUtil.h"}
if [ ! -f "$header" ]; then
    echo "check-header: $header not found" >&2
    exit 2
fi
include_dir=$(cd "$(dirname "$header")" && pwd)
header_name=$(basename "$header")

work=$(mktemp -d "${TMPDIR:-/tmp}/naputil-check-header.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# The same source is compiled as C and as C++. It includes the header twice
# (the include guard must hold), uses the types a NAP program uses, and
# checks a few Windows x64 sizes at compile time.
cat > "$work/tu.c" <<TU
#include "$header_name"
#include "$header_name"

typedef char check_counted_string[sizeof(CountedString) == 16 ? 1 : -1];
typedef char check_wchar[sizeof(WCHAR) == 2 ? 1 : -1];
typedef char check_guid[sizeof(GUID) == 16 ? 1 : -1];
typedef char check_hresult[sizeof(HRESULT) == 4 ? 1 : -1];
typedef char check_enum[sizeof(SoHAttributeType) == 4 ? 1 : -1];
typedef char check_failed[FAILED(NAP_E_MISMATCHED_ID) ? 1 : -1];
typedef char check_from_win32[
    HRESULT_FROM_WIN32(ERROR_ALREADY_INITIALIZED) == (HRESULT)0x800704DFu ? 1 : -1];
typedef char check_true[TRUE == 1 && FALSE == 0 ? 1 : -1];

DEFINE_GUID(CLSID_CheckHeaderClass, 0x12345678, 0x1234, 0x5678, 0x9A, 0xBC, 0xDE, 0xF0, 0x12, 0x34, 0x56, 0x78);

int naputil_check_header(void);

int naputil_check_header(void)
{
    SoHAttributeValue value;
    SoHAttributeType type = sohAttributeTypeClientId;
    NapNotifyType notify = napNotifyTypeQuarState;
    Connections *connections = 0;
    INapEnforcementClientConnection *connection = 0;
    INapSystemHealthAgentCallback *agent = 0;
    INapSystemHealthValidator *validator = 0;
    INapEnforcementClientCallback *enforcer = 0;
    CountedString *string = 0;
    int same = 0;
    HRESULT hr = AllocConnections(&connections, 1);
    value.octetStringVal.size = 0;
    value.octetStringVal.data = 0;
    (void)type;
    (void)notify;
    (void)connection;
    (void)string;
    if (SUCCEEDED(hr)) {
        FreeConnections(connections);
    }
    FreeSoHAttributeValue(sohAttributeTypeHealthClass, 0);
    if (InitializeNapAgentNotifier(notify, (HANDLE)0) == S_OK) {
        (void)naputil_announce_nap_agent_change(notify);
        UninitializeNapAgentNotifier(notify);
    }
#ifdef __cplusplus
    same = IsEqualIID(IID_INapSystemHealthValidator, IID_INapSystemHealthValidator) &&
           InlineIsEqualGUID(IID_NULL, GUID_NULL) && CLSID_NapSoHConstructor != GUID_NULL;
#else
    same = IsEqualIID(&IID_INapSystemHealthValidator, &IID_INapSystemHealthValidator) &&
           InlineIsEqualGUID(&CLSID_NapSoHConstructor, &CLSID_NapSoHConstructor);
#endif
#if defined(__cplusplus) && !defined(CINTERFACE)
    same += __uuidof(INapSystemHealthValidator) == IID_INapSystemHealthValidator && __uuidof(agent) != IID_IUnknown;
    if (agent != 0) {
        agent->Release();
        validator->Release();
        enforcer->Release();
    }
#elif defined(COBJMACROS)
    if (agent != 0) {
        INapSystemHealthAgentCallback_Release(agent);
        INapSystemHealthValidator_Release(validator);
        INapEnforcementClientCallback_Release(enforcer);
    }
#else
    if (agent != 0) {
        agent->lpVtbl->Release(agent);
        validator->lpVtbl->Release(validator);
        enforcer->lpVtbl->Release(enforcer);
    }
#endif
#if defined(__SIZEOF_WCHAR_T__) && __SIZEOF_WCHAR_T__ == 2
    hr = AllocCountedString(&string, L"wide");
    if (SUCCEEDED(hr)) {
        FreeCountedString(string);
    }
#endif
    return same + (int)sizeof value + (int)sizeof(IsolationInfoEx) + (int)sizeof(IID_INapEnforcementClientConnection);
}
TU
cp "$work/tu.c" "$work/tu.cpp"

failures=0
checked=0

# check COMPILER STANDARD SOURCE [FLAGS...]
check() {
    compiler=$1
    std=$2
    source=$3
    shift 3
    checked=$((checked + 1))
    if "$compiler" "-std=$std" -Wall -Wextra -pedantic -Werror "$@" -I"$include_dir" \
        -c "$source" -o "$work/tu.o" 2> "$work/err"; then
        echo "ok    $compiler -std=$std $*"
    else
        echo "FAIL  $compiler -std=$std $*"
        sed 's/^/      /' "$work/err"
        failures=$((failures + 1))
    fi
}

for cc in gcc clang; do
    command -v "$cc" > /dev/null 2>&1 || { echo "skip  $cc (not installed)"; continue; }
    for std in c89 c99 c11 c17; do
        check "$cc" "$std" "$work/tu.c"
        check "$cc" "$std" "$work/tu.c" -fshort-wchar -DCOBJMACROS -DINITGUID
    done
done
for cxx in g++ clang++; do
    command -v "$cxx" > /dev/null 2>&1 || { echo "skip  $cxx (not installed)"; continue; }
    for std in c++11 c++14 c++17 c++20; do
        check "$cxx" "$std" "$work/tu.cpp"
        check "$cxx" "$std" "$work/tu.cpp" -fshort-wchar -DINITGUID
        check "$cxx" "$std" "$work/tu.cpp" -DCINTERFACE -DCOBJMACROS
    done
done

echo "check-header: $header: $checked compilations, $failures failed"
[ "$failures" -eq 0 ]
