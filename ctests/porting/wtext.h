/*
 * WTEXT("...") makes a UTF-16 string literal that converts to const WCHAR *
 * wherever NAP code is built:
 *
 *   Windows (C and C++)  WCHAR is wchar_t, 16 bits      -> L"..."
 *   elsewhere, C++11     WCHAR is char16_t              -> u"..."
 *   elsewhere, C11       WCHAR is uint16_t, and u"..."
 *                        has type char16_t[], which is
 *                        uint_least16_t, the same type  -> u"..."
 *
 * L"..." cannot be used off Windows (wchar_t is 32 bits there), and u"..."
 * cannot be used on Windows in C++ (char16_t and wchar_t are distinct
 * types), so ported code spells its wide literals through one macro like
 * this, much as Windows code already does with TEXT() and _T().
 */
#ifndef PORTING_WTEXT_H
#define PORTING_WTEXT_H

#ifdef _WIN32
#define WTEXT(s) L##s
#else
#define WTEXT(s) u##s
#endif

#endif
