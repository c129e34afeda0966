#!/bin/sh
# Checks that the shared library exports exactly the API: the COM allocator
# functions, the NapUtil.h functions, the naputil_* diagnostics and the
# GUIDs the header declares `extern const` (IIDs, CLSIDs, GUID_NULL), and
# nothing of Rust's own.
# Usage: check-exports.sh path/to/libnaputil.so [path/to/napUtil.h]
lib=${1:?usage: check-exports.sh LIBRARY [HEADER]}
header=${2:-$(dirname "$0")/../include/napUtil.h}
guids=$(sed -n 's/^extern const \(GUID\|IID\|CLSID\) \([A-Za-z0-9_]*\);$/\2/p' "$header")
if [ "$(echo "$guids" | grep -c .)" -lt 30 ]; then
    echo "check-exports: expected the IIDs and CLSIDs declared in $header, found: $guids"
    exit 1
fi
expected="AllocConnections AllocCountedString AllocFixupInfo CoGetMalloc
CoRegisterMallocSpy CoRevokeMallocSpy CoTaskMemAlloc CoTaskMemFree
CoTaskMemRealloc FreeConnections FreeCountedString FreeFixupInfo
FreeIsolationInfo FreeIsolationInfoEx FreeNapComponentRegistrationInfoArray
FreeNetworkSoH FreePrivateData FreeSoH FreeSoHAttributeValue
FreeSystemHealthAgentState InitializeNapAgentNotifier
UninitializeNapAgentNotifier $guids"
actual=$(nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' | sort)
status=0
for name in $expected; do
    echo "$actual" | grep -qx "$name" || { echo "check-exports: missing $name"; status=1; }
done
unexpected=$(echo "$actual" | grep -vx "$(echo $expected | tr ' ' '\n')" | grep -v '^naputil_' | grep -v '^$')
if [ -n "$unexpected" ]; then
    echo "check-exports: unexpected exports:"; echo "$unexpected" | sed 's/^/    /'; status=1
fi
api=$(echo "$actual" | grep -c .)
[ $status -eq 0 ] && echo "check-exports: $lib exports the $api API symbols and nothing else"
exit $status
