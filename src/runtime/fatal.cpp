// Go's fatal errors, escaped panics and the stack-overflow signal handler.
// Output is assembled in a fixed buffer and written with write(2), so the paths that
// the SIGSEGV handler uses are async-signal-safe; all of them end in _exit(2), as Go's
// runtime exits with status 2 (stdio is flushed first except from the signal handler).
#include "runtime/fatal.hpp"

#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include "gocxx/runtime.hpp"
#include "runtime/diag.hpp"
#include "runtime/sched.hpp"

#if defined(GOCXX_ASAN)
#include <sanitizer/common_interface_defs.h>
#endif

namespace gocxx::detail {

namespace {

struct out_buf {
  char data[2048];
  std::size_t len = 0;
  void put(const char* s) {
    while (*s && len < sizeof data) data[len++] = *s++;
  }
  void put(std::uint64_t v) {
    char tmp[24];
    int n = 0;
    do {
      tmp[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v);
    while (n > 0 && len < sizeof data) data[len++] = tmp[--n];
  }
  void flush() {
    std::size_t off = 0;
    while (off < len) {
      ssize_t w = ::write(2, data + off, len - off);
      if (w <= 0) break;
      off += static_cast<std::size_t>(w);
    }
  }
};

void put_goroutine(out_buf& b, const g* gp, const char* state) {
  if (!gp) return;
  b.put("\ngoroutine ");
  b.put(gp->id);
  b.put(" [");
  b.put(state);
  b.put("]:\ncreated by ");
  b.put(gp->created_file);
  b.put(":");
  b.put(static_cast<std::uint64_t>(gp->created_line));
  if (gp->parent_id) {
    b.put(" in goroutine ");
    b.put(gp->parent_id);
  }
  b.put("\n");
}

std::uintptr_t fault_sp(void* uctx) {
  auto* uc = static_cast<ucontext_t*>(uctx);
#if defined(__x86_64__)
  return static_cast<std::uintptr_t>(uc->uc_mcontext.gregs[REG_RSP]);
#elif defined(__aarch64__)
  return static_cast<std::uintptr_t>(uc->uc_mcontext.sp);
#else
  (void)uc;
  return 0;
#endif
}

// True when `sp` lies below gp's stack, within reach of a recursion that ran off its end
// (it runs down through the slots below it; a slab spans 128 slots of at most a few
// hundred KiB). A goroutine's own stack pointer is never below its stack otherwise.
bool sp_overflowed(const g* gp, std::uintptr_t sp) {
  auto bottom = reinterpret_cast<std::uintptr_t>(gp->stk->bottom);
  return sp < bottom && bottom - sp <= (std::uintptr_t{64} << 20);
}

#if defined(GOCXX_ASAN)
// AddressSanitizer's death callback: runs after ASan printed a report, before it exits.
// A runaway recursion on an unguarded stack writes into the slots below it; when it
// reaches a parked goroutine's frames there, ASan sees their redzones and reports a
// stack-buffer-overflow before anything faults (whether it does depends on which slot
// lies below: seen in 13 of 40 runs on one machine). When the stack pointer is below the
// running goroutine's stack, that report was this goroutine's stack overflow: say so in
// gocxx's words and exit with status 2, so every build ends an overflow the same way
// (under ASan, with ASan's report of the first bad write above ours).
void on_asan_death() {
  g* gp = current_g_or_blocked();
  if (gp && gp->stk && sp_overflowed(gp, reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0)))) {
    fatal_stack_overflow(gp);
  }
}
#endif

struct sigaction g_old_segv, g_old_bus;
std::once_flag g_handler_once;

void on_fault(int sig, siginfo_t* info, void* uctx) {
  g_in_signal_handler = true;
  g* gp = current_g_or_blocked();
  if (gp && gp->stk) {
    if (gp->stk->in_guard(info->si_addr)) fatal_stack_overflow(gp);
    // Unguarded stack: a runaway recursion faults somewhere below the stack (in another
    // slot's guard or an unmapped page) before any switch checks the canary. The stack
    // pointer itself tells: it is below the bottom.
    if (sp_overflowed(gp, fault_sp(uctx))) fatal_stack_overflow(gp);
#if !defined(GOCXX_ASAN) && !defined(GOCXX_TSAN)
    // Any other fault in goroutine code: Go's panic report (diag.cpp). Under a
    // sanitizer its own report (chained to below) says more, so it keeps the signal.
    report_fault(sig, info, uctx);
    return;  // GOCXX_TRACEBACK=crash: the default action is back, the fault repeats
#endif
  }
  struct sigaction& old = sig == SIGSEGV ? g_old_segv : g_old_bus;
  if ((old.sa_flags & SA_SIGINFO) && old.sa_sigaction) {
    old.sa_sigaction(sig, info, uctx);
    return;
  }
  if (old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN && old.sa_handler) {
    old.sa_handler(sig);
    return;
  }
  // Not ours: restore the default action and return, so the fault repeats and kills us.
  signal(sig, SIG_DFL);
}

}  // namespace

void fatal_error(const char* what, const char* detail) {
  std::fflush(nullptr);
  out_buf b;
  if (detail) {
    b.put(detail);
    b.put("\n");
  }
  b.put("fatal error: ");
  b.put(what);
  b.put("\n");
  put_goroutine(b, current_g(), "running");
  b.flush();
  exit2();
}

void go_nil_func(const gocxx::source_location& where) {
  std::fflush(nullptr);
  out_buf b;
  b.put("fatal error: go of nil func value\n");
  put_goroutine(b, current_g(), "running");
  b.put("go statement at ");
  b.put(where.file_name());
  b.put(":");
  b.put(static_cast<std::uint64_t>(where.line()));
  b.put("\n");
  b.flush();
  exit2();
}

void fatal_stack_overflow(const g* gp) {
  out_buf b;
  b.put("runtime: goroutine ");
  b.put(gp->id);
  b.put(" stack exceeds ");
  b.put(static_cast<std::uint64_t>(gp->stk ? gp->stk->requested : 0));
  b.put("-byte limit");
  b.put(gp->stk && !gp->stk->guarded ? " (canary below the stack overwritten)\n" : "\n");
  b.put("fatal error: stack overflow\n");
  put_goroutine(b, gp, "running");
  b.flush();
  exit2();
}

void report_panic(const g* gp, std::exception_ptr e) {
  std::string what;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    what = x.what();
  } catch (...) {
    what = "unknown C++ exception";
  }
  std::fflush(nullptr);
  std::string text = "panic: " + what + "\n";
  out_buf b;
  put_goroutine(b, gp, "running");
  text.append(b.data, b.len);
  std::size_t off = 0;
  while (off < text.size()) {
    ssize_t w = ::write(2, text.data() + off, text.size() - off);
    if (w <= 0) break;
    off += static_cast<std::size_t>(w);
  }
  exit2();
}

void install_signal_stack() {
  // Room for the crash report too: symbolizing a faulting goroutine (report_fault) runs
  // libdw here and needs well over 64 KiB. Pages are committed only as they are touched.
  constexpr std::size_t size = 512 * 1024;
  void* mem = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) return;
  stack_t ss{};
  ss.ss_sp = mem;
  ss.ss_size = size;
  sigaltstack(&ss, nullptr);
}

void install_overflow_handler() {
  std::call_once(g_handler_once, [] {
    struct sigaction sa{};
    sa.sa_sigaction = &on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &g_old_segv);
    sigaction(SIGBUS, &sa, &g_old_bus);
#if defined(GOCXX_ASAN)
    __sanitizer_set_death_callback(&on_asan_death);
#endif
  });
}

}  // namespace gocxx::detail
