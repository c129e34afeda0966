/*
 * exit_child.h: runs this test program again as a child process, in a role
 * named on its command line and in the environment variable
 * NAPUTIL_TEST_EXIT_ROLE (for code that runs before main), with or without
 * the at-exit leak report switched on, and collects its exit status and
 * stderr. Shared by the C and the C++ exit-order tests.
 *
 * EXPECT_CHILD(outcome, cond) checks cond and, when it is false, prints
 * the child's status and stderr.
 */
#ifndef NAPUTIL_CTESTS_EXIT_CHILD_H
#define NAPUTIL_CTESTS_EXIT_CHILD_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* What the leak report of a leaking child exits with. */
#define LEAK_EXIT_CODE 7

struct child_outcome {
    const char *role;
    int exited, status, signaled, signal;
    int shown; /* its stderr was printed for an earlier failed check */
    char err[8192];
};

/* Runs `self role`; `report` non-zero sets NAPUTIL_LEAK_REPORT=1 and
 * NAPUTIL_LEAK_EXITCODE=7 in the child's environment, zero removes both. */
static struct child_outcome run_child(const char *self, const char *role, int report)
{
    struct child_outcome o;
    int fds[2];
    pid_t pid;
    int wstatus = 0;
    size_t used = 0;
    ssize_t n;

    memset(&o, 0, sizeof o);
    o.role = role;
    if (pipe(fds) != 0) {
        perror("pipe");
        exit(1);
    }
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(1);
    }
    if (pid == 0) {
        unsetenv("NAPUTIL_MISUSE");
        if (report) {
            setenv("NAPUTIL_LEAK_REPORT", "1", 1);
            setenv("NAPUTIL_LEAK_EXITCODE", "7", 1);
        } else {
            unsetenv("NAPUTIL_LEAK_REPORT");
            unsetenv("NAPUTIL_LEAK_EXITCODE");
        }
        setenv("NAPUTIL_TEST_EXIT_ROLE", role, 1);
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        execl(self, self, role, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    while (used < sizeof o.err - 1 && (n = read(fds[0], o.err + used, sizeof o.err - 1 - used)) != 0) {
        if (n < 0)
            break;
        used += (size_t)n;
    }
    close(fds[0]);
    while (waitpid(pid, &wstatus, 0) < 0)
        ;
    o.exited = WIFEXITED(wstatus);
    o.status = o.exited ? WEXITSTATUS(wstatus) : -1;
    o.signaled = WIFSIGNALED(wstatus);
    o.signal = o.signaled ? WTERMSIG(wstatus) : 0;
    return o;
}

static int child_failures;

static void expect_child(struct child_outcome *o, int ok, const char *what, const char *file, int line)
{
    const char *start, *end;
    if (ok)
        return;
    child_failures++;
    fprintf(stderr, "%s:%d: role %s: CHECK failed: %s\n", file, line, o->role, what);
    if (o->shown++)
        return;
    if (o->exited)
        fprintf(stderr, "    child exited with status %d; its stderr:\n", o->status);
    else
        fprintf(stderr, "    child killed by signal %d; its stderr:\n", o->signal);
    if (!o->err[0])
        fprintf(stderr, "    | (empty)\n");
    for (start = o->err; *start; start = end + (*end != 0)) {
        end = strchr(start, '\n');
        if (!end)
            end = start + strlen(start);
        fprintf(stderr, "    | %.*s\n", (int)(end - start), start);
    }
}

#define EXPECT_CHILD(o, cond) expect_child(&(o), (cond) ? 1 : 0, #cond, __FILE__, __LINE__)

/* Whether the child's stderr has a "naputil: leak:" line. */
static int reported_leak(const struct child_outcome *o)
{
    return strstr(o->err, "naputil: leak:") != NULL;
}

#endif
