/*
 * check.h: the one assertion macro the C test programs share.
 *
 * CHECK(expr) prints file:line and the expression when it is false and counts
 * the failure; the program keeps going so one run shows every failure.
 * CHECK_EQ(a, b) does the same for two integer values and prints both
 * (handy for HRESULTs). CHECK_EXIT() ends main: exit status 1 when any check
 * failed, 0 otherwise.
 */
#ifndef NAPUTIL_CTESTS_CHECK_H
#define NAPUTIL_CTESTS_CHECK_H

#include <stdio.h>

static int check_failures;

#define CHECK(expr)                                                            \
    do {                                                                       \
        if (!(expr)) {                                                         \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__,   \
                    #expr);                                                    \
            check_failures++;                                                  \
        }                                                                      \
    } while (0)

#define CHECK_EQ(actual, expected)                                         \
    do {                                                                       \
        unsigned long long check_actual_ = (unsigned long long)(actual);            \
        unsigned long long check_expected_ = (unsigned long long)(expected);          \
        if (check_actual_ != check_expected_) {                                            \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (0x%llx != 0x%llx)\n", \
                    __FILE__, __LINE__, #actual, #expected, check_actual_, check_expected_); \
            check_failures++;                                                  \
        }                                                                      \
    } while (0)

#define CHECK_EXIT()                                                           \
    do {                                                                       \
        if (check_failures) {                                                  \
            fprintf(stderr, "%s: %d check(s) failed\n", __FILE__,              \
                    check_failures);                                           \
            return 1;                                                          \
        }                                                                      \
        return 0;                                                              \
    } while (0)

#endif
