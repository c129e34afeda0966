/*
 * isolate.h: runs each scenario of a test program in a child process of its
 * own, so that a scenario that crashes, hangs or makes valgrind report a
 * memory error is named as the one that failed, and the others still run.
 *
 * RUN_ISOLATED(fn) forks. The child runs fn() under a watchdog alarm of
 * ISOLATE_SECONDS and ends with status 1 when a CHECK failed in it, 0
 * otherwise. The parent counts one failure in check_failures, with the
 * scenario's name and the reason, for any other outcome: a signal (SIGSEGV
 * after a call through a junk pointer, SIGALRM for a hang), or exit status
 * 99: valgrind's --error-exitcode as run-ctests.sh sets it (valgrind
 * follows a forked child and checks it, leaks included, when it exits),
 * and the sanitizers' exitcode as mk/asan.mk sets it.
 *
 * isolate_summary() prints one closing line naming the failed scenarios.
 *
 * Include after check.h, with _POSIX_C_SOURCE 200809L defined first.
 */
#ifndef NAPUTIL_CTESTS_ISOLATE_H
#define NAPUTIL_CTESTS_ISOLATE_H

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef ISOLATE_SECONDS
#define ISOLATE_SECONDS 20
#endif

/* The exit status valgrind and the sanitizers give a process in which they
 * found errors (set by scripts/run-ctests.sh and mk/asan.mk). */
#define ISOLATE_TOOL_ERRORS 99

static int isolate_scenarios;
static int isolate_failed_count;
static const char *isolate_failed[64];

static void run_isolated(const char *name, void (*scenario)(void))
{
    pid_t pid;
    int status = 0;

    isolate_scenarios++;
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0) {
        perror("fork");
        check_failures++;
        return;
    }
    if (pid == 0) {
        check_failures = 0;
        alarm(ISOLATE_SECONDS);
        scenario();
        fflush(stdout);
        fflush(stderr);
        _exit(check_failures ? 1 : 0);
    }
    while (waitpid(pid, &status, 0) < 0) {
        if (errno == EINTR)
            continue;
        perror("waitpid");
        check_failures++;
        return;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return;
    check_failures++;
    if (isolate_failed_count < 64)
        isolate_failed[isolate_failed_count] = name;
    isolate_failed_count++;
    if (WIFSIGNALED(status))
        fprintf(stderr, "FAILED scenario %s: killed by signal %d (%s)%s\n", name, WTERMSIG(status),
                strsignal(WTERMSIG(status)),
                WTERMSIG(status) == SIGALRM ? ": it did not finish in time (a hang or deadlock)" : "");
    else if (WIFEXITED(status) && WEXITSTATUS(status) == ISOLATE_TOOL_ERRORS)
        fprintf(stderr, "FAILED scenario %s: valgrind or a sanitizer found memory errors (or leaks) in it (see "
                        "above)\n", name);
    else if (WIFEXITED(status))
        fprintf(stderr, "FAILED scenario %s: %s (exit status %d)\n", name,
                WEXITSTATUS(status) == 1 ? "a check failed (see above)" : "unexpected exit", WEXITSTATUS(status));
    else
        fprintf(stderr, "FAILED scenario %s: wait status 0x%x\n", name, status);
}

#define RUN_ISOLATED(fn) run_isolated(#fn, fn)

/* One closing line naming the failed scenarios (the last lines of a
 * failing run are what scripts/run-ctests.sh shows). */
static void isolate_summary(const char *program)
{
    int i;
    if (!isolate_failed_count) {
        printf("%s: %d scenario(s) passed\n", program, isolate_scenarios);
        return;
    }
    fprintf(stderr, "%s: %d of %d scenario(s) failed:", program, isolate_failed_count, isolate_scenarios);
    for (i = 0; i < isolate_failed_count && i < 64; i++)
        fprintf(stderr, " %s", isolate_failed[i]);
    fprintf(stderr, "\n");
}

#endif
