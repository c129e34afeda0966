/*
 * A program written for Windows' NAP headers, built against an installed
 * naputil and nothing else: scripts/check-install.sh builds it through
 * pkg-config and through CMake (find_package(naputil) and the targets
 * naputil::naputil and naputil::naputil_static) and runs it. It includes
 * the Windows header names in the spellings real code uses, and napUtil.h.
 */
#include <NapUtil.h>
#include <NapTypes.h>
#include <naptypes.h>
#include <Napenforcementclient.h>
#include <NapError.h>
#include <napUtil.h>

#include <stdio.h>

static int failures;

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "consumer: failed: %s\n", what);
        failures++;
    }
}

int main(void)
{
    static const WCHAR name[] = { 'N', 'A', 'P', 0 };
    CountedString *string = NULL;
    Connections *connections = NULL;
    void *block;

    check(SUCCEEDED(AllocCountedString(&string, name)), "AllocCountedString");
    if (string != NULL) {
        check(string->length == 3 && string->string[2] == 'P', "the counted string's contents");
        FreeCountedString(string);
    }
    check(SUCCEEDED(AllocConnections(&connections, 2)), "AllocConnections");
    if (connections != NULL) {
        check(connections->count == 2 && connections->connections[1] == NULL, "the connections array");
        FreeConnections(connections);
    }
    block = CoTaskMemAlloc(64);
    check(block != NULL, "CoTaskMemAlloc");
    CoTaskMemFree(block);
    check(FAILED(NAP_E_MISMATCHED_ID), "NAP_E_MISMATCHED_ID is a failure code");
    check(naputil_live_blocks() == 0, "nothing left live");
    check(naputil_misuse_count() == 0, "no misuse");

    if (failures != 0)
        return 1;
    printf("consumer: ok\n");
    return 0;
}
