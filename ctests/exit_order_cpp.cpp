/*
 * The at-exit leak report and C++ static destructors: a global object
 * whose destructor frees its task-memory block is no leak, whether the
 * object was constructed before the first allocation (and given its block
 * in main) or allocated the block in its constructor; a function-local
 * static is the same. With NAPUTIL_LEAK_REPORT=1 NAPUTIL_LEAK_EXITCODE=7
 * the process exits 0 and prints no leak line; a control that really
 * leaks exits 7 and prints it.
 *
 * Each role runs as a child process (exit_child.h). The role is also in
 * NAPUTIL_TEST_EXIT_ROLE, because the globals are constructed before main.
 *
 * naputil-test: posix-only (fork, exec)
 */
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "napUtil.h"
#include "exit_child.h"

namespace {

bool role_is(const char *role)
{
    const char *current = std::getenv("NAPUTIL_TEST_EXIT_ROLE");
    return current != nullptr && std::strcmp(current, role) == 0;
}

/* Holds a block that its destructor frees. */
struct Holder {
    void *block = nullptr;
    const char *name;
    explicit Holder(const char *n, bool allocate_now) : name(n)
    {
        if (allocate_now)
            block = CoTaskMemAlloc(32);
    }
    ~Holder()
    {
        if (block != nullptr) {
            CoTaskMemFree(block);
            std::fprintf(stderr, "exit_order_cpp: %s destructor freed its block\n", name);
        }
    }
    Holder(const Holder &) = delete;
    Holder &operator=(const Holder &) = delete;
};

/* Constructed before main, before anything has been allocated. */
Holder given_in_main("given-in-main", false);
/* Allocates in its constructor, before main, in that role only. */
Holder allocated_in_constructor("allocated-in-constructor", role_is("allocated-in-constructor"));

Holder &function_static()
{
    static Holder holder("function-static", true);
    return holder;
}

int child(const char *role)
{
    if (std::strcmp(role, "given-in-main") == 0) {
        given_in_main.block = CoTaskMemAlloc(24);
        return given_in_main.block != nullptr ? 0 : 4;
    }
    if (std::strcmp(role, "allocated-in-constructor") == 0)
        return allocated_in_constructor.block != nullptr ? 0 : 4;
    if (std::strcmp(role, "function-static") == 0) {
        void *first = CoTaskMemAlloc(8);
        CoTaskMemFree(first);
        return function_static().block != nullptr ? 0 : 4;
    }
    if (std::strcmp(role, "leak") == 0)
        return CoTaskMemAlloc(24) != nullptr ? 0 : 4;
    std::fprintf(stderr, "unknown role %s\n", role);
    return 2;
}

void expect_clean_exit(const char *self, const char *role)
{
    child_outcome o = run_child(self, role, 1);
    EXPECT_CHILD(o, o.exited && o.status == 0);
    EXPECT_CHILD(o, !reported_leak(&o));
    EXPECT_CHILD(o, std::strstr(o.err, "destructor freed its block") != nullptr);
    EXPECT_CHILD(o, std::strstr(o.err, "naputil: 0 live block(s)") != nullptr);
}

} // namespace

int main(int argc, char **argv)
{
    if (argc > 1)
        return child(argv[1]);

    expect_clean_exit(argv[0], "given-in-main");
    expect_clean_exit(argv[0], "allocated-in-constructor");
    expect_clean_exit(argv[0], "function-static");

    child_outcome o = run_child(argv[0], "leak", 1);
    EXPECT_CHILD(o, o.exited && o.status == LEAK_EXIT_CODE);
    EXPECT_CHILD(o, std::strstr(o.err, "naputil: leak: 24 bytes at 0x") != nullptr);

    if (child_failures)
        std::fprintf(stderr, "%s: %d check(s) failed\n", __FILE__, child_failures);
    return child_failures ? 1 : 0;
}
