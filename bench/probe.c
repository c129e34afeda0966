/*
 * probe: what tracking costs, seen from C.
 *
 * Times CoTaskMemAlloc/CoTaskMemFree against malloc/free on the same
 * sequence, in one process, linked against the release static library as a
 * C program would be: a working set of 65,536 live blocks of 8-512 bytes in
 * which a random block is freed and a new one of random size allocated in
 * its place, 2,000,000 times, on 1 thread and then on 2 threads at once
 * (each with its own working set). The two allocators take turns, REPS
 * times, and every figure printed is the median over the repetitions
 * (ratios are medians of the per-repetition ratios).
 *
 * Build and run: make probe
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "napUtil.h"

enum { WORKING_SET = 65536, STEPS = 2000000, REPS = 7, MAX_THREADS = 2 };

/* SplitMix64, fixed seed: both allocators replay exactly the same sizes and
 * slots. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static size_t block_size(uint64_t r) { return 8 + (size_t)(((r >> 32) * 505) >> 32); }
static size_t slot_of(uint64_t r) { return (size_t)(r & (WORKING_SET - 1)); }

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* One copy of the workload per allocator, so that each loop calls its
 * allocator directly, as a program would. */
#define DEFINE_WORKLOAD(name, ALLOC, FREE)                                  \
    static void name##_fill(void **set, uint64_t *rng)                      \
    {                                                                       \
        for (size_t i = 0; i < WORKING_SET; i++)                            \
            set[i] = ALLOC(block_size(next_random(rng)));                   \
    }                                                                       \
    static void name##_steps(void **set, uint64_t *rng)                     \
    {                                                                       \
        for (long i = 0; i < STEPS; i++) {                                  \
            uint64_t r = next_random(rng);                                  \
            void **slot = &set[slot_of(r)];                                 \
            FREE(*slot);                                                    \
            *slot = ALLOC(block_size(r));                                   \
        }                                                                   \
    }                                                                       \
    static void name##_drain(void **set)                                    \
    {                                                                       \
        for (size_t i = 0; i < WORKING_SET; i++)                            \
            FREE(set[i]);                                                   \
    }

DEFINE_WORKLOAD(raw, malloc, free)
DEFINE_WORKLOAD(tracked, CoTaskMemAlloc, CoTaskMemFree)

struct allocator {
    const char *name;
    void (*fill)(void **, uint64_t *);
    void (*steps)(void **, uint64_t *);
    void (*drain)(void **);
};

static const struct allocator allocators[2] = {
    {"malloc/free", raw_fill, raw_steps, raw_drain},
    {"CoTaskMemAlloc/Free", tracked_fill, tracked_steps, tracked_drain},
};

/* A one-shot rendezvous (macOS has no pthread_barrier_t). */
struct gate {
    pthread_mutex_t lock;
    pthread_cond_t opened;
    int waiting;
};

static void gate_init(struct gate *g, int parties)
{
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->opened, NULL);
    g->waiting = parties;
}

static void gate_wait(struct gate *g)
{
    pthread_mutex_lock(&g->lock);
    if (--g->waiting == 0)
        pthread_cond_broadcast(&g->opened);
    while (g->waiting > 0)
        pthread_cond_wait(&g->opened, &g->lock);
    pthread_mutex_unlock(&g->lock);
}

static void gate_destroy(struct gate *g)
{
    pthread_cond_destroy(&g->opened);
    pthread_mutex_destroy(&g->lock);
}

struct worker {
    const struct allocator *allocator;
    struct gate *start, *finish;
    uint64_t seed;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    void **set = malloc(WORKING_SET * sizeof *set);
    uint64_t rng = w->seed;
    if (!set) {
        perror("malloc");
        exit(1);
    }
    w->allocator->fill(set, &rng);
    gate_wait(w->start);
    w->allocator->steps(set, &rng);
    gate_wait(w->finish);
    w->allocator->drain(set);
    free(set);
    return NULL;
}

/* Runs the workload on `threads` threads at once; returns nanoseconds per
 * operation of aggregate throughput (one operation = one free + one alloc). */
static double run(const struct allocator *a, int threads)
{
    pthread_t ids[MAX_THREADS];
    struct worker workers[MAX_THREADS];
    struct gate start, finish;
    double t0, t1;
    gate_init(&start, threads + 1);
    gate_init(&finish, threads + 1);
    for (int i = 0; i < threads; i++) {
        workers[i].allocator = a;
        workers[i].start = &start;
        workers[i].finish = &finish;
        workers[i].seed = 0x6E61707574696C21ull ^ (uint64_t)i * 0x123456789ABCDEF1ull;
        if (pthread_create(&ids[i], NULL, work, &workers[i]) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            exit(1);
        }
    }
    gate_wait(&start);
    t0 = now_ns();
    gate_wait(&finish);
    t1 = now_ns();
    for (int i = 0; i < threads; i++)
        pthread_join(ids[i], NULL);
    gate_destroy(&start);
    gate_destroy(&finish);
    return (t1 - t0) / ((double)STEPS * threads);
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v)
{
    qsort(v, REPS, sizeof *v, by_value);
    return v[REPS / 2];
}

int main(void)
{
    /* ns[allocator][threads - 1][rep] */
    static double ns[2][MAX_THREADS][REPS];
    double ratio1[REPS], ratio2[REPS], scaling[2][REPS];

    for (int rep = 0; rep < REPS; rep++) {
        for (int turn = 0; turn < 2; turn++) {
            int a = (rep + turn) % 2;
            ns[a][0][rep] = run(&allocators[a], 1);
            ns[a][1][rep] = run(&allocators[a], 2);
        }
        ratio1[rep] = ns[1][0][rep] / ns[0][0][rep];
        ratio2[rep] = ns[1][1][rep] / ns[0][1][rep];
        for (int a = 0; a < 2; a++)
            scaling[a][rep] = ns[a][0][rep] / ns[a][1][rep];
    }

    printf("probe: random replace on %d live blocks of 8-512 B, %d steps per thread, "
           "median of %d alternating repetitions\n\n",
           WORKING_SET, STEPS, REPS);
    printf("%-22s %12s %12s %14s\n", "", "1 thread", "2 threads", "2T/1T scaling");
    for (int a = 0; a < 2; a++) {
        double s = median(scaling[a]);
        printf("%-22s %9.1f ns %9.1f ns %13.2fx\n", allocators[a].name, median(ns[a][0]),
               median(ns[a][1]), s);
    }
    printf("%-22s %11.2fx %11.2fx\n", "tracked/raw", median(ratio1), median(ratio2));
    return 0;
}
