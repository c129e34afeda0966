// Call stacks (NAPUTIL_BACKTRACE) from C++, built as the other tests are
// (-O1 -g): the reports name, demangled, the member functions that
// allocated a leaked block, and for a double free the destructor that freed
// it the second time, the one that freed it first and the constructor that
// allocated it. The reports are read from a child run with the environment
// set; the misuse record's stacks are checked in this process.
#include <napUtil.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                              \
        }                                                                            \
    } while (0)

#define NOINLINE __attribute__((noinline))

// Stores after each call keep the call from becoming a jump.
void *volatile sink;

namespace widgets {

// Owns one task-memory block.
class Buffer {
public:
    NOINLINE explicit Buffer(SIZE_T size) : block_(CoTaskMemAlloc(size)) { sink = block_; }
    NOINLINE ~Buffer()
    {
        CoTaskMemFree(block_);
        sink = nullptr;
    }
    Buffer(const Buffer &) = default;  // copies the pointer: the bug under test
    void *block() const { return block_; }

private:
    void *block_;
};

struct Factory {
    NOINLINE static void *make_leaky(SIZE_T size)
    {
        void *p = CoTaskMemAlloc(size);
        sink = p;
        return p;
    }
};

// Two owners of one block: each destructor frees it.
NOINLINE void share_buffer()
{
    Buffer first(40);
    Buffer second(first);
    sink = second.block();
}

}  // namespace widgets

static int child(const char *role)
{
    if (std::strcmp(role, "report") == 0) {
        widgets::Factory::make_leaky(56);
        widgets::share_buffer();
        return 0;
    }
    return 2;
}

// Runs `self role` with stacks and the leak report on; returns its stderr.
static std::string run_child(const char *self, const char *role, int *status)
{
    int fds[2];
    if (pipe(fds) != 0) {
        std::perror("pipe");
        std::exit(1);
    }
    pid_t pid = fork();
    if (pid == 0) {
        setenv("NAPUTIL_BACKTRACE", "1", 1);
        setenv("NAPUTIL_LEAK_REPORT", "1", 1);
        unsetenv("NAPUTIL_MISUSE");
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        execl(self, self, role, static_cast<char *>(nullptr));
        _exit(127);
    }
    close(fds[1]);
    std::string err;
    char chunk[4096];
    ssize_t n;
    while ((n = read(fds[0], chunk, sizeof chunk)) > 0)
        err.append(chunk, static_cast<size_t>(n));
    close(fds[0]);
    int wstatus = 0;
    waitpid(pid, &wstatus, 0);
    *status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
    return err;
}

// The text after "in " of frame #index under the first line equal to
// `heading` at or after `from` in `err`; "" when there is none.
static std::string printed_frame(const std::string &err, size_t from, const std::string &heading, int index)
{
    if (from == std::string::npos)
        return "";
    size_t at = from;
    for (;;) {
        at = err.find(heading + "\n", at);
        if (at == std::string::npos)
            return "";
        if (at == 0 || err[at - 1] == '\n')
            break;
        at += heading.size();
    }
    size_t line = at + heading.size() + 1;
    while (err.compare(line, 5, "    #") == 0) {
        size_t end = err.find('\n', line);
        std::string text = err.substr(line, end == std::string::npos ? std::string::npos : end - line);
        int number = -1, consumed = 0;
        if (std::sscanf(text.c_str(), "    #%d 0x%*x in %n", &number, &consumed) == 1 && consumed > 0 &&
            number == index)
            return text.substr(static_cast<size_t>(consumed));
        if (end == std::string::npos)
            break;
        line = end + 1;
    }
    return "";
}

static bool starts_with(const std::string &text, const std::string &prefix)
{
    return text.compare(0, prefix.size(), prefix) == 0;
}

static bool frame_is(const std::string &err, size_t from, const std::string &heading, int index,
                     const std::string &name)
{
    std::string text = printed_frame(err, from, heading, index);
    if (starts_with(text, name) && (index == 0 || text.find("backtrace_cpp.cpp:") != std::string::npos))
        return true;
    std::fprintf(stderr, "under \"%s\", frame #%d is \"%s\", not %s\n", heading.c_str(), index, text.c_str(),
                 name.c_str());
    return false;
}

static void check_reports(const char *self)
{
    int status = -1;
    std::string err = run_child(self, "report", &status);
    CHECK(status == 0);
    size_t misuse = err.find("naputil: misuse: CoTaskMemFree(");
    CHECK(misuse != std::string::npos);
    CHECK(frame_is(err, misuse, "  freed again here:", 0, "CoTaskMemFree"));
    CHECK(frame_is(err, misuse, "  freed again here:", 1, "widgets::Buffer::~Buffer()"));
    CHECK(frame_is(err, misuse, "  freed again here:", 2, "widgets::share_buffer()"));
    CHECK(frame_is(err, misuse, "  freed before here (a block of 40 bytes):", 1, "widgets::Buffer::~Buffer()"));
    CHECK(frame_is(err, misuse, "  freed before here (a block of 40 bytes):", 2, "widgets::share_buffer()"));
    CHECK(frame_is(err, misuse, "  allocated here:", 1, "widgets::Buffer::Buffer(unsigned long)"));
    size_t leak = err.find("naputil: leak: 56 bytes at 0x");
    CHECK(leak != std::string::npos);
    CHECK(frame_is(err, leak, "  allocated here:", 0, "CoTaskMemAlloc"));
    CHECK(frame_is(err, leak, "  allocated here:", 1, "widgets::Factory::make_leaky(unsigned long)"));
    if (failures)
        std::fprintf(stderr, "--- the child's stderr ---\n%s---\n", err.c_str());
}

// What the handler saw of the double free, described while it ran.
static std::string seen_call, seen_freed, seen_allocated;

static std::string describe(const NaputilStack &stack, size_t index)
{
    if (index >= stack.count)
        return "";
    char text[512];
    naputil_describe_frame(stack.frames[index], text, sizeof text);
    return text;
}

static void handler(const NaputilMisuse *m, void *)
{
    seen_call = describe(m->call_stack, 1);
    seen_freed = describe(m->freed_stack, 1);
    seen_allocated = describe(m->allocated_stack, 1);
}

static void check_handler()
{
    CHECK(naputil_set_backtrace(1) == S_OK);
    naputil_set_misuse_handler(handler, nullptr);
    widgets::share_buffer();
    naputil_set_misuse_handler(nullptr, nullptr);
    CHECK(starts_with(seen_call, "widgets::Buffer::~Buffer()"));
    CHECK(starts_with(seen_freed, "widgets::Buffer::~Buffer()"));
    CHECK(starts_with(seen_allocated, "widgets::Buffer::Buffer(unsigned long)"));
    void *p = widgets::Factory::make_leaky(8);
    NaputilStack stack;
    CHECK(naputil_block_stack(p, &stack) == S_OK);
    CHECK(starts_with(describe(stack, 1), "widgets::Factory::make_leaky(unsigned long)"));
    CoTaskMemFree(p);
    CHECK(naputil_set_backtrace(0) == S_OK);
    CHECK(naputil_live_blocks() == 0);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        return child(argv[1]);
    check_reports(argv[0]);
    check_handler();
    if (failures)
        std::fprintf(stderr, "backtrace_cpp: %d check(s) failed\n", failures);
    return failures ? 1 : 0;
}
