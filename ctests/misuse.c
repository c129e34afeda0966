/*
 * Misuse containment in the allocator: double, foreign, interior, stack,
 * static and string-literal pointers given to CoTaskMemFree,
 * CoTaskMemRealloc, IMalloc::Free and IMalloc::Realloc are left alone,
 * counted by kind, and reported to the installed handler; the policy API;
 * checkpoints and leak enumeration. (The NAPUTIL_MISUSE environment variable
 * is checked by env_policy.c.)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "napUtil.h"
#include "check.h"

/* ---- recording handler -------------------------------------------------- */

struct incident {
    uint32_t kind;
    char function[64];
    const void *pointer;
    const void *block;
    int has_description;
};

struct recorder {
    int count;
    struct incident last;
};

static void record_misuse(const NaputilMisuse *misuse, void *context)
{
    struct recorder *r = context;
    r->count++;
    r->last.kind = misuse->kind;
    r->last.function[0] = '\0';
    if (misuse->function) {
        strncpy(r->last.function, misuse->function, sizeof r->last.function - 1);
        r->last.function[sizeof r->last.function - 1] = '\0';
    }
    r->last.pointer = misuse->pointer;
    r->last.block = misuse->block;
    r->last.has_description = misuse->description != NULL && misuse->description[0] != '\0';
}

static struct recorder rec;

static NaputilStats stats_now(void)
{
    NaputilStats s;
    memset(&s, 0, sizeof s);
    CHECK_EQ(naputil_get_stats(&s), S_OK);
    return s;
}

static uint64_t kind_count(const NaputilStats *s, uint32_t kind)
{
    switch (kind) {
    case NAPUTIL_MISUSE_DOUBLE_FREE: return s->misuse_double_free;
    case NAPUTIL_MISUSE_INTERIOR: return s->misuse_interior;
    case NAPUTIL_MISUSE_STACK: return s->misuse_stack;
    case NAPUTIL_MISUSE_STATIC: return s->misuse_static;
    case NAPUTIL_MISUSE_FOREIGN: return s->misuse_foreign;
    default: return (uint64_t)-1;
    }
}

/* ---- the four entry points under test ----------------------------------- */

enum entry { ENTRY_COTASKMEMFREE, ENTRY_COTASKMEMREALLOC, ENTRY_IMALLOC_FREE, ENTRY_IMALLOC_REALLOC };
static const char *const entry_names[] = { "CoTaskMemFree", "CoTaskMemRealloc", "IMalloc::Free",
                                           "IMalloc::Realloc" };
static IMalloc *task;

/* Hands `p` to entry point `e`; for the reallocs, the result must be NULL. */
static void misuse_call(enum entry e, void *p)
{
    switch (e) {
    case ENTRY_COTASKMEMFREE: CoTaskMemFree(p); break;
    case ENTRY_COTASKMEMREALLOC: CHECK(CoTaskMemRealloc(p, 64) == NULL); break;
    case ENTRY_IMALLOC_FREE: task->lpVtbl->Free(task, p); break;
    case ENTRY_IMALLOC_REALLOC: CHECK(task->lpVtbl->Realloc(task, p, 64) == NULL); break;
    }
}

/*
 * Passes `p` to entry point `e` and checks that exactly one incident of
 * `kind` was counted and reported with the right function, pointer and (for
 * interior pointers) block, and that no block was freed or allocated.
 */
static void expect_misuse(enum entry e, void *p, uint32_t kind, const void *block, int line)
{
    NaputilStats before = stats_now(), after;
    int seen = rec.count;

    misuse_call(e, p);
    after = stats_now();
    if (rec.count != seen + 1 || rec.last.kind != kind || strcmp(rec.last.function, entry_names[e]) != 0 ||
        rec.last.pointer != p || rec.last.block != block || !rec.last.has_description)
        fprintf(stderr, __FILE__ ":%d: %s(%p): reported %d time(s), kind %u (want %u), function \"%s\", "
                        "pointer %p, block %p (want %p)\n",
                line, entry_names[e], p, rec.count - seen, (unsigned)rec.last.kind, (unsigned)kind,
                rec.last.function, rec.last.pointer, rec.last.block, block);
    CHECK_EQ(rec.count, seen + 1);
    CHECK_EQ(rec.last.kind, kind);
    CHECK(strcmp(rec.last.function, entry_names[e]) == 0);
    CHECK(rec.last.pointer == p);
    CHECK(rec.last.block == block);
    CHECK(rec.last.has_description);
    CHECK_EQ(after.misuse_total - before.misuse_total, 1);
    CHECK_EQ(kind_count(&after, kind) - kind_count(&before, kind), 1);
    CHECK_EQ(after.total_frees, before.total_frees);
    CHECK_EQ(after.total_allocs, before.total_allocs);
    CHECK_EQ(after.live_blocks, before.live_blocks);
    CHECK_EQ(after.live_bytes, before.live_bytes);
}

#define EXPECT_MISUSE(e, p, kind, block) expect_misuse((e), (p), (kind), (block), __LINE__)

/* ---- the pointers ------------------------------------------------------- */

static int static_int = 42;
static double static_array[8];
static const char literal_holder[] = "a static string";

static void test_entry(enum entry e, void *foreign)
{
    int local = 7;
    char stack_buffer[64];
    unsigned char *live;
    void *freed;

    /* Double free: free once, then again with no allocation in between. */
    freed = CoTaskMemAlloc(32);
    CHECK(freed != NULL);
    CoTaskMemFree(freed);
    EXPECT_MISUSE(e, freed, NAPUTIL_MISUSE_DOUBLE_FREE, NULL);
    EXPECT_MISUSE(e, freed, NAPUTIL_MISUSE_DOUBLE_FREE, NULL);

    /* Interior pointers: the block stays live and intact. */
    live = CoTaskMemAlloc(100);
    CHECK(live != NULL);
    if (live) {
        memset(live, 0x3C, 100);
        EXPECT_MISUSE(e, live + 16, NAPUTIL_MISUSE_INTERIOR, live);
        EXPECT_MISUSE(e, live + 1, NAPUTIL_MISUSE_INTERIOR, live);
        EXPECT_MISUSE(e, live + 99, NAPUTIL_MISUSE_INTERIOR, live);
        CHECK(live[0] == 0x3C && live[99] == 0x3C);
        CHECK_EQ(task->lpVtbl->DidAlloc(task, live), 1);
        CHECK_EQ(task->lpVtbl->GetSize(task, live), 100);
        CoTaskMemFree(live);
    }

    /* Foreign: from malloc. */
    EXPECT_MISUSE(e, foreign, NAPUTIL_MISUSE_FOREIGN, NULL);

    /* Stack. */
    EXPECT_MISUSE(e, &local, NAPUTIL_MISUSE_STACK, NULL);
    EXPECT_MISUSE(e, stack_buffer + 16, NAPUTIL_MISUSE_STACK, NULL);
    CHECK(local == 7);

    /* Static data and string literals. */
    EXPECT_MISUSE(e, &static_int, NAPUTIL_MISUSE_STATIC, NULL);
    EXPECT_MISUSE(e, &static_array[2], NAPUTIL_MISUSE_STATIC, NULL);
    EXPECT_MISUSE(e, (void *)literal_holder, NAPUTIL_MISUSE_STATIC, NULL);
    EXPECT_MISUSE(e, (void *)"a string literal", NAPUTIL_MISUSE_STATIC, NULL);
    CHECK(static_int == 42);
}

/* ---- policies ------------------------------------------------------------ */

static void test_policy_api(void)
{
    uint32_t kind;

    CHECK_EQ(naputil_set_misuse_policy(NAPUTIL_MISUSE_SILENT), S_OK);
    CHECK_EQ(naputil_get_misuse_policy(), NAPUTIL_MISUSE_SILENT);
    CHECK_EQ(naputil_set_misuse_policy(3), E_INVALIDARG);
    CHECK_EQ(naputil_set_misuse_policy((uint32_t)-1), E_INVALIDARG);
    CHECK_EQ(naputil_get_misuse_policy(), NAPUTIL_MISUSE_SILENT);

    for (kind = NAPUTIL_MISUSE_DOUBLE_FREE; kind <= NAPUTIL_MISUSE_TABLE_EXHAUSTED; kind++) {
        const char *d = naputil_misuse_description(kind);
        CHECK(d != NULL && d[0] != '\0');
        CHECK(strcmp(d, naputil_misuse_description(999)) != 0);
    }
    CHECK(naputil_misuse_description(999) != NULL);
}

/* Silent policy with no handler: counted, nothing called. */
static void test_silent_without_handler(void *foreign)
{
    NaputilStats before, after;
    int seen = rec.count;

    naputil_set_misuse_handler(NULL, NULL);
    before = stats_now();
    CoTaskMemFree(foreign);
    CoTaskMemFree((void *)&static_int);
    after = stats_now();
    CHECK_EQ(after.misuse_total - before.misuse_total, 2);
    CHECK_EQ(after.misuse_foreign - before.misuse_foreign, 1);
    CHECK_EQ(after.misuse_static - before.misuse_static, 1);
    CHECK_EQ(rec.count, seen);
    naputil_set_misuse_handler(record_misuse, &rec);
}

/* ---- checkpoints and leak enumeration ----------------------------------- */

struct seen_blocks {
    int count;
    void *block;
    size_t size;
};

static void visit_and_free(void *block, size_t size, void *context)
{
    struct seen_blocks *s = context;
    s->count++;
    s->block = block;
    s->size = size;
    CoTaskMemFree(block);
}

static void visit_count(void *block, size_t size, void *context)
{
    (void)block;
    (void)size;
    ++*(int *)context;
}

static void test_checkpoint(void)
{
    void *older = CoTaskMemAlloc(11);
    uint32_t cp, cp2;
    void *kept, *temp;
    struct seen_blocks seen = { 0, NULL, 0 };
    uint64_t blocks_before;
    int all = 0;

    CHECK(older != NULL);
    cp = naputil_checkpoint();
    CHECK_EQ(naputil_leaks_since(cp, NULL, NULL), 0);

    temp = CoTaskMemAlloc(20);
    kept = CoTaskMemAlloc(37);
    CHECK(temp != NULL && kept != NULL);
    CoTaskMemFree(temp);
    CHECK_EQ(naputil_leaks_since(cp, NULL, NULL), 1);

    /* A later checkpoint does not see blocks from before it. */
    cp2 = naputil_checkpoint();
    CHECK(cp2 != cp);
    CHECK_EQ(naputil_leaks_since(cp2, NULL, NULL), 0);

    /* Checkpoint 0 covers everything live, including `older`. */
    CHECK(naputil_leaks_since(0, visit_count, &all) >= 2);
    CHECK_EQ(all, (int)naputil_live_blocks());

    blocks_before = naputil_live_blocks();
    CHECK_EQ(naputil_leaks_since(cp, visit_and_free, &seen), 1);
    CHECK_EQ(seen.count, 1);
    CHECK(seen.block == kept);
    CHECK_EQ(seen.size, 37);
    CHECK_EQ(naputil_live_blocks(), blocks_before - 1);
    CHECK_EQ(naputil_leaks_since(cp, NULL, NULL), 0);
    CHECK_EQ(naputil_report_leaks(cp), 0);
    CoTaskMemFree(older);
}

int main(void)
{
    uint64_t start_blocks;
    void *foreign[4];
    int e;

    /*
     * The foreign blocks come from malloc before the task allocator has
     * freed anything, so none of them can sit where a task block once was.
     */
    for (e = 0; e < 4; e++) {
        foreign[e] = malloc(48);
        CHECK(foreign[e] != NULL);
    }
    start_blocks = naputil_live_blocks();
    CHECK_EQ(CoGetMalloc(1, &task), S_OK);
    if (!task)
        CHECK_EXIT();

    test_policy_api();
    naputil_set_misuse_handler(record_misuse, &rec);
    for (e = ENTRY_COTASKMEMFREE; e <= ENTRY_IMALLOC_REALLOC; e++)
        test_entry((enum entry)e, foreign[e]);
    test_silent_without_handler(foreign[0]);
    test_checkpoint();
    naputil_set_misuse_handler(NULL, NULL);

    /* The foreign blocks were never touched: libc frees them fine. */
    for (e = 0; e < 4; e++)
        free(foreign[e]);
    CHECK_EQ(naputil_live_blocks(), start_blocks);
    CHECK_EXIT();
}
