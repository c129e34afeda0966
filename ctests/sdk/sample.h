/*
 * What the SDK-style programs share: printing helpers. Output is plain
 * ASCII through printf, so every build (Windows, -fshort-wchar, u"...")
 * prints the same bytes; wprintf is not used because it assumes the C
 * library's wchar_t, which -fshort-wchar changes.
 */
#ifndef SDK_SAMPLE_H
#define SDK_SAMPLE_H

#include <cstdio>

namespace sample {

inline int &failures()
{
    static int count = 0;
    return count;
}

/* Prints "what: hr=0x... SUCCEEDED|FAILED"; counts a failure when the
 * result is not the expected one. */
inline HRESULT expect(const char *what, HRESULT hr, HRESULT expected)
{
    std::printf("%-52s hr=0x%08lX %s\n", what, static_cast<unsigned long>(static_cast<DWORD>(hr)),
                SUCCEEDED(hr) ? "SUCCEEDED" : "FAILED");
    if (hr != expected) {
        std::printf("  unexpected: wanted 0x%08lX\n", static_cast<unsigned long>(static_cast<DWORD>(expected)));
        failures()++;
    }
    return hr;
}

inline void check(const char *what, bool ok)
{
    std::printf("%-52s %s\n", what, ok ? "yes" : "NO");
    if (!ok)
        failures()++;
}

/* A WCHAR string, ASCII only (anything else prints as '?'). */
inline void print_wide(const char *what, const WCHAR *text, UINT16 length)
{
    std::printf("%-52s \"", what);
    for (UINT16 i = 0; i < length; i++)
        std::putchar(text[i] > 0 && text[i] < 128 ? static_cast<char>(text[i]) : '?');
    std::printf("\" (%u code units)\n", static_cast<unsigned>(length));
}

inline void print_counted(const char *what, const CountedString &cs) { print_wide(what, cs.string, cs.length); }

inline void print_guid(const char *what, const GUID &g)
{
    std::printf("%-52s {%08lX-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}\n", what,
                static_cast<unsigned long>(g.Data1), static_cast<unsigned>(g.Data2), static_cast<unsigned>(g.Data3),
                g.Data4[0], g.Data4[1], g.Data4[2], g.Data4[3], g.Data4[4], g.Data4[5], g.Data4[6], g.Data4[7]);
}

inline int finish(const char *program, int stand_ins_alive)
{
    std::printf("%-52s %d\n", "stand-in objects alive at exit", stand_ins_alive);
    if (stand_ins_alive != 0)
        failures()++;
    std::printf("%s: %d unexpected result(s)\n", program, failures());
    return failures() == 0 ? 0 : 1;
}

} // namespace sample

#endif
