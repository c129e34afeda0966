/*
 * CoTaskMemAlloc, CoTaskMemRealloc and CoTaskMemFree against their contract,
 * with every effect checked through the allocator's counters.
 */
#include <stdint.h>
#include <string.h>

#include "napUtil.h"
#include "check.h"

static NaputilStats stats_now(void)
{
    NaputilStats s;
    memset(&s, 0xAB, sizeof s);
    CHECK_EQ(naputil_get_stats(&s), S_OK);
    return s;
}

static int is_aligned16(const void *p)
{
    return ((uintptr_t)p & 15u) == 0;
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
    size_t i;
    for (i = 0; i < n; i++)
        p[i] = (unsigned char)(seed + i * 7u);
}

static int has_fill(const unsigned char *p, size_t n, unsigned seed)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (p[i] != (unsigned char)(seed + i * 7u))
            return 0;
    return 1;
}

static void test_zero_size(void)
{
    NaputilStats before = stats_now(), after;
    void *a = CoTaskMemAlloc(0);
    void *b = CoTaskMemAlloc(0);
    CHECK(a != NULL);
    CHECK(b != NULL);
    CHECK(a != b);
    CHECK(is_aligned16(a) && is_aligned16(b));
    after = stats_now();
    CHECK_EQ(after.live_blocks - before.live_blocks, 2);
    CHECK_EQ(after.live_bytes - before.live_bytes, 0);
    CHECK_EQ(after.total_allocs - before.total_allocs, 2);
    CoTaskMemFree(a);
    CoTaskMemFree(b);
    after = stats_now();
    CHECK_EQ(after.live_blocks, before.live_blocks);
    CHECK_EQ(after.total_frees - before.total_frees, 2);
    CHECK_EQ(after.misuse_total, before.misuse_total);
}

static void test_alignment_and_sizes(void)
{
    static const size_t sizes[] = { 1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 63, 64, 100,
                                    255, 4096, 4097, 65536, 1u << 20 };
    enum { N = sizeof sizes / sizeof sizes[0] };
    void *blocks[N];
    NaputilStats before = stats_now(), after;
    unsigned long long bytes = 0;
    size_t i;

    for (i = 0; i < N; i++) {
        blocks[i] = CoTaskMemAlloc(sizes[i]);
        CHECK(blocks[i] != NULL);
        if (!blocks[i])
            continue;
        CHECK(is_aligned16(blocks[i]));
        /* Every requested byte is writable (valgrind checks the bounds). */
        fill(blocks[i], sizes[i], (unsigned)i);
        bytes += sizes[i];
    }
    after = stats_now();
    CHECK_EQ(after.live_blocks - before.live_blocks, N);
    CHECK_EQ(after.live_bytes - before.live_bytes, bytes);
    CHECK_EQ(after.total_bytes_requested - before.total_bytes_requested, bytes);
    CHECK(after.peak_bytes >= after.live_bytes);
    for (i = 0; i < N; i++) {
        CHECK(blocks[i] == NULL || has_fill(blocks[i], sizes[i], (unsigned)i));
        CoTaskMemFree(blocks[i]);
    }
    after = stats_now();
    CHECK_EQ(after.live_blocks, before.live_blocks);
    CHECK_EQ(after.live_bytes, before.live_bytes);
    CHECK_EQ(after.total_frees - before.total_frees, N);
    CHECK_EQ(after.misuse_total, before.misuse_total);
}

static void test_realloc_null(void)
{
    NaputilStats before = stats_now(), after;
    void *p = CoTaskMemRealloc(NULL, 0);
    void *q = CoTaskMemRealloc(NULL, 40);
    CHECK(p != NULL);
    CHECK(q != NULL);
    CHECK(p != q);
    CHECK(is_aligned16(q));
    after = stats_now();
    CHECK_EQ(after.total_allocs - before.total_allocs, 2);
    CHECK_EQ(after.live_blocks - before.live_blocks, 2);
    CHECK_EQ(after.live_bytes - before.live_bytes, 40);
    CHECK_EQ(after.total_reallocs, before.total_reallocs);
    if (q)
        memset(q, 0x5A, 40);
    CoTaskMemFree(p);
    CoTaskMemFree(q);
    CHECK_EQ(stats_now().live_blocks, before.live_blocks);
}

static void test_realloc_zero_frees(void)
{
    NaputilStats before = stats_now(), after;
    void *p = CoTaskMemAlloc(24);
    void *r;
    CHECK(p != NULL);
    r = CoTaskMemRealloc(p, 0);
    CHECK(r == NULL);
    after = stats_now();
    CHECK_EQ(after.live_blocks, before.live_blocks);
    CHECK_EQ(after.live_bytes, before.live_bytes);
    CHECK_EQ(after.total_allocs - before.total_allocs, 1);
    CHECK_EQ(after.total_frees - before.total_frees, 1);
    CHECK_EQ(after.misuse_total, before.misuse_total);
}

static void test_realloc_preserves_contents(void)
{
    NaputilStats before = stats_now(), after;
    unsigned char *p = CoTaskMemAlloc(100);
    unsigned char *q;
    CHECK(p != NULL);
    if (!p)
        return;
    fill(p, 100, 3);

    q = CoTaskMemRealloc(p, 100000);
    CHECK(q != NULL);
    if (!q) {
        CoTaskMemFree(p);
        return;
    }
    p = q;
    CHECK(is_aligned16(p));
    CHECK(has_fill(p, 100, 3));
    memset(p + 100, 0xEE, 100000 - 100);
    after = stats_now();
    CHECK_EQ(after.live_bytes - before.live_bytes, 100000);
    CHECK_EQ(after.live_blocks - before.live_blocks, 1);

    q = CoTaskMemRealloc(p, 10);
    CHECK(q != NULL);
    if (q)
        p = q;
    CHECK(has_fill(p, 10, 3));
    after = stats_now();
    CHECK_EQ(after.live_bytes - before.live_bytes, 10);

    /* Same size: still a successful resize, contents intact. */
    q = CoTaskMemRealloc(p, 10);
    CHECK(q != NULL);
    if (q)
        p = q;
    CHECK(has_fill(p, 10, 3));

    after = stats_now();
    CHECK_EQ(after.total_reallocs - before.total_reallocs, 3);
    CHECK_EQ(after.total_allocs - before.total_allocs, 1);
    CHECK_EQ(after.total_bytes_requested - before.total_bytes_requested, 100 + 100000 + 10 + 10);
    CoTaskMemFree(p);
    after = stats_now();
    CHECK_EQ(after.live_blocks, before.live_blocks);
    CHECK_EQ(after.live_bytes, before.live_bytes);
}

static void test_huge_sizes_fail(void)
{
    static const size_t huge[] = { SIZE_MAX, SIZE_MAX - 8, SIZE_MAX - 15,
                                   SIZE_MAX / 4 };
    NaputilStats before = stats_now(), after;
    unsigned char *keep = CoTaskMemAlloc(64);
    size_t i;

    CHECK(keep != NULL);
    if (!keep)
        return;
    fill(keep, 64, 9);
    for (i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        CHECK(CoTaskMemAlloc(huge[i]) == NULL);
        CHECK(CoTaskMemRealloc(NULL, huge[i]) == NULL);
        /* A failed resize returns NULL and leaves the block valid. */
        CHECK(CoTaskMemRealloc(keep, huge[i]) == NULL);
    }
    after = stats_now();
    CHECK_EQ(after.total_allocs - before.total_allocs, 1);
    CHECK_EQ(after.total_reallocs, before.total_reallocs);
    CHECK_EQ(after.live_blocks - before.live_blocks, 1);
    CHECK_EQ(after.live_bytes - before.live_bytes, 64);
    CHECK(has_fill(keep, 64, 9));

    /* Still tracked: it can be resized and freed normally. */
    {
        unsigned char *grown = CoTaskMemRealloc(keep, 128);
        CHECK(grown != NULL);
        if (grown)
            keep = grown;
        CHECK(has_fill(keep, 64, 9));
    }
    CoTaskMemFree(keep);
    after = stats_now();
    CHECK_EQ(after.live_blocks, before.live_blocks);
    CHECK_EQ(after.misuse_total, before.misuse_total);
}

static void test_free_null(void)
{
    NaputilStats before = stats_now(), after;
    CoTaskMemFree(NULL);
    after = stats_now();
    CHECK_EQ(after.total_frees, before.total_frees);
    CHECK_EQ(after.misuse_total, before.misuse_total);
    CHECK_EQ(after.live_blocks, before.live_blocks);
}

static void test_stats_api(void)
{
    NaputilStats s;
    void *p;
    unsigned long long blocks0 = naputil_live_blocks();
    unsigned long long bytes0 = naputil_live_bytes();

    CHECK_EQ(naputil_get_stats(NULL), E_POINTER);
    p = CoTaskMemAlloc(48);
    CHECK(p != NULL);
    CHECK_EQ(naputil_live_blocks(), blocks0 + 1);
    CHECK_EQ(naputil_live_bytes(), bytes0 + 48);
    CHECK_EQ(naputil_get_stats(&s), S_OK);
    CHECK_EQ(s.live_blocks, blocks0 + 1);
    CHECK(s.peak_bytes >= s.live_bytes);
    CHECK(s.total_allocs >= s.live_blocks);
    CHECK_EQ(s.total_allocs - s.total_frees, s.live_blocks);
    CoTaskMemFree(p);
    CHECK_EQ(naputil_live_blocks(), blocks0);
}

int main(void)
{
    unsigned long long start_blocks = naputil_live_blocks();
    unsigned long long start_misuse = naputil_misuse_count();

    test_zero_size();
    test_alignment_and_sizes();
    test_realloc_null();
    test_realloc_zero_frees();
    test_realloc_preserves_contents();
    test_huge_sizes_fail();
    test_free_null();
    test_stats_api();

    CHECK_EQ(naputil_live_blocks(), start_blocks);
    CHECK_EQ(naputil_misuse_count(), start_misuse);
    CHECK_EXIT();
}
