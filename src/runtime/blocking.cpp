// gocxx::blocking: a goroutine's call that may block its thread, with its P offered up
// meanwhile (Go's entersyscall/exitsyscall and sysmon's retake, runtime/proc.go).
//
// Entry (on the goroutine, M mp, P pp): mp->curg and mp->pp become null (the call's own
// code then acts as a plain thread: a channel operation blocks the thread, a ready goes
// to the global queue, never to a P this M may no longer own); mp->blocked_g/blocked_p
// remember them; pp->blocked_seq counts the entry and pp->blocked_since stamps it (one
// vDSO clock read); pp->blocked_m = mp (release) offers the P. Exit: a CAS of pp->blocked_m from mp to null takes the P back (the fast path,
// two atomic operations in all); if it fails, sysmon took the P and handed it on, and
// the goroutine takes any idle P or waits in the global queue (reacquire_p, proc.cpp).
//
// Invariants: pp->blocked_m is mp only between mp's entry and exit; whoever moves it
// from mp to null (mp's exit, or sysmon's retake) owns pp from then on. While it is mp,
// nothing but sysmon's CAS touches pp as its owner would: mp runs the call, not the
// scheduler (thieves still steal from pp's ring, as from any running P). No ABA: only mp
// stores mp there, and mp is inside the call until its own exit CAS.
//
// sysmon's retake (retake_blocked, each tick): a P whose current call began 20 µs or
// more ago is taken, unless nothing is queued for it and other Ps are idle or spinning
// (they take new work; a goroutine making call after call alone then keeps its P, for at
// most 10 ms per call, as in Go), or no thread could run it (max_threads reached and no
// idle M). Go instead retakes at the second tick that sees the same call (its syscall
// tick), which on a VM whose 20 µs sleeps take 44-95 µs is a tick later than needed.
// Seeing a call too young to retake with goroutines queued for its P, sysmon's next tick
// is 20 µs away, not its backed-off 640; a retake restarts its 50 fast ticks (Go's bet
// that a retake means work is starting).
//
// Lock order: retake and exit take sched.lock only in m_available and inside proc.cpp's
// handoff_p and reacquire_p, with nothing else held.
#include <cstdlib>
#include <mutex>
#include <vector>

#include "gocxx/runtime.hpp"
#include "runtime/blocking.hpp"
#include "runtime/sched.hpp"
#include "runtime/sysmon.hpp"

namespace gocxx::detail {

std::atomic<int> g_max_threads{10'000};

namespace {

std::atomic<std::uint64_t> g_retakes{0};  // sysmon's only; read by tests

constexpr std::int64_t retake_after_ns = 20'000;
// A call with nothing queued behind it while other Ps can take new work keeps its P
// this long (Go: 10 ms), saving a thread hand-off per call of a lone caller.
constexpr std::int64_t lone_call_ns = 10'000'000;

struct p_watch {
  m* mp = nullptr;         // blocked_m seen at the last tick
  std::uint32_t seq = 0;   // blocked_seq seen with it
  std::int64_t since = 0;  // when that call began
};

// sysmon's thread only.
std::vector<p_watch>& watches() {
  static auto* w = new std::vector<p_watch>;
  return *w;
}

// Whether an M can take a retaken P: one is idle, or another thread may be started
// (startm keeps to the bound too; this saves a retake that could only idle the P).
bool m_available() {
  sched_t& s = sched();
  std::lock_guard<runtime_lock> l(s.lock);
  return s.nmidle > 0 || s.mcount < g_max_threads.load(std::memory_order_relaxed);
}

}  // namespace

void* blocking_enter() noexcept {
  m* mp = current_m();
  if (!mp || !mp->curg) return nullptr;  // a plain thread, or nested inside a call
  p* pp = mp->pp;
  mp->blocked_g = mp->curg;
  mp->blocked_p = pp;
  mp->blocked_g->reason = wait_reason::syscall;  // the dump's "[syscall]"
  mp->curg = nullptr;
  mp->pp = nullptr;
  pp->blocked_seq.store(pp->blocked_seq.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  pp->blocked_since.store(nanotime(), std::memory_order_relaxed);
  if (pp->id < sched().gomaxprocs.load(std::memory_order_relaxed)) [[likely]] {
    // sysmon is awake: this P is not idle (npidle < gomaxprocs).
    pp->blocked_m.store(mp, std::memory_order_release);
  } else {
    // A P that set_max_procs has shrunk away and that has not retired yet: sysmon may
    // sleep with every P below max_procs idle. It re-reads blocked_m after storing its
    // `sleeping` flag (sysmon_any_blocked), we read that flag after this store.
    pp->blocked_m.store(mp, std::memory_order_seq_cst);
    sysmon_note_busy_locked();  // takes no lock, despite its name's caller
  }
  return mp;
}

void blocking_exit(void* token) noexcept {
  if (!token) return;
  m* mp = static_cast<m*>(token);
  g* gp = mp->blocked_g;
  p* pp = mp->blocked_p;
  mp->blocked_g = nullptr;
  mp->blocked_p = nullptr;
  mp->curg = gp;
  gp->reason = wait_reason::none;
  m* self = mp;
  if (pp->blocked_m.compare_exchange_strong(self, nullptr, std::memory_order_acq_rel, std::memory_order_relaxed)) {
    mp->pp = pp;
    return;
  }
  reacquire_p(mp, gp);
}

blocked_tick_result retake_blocked(std::int64_t now) {
  sched_t& s = sched();
  // Every P made, not only those below max_procs: a P shrunk away but not yet retired
  // may be in a call too, with goroutines queued on it that only its retirement frees.
  int n = s.nallp.load(std::memory_order_acquire);
  std::vector<p_watch>& ws = watches();
  if (static_cast<int>(ws.size()) < n) ws.resize(static_cast<std::size_t>(n));
  blocked_tick_result r = blocked_tick_result::none;
  for (int i = 0; i < n; ++i) {
    p* pp = allp_at(i);
    if (!pp) continue;
    p_watch& w = ws[static_cast<std::size_t>(i)];
    m* mp = pp->blocked_m.load(std::memory_order_acquire);
    if (!mp) {
      w = {};
      continue;
    }
    std::uint32_t seq = pp->blocked_seq.load(std::memory_order_relaxed);
    if (mp != w.mp || seq != w.seq) {
      // A call not seen before; its start is read after its number, so a start newer
      // than the number (the call ended and the next began between the two loads) only
      // makes it look younger.
      w = {mp, seq, pp->blocked_since.load(std::memory_order_relaxed)};
    }
    // Only this P's own queue, as Go's rule: work on the global queue is any P's, and
    // an idle or spinning one takes it (a busy program's global queue is seldom empty).
    bool queued = !pp->q.empty();
    if (now - w.since < retake_after_ns) {
      // Too young. Tick again soon only if goroutines wait for this P: a loop of short
      // calls with nothing queued must not keep sysmon at 20 µs ticks.
      if (queued && r == blocked_tick_result::none) r = blocked_tick_result::watching;
      continue;
    }
    bool lone = !queued && s.nmspinning.load(std::memory_order_relaxed) + s.npidle.load(std::memory_order_relaxed) > 0;
    if (lone && now - w.since < lone_call_ns) continue;
    if (!m_available()) continue;
    if (!pp->blocked_m.compare_exchange_strong(mp, nullptr, std::memory_order_acq_rel, std::memory_order_relaxed)) {
      continue;  // the call returned meanwhile: its M has the P again
    }
    w = {};
    g_retakes.store(g_retakes.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    handoff_p(pp);
    r = blocked_tick_result::retook;
  }
  return r;
}

std::uint64_t blocking_retakes() { return g_retakes.load(std::memory_order_relaxed); }

bool any_blocked() {
  sched_t& s = sched();
  int n = s.nallp.load(std::memory_order_acquire);
  for (int i = 0; i < n; ++i) {
    if (p* pp = allp_at(i); pp && pp->blocked_m.load(std::memory_order_seq_cst)) return true;
  }
  return false;
}

void blocking_start() {
  if (const char* e = std::getenv("GOCXX_MAX_THREADS")) {
    if (int v = std::atoi(e); v >= 1) g_max_threads.store(v, std::memory_order_relaxed);
  }
}

}  // namespace gocxx::detail

namespace gocxx {

int set_max_threads(int n) {
  detail::ensure_started();
  if (n < 1) return detail::g_max_threads.load(std::memory_order_relaxed);
  return detail::g_max_threads.exchange(n, std::memory_order_relaxed);
}

int max_threads() { return set_max_threads(0); }

}  // namespace gocxx
