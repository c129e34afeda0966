/*
 * misuse_log.h: a misuse handler that records each incident (kind, function,
 * pointer) instead of printing it, so a test can assert exactly which
 * reports a call made: misuse_log_start() installs it and forgets earlier
 * incidents, misuse_log_stop() restores the default report.
 *
 * MISUSE_LOG_EXPECT(n) checks that exactly n incidents were recorded and
 * prints every recorded one when not; misuse_log_has(kind, pointer) tells
 * whether a given one is among them (kind 0: any kind).
 */
#ifndef NAPUTIL_CTESTS_MISUSE_LOG_H
#define NAPUTIL_CTESTS_MISUSE_LOG_H

#include <stdint.h>
#include <stdio.h>

#include "napUtil.h"

#define MISUSE_LOG_MAX 32

static struct {
    int count;
    struct {
        uint32_t kind;
        char function[64]; /* copied: the report is valid only during the call */
        const void *pointer;
    } entries[MISUSE_LOG_MAX];
} misuse_log;

static inline void misuse_log_handler(const NaputilMisuse *misuse, void *context)
{
    (void)context;
    if (misuse_log.count < MISUSE_LOG_MAX) {
        misuse_log.entries[misuse_log.count].kind = misuse->kind;
        snprintf(misuse_log.entries[misuse_log.count].function, sizeof misuse_log.entries[0].function, "%s",
                 misuse->function ? misuse->function : "?");
        misuse_log.entries[misuse_log.count].pointer = misuse->pointer;
    }
    misuse_log.count++;
}

static inline void misuse_log_start(void)
{
    misuse_log.count = 0;
    naputil_set_misuse_handler(misuse_log_handler, NULL);
}

static inline void misuse_log_stop(void)
{
    naputil_set_misuse_handler(NULL, NULL);
}

static inline int misuse_log_has(uint32_t kind, const void *pointer)
{
    int i;
    for (i = 0; i < misuse_log.count && i < MISUSE_LOG_MAX; i++)
        if ((kind == 0 || misuse_log.entries[i].kind == kind) && misuse_log.entries[i].pointer == pointer)
            return 1;
    return 0;
}

static inline void misuse_log_print(const char *file, int line)
{
    int i;
    for (i = 0; i < misuse_log.count && i < MISUSE_LOG_MAX; i++)
        fprintf(stderr, "%s:%d:     misuse %d: kind %u (%s) in %s, pointer %p\n", file, line, i + 1,
                (unsigned)misuse_log.entries[i].kind, naputil_misuse_description(misuse_log.entries[i].kind),
                misuse_log.entries[i].function,
                misuse_log.entries[i].pointer);
}

#define MISUSE_LOG_EXPECT(n)                                                                   \
    do {                                                                                       \
        if (misuse_log.count != (n)) {                                                         \
            fprintf(stderr, "%s:%d: CHECK failed: %d misuse report(s), expected %d\n", __FILE__, \
                    __LINE__, misuse_log.count, (int)(n));                                     \
            misuse_log_print(__FILE__, __LINE__);                                              \
            check_failures++;                                                                  \
        }                                                                                      \
    } while (0)

#endif
