/*
 * The at-exit leak report (NAPUTIL_LEAK_REPORT=1, NAPUTIL_LEAK_EXITCODE=7)
 * comes after the program's own cleanup: it runs after every atexit
 * handler the program registered, even one registered in main before the
 * first allocation, so a block such a handler frees is not a leak and the
 * process exits 0. A real leak is still reported and exits 7. And the
 * environment is read once, at start-up: setting or removing the
 * variables in main, before the first allocation, changes nothing.
 *
 * Each role runs as a child process (exit_child.h) whose exit status and
 * stderr are checked; the C++ side (static destructors) is
 * exit_order_cpp.cpp.
 *
 * naputil-test: posix-only (fork, exec)
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "napUtil.h"
#include "exit_child.h"

static void *kept, *also_kept;

static void cleanup(void)
{
    CoTaskMemFree(kept);
    fputs("exit_order: cleanup ran\n", stderr);
}

/* What the child does; its exit status is what main returns. */
static int child(const char *role)
{
    if (strcmp(role, "atexit-before-first-allocation") == 0) {
        atexit(cleanup);
        kept = CoTaskMemAlloc(24);
        return kept ? 0 : 4;
    }
    if (strcmp(role, "atexit-after-first-allocation") == 0) {
        kept = CoTaskMemAlloc(24);
        atexit(cleanup);
        return kept ? 0 : 4;
    }
    if (strcmp(role, "atexit-frees-one-of-two") == 0) {
        atexit(cleanup);
        kept = CoTaskMemAlloc(24);
        also_kept = CoTaskMemAlloc(40);
        return kept && also_kept ? 0 : 4;
    }
    if (strcmp(role, "exit-from-main") == 0) {
        atexit(cleanup);
        kept = CoTaskMemAlloc(24);
        exit(kept ? 0 : 4);
    }
    if (strcmp(role, "leak") == 0) {
        kept = CoTaskMemAlloc(24);
        return kept ? 0 : 4;
    }
    if (strcmp(role, "setenv-in-main") == 0) {
        setenv("NAPUTIL_LEAK_REPORT", "1", 1);
        setenv("NAPUTIL_LEAK_EXITCODE", "7", 1);
        kept = CoTaskMemAlloc(24);
        return kept ? 0 : 4;
    }
    if (strcmp(role, "unsetenv-in-main") == 0) {
        unsetenv("NAPUTIL_LEAK_REPORT");
        unsetenv("NAPUTIL_LEAK_EXITCODE");
        kept = CoTaskMemAlloc(24);
        return kept ? 0 : 4;
    }
    fprintf(stderr, "unknown role %s\n", role);
    return 2;
}

int main(int argc, char **argv)
{
    struct child_outcome o;
    if (argc > 1)
        return child(argv[1]);

    /* The report runs after the handler that frees the block: no leak. */
    o = run_child(argv[0], "atexit-before-first-allocation", 1);
    EXPECT_CHILD(o, o.exited && o.status == 0);
    EXPECT_CHILD(o, !reported_leak(&o));
    EXPECT_CHILD(o, strstr(o.err, "exit_order: cleanup ran") != NULL);
    EXPECT_CHILD(o, strstr(o.err, "naputil: 0 live block(s)") != NULL);
    /* The report's summary comes after the cleanup's line. */
    EXPECT_CHILD(o, strstr(o.err, "exit_order: cleanup ran") != NULL &&
                        strstr(o.err, "naputil: 0 live block(s)") != NULL &&
                        strstr(o.err, "exit_order: cleanup ran") < strstr(o.err, "naputil: 0 live block(s)"));

    o = run_child(argv[0], "exit-from-main", 1);
    EXPECT_CHILD(o, o.exited && o.status == 0);
    EXPECT_CHILD(o, !reported_leak(&o));
    EXPECT_CHILD(o, strstr(o.err, "exit_order: cleanup ran") != NULL);

    o = run_child(argv[0], "atexit-after-first-allocation", 1);
    EXPECT_CHILD(o, o.exited && o.status == 0);
    EXPECT_CHILD(o, !reported_leak(&o));
    EXPECT_CHILD(o, strstr(o.err, "exit_order: cleanup ran") != NULL);

    /* What the handler leaves is reported, and only that. */
    o = run_child(argv[0], "atexit-frees-one-of-two", 1);
    EXPECT_CHILD(o, o.exited && o.status == LEAK_EXIT_CODE);
    EXPECT_CHILD(o, strstr(o.err, "naputil: leak: 40 bytes at 0x") != NULL);
    EXPECT_CHILD(o, strstr(o.err, "naputil: leak: 24 bytes") == NULL);
    EXPECT_CHILD(o, strstr(o.err, "exit_order: cleanup ran") != NULL);

    /* Control: a real leak. */
    o = run_child(argv[0], "leak", 1);
    EXPECT_CHILD(o, o.exited && o.status == LEAK_EXIT_CODE);
    EXPECT_CHILD(o, strstr(o.err, "naputil: leak: 24 bytes at 0x") != NULL);
    EXPECT_CHILD(o, strstr(o.err, "naputil: 1 live block(s), 24 byte(s)") != NULL);
    o = run_child(argv[0], "leak", 0);
    EXPECT_CHILD(o, o.exited && o.status == 0);
    EXPECT_CHILD(o, strstr(o.err, "naputil") == NULL);

    /* Read once at start-up: changes made in main do not count. */
    o = run_child(argv[0], "setenv-in-main", 0);
    EXPECT_CHILD(o, o.exited && o.status == 0);
    EXPECT_CHILD(o, strstr(o.err, "naputil") == NULL);
    o = run_child(argv[0], "unsetenv-in-main", 1);
    EXPECT_CHILD(o, o.exited && o.status == LEAK_EXIT_CODE);
    EXPECT_CHILD(o, strstr(o.err, "naputil: leak: 24 bytes at 0x") != NULL);

    if (child_failures)
        fprintf(stderr, "%s: %d check(s) failed\n", __FILE__, child_failures);
    return child_failures ? 1 : 0;
}
