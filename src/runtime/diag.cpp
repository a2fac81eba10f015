// Goroutine dumps, the deadlock check and the SIGQUIT dump; see diag.hpp, and
// docs/internals.md ("Deadlock detection", "Tracebacks").
//
// The deadlock rule. Under gocxx::run, the process is deadlocked when no goroutine can
// run and nothing outside the goroutines can make one runnable:
//  - every M is idle and every P is idle, with no goroutine in any run queue;
//  - no timer is armed (a sleeping goroutine, a timeout, an after_func: each one will
//    make something runnable);
//  - every thread of the process is accounted for as one that cannot wake a goroutine:
//    the Ms, sysmon and the SIGQUIT reader, the sanitizer's own thread, and plain
//    threads blocked inside gocxx (in park, uncounted by whoever readies them). Any other
//    thread (one that sleeps, computes, or waits on a signal through signal_notify)
//    might still send, so it rules the report out; sysmon looks again later.
// Goroutines left behind by an earlier run that returned are still listed but do not
// start a check: without a run waiting there is nothing to report.
// Lock order: g_check_mu, then sched.lock (briefly); nothing is held while dumping.
#include "runtime/diag.hpp"

#include <fcntl.h>
#include <signal.h>
#include <ucontext.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "gocxx/chan.hpp"
#include "gocxx/runtime.hpp"
#include "runtime/allg.hpp"
#include "runtime/netpoll.hpp"
#include "runtime/sched.hpp"
#include "runtime/sysmon.hpp"
#include "runtime/timers.hpp"
#include "runtime/trace.hpp"
#include "runtime/traceback.hpp"


namespace gocxx::detail {

namespace {

std::atomic<int> g_blocked_threads{0};
std::atomic<int> g_runs{0};
std::atomic<int> g_helper_threads{0};  // sysmon, the SIGQUIT reader, sanitizer threads
std::mutex g_check_mu;
std::int64_t g_foreign_seen = 0;  // when a check last found an unaccounted thread (g_check_mu)

void append_header(std::string& out, const allg_entry& e, frozen_state st, const g* self) {
  [[maybe_unused]] racy_reads r;  // `reason` and `wait_since` of a goroutine seen running
  const g* gp = e.gp;
  out += "goroutine ";
  out += std::to_string(e.id);
  out += " [";
  if (gp == self || st == frozen_state::running) {
    // A goroutine inside gocxx::blocking runs on its thread: Go's "[syscall]".
    out += gp != self && gp->reason == wait_reason::syscall ? "syscall" : "running";
  } else if (gp->status.load(std::memory_order_relaxed) == g_status::runnable) {
    out += "runnable";
  } else {
    out += wait_reason_string(gp->reason);
    // As Go: the wait's length only from a minute on, in whole minutes.
    std::uint32_t waited = coarse_ms() - gp->wait_since;
    if (gp->wait_since != 0 && waited >= 60'000) {
      out += ", ";
      out += std::to_string(waited / 60'000);
      out += " minutes";
    }
  }
  out += "]:\n";
}

void append_stack(std::string& out, const allg_entry& e, frozen_state st, const dump_caller& caller, bool all_frames) {
  [[maybe_unused]] racy_reads tsan_blind;  // a frozen G's fields: ordered by the membarrier TSan cannot see
  const g* gp = e.gp;
  std::uintptr_t pcs[max_frames];
  int n = 0;
  if (gp == caller.gp) {
    format_frames(out, caller.pcs, caller.n, all_frames);
    return;
  }
  if (st == frozen_state::saved) {
    if (!gp->stk) return;  // never ran: nothing but where it was created
    const void* sp = std::atomic_ref<void*>(const_cast<g*>(gp)->ctx.sp).load(std::memory_order_acquire);
    n = unwind_saved(sp, reinterpret_cast<std::uintptr_t>(gp->stk->bottom), reinterpret_cast<std::uintptr_t>(gp->stk->top),
                     pcs, max_frames);
  } else {
    out += "goroutine running on other thread; stack unavailable\n";
    return;
  }
  format_frames(out, pcs, n, all_frames);
}

void append_created_by(std::string& out, const g* gp) {
  [[maybe_unused]] racy_reads r;
  out += "created by ";
  out += gp->created_file;
  out += ':';
  out += std::to_string(gp->created_line);
  if (gp->parent_id) {
    out += " in goroutine ";
    out += std::to_string(gp->parent_id);
  }
  out += '\n';
}

// /proc/self/stat's num_threads (field 20), or -1.
int process_threads() {
  int fd = ::open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char buf[1024];
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return -1;
  buf[n] = 0;
  const char* p = std::strrchr(buf, ')');  // the command name may hold spaces
  if (!p) return -1;
  int field = 2;
  for (; *p && field < 20; ++p) {
    if (*p == ' ') ++field;
  }
  return field == 20 ? std::atoi(p) : -1;
}

// Whether every thread of the process is one that cannot wake a goroutine.
bool threads_accounted() {
  int known;
  {
    std::lock_guard<runtime_lock> l(sched().lock);
    known = sched().mcount;
  }
  known += g_helper_threads.load(std::memory_order_acquire) + g_blocked_threads.load(std::memory_order_acquire);
  return process_threads() == known;
}

[[noreturn]] void report_deadlock(const allg_snapshot& snap) {
  std::fflush(nullptr);
  std::string out = "fatal error: all goroutines are asleep - deadlock!\n\n";
  dump_goroutines(out, snap, dump_caller{});
  write_all(2, out);
  exit2();
}

// ---- SIGQUIT ----

int g_quit_pipe[2] = {-1, -1};
std::once_flag g_quit_once;

void on_sigquit(int) {
  char c = 'q';
  [[maybe_unused]] ssize_t w = ::write(g_quit_pipe[1], &c, 1);
}

void quit_reader() {
  char c;
  while (::read(g_quit_pipe[0], &c, 1) < 0 && errno == EINTR) {
  }
  std::fflush(nullptr);
  refresh_coarse_clock();  // sysmon sleeps while the program is idle: the clock may be old
  std::string out = "SIGQUIT: quit\n\n";
  allg_snapshot snap;
  dump_goroutines(out, snap, dump_caller{});
  write_all(2, out);
  exit2();
}

}  // namespace

void install_sigquit() {
  std::call_once(g_quit_once, [] {
    if (pipe2(g_quit_pipe, O_CLOEXEC) != 0) return;
    g_helper_threads.fetch_add(1, std::memory_order_acq_rel);
    try {
      std::thread(quit_reader).detach();
    } catch (...) {
      g_helper_threads.fetch_sub(1, std::memory_order_acq_rel);
      return;
    }
    struct sigaction sa{};
    sa.sa_handler = &on_sigquit;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGQUIT, &sa, nullptr);
  });
}

void report_fault(int sig, siginfo_t* info, void* uctx) {
  g_in_signal_handler = true;
  const char* tb = std::getenv("GOCXX_TRACEBACK");
  const bool crash = tb && std::strcmp(tb, "crash") == 0;
  auto addr = reinterpret_cast<std::uintptr_t>(info->si_addr);
  std::uintptr_t pc = 0;
  auto* uc = static_cast<ucontext_t*>(uctx);
#if defined(__x86_64__)
  pc = static_cast<std::uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
#elif defined(__aarch64__)
  pc = static_cast<std::uintptr_t>(uc->uc_mcontext.pc);
#endif
  char line[160];
  std::string out;
  if (addr < 4096 && sig == SIGSEGV) {
    out = "panic: runtime error: invalid memory address or nil pointer dereference\n";
  } else {
    std::snprintf(line, sizeof line, "unexpected fault address 0x%lx\nfatal error: fault\n", static_cast<unsigned long>(addr));
    out = line;
  }
  std::snprintf(line, sizeof line, "[signal %s: %s code=0x%x addr=0x%lx pc=0x%lx]\n\n", sig == SIGSEGV ? "SIGSEGV" : "SIGBUS",
                sig == SIGSEGV ? "segmentation violation" : "bus error", static_cast<unsigned>(info->si_code),
                static_cast<unsigned long>(addr), static_cast<unsigned long>(pc));
  out += line;
  const g* gp = current_g_or_blocked();  // on_fault checked there is one
  allg_entry e{const_cast<g*>(gp), gp->id};
  dump_caller c;
  c.gp = gp;
  c.n = unwind_signal(uctx, 0, 0, c.pcs, max_frames);
  append_header(out, e, frozen_state::running, gp);
  format_frames(out, c.pcs, c.n, traceback_all_frames(), true);
  append_created_by(out, gp);
  write_all(2, out);
  if (crash) {
    signal(sig, SIG_DFL);
    return;
  }
  exit2();
}

void write_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    ssize_t w = ::write(fd, s.data() + off, s.size() - off);
    if (w <= 0) break;
    off += static_cast<std::size_t>(w);
  }
}

// exit_group directly rather than _exit: under ThreadSanitizer _exit runs interceptors
// that can crash after a stack overflow.
[[noreturn]] void exit2() {
  // A trace that runs (GOCXX_TRACE) is written first: the deadlock's, the panic's trace.
  // Not from a signal handler (report_fault): the writer allocates.
  if (!g_in_signal_handler) trace_before_exit();
  syscall(SYS_exit_group, 2);
  _exit(2);
}

thread_local bool g_in_signal_handler = false;

void note_helper_threads(int n) { g_helper_threads.fetch_add(n, std::memory_order_acq_rel); }
int count_process_threads() { return process_threads(); }

void diag_start() {
  const char* e = std::getenv("GOCXX_TRACEBACK");
  if (e && (std::strcmp(e, "all") == 0 || std::strcmp(e, "system") == 0 || std::strcmp(e, "crash") == 0)) install_sigquit();
}

void thread_blocked(int delta) { g_blocked_threads.fetch_add(delta, std::memory_order_acq_rel); }
void run_begin() { g_runs.fetch_add(1, std::memory_order_acq_rel); }
void run_end() { g_runs.fetch_sub(1, std::memory_order_acq_rel); }

bool all_asleep_locked() {
  sched_t& s = sched();
  if (g_runs.load(std::memory_order_acquire) == 0) return false;
  if (s.nmidle != s.mcount || s.runq_size.load(std::memory_order_seq_cst) != 0) return false;
  if (s.npidle.load(std::memory_order_seq_cst) != s.gomaxprocs.load(std::memory_order_relaxed)) return false;
  if (s.nmspinning.load(std::memory_order_seq_cst) != 0) return false;
  // A timed sleeper is not proof of a pending timer: its deadline may be a stopped
  // timer's (a zombie entry), and then nothing would check again until that deadline.
  // checkdead asks the heaps themselves.
  int n = s.nallp.load(std::memory_order_acquire);
  for (int i = 0; i < n; ++i) {
    p* pp = allp_at(i);
    if (pp && !pp->q.empty()) return false;
  }
  return true;
}

void checkdead() {
  std::lock_guard<std::mutex> one(g_check_mu);
  // A goroutine in IO wait is woken from outside the program (a peer, the kernel).
  if (any_live_timer() || netpoll_waiters() > 0) return;
  // A program that goes idle waiting for a plain thread (a goroutine served by a thread)
  // comes here at every idle transition: after one look found such a thread, the next
  // 10 ms leave the look to sysmon's backoff instead of reading /proc each time.
  std::int64_t now = nanotime();
  if (g_foreign_seen != 0 && now - g_foreign_seen < 10'000'000) {
    sysmon_recheck_deadlock();
    return;
  }
  if (!threads_accounted()) {
    g_foreign_seen = now;
    sysmon_recheck_deadlock();
    return;
  }
  g_foreign_seen = 0;
  allg_snapshot snap;
  for (const allg_entry& e : snap.entries()) {
    if (e.gp->status.load(std::memory_order_acquire) != g_status::waiting) return;
  }
  {
    std::lock_guard<runtime_lock> l(sched().lock);
    if (!all_asleep_locked()) return;
  }
  if (any_live_timer() || netpoll_waiters() > 0) return;
  refresh_coarse_clock();
  report_deadlock(snap);
}

void checkdead_recheck() {
  bool asleep;
  {
    std::lock_guard<runtime_lock> l(sched().lock);
    asleep = all_asleep_locked();
  }
  if (!asleep) return;
  {
    std::lock_guard<std::mutex> one(g_check_mu);
    g_foreign_seen = 0;  // sysmon's look is the one that reads /proc again
  }
  checkdead();
}

void capture_caller(dump_caller& c) {
  c.gp = current_g();
  c.n = c.gp ? unwind_here(0, 0, c.pcs, max_frames) : 0;
}

void on_thread_stack(void (*fn)(void*), void* arg) {
  if (!current_g()) {
    fn(arg);
    return;
  }
  // The goroutine parks until the thread is done, rather than joining it: its P runs
  // the others meanwhile (a dump of 100,000 goroutines takes most of a second).
  gocxx::chan<int> done(1);
  std::thread([fn, arg, done] {
    fn(arg);
    done.send(1);
  }).detach();
  done.recv();
}

void dump_goroutines(std::string& out, const allg_snapshot& snap, const dump_caller& caller,
                     bool (*keep)(std::uint64_t, void*), void* arg) {
  const bool all_frames = traceback_all_frames();
  const g* self = caller.gp;
  std::vector<allg_entry> es;
  for (const allg_entry& e : snap.entries()) {
    if (keep && !keep(e.id, arg)) continue;
    es.push_back(e);
  }
  // As Go: the goroutine that asks comes first.
  std::stable_partition(es.begin(), es.end(), [self](const allg_entry& e) { return e.gp == self; });
  constexpr std::size_t batch = 128;
  frozen_state st[batch];
  bool first = true;
  for (std::size_t at = 0; at < es.size(); at += batch) {
    std::size_t n = std::min(batch, es.size() - at);
    freeze(&es[at], n, self, st);
    for (std::size_t i = 0; i < n; ++i) {
      if (st[i] == frozen_state::gone) continue;
      if (!first) out += '\n';
      first = false;
      const allg_entry& e = es[at + i];
      append_header(out, e, st[i], self);
      append_stack(out, e, st[i], caller, all_frames);
      append_created_by(out, e.gp);
    }
    thaw(&es[at], n, self);
  }
}

}  // namespace gocxx::detail

namespace gocxx::runtime {

std::string dump() {
  detail::ensure_started();
  detail::refresh_coarse_clock();
  struct job {
    detail::dump_caller caller;
    std::string out;
  } j;
  detail::capture_caller(j.caller);
  detail::on_thread_stack(
      [](void* a) {
        auto* jp = static_cast<job*>(a);
        detail::allg_snapshot snap;
        detail::dump_goroutines(jp->out, snap, jp->caller);
      },
      &j);
  return std::move(j.out);
}

void dump(std::ostream& os) { os << dump(); }

void dump_on_sigquit() {
  detail::ensure_started();
  detail::install_sigquit();
}

}  // namespace gocxx::runtime
