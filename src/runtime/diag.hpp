// Diagnostics: goroutine dumps, the deadlock check (Go's checkdead), and the SIGQUIT
// dump. The rule the deadlock check follows is in docs/internals.md ("Deadlock
// detection"); its inputs are counted here and in proc.cpp.
#pragma once

#include <signal.h>

#include <cstdint>
#include <string>

namespace gocxx::detail {

struct g;
class allg_snapshot;

// ensure_started: reads GOCXX_TRACEBACK (SIGQUIT dumps when it asks for all).
void diag_start();

// A plain thread starts (+1) or stops (-1) being blocked in park (proc.cpp).
void thread_blocked(int delta);
// gocxx::run's caller is waiting for its main goroutine (the check runs only then).
void run_begin();
void run_end();

// sched.lock held: the cheap half of the check (no goroutine can run: every M idle,
// every P idle, no run queue holds one, a run is waiting).
bool all_asleep_locked();
// The rest, off sched.lock: no armed timer, no thread that could still wake a goroutine.
// Prints the deadlock report and exits with status 2 when all of it holds; asks sysmon
// to re-check later when only an unaccounted plain thread stands in the way.
void checkdead();
void checkdead_recheck();  // sysmon's later look: the cheap half again, then checkdead

// The goroutine a dump is made for and its stack, taken on it (the dump itself runs on
// a thread's stack: symbolizing needs far more than a goroutine's 64 KiB).
struct dump_caller {
  const g* gp = nullptr;
  std::uintptr_t pcs[64];
  int n = 0;
};
// Fills `c` for the calling goroutine (none on a plain thread).
void capture_caller(dump_caller& c);
// Runs fn on a plain thread's stack when called on a goroutine (blocking its M for the
// while), directly otherwise.
void on_thread_stack(void (*fn)(void*), void* arg);

// Appends the dump of every goroutine in `snap` whose id passes keep (all when null), in
// Go's format, `caller`'s goroutine first.
void dump_goroutines(std::string& out, const allg_snapshot& snap, const dump_caller& caller,
                     bool (*keep)(std::uint64_t id, void* arg) = nullptr, void* arg = nullptr);

// Threads of the runtime that cannot wake a goroutine (sysmon, the sanitizer's thread
// started beside it): the deadlock check does not count them as possible wakers.
void note_helper_threads(int n);
// The threads of the process now (/proc/self/stat), or -1.
int count_process_threads();
// A SIGSEGV or SIGBUS in goroutine code that is not a stack overflow (fatal.cpp's
// handler): prints Go's report ("panic: runtime error: invalid memory address or nil
// pointer dereference" for an address in the first page, else "unexpected fault
// address"), the "[signal ...]" line and the goroutine's stack, and exits with status 2;
// with GOCXX_TRACEBACK=crash it returns instead, with the default action restored, so
// that the fault repeats and the kernel dumps core. Not async-signal-safe (symbolizing
// allocates): a fault inside the allocator may hang here, as Go's crash output can.
void report_fault(int sig, siginfo_t* info, void* uctx);

// Writes all of s to fd (retrying short writes), and ends the process with Go's status 2
// (exit_group: no destructors; shared by every report of this file and lockcycle.cpp).
void write_all(int fd, const std::string& s);
[[noreturn]] void exit2();
// Set by a fatal signal's handler before it reports: exit2 then skips what allocates.
extern thread_local bool g_in_signal_handler;

// The SIGQUIT dump (GOCXX_TRACEBACK=all, or gocxx::runtime::dump_on_sigquit()).
void install_sigquit();

}  // namespace gocxx::detail
