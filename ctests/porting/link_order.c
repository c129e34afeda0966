/*
 * Which CoTaskMemAlloc does a Windows program get when it links both
 * naputil and ole32? The linker takes each symbol from the first library on
 * its command line that defines it, so the order decides:
 *
 *   ... -lnaputil -lole32   naputil's allocator (what NapUtil.h code needs:
 *                           blocks from Alloc* must be freed by the same
 *                           allocator that made them)
 *   ... -lole32 -lnaputil   ole32's allocator
 *
 * This program allocates through CoTaskMemAlloc and asks naputil's counters
 * whether the block is one of theirs. It prints which allocator answered
 * and exits 0 when that is the one named on its command line.
 */
#include <windows.h>
#include <objbase.h>
#include "napUtil.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    unsigned long long before = naputil_live_blocks();
    void *block = CoTaskMemAlloc(32);
    unsigned long long during = naputil_live_blocks();
    const char *owner = during == before + 1 ? "naputil" : "ole32";
    int ok;

    CoTaskMemFree(block);
    ok = argc > 1 && strcmp(argv[1], owner) == 0;
    printf("CoTaskMemAlloc came from %s (expected %s): %s\n", owner,
           argc > 1 ? argv[1] : "?", ok ? "ok" : "WRONG");
    return ok ? 0 : 1;
}
