// Hog reports; see hog.hpp. A P's schedtick moves at every schedule; one that has not
// moved for the threshold while the P's M runs a goroutine is running that goroutine
// all along. Reads of other Ms' fields here are racy looks (racy_reads), confirmed by
// the tick not having moved across the stack sample.
//
// Wall time alone is not running: on a loaded machine (a CI box, a sanitizer's slow
// paths) the kernel may deschedule the M for the whole threshold, and every such
// goroutine was reported as a hog. So halfway through the threshold the M's thread CPU
// clock is read, and the report waits until the thread has also used half the
// threshold of CPU since then: a hog is a goroutine that keeps its thread busy. The
// clock is read only for a P whose tick has stood still for half the threshold, so a
// scheduling program pays nothing for it.
#include "runtime/hog.hpp"

#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unordered_set>
#include <vector>

#include "runtime/allg.hpp"
#include "runtime/sched.hpp"
#include "runtime/traceback.hpp"

namespace gocxx::detail {

namespace {

#if defined(GOCXX_TSAN)
// TSan runs code 5-15x slower: 10 ms there is ordinary work (a server's start-up under
// TSan reported its first two goroutines, at 27 and 43 ms). GOCXX_HOG_MS still rules.
std::int64_t g_hog_ns = 100'000'000;
#else
std::int64_t g_hog_ns = 10'000'000;
#endif
struct sigaction g_old_urg;

struct p_watch {
  std::uint32_t tick = 0;
  std::int64_t since = 0;
  std::int64_t cpu0 = -1;  // the M's thread CPU ns at half the threshold; -1 not read yet
  int tid = 0;             // whose clock cpu0 is
  bool reported = false;
};

// The CPU time of thread `tid` of this process (Linux's per-thread CPU clock id), or -1.
std::int64_t thread_cpu_ns(int tid) {
  if (tid <= 0) return -1;
  clockid_t id = static_cast<clockid_t>((~static_cast<unsigned>(tid) << 3) | 6u);  // MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED)
  timespec ts{};
  if (clock_gettime(id, &ts) != 0) return -1;
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}
// sysmon's alone. Immortal, like everything sysmon touches: it runs on while static
// destructors run at exit.
struct hog_state {
  std::vector<p_watch> watch;
  std::unordered_set<std::uint64_t> reported;  // goroutine ids already reported
};
hog_state& state() {
  static hog_state* s = new hog_state;
  return *s;
}

void on_sigurg(int sig, siginfo_t* info, void* uctx) {
  m* mp = current_m();
  if (mp && mp->sample_state.load(std::memory_order_acquire) == 1) {
    mp->sample_n = unwind_signal(uctx, 0, 0, mp->sample_pcs, 64);
    mp->sample_state.store(2, std::memory_order_release);
    return;
  }
  // Not ours: whatever handled SIGURG before us.
  if ((g_old_urg.sa_flags & SA_SIGINFO) && g_old_urg.sa_sigaction) {
    g_old_urg.sa_sigaction(sig, info, uctx);
  } else if (g_old_urg.sa_handler != SIG_DFL && g_old_urg.sa_handler != SIG_IGN && g_old_urg.sa_handler) {
    g_old_urg.sa_handler(sig);
  }
}

void report(p* pp, m* mp, g* gp, std::uint64_t id, std::int64_t ran_ns, std::uint32_t tick) {
  std::string head;
  {
    [[maybe_unused]] racy_reads racy;
    head = "gocxx: goroutine " + std::to_string(id) + " has run " + std::to_string(ran_ns / 1'000'000) +
           " ms on one thread without blocking (created by " + gp->created_file + ":" + std::to_string(gp->created_line) + ")";
  }
  std::uint32_t waiting = pp->q.length() + (pp->q.runnext.load(std::memory_order_relaxed) ? 1 : 0);
  head += "; " + std::to_string(waiting) + (waiting == 1 ? " goroutine on its P is waiting\n" : " goroutines on its P are waiting\n");
  // Sample its stack: ask its thread, wait a little for the handler.
  std::string stack;
  // The wait is bounded in time, not in sleeps: under TSan the handler waits for the
  // thread's next intercepted call, and 50,000 usleep(1)s there took sysmon seconds of
  // CPU (an idle test server used half a core).
  mp->sample_state.store(1, std::memory_order_release);
  if (mp->tid != 0 && syscall(SYS_tgkill, getpid(), mp->tid, SIGURG) == 0) {
    std::int64_t give_up = nanotime() + 20'000'000;
    while (mp->sample_state.load(std::memory_order_acquire) != 2 && nanotime() < give_up) usleep(50);
  }
  int expected = 2;
  bool sampled = mp->sample_state.compare_exchange_strong(expected, 0, std::memory_order_acq_rel);
  if (!sampled) mp->sample_state.store(0, std::memory_order_release);
  if (sampled && pp->schedtick.load(std::memory_order_relaxed) == tick) {
    format_frames(stack, mp->sample_pcs, mp->sample_n, traceback_all_frames(), true);
  } else {
    stack = "stack unavailable\n";
  }
  std::string out = head + stack;
  std::fwrite(out.data(), 1, out.size(), stderr);
  std::fflush(stderr);
}

}  // namespace

void hog_start() {
  if (const char* e = std::getenv("GOCXX_HOG_MS")) g_hog_ns = std::atoll(e) * 1'000'000;
  if (g_hog_ns <= 0) return;
  struct sigaction sa{};
  sa.sa_sigaction = &on_sigurg;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGURG, &sa, &g_old_urg);
}

void hog_tick(std::int64_t now) {
  if (g_hog_ns <= 0) return;
  sched_t& s = sched();
  int n = s.gomaxprocs.load(std::memory_order_relaxed);
  hog_state& hs = state();
  if (static_cast<int>(hs.watch.size()) < n) hs.watch.resize(n);
  for (int i = 0; i < n; ++i) {
    p* pp = allp_at(i);
    if (!pp) continue;
    p_watch& w = hs.watch[i];
    std::uint32_t tick = pp->schedtick.load(std::memory_order_relaxed);
    // A dump holding goroutines still stops Ps from scheduling: not a hog's doing.
    // Nor is a goroutine in a blocking call (blocking.cpp retakes its P).
    if (tick != w.tick || w.since == 0 || g_freezing.load(std::memory_order_relaxed) != 0 ||
        pp->blocked_m.load(std::memory_order_relaxed) != nullptr) {
      w = {tick, now, -1, 0, false};
      continue;
    }
    if (w.reported || now - w.since < g_hog_ns / 2) continue;
    int tid;
    {
      [[maybe_unused]] racy_reads racy;
      m* owner = pp->owner;
      tid = owner && owner->curg ? owner->tid : 0;
    }
    if (tid == 0) continue;  // idle, or between goroutines on g0
    if (w.cpu0 < 0 || (w.tid > 0 && w.tid != tid)) {
      w.cpu0 = thread_cpu_ns(tid);
      w.tid = w.cpu0 < 0 ? -1 : tid;  // -1: no clock, wall time alone decides
      if (w.cpu0 < 0) w.cpu0 = 0;
      continue;
    }
    if (now - w.since < g_hog_ns) continue;
    if (w.tid > 0) {
      std::int64_t cpu = thread_cpu_ns(tid);
      if (cpu >= 0 && cpu - w.cpu0 < g_hog_ns / 2) continue;  // descheduled, not hogging
    }
    allg_snapshot keep_alive;  // no G record is deleted while we look at one
    m* mp;
    g* gp;
    std::uint64_t id;
    {
      [[maybe_unused]] racy_reads racy;
      mp = pp->owner;
      gp = mp ? mp->curg : nullptr;
      id = gp ? gp->id : 0;
    }
    w.reported = true;
    if (!gp || !hs.reported.insert(id).second) continue;
    if (hs.reported.size() > 100'000) hs.reported.clear();
    report(pp, mp, gp, id, now - w.since, tick);
  }
}

}  // namespace gocxx::detail
