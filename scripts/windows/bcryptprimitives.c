/*
 * Test-only stand-in for Windows' bcryptprimitives.dll.
 *
 * Rust's standard library on Windows draws its random seeds (HashMap keys)
 * from ProcessPrng, which Windows 10 and later export from
 * bcryptprimitives.dll. Wine 8.0 does not ship that DLL, so every Rust
 * executable fails to load under it (status 0xc0000135). This DLL exports
 * ProcessPrng on top of BCryptGenRandom, which Wine does implement. It is
 * only ever put on the DLL search path of the Wine prefix that runs the
 * tests; it is never shipped.
 *
 * Build: x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll \
 *            bcryptprimitives.c -lbcrypt
 */
#include <windows.h>
#include <bcrypt.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x10000000u ? 0x10000000u : (ULONG)len;
        if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, data, chunk,
                                            BCRYPT_USE_SYSTEM_PREFERRED_RNG))) {
            /* Windows' ProcessPrng never fails; neither may this one. */
            ExitProcess(0xC000000Du);
        }
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
