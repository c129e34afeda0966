/*
 * Four threads allocate, resize and free task memory, and hand blocks to
 * each other through lock-protected queues so that most blocks are freed by
 * a thread other than the one that allocated them. Every block carries its
 * owner's tag and size, checked by whoever frees it. At least a million
 * allocator operations in a normal run; NAPUTIL_TEST_SCALE (a divisor) or
 * running under valgrind scales the work down. The run ends with as many
 * live blocks as it started with and no misuse.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "napUtil.h"
#include "check.h"

#define THREADS 4
#define QUEUE_CAPACITY 256
/* Each iteration makes about six allocator calls (see worker()). */
#define FULL_ITERATIONS 60000

/* A block's first bytes: who made it and how big it is. Its last byte, just
 * past the stamp, repeats the low byte of the tag. */
typedef struct {
    uint64_t tag;
    uint64_t size;
} Stamp;

typedef struct {
    pthread_mutex_t lock;
    void *items[QUEUE_CAPACITY];
    int head, count;
    int kinds[QUEUE_CAPACITY]; /* 0: a stamped block, 1: a CountedString */
} Queue;

static Queue queues[THREADS];
static IMalloc *task;
static long iterations;

typedef struct {
    int id;
    uint64_t operations;
    uint64_t bad_blocks;
    uint64_t failed_allocs;
} Worker;

static int push(Queue *q, void *item, int kind)
{
    int ok = 0;
    pthread_mutex_lock(&q->lock);
    if (q->count < QUEUE_CAPACITY) {
        int slot = (q->head + q->count) % QUEUE_CAPACITY;
        q->items[slot] = item;
        q->kinds[slot] = kind;
        q->count++;
        ok = 1;
    }
    pthread_mutex_unlock(&q->lock);
    return ok;
}

static void *pop(Queue *q, int *kind)
{
    void *item = NULL;
    pthread_mutex_lock(&q->lock);
    if (q->count > 0) {
        item = q->items[q->head];
        *kind = q->kinds[q->head];
        q->head = (q->head + 1) % QUEUE_CAPACITY;
        q->count--;
    }
    pthread_mutex_unlock(&q->lock);
    return item;
}

static uint64_t next_random(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

static void *make_block(size_t size, uint64_t tag)
{
    Stamp *s = CoTaskMemAlloc(size);
    if (s) {
        s->tag = tag;
        s->size = size;
        ((unsigned char *)s)[size - 1] = (unsigned char)tag;
    }
    return s;
}

/* Whether a block still holds what make_block (and a resize) put there. */
static int block_ok(void *p)
{
    Stamp *s = p;
    return task->lpVtbl->DidAlloc(task, p) == 1 && task->lpVtbl->GetSize(task, p) == s->size &&
           ((unsigned char *)p)[s->size - 1] == (unsigned char)s->tag;
}

/* Frees something another thread made; counts it as one or two operations. */
static void consume(Worker *w, void *item, int kind)
{
    if (kind == 1) {
        CountedString *cs = item;
        if (cs->length != 4 || cs->string == NULL || cs->string[4] != 0 ||
            task->lpVtbl->DidAlloc(task, cs->string) != 1)
            w->bad_blocks++;
        FreeCountedString(cs);
        w->operations += 2;
    } else {
        if (!block_ok(item))
            w->bad_blocks++;
        CoTaskMemFree(item);
        w->operations++;
    }
}

static void *worker(void *arg)
{
    static const WCHAR text[] = { 't', 'e', 'x', 't', 0 };
    Worker *w = arg;
    Queue *mine = &queues[w->id];
    Queue *next = &queues[(w->id + 1) % THREADS];
    uint64_t rng = 0x9E3779B97F4A7C15ull * (uint64_t)(w->id + 1);
    long i;

    for (i = 0; i < iterations; i++) {
        uint64_t tag = ((uint64_t)w->id << 48) | (uint64_t)i;
        size_t size = sizeof(Stamp) + 1 + (size_t)(next_random(&rng) % 496);
        void *item;
        int kind;

        /* 1. A block for the next thread. */
        void *p = make_block(size, tag);
        w->operations++;
        if (!p) {
            w->failed_allocs++;
        } else if (!push(next, p, 0)) {
            CoTaskMemFree(p);
            w->operations++;
        }

        /* 2. Free what the previous thread handed over (up to two). */
        if ((item = pop(mine, &kind)) != NULL)
            consume(w, item, kind);
        if ((item = pop(mine, &kind)) != NULL)
            consume(w, item, kind);

        /* 3. A local block, grown and shrunk, freed through IMalloc. */
        {
            size_t local_size = sizeof(Stamp) + 1 + (size_t)(next_random(&rng) % 200);
            Stamp *q = make_block(local_size, tag ^ 0xA5);
            w->operations++;
            if (!q) {
                w->failed_allocs++;
            } else {
                size_t grown = local_size + 1 + (size_t)(next_random(&rng) % 3000);
                Stamp *r = CoTaskMemRealloc(q, grown);
                w->operations++;
                if (!r) {
                    w->failed_allocs++;
                } else {
                    q = r;
                    if (q->tag != (tag ^ 0xA5) || q->size != local_size ||
                        task->lpVtbl->GetSize(task, q) != grown)
                        w->bad_blocks++;
                }
                task->lpVtbl->Free(task, q);
                w->operations++;
            }
        }

        /* 4. Every 16th round, a CountedString for the next thread. */
        if (i % 16 == 0) {
            CountedString *cs = NULL;
            w->operations += 2;
            if (FAILED(AllocCountedString(&cs, text))) {
                w->failed_allocs++;
            } else if (!push(next, cs, 1)) {
                FreeCountedString(cs);
                w->operations += 2;
            }
        }
    }
    return NULL;
}

static long scaled_iterations(void)
{
    const char *scale = getenv("NAPUTIL_TEST_SCALE");
    const char *preload = getenv("LD_PRELOAD");
    long divisor = 1;

    if (scale && atol(scale) > 1)
        divisor = atol(scale);
    else if (getenv("NAPUTIL_TEST_UNDER_VALGRIND") || (preload && strstr(preload, "vgpreload")))
        divisor = 10;
    return FULL_ITERATIONS / divisor > 0 ? FULL_ITERATIONS / divisor : 1;
}

int main(void)
{
    pthread_t threads[THREADS];
    Worker workers[THREADS];
    uint64_t start_blocks, start_misuse, operations = 0, bad = 0, failed = 0;
    NaputilStats before, after;
    int t, kind;
    void *item;
    Worker drainer;

    CHECK_EQ(CoGetMalloc(1, &task), S_OK);
    if (!task)
        CHECK_EXIT();
    iterations = scaled_iterations();
    start_blocks = naputil_live_blocks();
    start_misuse = naputil_misuse_count();
    CHECK_EQ(naputil_get_stats(&before), S_OK);

    for (t = 0; t < THREADS; t++) {
        pthread_mutex_init(&queues[t].lock, NULL);
        memset(&workers[t], 0, sizeof workers[t]);
        workers[t].id = t;
    }
    for (t = 0; t < THREADS; t++)
        CHECK_EQ(pthread_create(&threads[t], NULL, worker, &workers[t]), 0);
    for (t = 0; t < THREADS; t++)
        pthread_join(threads[t], NULL);

    /* What is still queued was made by other threads: free it here. */
    memset(&drainer, 0, sizeof drainer);
    for (t = 0; t < THREADS; t++)
        while ((item = pop(&queues[t], &kind)) != NULL)
            consume(&drainer, item, kind);

    for (t = 0; t < THREADS; t++) {
        operations += workers[t].operations;
        bad += workers[t].bad_blocks;
        failed += workers[t].failed_allocs;
        pthread_mutex_destroy(&queues[t].lock);
    }
    operations += drainer.operations;
    bad += drainer.bad_blocks;

    CHECK_EQ(bad, 0);
    CHECK_EQ(failed, 0);
    if (iterations == FULL_ITERATIONS)
        CHECK(operations >= 1000000);
    CHECK_EQ(naputil_get_stats(&after), S_OK);
    /* The library counted the same work (AllocCountedString makes two
     * blocks, so its frees count twice too). */
    CHECK_EQ(after.total_allocs - before.total_allocs, after.total_frees - before.total_frees);
    CHECK(after.total_allocs - before.total_allocs + after.total_frees - before.total_frees +
              after.total_reallocs - before.total_reallocs == operations);
    CHECK_EQ(naputil_live_blocks(), start_blocks);
    CHECK_EQ(naputil_misuse_count(), start_misuse);
    if (check_failures)
        fprintf(stderr, "%llu operations, %llu bad blocks, %llu failed allocations\n",
                (unsigned long long)operations, (unsigned long long)bad, (unsigned long long)failed);
    CHECK_EXIT();
}
