// sysmon; see sysmon.hpp for what it does and when it sleeps.
//
// Sleeping while idle. sysmon stores `sleeping` (seq_cst) and then re-reads npidle; a P
// leaving the idle list decrements npidle (seq_cst) and then reads `sleeping`
// (sysmon_note_busy_locked). One of the two sees the other, so sysmon never sleeps
// through the start of work.
#include "runtime/sysmon.hpp"

#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "runtime/blocking.hpp"
#include "runtime/diag.hpp"
#include "runtime/grecord.hpp"
#include "runtime/hog.hpp"
#include "runtime/lock.hpp"
#include "runtime/lockcycle.hpp"
#include "runtime/netpoll.hpp"
#include "runtime/sched.hpp"

namespace gocxx::detail {

std::atomic<std::uint32_t> g_coarse_ms{0};

namespace {

std::int64_t g_start_ns = 0;
std::atomic<std::uint32_t> g_note{0};      // futex word: 1 once woken
std::atomic<bool> g_sleeping{false};
std::atomic<bool> g_recheck{false};
std::atomic<int> g_tid{0};
std::int64_t g_schedtrace_ms = 0;           // GOCXX_SCHEDTRACE
// The slowest tick while goroutines run (Go backs off to 10 ms, but Go never leaves a
// readied goroutine waiting for sysmon). Measured on the 2-core EPYC VM: docs/internals.md,
// "Spinning". Env GOCXX_SYSMON_TICK_US.
std::int64_t max_tick_us = 640;

void schedtrace(std::int64_t now) {
  sched_t& s = sched();
  std::string line = "SCHED " + std::to_string((now - g_start_ns) / 1'000'000) + "ms:";
  int procs = s.gomaxprocs.load(std::memory_order_relaxed);
  line += " gomaxprocs=" + std::to_string(procs);
  line += " idleprocs=" + std::to_string(s.npidle.load(std::memory_order_relaxed));
  int threads, idle;
  {
    std::lock_guard<runtime_lock> l(s.lock);
    threads = s.mcount;
    idle = s.nmidle;
  }
  line += " threads=" + std::to_string(threads + 1);  // + sysmon, as Go counts its own
  line += " spinningthreads=" + std::to_string(s.nmspinning.load(std::memory_order_relaxed));
  line += " idlethreads=" + std::to_string(idle);
  line += " runqueue=" + std::to_string(s.runq_size.load(std::memory_order_relaxed));
  line += " [";
  for (int i = 0; i < procs; ++i) {
    p* pp = allp_at(i);
    if (i) line += ' ';
    line += std::to_string(pp ? pp->q.length() + (pp->q.runnext.load(std::memory_order_relaxed) ? 1 : 0) : 0);
  }
  line += "]\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

// A P in a blocking call is busy even when it is beyond max_procs (blocking.cpp).
bool all_idle() {
  sched_t& s = sched();
  return s.npidle.load(std::memory_order_seq_cst) == s.gomaxprocs.load(std::memory_order_relaxed) && !any_blocked();
}

void sysmon_loop() {
  g_tid.store(static_cast<int>(syscall(SYS_gettid)), std::memory_order_relaxed);
  prctl(PR_SET_NAME, "gocxx-sysmon", 0, 0, 0);
  // A 20 µs tick is 44 µs on the EPYC VM with a 1 ns slack, 95 µs with the default 50 µs
  // (/tmp/tick.cpp, 1,000 sleeps): a blocking call's P is handed on a tick sooner
  // (BM_HandoffLatency, bench/micro_blocking.sh: 82 -> 63 µs). The fast ticks are counted
  // (50 per start, rescue or retake), so this shortens them, not adds to them.
  prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
  int quiet = 0;
  std::int64_t idle_since = 0;  // when every P was first seen idle in a row of ticks; 0: busy
  std::int64_t last_trace = nanotime();
  std::int64_t recheck_ns = 10'000'000;
  for (;;) {
    // 20 µs for the first 50 ticks after a start or a rescue, then doubling up to
    // max_tick_us: the bound on how long a goroutine readied behind one that runs on
    // without blocking waits for the rescue (about two ticks; rescue_stranded_work).
    std::int64_t delay_us = quiet <= 50 ? 20 : std::min<std::int64_t>(max_tick_us, 20LL << std::min(quiet - 50, 20));
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
    refresh_coarse_clock();
    std::int64_t now = nanotime();
    if (g_schedtrace_ms > 0 && now - last_trace >= g_schedtrace_ms * 1'000'000) {
      last_trace = now;
      schedtrace(now);
    }
    lockcycle_tick(now);
    hog_tick(now);
    grecord_scavenge_tick(now);
    netpoll_sysmon_tick(now);
    if (rescue_stranded_work()) quiet = 50;  // back to 20 µs, doubling again from there
    // A blocking call in progress: the next tick (20 µs) may retake its P. A retake starts
    // the 50 fast ticks over (Go's sysmon: a retake bets that work is starting).
    switch (retake_blocked(now)) {
      case blocked_tick_result::none: break;
      case blocked_tick_result::watching: quiet = std::min(quiet, 49); break;
      case blocked_tick_result::retook: quiet = 0; break;
    }
    // Sleep only once the runtime has stayed idle at every tick for 50 ms: a program
    // that idles often but briefly (a goroutine that sleeps 50 µs at a time) would
    // otherwise pay a futex wake of sysmon at nearly every wake-up of its own (measured:
    // sleep_latency 1.2 -> 15 µs at procs 1).
    if (!all_idle()) {
      idle_since = 0;
    } else if (idle_since == 0) {
      idle_since = now;
    }
    if (g_schedtrace_ms <= 0 && idle_since != 0 && now - idle_since >= 50'000'000 && all_idle()) {
      // Nothing runs: sleep until a P is taken (note 1), or, while a deadlock check
      // waits on a plain thread, until it is time to check again (note 2 re-arms).
      g_note.store(0, std::memory_order_relaxed);
      g_sleeping.store(true, std::memory_order_seq_cst);
      std::int64_t recheck_at = nanotime();
      while (all_idle()) {
        // Goroutines blocked on locks keep the lock-cycle check ticking (100 ms); a
        // deadlock check held back by a plain thread is retried with backoff.
        // Free G records beyond the scavenger's slack: wake once a window to give
        // them back.
        bool recheck = g_recheck.load(std::memory_order_acquire);
        bool locks = lockcycle_wanted();
        bool scavenge = grecord_scavenge_wanted();
        std::int64_t wait_ns = INT64_MAX;
        if (recheck) wait_ns = recheck_ns;
        if (locks) wait_ns = std::min<std::int64_t>(wait_ns, 100'000'000);
        if (scavenge) wait_ns = std::min<std::int64_t>(wait_ns, grecord_window_ns);
        if (wait_ns != INT64_MAX) {
          futex_wait_for(&g_note, 0, wait_ns);
        } else {
          futex_wait(&g_note, 0);
        }
        std::uint32_t v = g_note.exchange(0, std::memory_order_acq_rel);
        if (v == 1) break;
        if (v == 0) {
          refresh_coarse_clock();
          std::int64_t t = nanotime();
          if (recheck && t - recheck_at >= recheck_ns) {
            g_recheck.store(false, std::memory_order_relaxed);
            recheck_ns = std::min<std::int64_t>(recheck_ns * 2, 1'000'000'000);
            recheck_at = t;
            checkdead_recheck();  // may ask again
          }
          lockcycle_tick(t);
          grecord_scavenge_tick(t);
        }
      }
      g_sleeping.store(false, std::memory_order_relaxed);
      recheck_ns = 10'000'000;
      refresh_coarse_clock();
      idle_since = 0;
      // The tick stays backed off: with no P to retake (yet) there is nothing a faster
      // tick would do, and 20 µs ticks would take CPU from the goroutines just woken.
      continue;
    }
    ++quiet;
  }
}

}  // namespace

// Starts at 1, not 0: a wait_since of 0 means "never stamped", and a goroutine that
// parks in the runtime's first millisecond must still count as waiting since then (the
// lock-cycle check skipped such waiters for good: a flaky ABBA test found it).
void refresh_coarse_clock() {
  g_coarse_ms.store(static_cast<std::uint32_t>((nanotime() - g_start_ns) / 1'000'000) + 1, std::memory_order_relaxed);
}

void sysmon_start() {
  g_start_ns = nanotime();
  refresh_coarse_clock();
  if (const char* e = std::getenv("GOCXX_SCHEDTRACE")) g_schedtrace_ms = std::atoll(e);
  if (const char* e = std::getenv("GOCXX_SYSMON_TICK_US")) max_tick_us = std::max<std::int64_t>(20, std::atoll(e));
  hog_start();
  try {
    // The first thread the runtime starts may bring a sanitizer's own along (TSan's
    // background thread): counted with sysmon as threads that wake no goroutine, when
    // the process had no other thread to muddle the count.
    int before = count_process_threads();
    std::thread(sysmon_loop).detach();
    int after = count_process_threads();
    note_helper_threads(before == 1 && after > 2 ? after - 1 : 1);  // sysmon (+ the sanitizer's)
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gocxx: sysmon not started (%s): no schedtrace, no deadlock re-checks\n", e.what());
  }
}

void sysmon_note_busy_locked() {
  if (g_sleeping.load(std::memory_order_seq_cst) && g_note.exchange(1, std::memory_order_acq_rel) != 1) {
    refresh_coarse_clock();  // before the woken M's goroutines park and stamp it
    futex_wake(&g_note, 1);
  }
}

void sysmon_recheck_deadlock() {
  if (g_recheck.exchange(true, std::memory_order_acq_rel)) return;  // already asked
  std::uint32_t zero = 0;
  if (g_sleeping.load(std::memory_order_seq_cst) && g_note.compare_exchange_strong(zero, 2, std::memory_order_acq_rel)) {
    futex_wake(&g_note, 1);  // it sleeps untimed: make it take up the timed re-check
  }
}

int sysmon_tid() { return g_tid.load(std::memory_order_relaxed); }

}  // namespace gocxx::detail
