/*
 * AllocConnections, AllocCountedString and AllocFixupInfo: normal use, every
 * error return, NULL arguments, boundary counts, out-pointers left alone on
 * failure, nothing allocated by a failed call, and each embedded member a
 * separate task-memory block that can be freed on its own.
 */
#include <stdint.h>
#include <string.h>

#include "napUtil.h"
#include "check.h"

static IMalloc *task;

#define SENTINEL ((void *)(uintptr_t)0xDEADBEE0)

static NaputilStats stats_now(void)
{
    NaputilStats s;
    memset(&s, 0, sizeof s);
    CHECK_EQ(naputil_get_stats(&s), S_OK);
    return s;
}

/* A failed call allocates nothing, frees nothing and reports nothing. */
static void check_nothing_happened(const NaputilStats *before, int line)
{
    NaputilStats after = stats_now();
    if (after.total_allocs != before->total_allocs || after.total_frees != before->total_frees ||
        after.misuse_total != before->misuse_total)
        fprintf(stderr, "%s:%d: a failed call changed the allocator counters\n", __FILE__, line);
    CHECK_EQ(after.total_allocs, before->total_allocs);
    CHECK_EQ(after.total_frees, before->total_frees);
    CHECK_EQ(after.live_blocks, before->live_blocks);
    CHECK_EQ(after.misuse_total, before->misuse_total);
}

static int is_block(const void *p)
{
    return task->lpVtbl->DidAlloc(task, (void *)p) == 1;
}

static SIZE_T block_size(const void *p)
{
    return task->lpVtbl->GetSize(task, (void *)p);
}

/* ---- AllocCountedString ------------------------------------------------- */

static void test_counted_string_normal(void)
{
    static const WCHAR hello[] = { 'h', 'e', 'l', 'l', 'o', 0 };
    NaputilStats before = stats_now(), after;
    CountedString *cs = SENTINEL;
    CountedString copy;

    CHECK_EQ(AllocCountedString(&cs, hello), S_OK);
    CHECK(cs != SENTINEL && cs != NULL);
    if (!cs || cs == SENTINEL)
        return;
    CHECK_EQ(cs->length, 5);
    CHECK(cs->string != NULL && cs->string != hello);
    CHECK(cs->string && memcmp(cs->string, hello, sizeof hello) == 0);

    /* Two separate blocks: the struct and the string with its terminator. */
    CHECK(is_block(cs));
    CHECK(is_block(cs->string));
    CHECK_EQ(block_size(cs), sizeof(CountedString));
    CHECK_EQ(block_size(cs->string), sizeof hello);
    after = stats_now();
    CHECK_EQ(after.total_allocs - before.total_allocs, 2);
    CHECK_EQ(after.live_bytes - before.live_bytes, sizeof(CountedString) + sizeof hello);

    /* Real NAP usage: copy the struct out, free it, keep using the string. */
    copy = *cs;
    CoTaskMemFree(cs);
    CHECK(is_block(copy.string));
    CHECK(memcmp(copy.string, hello, sizeof hello) == 0);
    CHECK_EQ(copy.length, 5);
    CoTaskMemFree(copy.string);

    after = stats_now();
    CHECK_EQ(after.live_blocks, before.live_blocks);
    CHECK_EQ(after.total_frees - before.total_frees, 2);
    CHECK_EQ(after.misuse_total, before.misuse_total);

    /* And the whole thing through FreeCountedString. */
    cs = NULL;
    CHECK_EQ(AllocCountedString(&cs, hello), S_OK);
    FreeCountedString(cs);
    after = stats_now();
    CHECK_EQ(after.live_blocks, before.live_blocks);
    CHECK_EQ(after.total_frees - before.total_frees, 4);
}

static void test_counted_string_contents(void)
{
    /* Code units are copied verbatim: a surrogate pair, U+FFFF, U+00E9. */
    static const WCHAR odd[] = { 0xD83D, 0xDE00, 0xFFFF, 0x00E9, 0x0001, 0 };
    static const WCHAR empty[] = { 0 };
    static const WCHAR early[] = { 'a', 'b', 0, 'c', 'd', 0 };
    CountedString *cs = NULL;

    CHECK_EQ(AllocCountedString(&cs, odd), S_OK);
    if (cs) {
        CHECK_EQ(cs->length, 5);
        CHECK(memcmp(cs->string, odd, sizeof odd) == 0);
        CHECK_EQ(block_size(cs->string), sizeof odd);
        FreeCountedString(cs);
    }

    cs = NULL;
    CHECK_EQ(AllocCountedString(&cs, empty), S_OK);
    if (cs) {
        CHECK_EQ(cs->length, 0);
        CHECK(cs->string != NULL);
        CHECK(cs->string && cs->string[0] == 0);
        CHECK_EQ(block_size(cs->string), sizeof(WCHAR));
        FreeCountedString(cs);
    }

    cs = NULL;
    CHECK_EQ(AllocCountedString(&cs, early), S_OK);
    if (cs) {
        CHECK_EQ(cs->length, 2);
        CHECK_EQ(block_size(cs->string), 3 * sizeof(WCHAR));
        CHECK(cs->string[0] == 'a' && cs->string[1] == 'b' && cs->string[2] == 0);
        FreeCountedString(cs);
    }
}

static void test_counted_string_limits(void)
{
    /* maxStringLength + 1 code units plus a terminator. */
    static WCHAR text[maxStringLength + 2];
    NaputilStats before;
    CountedString *cs;
    size_t i;

    for (i = 0; i < maxStringLength + 1; i++)
        text[i] = (WCHAR)('A' + i % 26);

    /* Exactly the maximum. */
    text[maxStringLength] = 0;
    cs = NULL;
    CHECK_EQ(AllocCountedString(&cs, text), S_OK);
    if (cs) {
        CHECK_EQ(cs->length, maxStringLength);
        CHECK_EQ(block_size(cs->string), maxStringLengthInBytes);
        CHECK(memcmp(cs->string, text, maxStringLengthInBytes) == 0);
        FreeCountedString(cs);
    }

    /* One more: rejected, nothing allocated, out-pointer untouched. */
    text[maxStringLength] = 'Z';
    text[maxStringLength + 1] = 0;
    before = stats_now();
    cs = SENTINEL;
    CHECK_EQ(AllocCountedString(&cs, text), E_INVALIDARG);
    CHECK(cs == SENTINEL);
    check_nothing_happened(&before, __LINE__);
}

static void test_counted_string_unterminated(void)
{
    /*
     * No terminator within maxStringLength + 1 code units, in a block of
     * exactly that many: rejected without reading past it (valgrind would
     * report the read).
     */
    WCHAR *unterminated = CoTaskMemAlloc((maxStringLength + 1) * sizeof(WCHAR));
    CountedString *cs = SENTINEL;
    size_t i;

    CHECK(unterminated != NULL);
    if (!unterminated)
        return;
    for (i = 0; i < maxStringLength + 1; i++)
        unterminated[i] = 'x';
    CHECK_EQ(AllocCountedString(&cs, unterminated), E_INVALIDARG);
    CHECK(cs == SENTINEL);
    CoTaskMemFree(unterminated);
}

static void test_counted_string_null_arguments(void)
{
    static const WCHAR s[] = { 'x', 0 };
    NaputilStats before = stats_now();
    CountedString *cs = SENTINEL;

    CHECK_EQ(AllocCountedString(NULL, s), E_INVALIDARG);
    CHECK_EQ(AllocCountedString(&cs, NULL), E_INVALIDARG);
    CHECK(cs == SENTINEL);
    CHECK_EQ(AllocCountedString(NULL, NULL), E_INVALIDARG);
    check_nothing_happened(&before, __LINE__);
}

/* ---- AllocConnections --------------------------------------------------- */

static void test_connections_counts(void)
{
    static const UINT16 good[] = { 1, 2, 7, maxConnectionCountPerEnforcer };
    size_t k;

    for (k = 0; k < sizeof good / sizeof good[0]; k++) {
        NaputilStats before = stats_now(), after;
        Connections *c = SENTINEL;
        UINT16 i;

        CHECK_EQ(AllocConnections(&c, good[k]), S_OK);
        CHECK(c != SENTINEL && c != NULL);
        if (!c || c == SENTINEL)
            continue;
        CHECK_EQ(c->count, good[k]);
        CHECK(c->connections != NULL);
        CHECK(is_block(c));
        CHECK(is_block(c->connections));
        CHECK_EQ(block_size(c), sizeof(Connections));
        CHECK_EQ(block_size(c->connections), good[k] * sizeof(INapEnforcementClientConnection *));
        for (i = 0; i < good[k]; i++)
            CHECK(c->connections[i] == NULL);
        after = stats_now();
        CHECK_EQ(after.total_allocs - before.total_allocs, 2);
        FreeConnections(c);
        after = stats_now();
        CHECK_EQ(after.live_blocks, before.live_blocks);
        CHECK_EQ(after.total_frees - before.total_frees, 2);
        CHECK_EQ(after.misuse_total, before.misuse_total);
    }
}

static void test_connections_zero(void)
{
    NaputilStats before = stats_now(), after;
    Connections *c = SENTINEL;

    CHECK_EQ(AllocConnections(&c, 0), S_OK);
    CHECK(c != SENTINEL && c != NULL);
    if (!c || c == SENTINEL)
        return;
    CHECK_EQ(c->count, 0);
    CHECK(c->connections == NULL);
    after = stats_now();
    CHECK_EQ(after.total_allocs - before.total_allocs, 1);

    /* Real NAP code overwrites the array pointer: nothing may leak. */
    c->connections = NULL;
    CoTaskMemFree(c);
    after = stats_now();
    CHECK_EQ(after.live_blocks, before.live_blocks);
    CHECK_EQ(after.misuse_total, before.misuse_total);

    c = NULL;
    CHECK_EQ(AllocConnections(&c, 0), S_OK);
    FreeConnections(c);
    CHECK_EQ(stats_now().live_blocks, before.live_blocks);
}

static void test_connections_errors(void)
{
    static const UINT16 bad[] = { maxConnectionCountPerEnforcer + 1, 100, 0x7fff, 0xffff };
    NaputilStats before = stats_now();
    size_t k;

    for (k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        Connections *c = SENTINEL;
        CHECK_EQ(AllocConnections(&c, bad[k]), E_INVALIDARG);
        CHECK(c == SENTINEL);
    }
    CHECK_EQ(AllocConnections(NULL, 1), E_INVALIDARG);
    CHECK_EQ(AllocConnections(NULL, 0), E_INVALIDARG);
    CHECK_EQ(AllocConnections(NULL, 0xffff), E_INVALIDARG);
    check_nothing_happened(&before, __LINE__);
}

/* ---- AllocFixupInfo ----------------------------------------------------- */

static void test_fixup_info_counts(void)
{
    static const UINT16 good[] = { 1, 3, 500, maxDwordCountPerSoHAttribute };
    size_t k;

    for (k = 0; k < sizeof good / sizeof good[0]; k++) {
        NaputilStats before = stats_now(), after;
        FixupInfo *f = SENTINEL;
        UINT16 i;
        int all_zero = 1;

        CHECK_EQ(AllocFixupInfo(&f, good[k]), S_OK);
        CHECK(f != SENTINEL && f != NULL);
        if (!f || f == SENTINEL)
            continue;
        CHECK_EQ(f->state, 0);
        CHECK_EQ(f->percentage, 0);
        CHECK_EQ(f->fixupMsgId, 0);
        CHECK_EQ(f->resultCodes.count, good[k]);
        CHECK(f->resultCodes.results != NULL);
        CHECK(is_block(f));
        CHECK(is_block(f->resultCodes.results));
        CHECK_EQ(block_size(f), sizeof(FixupInfo));
        CHECK_EQ(block_size(f->resultCodes.results), good[k] * sizeof(HRESULT));
        for (i = 0; i < good[k]; i++) {
            if (f->resultCodes.results[i] != 0)
                all_zero = 0;
            f->resultCodes.results[i] = (HRESULT)E_FAIL;
        }
        CHECK(all_zero);
        f->state = fixupStateInProgress;
        f->percentage = 50;
        after = stats_now();
        CHECK_EQ(after.total_allocs - before.total_allocs, 2);
        CHECK_EQ(after.live_bytes - before.live_bytes, sizeof(FixupInfo) + good[k] * sizeof(HRESULT));
        FreeFixupInfo(f);
        after = stats_now();
        CHECK_EQ(after.live_blocks, before.live_blocks);
        CHECK_EQ(after.total_frees - before.total_frees, 2);
        CHECK_EQ(after.misuse_total, before.misuse_total);
    }
}

static void test_fixup_info_zero(void)
{
    NaputilStats before = stats_now(), after;
    FixupInfo *f = SENTINEL;

    CHECK_EQ(AllocFixupInfo(&f, 0), S_OK);
    CHECK(f != SENTINEL && f != NULL);
    if (!f || f == SENTINEL)
        return;
    CHECK_EQ(f->resultCodes.count, 0);
    CHECK(f->resultCodes.results == NULL);
    CHECK_EQ(f->state, 0);
    CHECK_EQ(f->percentage, 0);
    CHECK_EQ(f->fixupMsgId, 0);
    after = stats_now();
    CHECK_EQ(after.total_allocs - before.total_allocs, 1);
    FreeFixupInfo(f);
    after = stats_now();
    CHECK_EQ(after.live_blocks, before.live_blocks);
    CHECK_EQ(after.misuse_total, before.misuse_total);
}

static void test_fixup_info_errors(void)
{
    static const UINT16 bad[] = { maxDwordCountPerSoHAttribute + 1, 4000, 0xffff };
    NaputilStats before = stats_now();
    size_t k;

    for (k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        FixupInfo *f = SENTINEL;
        CHECK_EQ(AllocFixupInfo(&f, bad[k]), E_INVALIDARG);
        CHECK(f == SENTINEL);
    }
    CHECK_EQ(AllocFixupInfo(NULL, 0), E_INVALIDARG);
    CHECK_EQ(AllocFixupInfo(NULL, 1), E_INVALIDARG);
    CHECK_EQ(AllocFixupInfo(NULL, 0xffff), E_INVALIDARG);
    check_nothing_happened(&before, __LINE__);
}

/* Out-pointers are written, never read or freed: a live old value stays. */
static void test_out_pointer_not_freed(void)
{
    static const WCHAR s[] = { 'k', 0 };
    CountedString *cs = CoTaskMemAlloc(sizeof(CountedString));
    CountedString *old = cs;
    Connections *c = CoTaskMemAlloc(sizeof(Connections));
    Connections *old_c = c;
    FixupInfo *f = CoTaskMemAlloc(sizeof(FixupInfo));
    FixupInfo *old_f = f;
    uint64_t misuse0 = naputil_misuse_count();

    CHECK(cs && c && f);
    CHECK_EQ(AllocCountedString(&cs, s), S_OK);
    CHECK_EQ(AllocConnections(&c, 2), S_OK);
    CHECK_EQ(AllocFixupInfo(&f, 2), S_OK);
    CHECK(cs != old && c != old_c && f != old_f);
    CHECK(is_block(old) && is_block(old_c) && is_block(old_f));
    CoTaskMemFree(old);
    CoTaskMemFree(old_c);
    CoTaskMemFree(old_f);
    FreeCountedString(cs);
    FreeConnections(c);
    FreeFixupInfo(f);
    CHECK_EQ(naputil_misuse_count(), misuse0);
}

int main(void)
{
    uint64_t start_blocks = naputil_live_blocks();
    uint64_t start_misuse = naputil_misuse_count();

    CHECK_EQ(CoGetMalloc(1, &task), S_OK);
    if (!task)
        CHECK_EXIT();

    test_counted_string_normal();
    test_counted_string_contents();
    test_counted_string_limits();
    test_counted_string_unterminated();
    test_counted_string_null_arguments();
    test_connections_counts();
    test_connections_zero();
    test_connections_errors();
    test_fixup_info_counts();
    test_fixup_info_zero();
    test_fixup_info_errors();
    test_out_pointer_not_freed();

    CHECK_EQ(naputil_live_blocks(), start_blocks);
    CHECK_EQ(naputil_misuse_count(), start_misuse);
    CHECK_EXIT();
}
