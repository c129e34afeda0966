/*
 * Call stacks (NAPUTIL_BACKTRACE): reports name the functions that
 * allocated a leaked block, and for a double free the functions that freed
 * it the second time, freed it first and allocated it.
 *
 * The reports on stderr are checked by running this program again as a
 * child with the environment set (the settings are read at load time) and
 * reading the frames under each heading. The C API behind them (the misuse
 * record's stacks, naputil_block_stack from a leak visitor,
 * naputil_describe_frame, the history of frees) is checked in this process
 * with naputil_set_backtrace. Built with -O0 (see the Makefile), as the
 * programs it is about are debugged; the functions that must appear in a
 * stack are not inlined and keep their calls out of tail position anyway.
 */
#define _POSIX_C_SOURCE 200809L
#include <napUtil.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#define NOINLINE __attribute__((noinline))

/* Stores after each call keep the call from becoming a jump. */
void *volatile sink;

NOINLINE void *leak_widget(void)
{
    void *p = CoTaskMemAlloc(48);
    sink = p;
    return p;
}

NOINLINE void *make_buffer(void)
{
    void *p = CoTaskMemAlloc(32);
    sink = p;
    return p;
}

NOINLINE void release_buffer(void *p)
{
    CoTaskMemFree(p);
    sink = NULL;
}

NOINLINE void release_buffer_again(void *p)
{
    CoTaskMemFree(p);
    sink = NULL;
}

NOINLINE void free_inside(char *p)
{
    CoTaskMemFree(p + 8);
    sink = NULL;
}

NOINLINE void free_local(void)
{
    int local = 0;
    CoTaskMemFree(&local);
    sink = NULL;
}

NOINLINE void *grow_buffer(void *p)
{
    void *q = CoTaskMemRealloc(p, 64 * 1024);
    sink = q;
    return q;
}

NOINLINE void *imalloc_block(IMalloc *m)
{
    void *p = m->lpVtbl->Alloc(m, 24);
    sink = p;
    return p;
}

NOINLINE CountedString *make_string(void)
{
    static const WCHAR text[] = { 'N', 'A', 'P', 0 };
    CountedString *cs = NULL;
    if (FAILED(AllocCountedString(&cs, text)))
        return NULL;
    sink = cs;
    return cs;
}

NOINLINE void release_string(CountedString *cs)
{
    FreeCountedString(cs);
    sink = NULL;
}

NOINLINE void release_string_again(CountedString *cs)
{
    FreeCountedString(cs);
    sink = NULL;
}

/* ------------------------------------------------------------------ */
/* Describing frames                                                   */
/* ------------------------------------------------------------------ */

/* Whether the description `text` of a frame names the function `name`:
 * `name` followed by the end, a space (before file:line) or '('. */
static int names(const char *text, const char *name)
{
    size_t n = strlen(name);
    return strncmp(text, name, n) == 0 && (text[n] == '\0' || text[n] == ' ' || text[n] == '(');
}

/* Frame `index` of `stack`, described, in a static buffer ("" if none). */
static const char *frame_text(NaputilStack stack, size_t index)
{
    static char text[4][512];
    static int turn;
    char *out = text[turn++ % 4];
    out[0] = '\0';
    if (index < stack.count)
        naputil_describe_frame(stack.frames[index], out, sizeof text[0]);
    return out;
}

static int frame_names(NaputilStack stack, size_t index, const char *name)
{
    const char *text = frame_text(stack, index);
    if (names(text, name))
        return 1;
    fprintf(stderr, "frame %u is \"%s\", not %s\n", (unsigned)index, text, name);
    return 0;
}

/* ------------------------------------------------------------------ */
/* The reports on stderr, from a child run with the environment set    */
/* ------------------------------------------------------------------ */

static int child(const char *role)
{
    if (strcmp(role, "report") == 0) {
        void *p;
        leak_widget();
        p = make_buffer();
        release_buffer(p);
        release_buffer_again(p);
        return 0;
    }
    if (strcmp(role, "history") == 0) {
        void *p = make_buffer(), *q = make_buffer();
        release_buffer(p);
        release_buffer(q);
        release_buffer_again(p);
        return 0;
    }
    if (strcmp(role, "json") == 0) {
        leak_widget();
        return 0;
    }
    return 2;
}

struct outcome {
    int exited, status;
    char err[32768];
};

/* Runs `self role` with the given environment settings (NULL-terminated
 * name, value pairs) and collects its stderr. */
static void run(struct outcome *o, const char *self, const char *role, const char *const *settings)
{
    int fds[2];
    pid_t pid;
    int wstatus = 0;
    size_t used = 0;
    ssize_t n;
    memset(o, 0, sizeof *o);
    if (pipe(fds) != 0) {
        perror("pipe");
        exit(1);
    }
    pid = fork();
    if (pid == 0) {
        unsetenv("NAPUTIL_BACKTRACE");
        unsetenv("NAPUTIL_BACKTRACE_FREED");
        unsetenv("NAPUTIL_LEAK_REPORT");
        unsetenv("NAPUTIL_MISUSE");
        for (; settings[0] != NULL; settings += 2)
            setenv(settings[0], settings[1], 1);
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        execl(self, self, role, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    while (used < sizeof o->err - 1 && (n = read(fds[0], o->err + used, sizeof o->err - 1 - used)) > 0)
        used += (size_t)n;
    close(fds[0]);
    waitpid(pid, &wstatus, 0);
    o->exited = WIFEXITED(wstatus);
    o->status = o->exited ? WEXITSTATUS(wstatus) : -1;
}

/* The text after "in " of frame `index` of the stack printed under the
 * first line equal to `heading` at or after `from`, copied into `out`
 * (without the newline); "" when there is no such frame. */
static const char *printed_frame(const char *from, const char *heading, int index, char *out, size_t size)
{
    const char *line = from;
    size_t len = strlen(heading);
    out[0] = '\0';
    if (from == NULL)
        return out;
    /* Find the heading at the start of a line. */
    for (;;) {
        line = strstr(line, heading);
        if (line == NULL)
            return out;
        if ((line == from || line[-1] == '\n') && line[len] == '\n')
            break;
        line += len;
    }
    line += len + 1;
    while (strncmp(line, "    #", 5) == 0) {
        int number = -1, consumed = 0;
        const char *end = strchr(line, '\n');
        size_t line_len = end ? (size_t)(end - line) : strlen(line);
        if (sscanf(line, "    #%d 0x%*x in %n", &number, &consumed) == 1 && consumed > 0 && number == index) {
            size_t n = line_len - (size_t)consumed;
            if (n >= size)
                n = size - 1;
            memcpy(out, line + consumed, n);
            out[n] = '\0';
            return out;
        }
        if (end == NULL)
            break;
        line = end + 1;
    }
    return out;
}

/* Checks that the frame names `name` and comes from this file. */
static int printed_frame_is(const char *from, const char *heading, int index, const char *name, int in_this_file)
{
    char text[512];
    printed_frame(from, heading, index, text, sizeof text);
    if (names(text, name) && (!in_this_file || strstr(text, "backtrace.c:") != NULL))
        return 1;
    fprintf(stderr, "under \"%s\", frame #%d is \"%s\", not %s%s\n", heading, index, text, name,
            in_this_file ? " in backtrace.c" : "");
    return 0;
}

static void check_reports(const char *self)
{
    static struct outcome o;
    static const char *const report_env[] = { "NAPUTIL_BACKTRACE", "1", "NAPUTIL_LEAK_REPORT", "1", NULL };
    static const char *const history_env[] = { "NAPUTIL_BACKTRACE", "1", "NAPUTIL_BACKTRACE_FREED", "1", NULL };
    static const char *const off_env[] = { "NAPUTIL_LEAK_REPORT", "1", NULL };
    char path[64], json[8192];
    const char *json_env[] = { "NAPUTIL_BACKTRACE", "1", "NAPUTIL_LEAK_REPORT", NULL, NULL };
    const char *misuse, *leak;
    FILE *f;
    size_t n;

    run(&o, self, "report", report_env);
    CHECK(o.exited && o.status == 0);
    misuse = strstr(o.err, "naputil: misuse: CoTaskMemFree(");
    CHECK(misuse != NULL);
    CHECK(misuse != NULL && strstr(misuse, "already freed") != NULL);
    CHECK(printed_frame_is(misuse, "  freed again here:", 0, "CoTaskMemFree", 0));
    CHECK(printed_frame_is(misuse, "  freed again here:", 1, "release_buffer_again", 1));
    CHECK(printed_frame_is(misuse, "  freed again here:", 2, "child", 0));
    CHECK(printed_frame_is(misuse, "  freed before here (a block of 32 bytes):", 0, "CoTaskMemFree", 0));
    CHECK(printed_frame_is(misuse, "  freed before here (a block of 32 bytes):", 1, "release_buffer", 1));
    CHECK(printed_frame_is(misuse, "  allocated here:", 0, "CoTaskMemAlloc", 0));
    CHECK(printed_frame_is(misuse, "  allocated here:", 1, "make_buffer", 1));
    leak = strstr(o.err, "naputil: leak: 48 bytes at 0x");
    CHECK(leak != NULL);
    CHECK(printed_frame_is(leak, "  allocated here:", 0, "CoTaskMemAlloc", 0));
    CHECK(printed_frame_is(leak, "  allocated here:", 1, "leak_widget", 1));
    CHECK(strstr(o.err, "naputil: 1 live block(s), 48 byte(s)") != NULL);
    if (check_failures)
        fprintf(stderr, "--- the child's stderr ---\n%s---\n", o.err);

    /* One free remembered: the first free of p is no longer known. */
    run(&o, self, "history", history_env);
    CHECK(o.exited && o.status == 0);
    CHECK(printed_frame_is(o.err, "  freed again here:", 1, "release_buffer_again", 1));
    CHECK(strstr(o.err, "  freed before: not known (only the latest 1 frees are remembered") != NULL);

    /* Stacks off: the same reports, without stacks. */
    run(&o, self, "report", off_env);
    CHECK(o.exited && o.status == 0);
    CHECK(strstr(o.err, "naputil: misuse: CoTaskMemFree(") != NULL);
    CHECK(strstr(o.err, "naputil: leak: 48 bytes at 0x") != NULL);
    CHECK(strstr(o.err, "here:") == NULL);
    CHECK(strstr(o.err, "    #") == NULL);

    /* The JSON leak file. */
    snprintf(path, sizeof path, "/tmp/naputil-backtrace-%ld.json", (long)getpid());
    {
        static char setting[80];
        snprintf(setting, sizeof setting, "json:%s", path);
        json_env[3] = setting;
    }
    run(&o, self, "json", json_env);
    CHECK(o.exited && o.status == 0);
    CHECK(strstr(o.err, "naputil: 1 live block(s), 48 byte(s) allocated since checkpoint 0, listed in ") != NULL);
    f = fopen(path, "r");
    CHECK(f != NULL);
    n = f ? fread(json, 1, sizeof json - 1, f) : 0;
    json[n] = '\0';
    if (f)
        fclose(f);
    remove(path);
    CHECK(strncmp(json, "{\"leaks\":[\n{\"address\":\"0x", 25) == 0);
    CHECK(strstr(json, "\"size\":48,\"epoch\":0,\"frames\":[{\"address\":\"0x") != NULL);
    CHECK(strstr(json, "\"function\":\"CoTaskMemAlloc\"}") != NULL);
    CHECK(strstr(json, "\"function\":\"leak_widget\",\"file\":\"") != NULL);
    CHECK(strstr(json, "\"blocks\":1,\"bytes\":48}") != NULL);
}

/* ------------------------------------------------------------------ */
/* The C API, in this process                                          */
/* ------------------------------------------------------------------ */

/* What the misuse handler saw, described while it ran. */
static struct seen {
    int calls;
    unsigned kind;
    char function[64];
    size_t call_count, allocated_count, freed_count;
    char call[2][512], allocated[2][512], freed[2][512];
} seen;

static void describe_pair(NaputilStack stack, char out[2][512])
{
    size_t i;
    for (i = 0; i < 2; i++) {
        out[i][0] = '\0';
        if (i < stack.count)
            naputil_describe_frame(stack.frames[i], out[i], sizeof out[i]);
    }
}

static void handler(const NaputilMisuse *m, void *context)
{
    (void)context;
    seen.calls++;
    seen.kind = m->kind;
    snprintf(seen.function, sizeof seen.function, "%s", m->function);
    seen.call_count = m->call_stack.count;
    seen.allocated_count = m->allocated_stack.count;
    seen.freed_count = m->freed_stack.count;
    describe_pair(m->call_stack, seen.call);
    describe_pair(m->allocated_stack, seen.allocated);
    describe_pair(m->freed_stack, seen.freed);
}

static int seen_names(char text[512], const char *name)
{
    if (names(text, name))
        return 1;
    fprintf(stderr, "handler saw \"%s\", not %s\n", text, name);
    return 0;
}

struct visit {
    int blocks, with_stack;
};

static void visitor(void *block, size_t size, void *context)
{
    struct visit *v = context;
    NaputilStack stack;
    v->blocks++;
    if (size == 48 && naputil_block_stack(block, &stack) == S_OK && frame_names(stack, 1, "leak_widget"))
        v->with_stack++;
}

#define THREADS 4
static void *thread_body(void *arg)
{
    int i;
    (void)arg;
    for (i = 0; i < 2000; i++) {
        void *p = make_buffer();
        NaputilStack stack;
        if (naputil_block_stack(p, &stack) != S_OK || stack.count < 2)
            return (void *)1;
        release_buffer(p);
    }
    return NULL;
}

/* A spy that allocates a block of its own from PostAlloc: the nested call
 * gets its own stack, and the outer one keeps its own. */
static void *spy_side_block;
static HRESULT STDMETHODCALLTYPE qi(IMallocSpy *This, REFIID riid, void **out)
{
    (void)riid;
    *out = This;
    return S_OK;
}
static ULONG STDMETHODCALLTYPE add_ref(IMallocSpy *This)
{
    (void)This;
    return 2;
}
static ULONG STDMETHODCALLTYPE release(IMallocSpy *This)
{
    (void)This;
    return 1;
}
NOINLINE static void *spy_side_alloc(void)
{
    void *p = CoTaskMemAlloc(8);
    sink = p;
    return p;
}
static int spy_allocating;
static void *STDMETHODCALLTYPE post_alloc(IMallocSpy *This, void *actual)
{
    (void)This;
    if (!spy_allocating) {
        spy_allocating = 1;
        spy_side_block = spy_side_alloc();
    }
    return actual;
}
static const IMallocSpyVtbl spy_vtbl = { qi, add_ref, release, NULL, post_alloc, NULL, NULL, NULL,
                                         NULL, NULL, NULL, NULL, NULL, NULL, NULL };
static IMallocSpy spy = { &spy_vtbl };

static void check_api(void)
{
    NaputilStack stack;
    struct visit v = { 0, 0 };
    char text[512], small[5];
    size_t len;
    void *p, *q;
    int local = 0;
    unsigned cp;
    IMalloc *m = NULL;
    CountedString *cs;
    pthread_t threads[THREADS];
    int i;

    CHECK_EQ(naputil_get_backtrace(), 0);
    CHECK_EQ(naputil_set_backtrace(65), E_INVALIDARG);
    CHECK_EQ(naputil_set_backtrace(3), S_OK);
    CHECK_EQ(naputil_get_backtrace(), 3);
    CHECK_EQ(naputil_set_backtrace(1), S_OK);
    CHECK_EQ(naputil_get_backtrace(), 16);

    /* A leak visitor asks where each block was allocated. */
    cp = naputil_checkpoint();
    p = leak_widget();
    CHECK_EQ(naputil_leaks_since(cp, visitor, &v), 1);
    CHECK_EQ(v.blocks, 1);
    CHECK_EQ(v.with_stack, 1);
    CHECK_EQ(naputil_block_stack(p, &stack), S_OK);
    CHECK(stack.count >= 3 && stack.count <= 16);
    CHECK(frame_names(stack, 0, "CoTaskMemAlloc"));
    CHECK(frame_names(stack, 1, "leak_widget"));
    CHECK(frame_names(stack, 2, "check_api"));
    CHECK(strstr(frame_text(stack, 1), "backtrace.c:") != NULL);

    /* naputil_describe_frame counts like snprintf. */
    len = naputil_describe_frame(stack.frames[1], NULL, 0);
    CHECK_EQ(len, naputil_describe_frame(stack.frames[1], text, sizeof text));
    CHECK_EQ(strlen(text), len);
    CHECK_EQ(naputil_describe_frame(stack.frames[1], small, sizeof small), len);
    CHECK(strcmp(small, "leak") == 0);
    CHECK_EQ(naputil_describe_frame(NULL, text, sizeof text), 0);
    CHECK(text[0] == '\0');

    /* Bad arguments. */
    CHECK_EQ(naputil_block_stack(&local, &stack), E_INVALIDARG);
    CHECK(stack.count == 0 && stack.frames == NULL);
    CHECK_EQ(naputil_block_stack(p, NULL), E_POINTER);
    CoTaskMemFree(p);
    CHECK_EQ(naputil_block_stack(p, &stack), E_INVALIDARG);

    /* The misuse record carries the stacks; the handler may describe them. */
    naputil_set_misuse_handler(handler, NULL);
    p = make_buffer();
    release_buffer(p);
    release_buffer_again(p);
    CHECK_EQ(seen.calls, 1);
    CHECK_EQ(seen.kind, NAPUTIL_MISUSE_DOUBLE_FREE);
    CHECK(seen_names(seen.call[0], "CoTaskMemFree"));
    CHECK(seen_names(seen.call[1], "release_buffer_again"));
    CHECK(seen_names(seen.freed[1], "release_buffer"));
    CHECK(seen_names(seen.allocated[1], "make_buffer"));

    p = make_buffer();
    free_inside(p);
    CHECK_EQ(seen.kind, NAPUTIL_MISUSE_INTERIOR);
    CHECK(seen_names(seen.call[1], "free_inside"));
    CHECK(seen_names(seen.allocated[1], "make_buffer"));
    CHECK_EQ(seen.freed_count, 0);
    release_buffer(p);

    free_local();
    CHECK_EQ(seen.kind, NAPUTIL_MISUSE_STACK);
    CHECK(seen_names(seen.call[1], "free_local"));
    CHECK_EQ(seen.allocated_count, 0);

    /* A block moved by CoTaskMemRealloc counts as allocated by it, and the
     * old address as freed by it. */
    p = make_buffer();
    q = grow_buffer(p);
    CHECK(q != NULL);
    CHECK_EQ(naputil_block_stack(q, &stack), S_OK);
    CHECK(frame_names(stack, 0, "CoTaskMemRealloc"));
    CHECK(frame_names(stack, 1, "grow_buffer"));
    if (q != p) {
        release_buffer_again(p);
        CHECK_EQ(seen.kind, NAPUTIL_MISUSE_DOUBLE_FREE);
        CHECK(seen_names(seen.freed[0], "CoTaskMemRealloc"));
        CHECK(seen_names(seen.freed[1], "grow_buffer"));
    }
    release_buffer(q);

    /* IMalloc and the NAP functions record their callers too. */
    CHECK_EQ(CoGetMalloc(1, &m), S_OK);
    p = imalloc_block(m);
    CHECK_EQ(naputil_block_stack(p, &stack), S_OK);
    CHECK(frame_names(stack, 1, "imalloc_block"));
    m->lpVtbl->Free(m, p);

    cs = make_string();
    CHECK(cs != NULL);
    CHECK_EQ(naputil_block_stack(cs, &stack), S_OK);
    CHECK(frame_names(stack, 0, "AllocCountedString"));
    CHECK(frame_names(stack, 1, "make_string"));
    CHECK_EQ(naputil_block_stack(cs->string, &stack), S_OK);
    CHECK(frame_names(stack, 1, "make_string"));
    release_string(cs);
    release_string_again(cs);
    CHECK_EQ(seen.kind, NAPUTIL_MISUSE_DOUBLE_FREE);
    CHECK(strcmp(seen.function, "FreeCountedString") == 0);
    CHECK(seen_names(seen.call[0], "FreeCountedString"));
    CHECK(seen_names(seen.call[1], "release_string_again"));
    CHECK(seen_names(seen.freed[1], "release_string"));
    CHECK(seen_names(seen.allocated[1], "make_string"));

    /* Under a spy whose PostAlloc allocates: each call its own stack. */
    CHECK_EQ(CoRegisterMallocSpy(&spy), S_OK);
    p = make_buffer();
    CHECK(spy_side_block != NULL);
    CHECK_EQ(naputil_block_stack(spy_side_block, &stack), S_OK);
    CHECK(frame_names(stack, 1, "spy_side_alloc"));
    CHECK_EQ(naputil_block_stack(p, &stack), S_OK);
    CHECK(frame_names(stack, 1, "make_buffer"));
    release_buffer(p);
    CoTaskMemFree(spy_side_block);
    CHECK_EQ(CoRevokeMallocSpy(), S_OK);

    /* Several threads at once. */
    for (i = 0; i < THREADS; i++)
        CHECK(pthread_create(&threads[i], NULL, thread_body, NULL) == 0);
    for (i = 0; i < THREADS; i++) {
        void *result = (void *)1;
        CHECK(pthread_join(threads[i], &result) == 0);
        CHECK(result == NULL);
    }

    /* The history of frees: with room for one, the earlier free is gone. */
    CHECK_EQ(naputil_set_freed_history(2000000), E_INVALIDARG);
    CHECK_EQ(naputil_set_freed_history(1), S_OK);
    p = make_buffer();
    q = make_buffer();
    release_buffer(p);
    release_buffer(q);
    release_buffer_again(p);
    CHECK_EQ(seen.kind, NAPUTIL_MISUSE_DOUBLE_FREE);
    CHECK(seen_names(seen.call[1], "release_buffer_again"));
    CHECK_EQ(seen.freed_count, 0);
    CHECK_EQ(seen.allocated_count, 0);
    CHECK_EQ(naputil_set_freed_history(4096), S_OK);

    /* Off: nothing recorded for new blocks or calls, and a block recorded
     * while stacks were on and freed after leaves nothing behind for the
     * next block at its address (libc hands the same address out again). */
    q = make_buffer();
    CHECK_EQ(naputil_set_backtrace(0), S_OK);
    CHECK_EQ(naputil_block_stack(q, &stack), S_OK);
    release_buffer(q);
    p = make_buffer();
    CHECK_EQ(naputil_block_stack(p, &stack), S_FALSE);
    CHECK(stack.count == 0 && stack.frames == NULL);
    release_buffer(p);
    release_buffer_again(p);
    CHECK_EQ(seen.kind, NAPUTIL_MISUSE_DOUBLE_FREE);
    CHECK_EQ(seen.call_count, 0);
    naputil_set_misuse_handler(NULL, NULL);
    CHECK_EQ(naputil_live_blocks(), 0);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        return child(argv[1]);
    check_reports(argv[0]);
    check_api();
    CHECK_EXIT();
}
