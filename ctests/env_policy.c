/* The environment variables that choose the misuse policy and the at-exit
 * leak report, checked by running this program again as a child with each
 * setting and looking at its stderr and exit status. */
#define _POSIX_C_SOURCE 200809L
#include <napUtil.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                          \
        }                                                                        \
    } while (0)

/* What the child does, chosen by argv[1]. */
static int child(const char *role) {
    if (strcmp(role, "double-free") == 0) {
        void *p = CoTaskMemAlloc(32);
        CoTaskMemFree(p);
        CoTaskMemFree(p);
        return 0;
    }
    if (strcmp(role, "leak") == 0) {
        void *kept = CoTaskMemAlloc(77);
        void *freed = CoTaskMemAlloc(5);
        CoTaskMemFree(freed);
        return kept != NULL ? 0 : 4;
    }
    if (strcmp(role, "clean") == 0) {
        CoTaskMemFree(CoTaskMemAlloc(77));
        return 0;
    }
    return 2;
}

struct outcome {
    int exited, status, signaled, signal;
    char err[4096];
};

/* Runs `self role` with one extra environment setting (or none). */
static struct outcome run(const char *self, const char *role, const char *name, const char *value) {
    struct outcome o;
    int fds[2];
    pid_t pid;
    int wstatus = 0;
    size_t used = 0;
    ssize_t n;
    memset(&o, 0, sizeof o);
    if (pipe(fds) != 0) {
        perror("pipe");
        exit(1);
    }
    pid = fork();
    if (pid == 0) {
        struct rlimit no_core = {0, 0};
        setrlimit(RLIMIT_CORE, &no_core);
        unsetenv("NAPUTIL_MISUSE");
        unsetenv("NAPUTIL_LEAK_REPORT");
        unsetenv("NAPUTIL_LEAK_EXITCODE");
        if (name != NULL) setenv(name, value, 1);
        if (strcmp(role, "leak") == 0) setenv("NAPUTIL_LEAK_REPORT", "1", 1);
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        execl(self, self, role, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    while (used < sizeof o.err - 1 && (n = read(fds[0], o.err + used, sizeof o.err - 1 - used)) > 0) used += (size_t)n;
    close(fds[0]);
    waitpid(pid, &wstatus, 0);
    o.exited = WIFEXITED(wstatus);
    o.status = o.exited ? WEXITSTATUS(wstatus) : -1;
    o.signaled = WIFSIGNALED(wstatus);
    o.signal = o.signaled ? WTERMSIG(wstatus) : 0;
    return o;
}

int main(int argc, char **argv) {
    struct outcome o;
    if (argc > 1) return child(argv[1]);

    o = run(argv[0], "double-free", NULL, NULL);
    CHECK(o.exited && o.status == 0);
    CHECK(strstr(o.err, "naputil: misuse: CoTaskMemFree(") != NULL);
    CHECK(strstr(o.err, "already freed") != NULL);

    o = run(argv[0], "double-free", "NAPUTIL_MISUSE", "silent");
    CHECK(o.exited && o.status == 0);
    CHECK(strstr(o.err, "naputil") == NULL);

    o = run(argv[0], "double-free", "NAPUTIL_MISUSE", "abort");
    CHECK(o.signaled && o.signal == SIGABRT);
    CHECK(strstr(o.err, "naputil: misuse: CoTaskMemFree(") != NULL);

    o = run(argv[0], "leak", NULL, NULL);
    CHECK(o.exited && o.status == 0);
    CHECK(strstr(o.err, "naputil: leak: 77 bytes at 0x") != NULL);
    CHECK(strstr(o.err, "naputil: leak: 5 bytes") == NULL);
    CHECK(strstr(o.err, "naputil: 1 live block(s), 77 byte(s)") != NULL);

    o = run(argv[0], "leak", "NAPUTIL_LEAK_EXITCODE", "3");
    CHECK(o.exited && o.status == 3);

    o = run(argv[0], "clean", "NAPUTIL_LEAK_REPORT", "1");
    CHECK(o.exited && o.status == 0);
    CHECK(strstr(o.err, "naputil: 0 live block(s)") != NULL);

    if (failures) fprintf(stderr, "env_policy: %d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
