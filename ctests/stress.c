/*
 * Threads hammering the allocator: allocations, frees of blocks other
 * threads allocated, and realloc storms, ending with exact counters.
 *
 * NAPUTIL_STRESS_OPS sets the operations per thread (default 1000000);
 * under valgrind (NAPUTIL_TEST_UNDER_VALGRIND=1) the default is 20000.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "napUtil.h"
#include "check.h"

#define THREADS 4
#define HELD_MAX 2048
#define MAILBOX_MAX 4096

typedef struct Held {
    unsigned char *ptr;
    size_t size;
    unsigned char stamp;
} Held;

typedef struct Mailbox {
    pthread_mutex_t lock;
    Held items[MAILBOX_MAX];
    size_t count;
} Mailbox;

typedef struct Worker {
    int id;
    unsigned long ops;
    uint64_t rng;
    uint64_t allocs, frees, reallocs, bytes;
    int failures;
    Held held[HELD_MAX];
    size_t nheld;
} Worker;

static Mailbox mailboxes[THREADS];
static Worker workers[THREADS];

static uint64_t next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1Dull;
}

static size_t pick_size(uint64_t *s)
{
    uint64_t r = next(s) % 64;
    if (r == 0)
        return (size_t)(next(s) % 65536);
    if (r <= 8)
        return (size_t)(next(s) % 4096);
    return (size_t)(next(s) % 256);
}

static void stamp(const Held *h)
{
    if (h->size) {
        h->ptr[0] = h->stamp;
        h->ptr[h->size - 1] = h->stamp;
    }
}

static int stamped(const Held *h)
{
    return h->size == 0 || (h->ptr[0] == h->stamp && h->ptr[h->size - 1] == h->stamp);
}

static int resize(Worker *w, Held *h)
{
    size_t n = pick_size(&w->rng) + 1;
    unsigned char *q = CoTaskMemRealloc(h->ptr, n);
    if (q == NULL || (h->size && q[0] != h->stamp))
        return 0;
    h->ptr = q;
    h->size = n;
    stamp(h);
    w->reallocs++;
    w->bytes += n;
    return 1;
}

static void *work(void *arg)
{
    Worker *w = arg;
    unsigned long i;
    for (i = 0; i < w->ops; i++) {
        uint64_t op = next(&w->rng) % 100;
        if (op < 35) {
            if (w->nheld < HELD_MAX) {
                Held h;
                h.size = pick_size(&w->rng);
                h.ptr = CoTaskMemAlloc(h.size);
                h.stamp = (unsigned char)next(&w->rng);
                if (h.ptr == NULL) {
                    w->failures++;
                    continue;
                }
                stamp(&h);
                w->held[w->nheld++] = h;
                w->allocs++;
                w->bytes += h.size;
            }
        } else if (op < 60) {
            if (w->nheld) {
                size_t k = (size_t)(next(&w->rng) % w->nheld);
                Held h = w->held[k];
                w->held[k] = w->held[--w->nheld];
                if (!stamped(&h))
                    w->failures++;
                CoTaskMemFree(h.ptr);
                w->frees++;
            }
        } else if (op < 70) {
            Mailbox *m = &mailboxes[(w->id + 1) % THREADS];
            if (w->nheld) {
                pthread_mutex_lock(&m->lock);
                if (m->count < MAILBOX_MAX)
                    m->items[m->count++] = w->held[--w->nheld];
                pthread_mutex_unlock(&m->lock);
            }
        } else if (op < 80) {
            Mailbox *m = &mailboxes[w->id];
            Held h;
            int got = 0;
            pthread_mutex_lock(&m->lock);
            if (m->count) {
                h = m->items[--m->count];
                got = 1;
            }
            pthread_mutex_unlock(&m->lock);
            if (got) {
                if (!stamped(&h))
                    w->failures++;
                if (next(&w->rng) % 2 || w->nheld == HELD_MAX) {
                    CoTaskMemFree(h.ptr);
                    w->frees++;
                } else if (resize(w, &h)) {
                    w->held[w->nheld++] = h;
                } else {
                    w->failures++;
                }
            }
        } else if (w->nheld) {
            Held *h = &w->held[w->nheld - 1];
            int k;
            for (k = 0; k < 8; k++)
                if (!stamped(h) || !resize(w, h))
                    w->failures++;
        }
    }
    while (w->nheld) {
        Held *h = &w->held[--w->nheld];
        if (!stamped(h))
            w->failures++;
        CoTaskMemFree(h->ptr);
        w->frees++;
    }
    return NULL;
}

int main(void)
{
    const char *env = getenv("NAPUTIL_STRESS_OPS");
    const char *vg = getenv("NAPUTIL_TEST_UNDER_VALGRIND");
    unsigned long ops = env ? strtoul(env, NULL, 10) : (vg && *vg == '1') ? 20000ul : 1000000ul;
    NaputilStats before, after;
    pthread_t threads[THREADS];
    uint64_t allocs = 0, frees = 0, reallocs = 0, bytes = 0;
    int i, failures = 0;

    CHECK_EQ(naputil_get_stats(&before), S_OK);
    for (i = 0; i < THREADS; i++) {
        pthread_mutex_init(&mailboxes[i].lock, NULL);
        workers[i].id = i;
        workers[i].ops = ops;
        workers[i].rng = 0x9E3779B97F4A7C15ull ^ (uint64_t)(i + 1);
    }
    for (i = 0; i < THREADS; i++)
        CHECK(pthread_create(&threads[i], NULL, work, &workers[i]) == 0);
    for (i = 0; i < THREADS; i++) {
        CHECK(pthread_join(threads[i], NULL) == 0);
        allocs += workers[i].allocs;
        frees += workers[i].frees;
        reallocs += workers[i].reallocs;
        bytes += workers[i].bytes;
        failures += workers[i].failures;
    }
    for (i = 0; i < THREADS; i++) {
        while (mailboxes[i].count) {
            Held *h = &mailboxes[i].items[--mailboxes[i].count];
            CHECK(stamped(h));
            CoTaskMemFree(h->ptr);
            frees++;
        }
        pthread_mutex_destroy(&mailboxes[i].lock);
    }
    CHECK_EQ(naputil_get_stats(&after), S_OK);
    CHECK_EQ(failures, 0);
    CHECK_EQ(after.live_blocks, before.live_blocks);
    CHECK_EQ(after.live_bytes, before.live_bytes);
    CHECK_EQ(after.total_allocs - before.total_allocs, allocs);
    CHECK_EQ(after.total_frees - before.total_frees, frees);
    CHECK_EQ(after.total_reallocs - before.total_reallocs, reallocs);
    CHECK_EQ(after.total_bytes_requested - before.total_bytes_requested, bytes);
    CHECK_EQ(after.misuse_total, before.misuse_total);
    CHECK_EQ(allocs, frees);
    printf("stress: %d threads x %lu operations: %llu allocs, %llu frees, %llu reallocs\n", THREADS,
           ops, (unsigned long long)allocs, (unsigned long long)frees,
           (unsigned long long)reallocs);
    CHECK_EXIT();
}
