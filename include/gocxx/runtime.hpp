// gocxx/runtime.hpp: goroutines and the runtime package (Go's `go` statement,
// runtime.Gosched, NumGoroutine, GOMAXPROCS) and Go's panics as C++ exceptions.
//
// Goroutines run on an M:N work-stealing scheduler (Go's G/M/P design; see
// docs/internals.md). Everything that blocks in gocxx parks the calling goroutine, never
// its thread; called from a plain thread, it blocks that thread instead.
//
//   Go                               gocxx
//   go f(x)                          gocxx::go([=] { f(x); });
//   func main() { ... }              int main() { return gocxx::run([] { ... }); }
//   runtime.Gosched()                gocxx::yield();
//   runtime.NumGoroutine()           gocxx::num_goroutine();
//   runtime.GOMAXPROCS(n)            gocxx::set_max_procs(n);  (env GOCXX_MAXPROCS)
//   panic("...") / recover()         throw gocxx::panic_error("...") / try ... catch
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "gocxx/detail/task.hpp"

namespace gocxx {

// Where a goroutine was created (Go prints it as "created by ..."). Our own type rather
// than std::source_location: clang 14 with libstdc++ 12 lacks the builtin that
// std::source_location needs, and one type for every compiler keeps the library's ABI
// the same whichever compiler built it.
class source_location {
 public:
  static constexpr source_location current(const char* file = __builtin_FILE(),
                                           const char* function = __builtin_FUNCTION(),
                                           unsigned line = __builtin_LINE()) noexcept {
    source_location l;
    l.file_ = file;
    l.function_ = function;
    l.line_ = line;
    return l;
  }
  constexpr const char* file_name() const noexcept { return file_; }
  constexpr const char* function_name() const noexcept { return function_; }
  constexpr unsigned line() const noexcept { return line_; }
  constexpr unsigned column() const noexcept { return 0; }

 private:
  const char* file_ = "";
  const char* function_ = "";
  unsigned line_ = 0;
};

// A Go panic raised by gocxx: what() is Go's message, e.g. "send on closed channel".
// Catching it is Go's recover(). If it escapes a goroutine, the program prints
// "panic: <what()>" with the goroutine's id and creation site and exits with status 2.
class panic_error : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// Options for one goroutine.
//   gocxx::go({.stack_size = 1 << 20}, [] { deep_recursion(); });
struct go_options {
  std::size_t stack_size = 0;  // usable bytes; 0 means default_stack_size()
};

namespace detail {
// blocking(): the calling goroutine's P is offered up until the guard's end.
// blocking_enter returns the M (null on a plain thread) that blocking_exit takes back.
void* blocking_enter() noexcept;
void blocking_exit(void* token) noexcept;
struct blocking_guard {
  void* token = blocking_enter();
  blocking_guard() = default;
  blocking_guard(const blocking_guard&) = delete;
  blocking_guard& operator=(const blocking_guard&) = delete;
  ~blocking_guard() { blocking_exit(token); }
};
void spawn(task fn, const go_options& opts, const source_location& where);
int run_main(task fn, int* exit_code, const source_location& where);
// Go's `fatal error: go of nil func value`, raised at the go statement.
[[noreturn]] void go_nil_func(const source_location& where);

// Callables that can be nil: function and member pointers, and classes that say so
// through a member operator bool (std::function, std::move_only_function, ...).
template <class D>
concept nullable_callable = std::is_pointer_v<D> || std::is_member_pointer_v<D> || requires(const D& d) {
  d.operator bool();
};
template <class F>
bool is_nil_func(const F& f) noexcept {
  if constexpr (nullable_callable<std::decay_t<F>>) {
    return !static_cast<bool>(f);
  } else {
    return false;
  }
}
}  // namespace detail

// Starts fn as a new goroutine (Go's `go fn()`); returns at once. Works from
// goroutines and from plain threads; the runtime starts on first use.
//   gocxx::go([ch] { ch.send(42); });
template <class F>
void go(F&& fn, const source_location& where = source_location::current()) {
  if (detail::is_nil_func(fn)) detail::go_nil_func(where);
  detail::spawn(detail::task(std::forward<F>(fn)), go_options{}, where);
}
template <class F>
void go(const go_options& opts, F&& fn,
        const source_location& where = source_location::current()) {
  if (detail::is_nil_func(fn)) detail::go_nil_func(where);
  detail::spawn(detail::task(std::forward<F>(fn)), opts, where);
}

// Runs main_fn as a goroutine (the first one is goroutine 1) and returns when it returns,
// like Go's main: goroutines still running or parked are abandoned. Returns main_fn's
// int result, or 0 when it returns void.
//   int main() { return gocxx::run([] { ... }); }
template <class F>
int run(F&& main_fn, const source_location& where = source_location::current()) {
  int code = 0;
  if constexpr (std::is_convertible_v<std::invoke_result_t<F&>, int>) {
    return detail::run_main(detail::task([f = std::forward<F>(main_fn), &code]() mutable { code = f(); }), &code, where);
  } else {
    return detail::run_main(detail::task([f = std::forward<F>(main_fn)]() mutable { f(); }), &code, where);
  }
}

template <class F>
decltype(auto) blocking(F&& fn) {
  detail::blocking_guard offered;
  return std::invoke(std::forward<F>(fn));
}

// Yields the processor, letting other goroutines run (Go's runtime.Gosched). On a plain
// thread it yields the thread.
void yield();

// The number of goroutines that currently exist (Go's runtime.NumGoroutine).
int num_goroutine();

// The calling goroutine's id (goroutine 1 is the first run()'s main); 0 on a plain thread.
std::uint64_t goroutine_id();

// The number of Ps, threads running goroutines at once (Go's GOMAXPROCS).
int max_procs();
// Sets it and returns the previous value; n < 1 only queries (Go's runtime.GOMAXPROCS).
int set_max_procs(int n);

// Usable stack bytes of goroutines started without go_options::stack_size (default
// 64 KiB, env GOCXX_STACK_SIZE). Stacks are fixed-size and committed lazily.
std::size_t default_stack_size();
void set_default_stack_size(std::size_t bytes);

// Runs fn, a call that may block its thread (file I/O, getaddrinfo, a C library's wait),
// and returns its result (or rethrows its exception), letting other goroutines run on
// meanwhile: Go's entersyscall/exitsyscall. The calling goroutine keeps its thread for
// the call, and its P (the right to run goroutines) is offered up: if the call lasts
// 20 µs or more by sysmon's next look, sysmon hands the P to another thread, a pooled
// one (threads are reused, never one per call; at most max_threads() of them). Back
// from the call, the goroutine takes its P back if it was not handed off, or any idle
// one, or else waits in the global run queue. A short call costs two atomic operations.
// Inside fn the thread is a plain thread to gocxx: a channel operation or a lock there
// blocks the thread, not the goroutine. Read errno (and any thread_local) inside fn: once
// blocking returns, the goroutine may be running on another thread. On a plain thread
// blocking(fn) is just fn(). A goroutine in fn shows as "[syscall]" in a dump.
template <class F>
decltype(auto) blocking(F&& fn);

// The most threads the runtime runs goroutines and blocking calls on (default 10,000,
// env GOCXX_MAX_THREADS; Go's debug.SetMaxThreads). Unlike Go, reaching it is not fatal:
// no thread is started beyond it, and sysmon stops handing Ps away from blocking calls,
// whose goroutines' neighbours then wait for the calls to return. So a call that waits
// for another goroutine (not for the kernel or a plain thread) can wait forever at the
// bound: keep it above the calls in flight at once. Sets it (n >= 1) and returns the
// previous value; n < 1 only queries. Threads already started stay.
int set_max_threads(int n);
int max_threads();

// Returns memory the runtime holds but does not use to the operating system now (Go's
// debug.FreeOSMemory): the stacks of goroutines that have ended, beyond the few kept
// hot for reuse, and the C heap's free pages. The runtime also does this by itself
// whenever a thread of it goes idle.
void free_os_memory();

// Go's runtime diagnostics (docs/internals.md, "Deadlock detection", "Tracebacks").
//   Go                                        gocxx
//   runtime.Stack(buf, true)                  gocxx::runtime::dump(std::cerr);
//   kill -QUIT (dump and exit 2)              GOCXX_TRACEBACK=all, or runtime::dump_on_sigquit()
//   fatal error: all goroutines are asleep    the same, under gocxx::run (exit status 2)
namespace runtime {
// Every goroutine's state and call stack, in Go's format: "goroutine 7 [chan receive]:",
// its frames ("function at file:line", innermost first), "created by file:line in
// goroutine N", a blank line between goroutines; the calling goroutine first. Parked
// goroutines are read while the rest runs (each is held still while its stack is read);
// a goroutine running on another thread shows as running, stack unavailable.
// GOCXX_TRACEBACK=system also shows the runtime's own frames.
void dump(std::ostream& os);
std::string dump();
// From now on SIGQUIT prints "SIGQUIT: quit" and the dump to stderr and exits with
// status 2, as Go does (GOCXX_TRACEBACK=all sets this at start).
void dump_on_sigquit();
}  // namespace runtime

}  // namespace gocxx
