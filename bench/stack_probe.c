/*
 * stack-probe: what recording call stacks (NAPUTIL_BACKTRACE) costs, and
 * what the two ways of walking a stack cost, seen from C.
 *
 * Every figure is timed at the bottom of a chain of DEPTH nested calls (as
 * an allocation deep in a program would be), on one thread, as the median
 * of REPS repetitions, in ns per operation:
 *
 * - walking FRAMES frames by following frame pointers (the chain here is
 *   built with -fno-omit-frame-pointer, so the walk is valid; in code built
 *   without frame pointers it is not);
 * - walking FRAMES frames with the unwind tables (_Unwind_Backtrace, which
 *   the library's capture uses);
 * - CoTaskMemAlloc + CoTaskMemFree of 64 bytes, and AllocCountedString +
 *   FreeCountedString, with stacks off and with FRAMES frames recorded,
 *   next to malloc + free;
 * - describing one frame with naputil_describe_frame, the first time (debug
 *   information read and parsed) and again.
 *
 * Build and run: make stack-probe
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unwind.h>

#include "napUtil.h"

enum { DEPTH = 24, FRAMES = 16, REPS = 7, WALKS = 200000, PAIRS = 20000 };

#define NOINLINE __attribute__((noinline))

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, compare);
    return v[n / 2];
}

void *volatile sink;

/* Frame pointers: [fp] is the caller's fp, [fp + 1] the return address. */
NOINLINE static int fp_walk(void **out, int max)
{
    void **fp = (void **)__builtin_frame_address(0);
    int n = 0;
    while (fp != NULL && n < max) {
        void **next = (void **)fp[0];
        out[n++] = fp[1];
        if (next <= fp)
            break;
        fp = next;
    }
    return n;
}

struct collect {
    void **out;
    int n, max;
};

static _Unwind_Reason_Code one_frame(struct _Unwind_Context *context, void *arg)
{
    struct collect *c = arg;
    c->out[c->n++] = (void *)_Unwind_GetIP(context);
    return c->n < c->max ? _URC_NO_REASON : _URC_END_OF_STACK;
}

NOINLINE static int table_walk(void **out, int max)
{
    struct collect c = { out, 0, max };
    _Unwind_Backtrace(one_frame, &c);
    return c.n;
}

static const WCHAR text[] = { 'N', 'A', 'P', ' ', 'p', 'r', 'o', 'b', 'e', 0 };

/* One operation of each kind; returns something so nothing is dropped. */
NOINLINE static void op_fp(void) { void *f[FRAMES]; sink = (void *)(intptr_t)fp_walk(f, FRAMES); }
NOINLINE static void op_table(void) { void *f[FRAMES]; sink = (void *)(intptr_t)table_walk(f, FRAMES); }
NOINLINE static void op_malloc(void) { void *p = malloc(64); sink = p; free(p); }
NOINLINE static void op_task(void) { void *p = CoTaskMemAlloc(64); sink = p; CoTaskMemFree(p); }
NOINLINE static void op_nap(void)
{
    CountedString *cs = NULL;
    AllocCountedString(&cs, text);
    sink = cs;
    FreeCountedString(cs);
}

static double time_op(void (*op)(void), int count)
{
    double t[REPS];
    int r, i;
    for (r = 0; r < REPS; r++) {
        double start = now_ns();
        for (i = 0; i < count; i++)
            op();
        t[r] = (now_ns() - start) / count;
    }
    return median(t, REPS);
}

static void measure(void)
{
    void *frames[FRAMES];
    double fp, table, raw, off, on, nap_off, nap_on, first, again, start;
    char where[256];
    int n_fp = fp_walk(frames, FRAMES), n_table = table_walk(frames, FRAMES);
    NaputilStack stack;
    void *p;

    fp = time_op(op_fp, WALKS);
    table = time_op(op_table, WALKS / 20);
    naputil_set_backtrace(0);
    raw = time_op(op_malloc, PAIRS * 50);
    off = time_op(op_task, PAIRS * 50);
    nap_off = time_op(op_nap, PAIRS * 10);
    naputil_set_backtrace(FRAMES);
    on = time_op(op_task, PAIRS);
    nap_on = time_op(op_nap, PAIRS / 2);

    p = CoTaskMemAlloc(8);
    naputil_block_stack(p, &stack);
    start = now_ns();
    naputil_describe_frame(stack.count > 1 ? stack.frames[1] : NULL, where, sizeof where);
    first = now_ns() - start;
    start = now_ns();
    naputil_describe_frame(stack.count > 1 ? stack.frames[1] : NULL, where, sizeof where);
    again = now_ns() - start;
    CoTaskMemFree(p);
    naputil_set_backtrace(0);

    printf("stack-probe: %d frames walked at the bottom of %d nested calls, median of %d repetitions\n\n", FRAMES,
           DEPTH, REPS);
    printf("| operation | ns |\n|---|---|\n");
    printf("| walk %d frames by frame pointers (%d found) | %.1f |\n", FRAMES, n_fp, fp);
    printf("| walk %d frames by unwind tables, _Unwind_Backtrace (%d found) | %.1f |\n", FRAMES, n_table, table);
    printf("| malloc + free, 64 B | %.1f |\n", raw);
    printf("| CoTaskMemAlloc + CoTaskMemFree, 64 B, stacks off | %.1f |\n", off);
    printf("| CoTaskMemAlloc + CoTaskMemFree, 64 B, %d frames recorded | %.1f |\n", FRAMES, on);
    printf("| AllocCountedString + FreeCountedString, stacks off | %.1f |\n", nap_off);
    printf("| AllocCountedString + FreeCountedString, %d frames recorded | %.1f |\n", FRAMES, nap_on);
    printf("| naputil_describe_frame, first call (reads the debug information) | %.0f |\n", first);
    printf("| naputil_describe_frame, again | %.0f |\n", again);
    printf("\nrecording a stack, per call that allocates or frees: %.0f ns\n", (on - off) / 2);
    printf("described: %s\n", where);
}

/* The chain of nested calls; the timing runs at its bottom. */
NOINLINE static void nest(int depth)
{
    if (depth > 0)
        nest(depth - 1);
    else
        measure();
    sink = NULL;
}

int main(void)
{
    nest(DEPTH);
    return 0;
}
