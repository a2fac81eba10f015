// The goroutine scheduler: Go's G/M/P design (runtime/proc.go), adapted to fixed stacks
// and to the constraints measured on our machines (docs/internals.md, "Scheduler").
//
// G, M, P. A G is a goroutine (a fiber). An M is an OS thread. A P is the right to run
// goroutines: max_procs of them exist, each with a local run queue (runq.hpp: a ring of
// 256 and a `runnext` slot), a stack cache and a free-G list. An M runs Gs only while it
// holds a P. A global run queue (sched.lock) takes overflow, yields and Gs readied from
// plain threads; a P checks it first every 61st schedule so nothing there starves.
//
// Switching. A G that blocks calls park(); schedule_away() picks the next G from the
// local P (runnext first, so a hand-off runs next on the same P, hot in cache) and
// switches straight to it: one context switch per hand-off, not Go's two (G -> g0 -> G).
// Only when the P has nothing does the M go to its own stack (g0) and run the idle loop
// (findrunnable). The unlock of the primitive the G parks on, and the freeing of an
// exited G's stack, run as an `after_switch` action on the side switched to, because
// until the switch completes the old G's registers are not saved. A park may instead
// unlock before the switch (unlock_at::before_switch, park.hpp); then g::switching, set
// before that unlock and cleared by an after_switch action, makes whoever resumes the
// G wait out the few instructions until its context is saved.
//
// Spinning. Waking a sleeping thread costs ~20-40 µs one way on our VMs while a
// spinning one answers in <100 ns (LIMITS.md #9, #11). So, as in Go, an M without work
// first *spins*: it tries to steal half of a random victim's queue, repeatedly, for up
// to spin_ns, before it gives its P back and sleeps on its futex. At most half of the
// busy Ps may have a spinning M. ready() and spawn() call wakep(), which starts a
// spinning M only when none is spinning and a P is idle, so a busy runtime makes
// almost no futex calls and an idle one burns no CPU once the spin ends. A ready that
// is a hand-off (the G in runnext, nothing behind it) wakes no one: its peer runs here
// once the readier blocks, and a thief may not take it meanwhile; sysmon rescues it if
// the readier runs on instead (rescue_stranded_work). Only a spinner looks for work
// again after giving its P back, and only for work it may steal (any_work_stealable).
// Lost wake-ups are excluded as in Go: a producer publishes work (seq_cst) and then
// reads nmspinning; a spinner decrements nmspinning (seq_cst) and then re-checks every
// run queue before sleeping. One of the two sees the other.
//
// runnext is not stolen while a thief still has spin time left: a hand-off's peer is
// about to run on its own P and moving it across cores costs more than it gains.
// The last round before sleeping steals it, so a G readied behind a goroutine that
// never blocks waits at most ~spin_ns. Nor is a ring stolen from a P that keeps
// scheduling, unless it is backed up (steal_quiet_ns, steal_backlog): goroutines that
// talk stay on one core, where each hand-off is a few cache hits instead of misses.
//
// Timers (timers.hpp): a schedule that finds its P's timers due goes to g0, where
// findrunnable runs them (and other Ps' due ones before sleeping); one idle M, the timed
// sleeper, bounds its futex sleep by the earliest deadline (stopm, wake_for_timer).
// The network poller (netpoll.hpp) shares the timed sleeper's role: while goroutines wait
// for I/O, that M sleeps in epoll_wait instead of its futex, and kicks reach it through
// the poller's eventfd (m_wake). A goroutine in a gocxx::blocking call offers its P up
// (blocking.cpp); sysmon takes it and handoff_p gives it to another M, and the call's
// return takes a P back (reacquire_p) or queues the goroutine.
//
// Lock order: sched.lock -> stack pool locks; the G records' locks are leaves. ready() takes
// no lock when the caller has a P, and sched.lock otherwise, so primitives may call it
// with their own lock held.
#include <linux/futex.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cxxabi.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

#include "gocxx/runtime.hpp"
#include "runtime/allg.hpp"
#include "runtime/diag.hpp"
#include "runtime/fatal.hpp"
#include "runtime/grecord.hpp"
#include "runtime/lock.hpp"
#include "runtime/blocking.hpp"
#include "runtime/netpoll.hpp"
#include "runtime/sched.hpp"
#include "runtime/schedseed.hpp"
#include "runtime/sysmon.hpp"
#include "runtime/trace.hpp"

#if defined(GOCXX_ASAN)
#include <sanitizer/lsan_interface.h>
#endif

namespace gocxx::detail {

namespace {

constexpr int max_p = 1024;  // == size of m::seen_tick
std::int64_t spin_ns = 50'000;  // docs/internals.md, "Spinning"; env GOCXX_SPIN_NS
// A spinning M steals from a P's ring only when that P has not scheduled for
// steal_quiet_ns (it is running one goroutine: the ring waits on it), or when the ring
// holds steal_backlog or more (more than it will soon get to); see steal_work.
std::int64_t steal_quiet_ns = 3'000;  // env GOCXX_STEAL_QUIET_NS
std::uint32_t steal_backlog = 16;     // env GOCXX_STEAL_BACKLOG

sched_t* g_sched = nullptr;

std::atomic<p*> g_allp[max_p];
std::once_flag g_start_once;
// initial-exec: a direct %fs-relative load, never a cached __tls_get_addr result
// (which could be reused after a switch moved the goroutine to another thread).
[[gnu::tls_model("initial-exec")]] thread_local m* tls_m = nullptr;
thread_local waiter tls_waiter;

std::uint32_t xorshift(std::uint32_t& s) {
  if (s == 0) s = 0x9e3779b9u ^ static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(&s));
  s ^= s << 13;
  s ^= s >> 17;
  s ^= s << 5;
  return s;
}

// Saves the running context's exception state into (save_c, save_u) and installs
// (load_c, load_u). Field by field: a G keeps wait_since in the padding after them.
inline void eh_swap(m* mp, void*& save_c, unsigned int& save_u, void* load_c, unsigned int load_u) {
  save_c = mp->eh->caught;
  save_u = mp->eh->uncaught;
  mp->eh->caught = load_c;
  mp->eh->uncaught = load_u;
}

// noexcept: an action runs on whatever context the M switched to, so an exception
// escaping it would surface in an unrelated goroutine; none may throw (thread creation,
// the one that could, is a fatal error: start_thread).
void run_after(m* mp) noexcept {
  after_switch a = mp->after;
  mp->after = {};
  if (a.fn) a.fn(a.arg);
}

// ---- global run queue (sched.lock held unless said) ----
//
// Why segments (sched.hpp, runq_seg): spawn at procs 2 spills the spawner's full ring
// here 129 Gs at a time while the other P takes them. Taken as a list, the taker walked
// its share's schedlinks under sched.lock, each a cache miss on a record the spawner had
// just written, and the spawner's next spill waited for the lock meanwhile (a dwarf
// profile of the slow phase: 14% in globrunqget_locked, 9.5% in the spawner's lock_slow).
// Now a take unlinks whole segments in O(1) and walks them after unlocking.

// Appends the chain head..tail (n Gs, tail's schedlink already null) as one segment, or
// onto the last one while both fit in a segment (or no slot is left).
void globrunq_append_locked(g* head, g* tail, std::int64_t n) {
  sched_t& s = *g_sched;
  if (s.runq_nsegs > 0) {
    runq_seg& last = s.runq_segs[(s.runq_seg_first + s.runq_nsegs - 1) % sched_t::max_runq_segs];
    if (last.n + n <= runq_seg::cap || s.runq_nsegs == sched_t::max_runq_segs) {
      last.tail->schedlink = head;
      last.tail = tail;
      last.n += n;
      trace_globrunq(s.runq_size.fetch_add(n, std::memory_order_seq_cst) + n);
      return;
    }
  }
  s.runq_segs[(s.runq_seg_first + s.runq_nsegs) % sched_t::max_runq_segs] = {head, tail, n};
  ++s.runq_nsegs;
  trace_globrunq(s.runq_size.fetch_add(n, std::memory_order_seq_cst) + n);
}

void globrunqput_locked(g* gp) {
  gp->schedlink = nullptr;
  globrunq_append_locked(gp, gp, 1);
}

void globrunqput_batch_locked(g* head, g* tail, std::int64_t n) {
  tail->schedlink = nullptr;
  globrunq_append_locked(head, tail, n);
}

void runqput(p* pp, g* gp, bool next);

// Takes up to `max` (>= 1) Gs off the front of the first segment: the chain
// head..*tail of *n Gs (tail's schedlink null), or null when the queue is empty. Walks
// the chain only when it splits a segment.
g* globrunq_take_front_locked(std::int64_t max, g** tail, std::int64_t* n) {
  sched_t& s = *g_sched;
  if (s.runq_nsegs == 0) return nullptr;
  runq_seg& first = s.runq_segs[s.runq_seg_first];
  g* head = first.head;
  if (first.n <= max) {
    *tail = first.tail;
    *n = first.n;
    first = {};
    s.runq_seg_first = (s.runq_seg_first + 1) % sched_t::max_runq_segs;
    --s.runq_nsegs;
  } else {
    g* t = head;
    for (std::int64_t i = 1; i < max; ++i) t = t->schedlink;
    first.head = t->schedlink;
    first.n -= max;
    t->schedlink = nullptr;
    *tail = t;
    *n = max;
  }
  trace_globrunq(s.runq_size.fetch_sub(*n, std::memory_order_relaxed) - *n);
  return head;
}

// One G off the global queue (the 1-in-61 fairness check), or null.
g* globrunqget_one_locked() {
  g* tail;
  std::int64_t n = 0;
  return globrunq_take_front_locked(1, &tail, &n);
}

// A fair share of the global queue in whole segments: the first (up to a segment's
// worth), then the next ones while the total stays within size/procs + 1 and half a
// ring. Returns a chain of *n Gs, or null.
g* globrunq_take_share_locked(std::int64_t* n) {
  sched_t& s = *g_sched;
  std::int64_t size = s.runq_size.load(std::memory_order_relaxed);
  if (size == 0) return nullptr;
  std::int64_t share = size / s.gomaxprocs.load(std::memory_order_relaxed) + 1;
  share = std::min<std::int64_t>(share, runq::size / 2);
  g* tail = nullptr;
  g* head = globrunq_take_front_locked(runq_seg::cap, &tail, n);
  while (s.runq_nsegs > 0 && *n + s.runq_segs[s.runq_seg_first].n <= share) {
    g* more_tail = nullptr;
    std::int64_t more = 0;
    tail->schedlink = globrunq_take_front_locked(runq_seg::cap, &more_tail, &more);
    tail = more_tail;
    *n += more;
  }
  return head;
}

// sched.lock NOT held. Gives pp the G to run from a chain taken off the global queue
// and puts the rest (n - 1 Gs) on its local queue, walking the chain off the lock.
g* globrunq_run_chain(p* pp, g* chain, std::int64_t n) {
  g* rest = chain->schedlink;
  for (std::int64_t i = 1; i < n; ++i) {
    g* next = rest->schedlink;  // before runqput: a spill may relink rest
    runqput(pp, rest, false);
    rest = next;
  }
  return chain;
}

// Locks sched.lock, takes a fair share of the global queue, and returns one G of it
// for pp to run, the rest on pp's local queue; null when the queue is empty.
g* globrunqget(p* pp) {
  sched_t& s = *g_sched;
  g* chain;
  std::int64_t n = 0;
  {
    std::lock_guard<runtime_lock> l(s.lock);
    chain = globrunq_take_share_locked(&n);
  }
  return chain ? globrunq_run_chain(pp, chain, n) : nullptr;
}

// ---- local run queue ----

// Owner only. Moves half of a full local queue plus gp to the global queue.
bool runqputslow(p* pp, g* gp, std::uint32_t h, std::uint32_t t) {
  constexpr std::uint32_t n = runq::size / 2;
  if (t - h != runq::size) return false;
  g* batch[n + 1];
  for (std::uint32_t i = 0; i < n; ++i) batch[i] = pp->q.ring[(h + i) % runq::size].load(std::memory_order_relaxed);
  if (!pp->q.head.compare_exchange_strong(h, h + n, std::memory_order_release, std::memory_order_relaxed)) return false;
  batch[n] = gp;
  for (std::uint32_t i = 0; i < n; ++i) batch[i]->schedlink = batch[i + 1];
  std::lock_guard<runtime_lock> l(g_sched->lock);
  globrunqput_batch_locked(batch[0], batch[n], n + 1);
  return true;
}

// Ms inside a steal of some P's runnext (runqgrab); see runnext_owned.
std::atomic<int> g_runnext_thieves{0};

// Owner only. True when this P may use plain loads and stores on its runnext: there is
// one P (procs 1), so only a thief left over from a larger procs could touch it, and
// none is stealing a runnext. The runq.hpp invariant on runnext_private, made so: the
// owner sets the flag and then looks for thieves, a thief counts itself and then looks
// at the flag (all seq_cst), so one of the two sees the other; a thief that sees the
// flag set leaves runnext alone, an owner that sees a thief clears the flag and uses
// the exchange protocol this time. When procs grows the owner clears the flag (release)
// before its next access (at once when the owner itself grows it: set_max_procs), and
// thieves read it with acquire. Until then they leave this runnext alone: after a plain
// thread grows max_procs from 1, a G readied there waits for this P's next run-queue
// operation, as at procs 1 (with no preemption yet, a goroutine that never schedules
// keeps it waiting; docs/internals.md).
bool runnext_owned(p* pp) {
  bool single = g_sched->gomaxprocs.load(std::memory_order_relaxed) == 1;
  if (pp->q.runnext_private.load(std::memory_order_relaxed)) {
    if (single) return true;
    pp->q.runnext_private.store(false, std::memory_order_release);
    return false;
  }
  if (!single) return false;
  pp->q.runnext_private.store(true, std::memory_order_seq_cst);
  if (g_runnext_thieves.load(std::memory_order_seq_cst) == 0) return true;
  pp->q.runnext_private.store(false, std::memory_order_relaxed);
  return false;
}

// Owner only. Puts gp (null: nothing) in runnext and returns what was there. At procs 1
// without atomic read-modify-writes: two locked instructions less per hand-off (ring of
// 10,000 goroutines, procs 1: 190 -> 170 ns/hop; docs/internals.md, "Scheduler").
g* runnext_swap(p* pp, g* gp) {
  if (runnext_owned(pp)) {
    g* old = pp->q.runnext.load(std::memory_order_relaxed);
    pp->q.runnext.store(gp, std::memory_order_relaxed);
    return old;
  }
  return pp->q.runnext.exchange(gp, std::memory_order_seq_cst);
}

void runqput(p* pp, g* gp, bool next) {
  if (next) {
    gp = runnext_swap(pp, gp);
    if (!gp) return;  // the kicked-out old runnext goes to the tail
  }
  for (;;) {
    std::uint32_t h = pp->q.head.load(std::memory_order_acquire);
    std::uint32_t t = pp->q.tail.load(std::memory_order_relaxed);
    if (t - h < runq::size) {
      pp->q.ring[t % runq::size].store(gp, std::memory_order_relaxed);
      pp->q.tail.store(t + 1, std::memory_order_seq_cst);
      return;
    }
    if (runqputslow(pp, gp, h, t)) return;
  }
}

// Owner only.
g* runqget(p* pp) {
  if (pp->q.runnext.load(std::memory_order_relaxed)) {
    if (g* next = runnext_swap(pp, nullptr)) return next;
  }
  for (;;) {
    std::uint32_t h = pp->q.head.load(std::memory_order_acquire);
    std::uint32_t t = pp->q.tail.load(std::memory_order_relaxed);
    if (t == h) return nullptr;
    g* gp = pp->q.ring[h % runq::size].load(std::memory_order_relaxed);
    if (pp->q.head.compare_exchange_weak(h, h + 1, std::memory_order_release, std::memory_order_relaxed)) return gp;
  }
}

// Thief side: takes half of victim's queue into batch; returns how many.
std::uint32_t runqgrab(p* victim, g** batch, bool steal_runnext, std::uint32_t min_ring) {
  for (;;) {
    std::uint32_t h = victim->q.head.load(std::memory_order_acquire);
    std::uint32_t t = victim->q.tail.load(std::memory_order_acquire);
    std::uint32_t n = t - h;
    n = n < min_ring ? 0 : n - n / 2;
    if (n == 0) {
      if (steal_runnext && victim->q.runnext.load(std::memory_order_relaxed)) {
        g_runnext_thieves.fetch_add(1, std::memory_order_seq_cst);  // see runnext_owned
        g* next = nullptr;
        if (!victim->q.runnext_private.load(std::memory_order_seq_cst)) {
          next = victim->q.runnext.exchange(nullptr, std::memory_order_acq_rel);
        }
        g_runnext_thieves.fetch_sub(1, std::memory_order_release);
        if (next) {
          batch[0] = next;
          return 1;
        }
      }
      return 0;
    }
    if (n > runq::size / 2) continue;  // read head and tail at different times; retry
    for (std::uint32_t i = 0; i < n; ++i) batch[i] = victim->q.ring[(h + i) % runq::size].load(std::memory_order_relaxed);
    if (victim->q.head.compare_exchange_weak(h, h + n, std::memory_order_acq_rel, std::memory_order_relaxed)) return n;
  }
}

g* runqsteal(p* pp, p* victim, bool steal_runnext, std::uint32_t min_ring) {
  g* batch[runq::size / 2];
  std::uint32_t n = runqgrab(victim, batch, steal_runnext, min_ring);
  if (n == 0) return nullptr;
  trace_steal(victim->id, n);
  for (std::uint32_t i = 0; i + 1 < n; ++i) runqput(pp, batch[i], false);
  return batch[n - 1];
}

// ---- Ps and Ms ----

// sched.lock held.
void pidleput_locked(p* pp) {
  pp->owner = nullptr;
  pp->link = g_sched->pidle;
  g_sched->pidle = pp;
  g_sched->npidle.fetch_add(1, std::memory_order_seq_cst);
}

// sched.lock held.
p* pidleget_locked() {
  p* pp = g_sched->pidle;
  if (pp) {
    g_sched->pidle = pp->link;
    pp->link = nullptr;
    g_sched->npidle.fetch_sub(1, std::memory_order_seq_cst);
    sysmon_note_busy_locked();
  }
  return pp;
}

// sched.lock held: takes an idle P for mp (its owner from now on), or returns null.
p* acquire_idle_p_locked(m* mp) {
  p* pp = pidleget_locked();
  if (pp) {
    mp->pp = pp;
    pp->owner = mp;
    if (tracing()) trace_p(true, pp->id, g_sched->npidle.load(std::memory_order_relaxed));
  }
  return pp;
}

void m_main(m* mp);

// Test hook: the next thread creation fails as if the kernel had refused it (EAGAIN).
std::atomic<bool> g_fail_next_thread{false};

// A new thread for mp. Failing is Go's fatal error (newosproc): the P handed to mp and
// the spinning count it carries cannot be given back safely, and an exception here
// would surface in whatever goroutine happened to wake an M.
void start_thread(m* mp) noexcept {
  int err = 0;
  try {
    if (g_fail_next_thread.exchange(false, std::memory_order_relaxed)) {
      throw std::system_error(EAGAIN, std::generic_category(), "test hook");
    }
    std::thread([mp] { m_main(mp); }).detach();
    return;
  } catch (const std::system_error& e) {
    err = e.code().value();
  } catch (...) {
    err = ENOMEM;
  }
  char detail[256];
  std::snprintf(detail, sizeof detail, "runtime: failed to create new OS thread (have %d already; errno=%d)%s",
                g_sched->mcount - 1, err,
                err == EAGAIN ? "\nruntime: may need to increase max user processes (ulimit -u)" : "");
  fatal_error("newosproc", detail);
}

// Wakes an idle M after its note was set: through the poller's eventfd if it blocks in
// epoll_wait (stopm), else its futex. Dekker with stopm: it stores in_poll and then reads
// note, we wrote note and then read in_poll (all seq_cst), so it either sees the note
// before it blocks or we see it polling.
void m_wake(m* mp) {
  if (mp->in_poll.load(std::memory_order_seq_cst)) {
    netpoll_break();
  } else {
    futex_wake(&mp->note, 1);
  }
}

// Starts an M (a sleeping one, or a new thread) to run pp, or an idle P when pp is null.
// When `spinning`, the caller has already counted the M in nmspinning. At the thread
// bound (gocxx::set_max_threads) with no M asleep, pp goes to the idle list instead, its
// queued goroutines to the global queue: no goroutine waits on a P that no M will run.
void startm(p* pp, bool spinning) {
  sched_t& s = *g_sched;
  std::unique_lock<runtime_lock> l(s.lock);
  if (!pp) pp = pidleget_locked();
  if (!pp) {
    l.unlock();
    if (spinning) s.nmspinning.fetch_sub(1, std::memory_order_seq_cst);
    return;
  }
  m* mp = s.midle;
  if (mp) {
    s.midle = mp->link;
    --s.nmidle;
  }
  bool fresh = mp == nullptr;
  if (fresh && s.mcount >= g_max_threads.load(std::memory_order_relaxed)) {
    while (g* gp = runqget(pp)) globrunqput_locked(gp);
    pidleput_locked(pp);
    l.unlock();
    if (spinning) s.nmspinning.fetch_sub(1, std::memory_order_seq_cst);
    return;
  }
  if (fresh) {
    mp = new m;
    mp->id = s.mcount++;
  }
  l.unlock();
  mp->nextp = pp;
  mp->spinning = spinning;
  if (fresh) {
    start_thread(mp);
    return;
  }
  mp->note.store(1, std::memory_order_seq_cst);
  m_wake(mp);
}

void wakep() {
  sched_t& s = *g_sched;
  if (s.npidle.load(std::memory_order_seq_cst) == 0) return;
  int zero = 0;
  if (s.nmspinning.load(std::memory_order_seq_cst) != 0 ||
      !s.nmspinning.compare_exchange_strong(zero, 1, std::memory_order_seq_cst)) {
    return;
  }
  startm(nullptr, true);
}

void resetspinning(m* mp) {
  mp->spinning = false;
  trace_spin(false, g_sched->nmspinning.fetch_sub(1, std::memory_order_seq_cst) - 1);
  wakep();  // we may have taken one of several Gs: let another M look for the rest
}

// How long before a timed sleep's deadline the futex wait ends; the rest is spun. A
// futex timeout on our VMs returns ~65 µs late even with a timer slack of 1 ns (LIMITS.md
// #46): waking this much early and spinning the rest makes a timer fire within a few µs
// of its deadline, for at most this much CPU per timed wake-up. Env GOCXX_TIMER_SPIN_NS.
std::int64_t timer_spin_ns = 80'000;

// sched.lock held: takes mp off the idle M list. False when it is not there: startm has
// taken it (and is about to hand it a P through nextp and note).
bool midle_remove_locked(m* mp) {
  for (m** link = &g_sched->midle; *link; link = &(*link)->link) {
    if (*link == mp) {
      *link = mp->link;
      mp->link = nullptr;
      --g_sched->nmidle;
      return true;
    }
  }
  return false;
}

// Sleeps until startm hands this M a P (then mp->pp is set), or, as the timed sleeper
// (only if `may_time`), until the earliest timer is due: then it returns holding an idle
// P if one is free, or none.
void stopm(m* mp, bool may_time) {
  sched_t& s = *g_sched;
  // Idle time pays for giving back the stacks of goroutines that have ended, stopping
  // a millisecond before the next timer is due so that it is not made late.
  if (stack_release_pending()) {
    std::int64_t next = may_time ? earliest_timer() : 0;
    stack_release_free_slabs(next == 0 ? INT64_MAX : next - 1'000'000);
  }
  // Become the timed sleeper if there is a timer and no one else is. The deadline is
  // published before the heaps are read again: a timer armed meanwhile either is seen
  // here or sees timed_until and kicks us (both seq_cst; wake_for_timer).
  std::int64_t until = 0;
  bool timed = false;
  auto take_timed_role = [&] {
    until = earliest_timer();
    if (until == 0) {
      // No timer, but goroutines wait for I/O: the role's sleep is the poll, untimed.
      if (netpoll_waiters() == 0) return;
      until = when_never;
    }
    m* none = nullptr;
    if (s.timed_m.compare_exchange_strong(none, mp, std::memory_order_seq_cst)) {
      timed = true;
      s.timed_until.store(until, std::memory_order_seq_cst);
      std::int64_t again = earliest_timer();
      if (again != 0 && again < until) {
        until = again;
        s.timed_until.store(until, std::memory_order_seq_cst);
      }
    }
  };
  if (may_time) take_timed_role();
  bool maybe_deadlock;
  {
    std::lock_guard<runtime_lock> l(s.lock);
    mp->link = s.midle;
    s.midle = mp;
    ++s.nmidle;
    // A timed sleeper with a near deadline wakes soon and looks again then; one with a
    // far deadline may be waiting for a stopped timer's zombie, so it looks now.
    maybe_deadlock = (!timed || until - nanotime() > 100'000'000) && all_asleep_locked();
  }
  // The last M went idle with nothing to run: perhaps every goroutine is blocked for
  // good (diag.cpp decides, off sched.lock; it exits the process if so).
  if (maybe_deadlock) checkdead();
  trace_m_sleep(true);
  for (;;) {
    std::uint32_t v = mp->note.load(std::memory_order_acquire);
    if (v == 1) break;
    if (v == 3) {
      // netpoll_need_poller: a goroutine waits for I/O. The timed sleeper polls from now
      // on (the loop below); an untimed one takes the role if it is free.
      std::uint32_t three = 3;
      mp->note.compare_exchange_strong(three, 0, std::memory_order_acq_rel);  // never a 1
      if (!timed && may_time) take_timed_role();
      continue;
    }
    if (v == 2) {
      std::uint32_t two = 2;
      mp->note.compare_exchange_strong(two, 0, std::memory_order_acq_rel);  // never a 1
      if (!timed) {
        // Asked to take the timed role (wake_for_timer found no timed sleeper), or a
        // stale kick from when we held it: take it if it is free and a timer is armed.
        if (may_time) take_timed_role();
        continue;
      }
    }
    if (timed) {
      std::int64_t now = nanotime();
      if (v == 2 || now >= until - timer_spin_ns) {
        // Kicked, or the deadline is near: leave the idle list and run the timers
        // (findrunnable) with an idle P. Unless startm has already taken us off the
        // list: it stores nextp and note after dropping sched.lock, so then we wait for
        // that P (returning now would leave it handed to an M that is not waiting,
        // and this M on the idle list twice).
        bool claimed;
        {
          std::lock_guard<runtime_lock> l(s.lock);
          claimed = !midle_remove_locked(mp);
        }
        if (!claimed && v != 2) {
          // Still the timed sleeper while it spins out the deadline, so an M that goes
          // idle meanwhile sleeps untimed instead of spinning towards the same deadline
          // beside us (measured: a goroutine sleeping 100 µs at a time kept 1.7 cores
          // busy at procs 2 when an idle M's spin happened to end just before the
          // deadline). A kick for an earlier timer (note 2) ends the spin early.
          while (nanotime() < until && mp->note.load(std::memory_order_relaxed) != 2) cpu_relax();
        }
        s.timed_until.store(0, std::memory_order_seq_cst);
        s.timed_m.store(nullptr, std::memory_order_seq_cst);
        timed = false;
        if (claimed) continue;
        trace_m_sleep(false);
        std::lock_guard<runtime_lock> l(s.lock);
        acquire_idle_p_locked(mp);
        // No idle P: every P is busy and runs its own timers as it schedules; the caller
        // sleeps again, untimed, until a P is free (a busy loop otherwise).
        return;
      }
      // In chunks of at most an hour: a far deadline is just slept towards again.
      std::int64_t wait = std::min<std::int64_t>(until - timer_spin_ns - now, 3'600'000'000'000);
      if (netpoll_waiters() == 0) {
        futex_wait_for(&mp->note, 0, wait);
        continue;
      }
      // Goroutines wait for I/O: sleep in the poller (Go's netpoll(delay)).
      waiter* ws[128];
      int n = 0;
      mp->in_poll.store(1, std::memory_order_seq_cst);
      if (mp->note.load(std::memory_order_seq_cst) == 0) n = netpoll_poll(until == when_never ? -1 : wait, ws, 128);
      mp->in_poll.store(0, std::memory_order_seq_cst);
      if (n == 0) continue;
      // Run them here if a P is idle: leave the idle list and the role (the next M to go
      // idle takes it, and a waiter that parks meanwhile kicks one in). Else they go to
      // the global queue for the busy Ps, and we poll on.
      p* pp = nullptr;
      {
        std::lock_guard<runtime_lock> l(s.lock);
        if (s.npidle.load(std::memory_order_relaxed) > 0 && midle_remove_locked(mp)) {
          pp = acquire_idle_p_locked(mp);
          if (!pp) {
            mp->link = s.midle;  // cannot happen with npidle > 0 under the lock; stay idle
            s.midle = mp;
            ++s.nmidle;
          }
        }
      }
      if (pp) {
        s.timed_until.store(0, std::memory_order_seq_cst);
        s.timed_m.store(nullptr, std::memory_order_seq_cst);
        trace_m_sleep(false);
      }
      for (int i = 0; i < n; ++i) ready(ws[i]);
      if (pp) return;
      continue;
    } else {
      futex_wait(&mp->note, 0);
    }
  }
  if (timed) {
    s.timed_until.store(0, std::memory_order_seq_cst);
    s.timed_m.store(nullptr, std::memory_order_seq_cst);
  }
  mp->note.store(0, std::memory_order_relaxed);
  mp->link = nullptr;
  mp->pp = mp->nextp;
  mp->nextp = nullptr;
  mp->pp->owner = mp;
  trace_m_sleep(false);
  if (tracing()) trace_p(true, mp->pp->id, g_sched->npidle.load(std::memory_order_relaxed));
  if (tracing() && mp->spinning) trace_spin(true, g_sched->nmspinning.load(std::memory_order_relaxed));
}

// Sleeps until this M holds a P. A timed wake-up that finds no idle P means every P is
// busy (each runs its own timers as it schedules): sleep again untimed, or the due timer
// we cannot run would wake us at once, again and again.
void stopm_until_p(m* mp) {
  stopm(mp, true);
  if (!mp->pp) stopm(mp, false);
}

// A retired P's stack cache and free G records go back to the shared pools, so that
// shrinking max_procs strands no memory. sched.lock held (a set_max_procs that grows
// again may hand the P to another M as soon as it is released); the stack pools' locks
// and the G records' free-list lock nest inside it.
void release_retired_caches(p* pp) {
  stack_cache_flush(&pp->stacks);
  gfree_flush(pp);
}

// sched.lock held, pp owned by the caller and pp->id >= max_procs: its Gs go to the
// global queue and it leaves circulation until set_max_procs grows again.
void retire_p_locked(p* pp) {
  while (g* gp = runqget(pp)) globrunqput_locked(gp);
  release_retired_caches(pp);
  pp->retired = true;
  pp->owner = nullptr;
}

// Gives up mp's P if its id is (still, under the lock) >= max_procs. Returns whether
// it did; the caller then wakes an M for the Gs moved to the global queue.
bool retire_p(m* mp) {
  p* pp = mp->pp;
  {
    std::lock_guard<runtime_lock> l(g_sched->lock);
    if (pp->id < g_sched->gomaxprocs.load(std::memory_order_relaxed)) return false;
    retire_p_locked(pp);
    mp->pp = nullptr;
    if (tracing()) trace_p(false, pp->id, g_sched->npidle.load(std::memory_order_relaxed));
  }
  move_timers_of_retired(pp);
  return true;
}

// Seeded schedules (schedseed.hpp): moves the runnable G of pp's local queue that the
// seed draws (runnext and the ring as one pool) to where runqget takes it next. Only
// with whole owner operations (swap out runnext, take the head, put at the tail), so a
// thief at procs > 1 sees a valid queue throughout. A new seed applies at the first
// choice (or fastrand draw), not at the first call: an idle M calls this for as long as
// the clock lets it spin, and the program's first goroutine may be found here or on the
// global queue directly, so only the first choice is a point the program decides.
[[gnu::noinline]] void seeded_front(p* pp, std::uint32_t gen) {
  std::uint32_t ring = pp->q.length();
  bool has_next = pp->q.runnext.load(std::memory_order_relaxed) != nullptr;
  std::uint32_t n = ring + (has_next ? 1 : 0);
  if (n < 2) return;
  sched_seed_apply(pp, gen);
  std::uint32_t r = seeded_draw(pp, n);
  if (has_next) {
    if (r == 0) return;  // runnext itself
    if (g* next = runnext_swap(pp, nullptr)) runqput(pp, next, false);
    --r;
  }
  for (; r > 0; --r) {
    g* gp = runqget(pp);
    if (!gp) return;
    runqput(pp, gp, false);
  }
}

// find_runnable_local's work: the 1-in-61 global check, runnext, the local ring, the
// global queue.
[[gnu::always_inline]] inline g* find_runnable_local_counted(p* pp, sched_t& s) {
  pp->schedtick.store(pp->schedtick.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  if (--pp->global_check == 0) {
    pp->global_check = 61;
  }
  if (pp->global_check == 61) {
    // Fairness: the global queue first; and a pair of goroutines handing off to each
    // other through runnext must not starve the local ring, so runnext goes to its tail.
    // Only when the ring made no progress since the last check: the ring's head is
    // still the same goroutine 61 schedules later.
    std::uint32_t head = pp->q.head.load(std::memory_order_relaxed);
    if (head == pp->ring_head_at_check && pp->q.length() > 0 && pp->q.runnext.load(std::memory_order_relaxed)) {
      if (g* next = runnext_swap(pp, nullptr)) runqput(pp, next, false);
    }
    pp->ring_head_at_check = head;
    if (s.runq_size.load(std::memory_order_relaxed) > 0) {
      std::lock_guard<runtime_lock> l(s.lock);
      if (g* gp = globrunqget_one_locked()) return gp;
    }
  }
  if (g* gp = runqget(pp)) return gp;
  if (s.runq_size.load(std::memory_order_relaxed) > 0) return globrunqget(pp);
  return nullptr;
}

// Local work only (find_runnable_local_counted), seeded or not.
g* find_runnable_local(p* pp) {
  sched_t& s = *g_sched;
  if (std::uint32_t gen = sched_seed_gen.load(std::memory_order_relaxed)) [[unlikely]] {
    seeded_front(pp, gen);
    // An idle M calls this for as long as it spins: only calls that find work may move
    // the fairness countdown, or the clock would decide when the global queue is looked at.
    std::uint32_t check = pp->global_check, head_at = pp->ring_head_at_check;
    if (g* gp = find_runnable_local_counted(pp, s)) return gp;
    pp->global_check = check;
    pp->ring_head_at_check = head_at;
    return nullptr;
  }
  return find_runnable_local_counted(pp, s);
}

// Steals half of a random victim's ring, if the victim has not scheduled for
// steal_quiet_ns or its ring holds steal_backlog or more: a victim that keeps
// scheduling runs its few readied goroutines itself soon, and moving them would put a
// communicating group on two cores (docs/internals.md, "Scheduler"). With `last` (the
// end of a spin), also the runnext G of a victim that has not scheduled since the spin
// began: a hand-off's peer is normally about to run on its own P (measured: the mutex
// workload at procs 2 went from ~30 to 55-100 ns when every last round stole runnext).
g* steal_work(m* mp, bool last, std::int64_t now, std::int64_t spin_start) {
  sched_t& s = *g_sched;
  int n = s.gomaxprocs.load(std::memory_order_relaxed);
  p* self = mp->pp;
  std::uint32_t start = xorshift(self->steal_rand);
  for (int i = 0; i < n; ++i) {
    p* victim = g_allp[(start + static_cast<std::uint32_t>(i)) % static_cast<std::uint32_t>(n)].load(std::memory_order_acquire);
    if (!victim || victim == self) continue;
    int v = victim->id;
    std::uint32_t tick = victim->schedtick.load(std::memory_order_relaxed);
    if (tick != mp->seen_tick[v]) {
      mp->seen_tick[v] = tick;
      mp->seen_at[v] = now;
    }
    bool stuck = last && mp->seen_at[v] <= spin_start;
    std::uint32_t min_ring = now - mp->seen_at[v] >= steal_quiet_ns ? 1 : steal_backlog;
    if (g* gp = runqsteal(self, victim, stuck, min_ring)) return gp;
  }
  return nullptr;
}

void remember_ticks(m* mp, std::int64_t now) {
  int n = g_sched->gomaxprocs.load(std::memory_order_relaxed);
  for (int i = 0; i < n; ++i) {
    if (p* pp = g_allp[i].load(std::memory_order_acquire)) {
      mp->seen_tick[i] = pp->schedtick.load(std::memory_order_relaxed);
      mp->seen_at[i] = now;
    }
  }
}

// The spinner's last look before it sleeps, after dropping `spinning` (only a spinner
// looks: an M that did not spin was never counted, so no producer relied on it; Go's
// findrunnable does the same). It counts only work it would be allowed to steal on its
// next spin: the global queue, a ring backed up past steal_backlog, or a ring or runnext
// on a P that has not scheduled since the spin last saw it, for steal_quiet_ns. Work on
// a P that keeps scheduling is its owner's, which runs it soon; counting it made the M
// take a P, fail to steal, give it back and look again, at full speed, for as long as a
// hand-off pair ran on the other P (review finding 25.2e: 1.98 cores busy for one
// core's work). Should that owner stop scheduling after all, sysmon's rescue wakes an
// M for what it left queued (rescue_stranded_work).
bool any_work_stealable(m* mp) {
  sched_t& s = *g_sched;
  // The idle side of the lost-wake-up handshake: the caller's nmspinning decrement (or
  // its release of the P) must be ordered before these loads against a producer's
  // seq_cst publish-then-read-nmspinning. The run queues' snapshot loads are acquire, and
  // acquire loads may be satisfied before an earlier seq_cst RMW on a weak machine
  // (AArch64's RCpc loads); this fence gives them the seq_cst order (review finding
  // 25.2f). One mfence, only on the way to sleep.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (s.runq_size.load(std::memory_order_seq_cst) > 0) return true;
  std::int64_t now = nanotime();
  int n = s.gomaxprocs.load(std::memory_order_relaxed);
  for (int i = 0; i < n; ++i) {
    p* pp = g_allp[i].load(std::memory_order_acquire);
    // A private runnext (procs 1) is never work for an idle M: only its owner may take it.
    if (!pp || pp->q.empty_for_thieves()) continue;
    if (pp->q.length() >= steal_backlog) return true;
    if (pp->schedtick.load(std::memory_order_relaxed) == mp->seen_tick[i] && now - mp->seen_at[i] >= steal_quiet_ns) {
      return true;
    }
  }
  return false;
}

// On g0. Returns a runnable G with mp->pp held; sleeps while there is none.
g* findrunnable(m* mp) {
  sched_t& s = *g_sched;
  for (;;) {
    if (!mp->pp) {
      stopm_until_p(mp);
      continue;
    }
    p* pp = mp->pp;
    if (pp->id >= s.gomaxprocs.load(std::memory_order_relaxed) && retire_p(mp)) {
      if (mp->spinning) {
        mp->spinning = false;
        trace_spin(false, s.nmspinning.fetch_sub(1, std::memory_order_seq_cst) - 1);
      }
      wakep();  // its Gs are on the global queue now
      continue;
    }
    run_due_timers(&pp->timers);
    if (g* gp = find_runnable_local(pp)) return gp;
    if (run_others_timers(pp)) {
      if (g* gp = find_runnable_local(pp)) return gp;
    }
    // Goroutines wait for I/O and no M blocks in the poller: poll once, without waiting.
    if (netpoll_waiters() > 0 && !netpoll_blocked() && netpoll_poll_ready() > 0) {
      if (g* gp = find_runnable_local(pp)) return gp;
    }

    // Spin: steal from the others for up to spin_ns, unless enough Ms already spin.
    int busy = s.gomaxprocs.load(std::memory_order_relaxed) - s.npidle.load(std::memory_order_relaxed);
    if (!mp->spinning && 2 * s.nmspinning.load(std::memory_order_relaxed) < busy) {
      mp->spinning = true;
      trace_spin(true, s.nmspinning.fetch_add(1, std::memory_order_seq_cst) + 1);
    }
    if (mp->spinning) {
      std::int64_t spin_start = nanotime();
      remember_ticks(mp, spin_start);
      std::int64_t deadline = spin_start + spin_ns;
      for (;;) {
        std::int64_t now = nanotime();
        bool last = now >= deadline;
        if (g* gp = steal_work(mp, last, now, spin_start)) return gp;
        if (last) {
          // Timers that came due while we spun, ours and others' (a P that never blocks).
          run_due_timers(&pp->timers);
          run_others_timers(pp);
          if (g* gp = find_runnable_local(pp)) return gp;
        }
        if (s.runq_size.load(std::memory_order_relaxed) > 0) {
          if (g* gp = globrunqget(pp)) return gp;
        }
        if (last) break;
        for (int i = 0; i < 64; ++i) cpu_relax();
      }
    }

    // Give the P back and sleep, re-checking for work after dropping `spinning`.
    bool retired = false;
    g* chain = nullptr;
    std::int64_t chain_n = 0;
    {
      // One critical section for the last look and the P's release: a G put on the
      // global queue after it finds this P idle in wakep (or an M spinning).
      std::lock_guard<runtime_lock> l(s.lock);
      chain = globrunq_take_share_locked(&chain_n);
      if (!chain) {
        mp->pp = nullptr;
        if (pp->id >= s.gomaxprocs.load(std::memory_order_relaxed)) {
          retire_p_locked(pp);  // shrunk meanwhile: never back on the idle list
          retired = true;
        } else {
          pidleput_locked(pp);
        }
        if (tracing()) trace_p(false, pp->id, s.npidle.load(std::memory_order_relaxed));
      }
    }
    if (chain) return globrunq_run_chain(pp, chain, chain_n);  // its links walked unlocked
    if (retired) move_timers_of_retired(pp);
    bool was_spinning = mp->spinning;
    if (was_spinning) {
      mp->spinning = false;
      trace_spin(false, s.nmspinning.fetch_sub(1, std::memory_order_seq_cst) - 1);
    }
    if (was_spinning && any_work_stealable(mp)) {
      std::lock_guard<runtime_lock> l(s.lock);
      if (acquire_idle_p_locked(mp)) {
        if (was_spinning) {
          mp->spinning = true;
          trace_spin(true, s.nmspinning.fetch_add(1, std::memory_order_seq_cst) + 1);
        }
        continue;
      }
    }
    stopm_until_p(mp);
  }
}

// mp->curg == gp. Gives gp a stack if it has none (its first run).
void prepare(m* mp, g* gp);

void g_entry(void* arg);

// gp is about to run: wait until the M that parked it has saved its context (see
// g::switching; the window is a few dozen instructions).
inline void wait_switched_out(g* gp) {
  while (gp->switching.load(std::memory_order_acquire) != 0) cpu_relax();
}

// A running G is about to store `waiting` or `runnable` and switch away. Its saved sp
// is cleared first: until the switch stores the new one, a dump sees the context as not
// saved (allg.hpp) instead of trusting the previous park's stale value.
inline void begin_switch_out(g* gp, g_status st) {
  std::atomic_ref<void*>(gp->ctx.sp).store(nullptr, std::memory_order_relaxed);
  gp->status.store(st, std::memory_order_release);
}

// gp is about to run and `running` is stored: a dump that pinned it before seeing that
// (allg.hpp) is reading its stack; wait until it is done. The compiler barrier is the
// light side of an asymmetric fence: the dumper's membarrier orders the two for us.
inline void wait_unpinned(g* gp) {
  std::atomic_signal_fence(std::memory_order_seq_cst);
  while (gp->pinned.load(std::memory_order_acquire) != 0) cpu_relax();
}

void execute(m* mp, g* gp) {
  if (mp->spinning) resetspinning(mp);
  wait_switched_out(gp);
  mp->curg = gp;
  gp->status.store(g_status::running, std::memory_order_relaxed);
  wait_unpinned(gp);
  if (tracing()) trace_g_start(gp->id, mp->pp->id, mp->pp->q.length());
  if (!gp->stk) prepare(mp, gp);
  eh_swap(mp, mp->g0_eh.caught, mp->g0_eh.uncaught, gp->eh_caught, gp->eh_uncaught);
  switch_context(mp->g0, gp->ctx, gp);
  run_after(mp);
}

void prepare(m* mp, g* gp) {
  stack_cache* cache = mp->pp ? &mp->pp->stacks : nullptr;
  gp->stk = stack_alloc(gp->stack_size, cache);
  gp->stack_guarded = gp->stk->guarded;
#if defined(GOCXX_TSAN)
  gp->ctx.tsan_fiber = gp->stk->tsan_fiber;  // null on the slot's first use: made below
#endif
  make_context(gp->ctx, gp->stk->bottom, gp->stk->top, &g_entry);
#if defined(GOCXX_TSAN)
  gp->stk->tsan_fiber = gp->ctx.tsan_fiber;
#endif
#if defined(GOCXX_ASAN)
  gp->stk->user.store(gp, std::memory_order_release);
#endif
}

// The name every M's thread takes: the program's (its first thread's when the runtime
// started), not that of whichever thread started the M (a thread inherits its creator's
// name, and sysmon starts Ms for blocking calls' Ps).
char g_m_name[16] = "gocxx";

void m_main(m* mp) {
  tls_m = mp;
  prctl(PR_SET_NAME, g_m_name, 0, 0, 0);
  mp->tid = static_cast<int>(syscall(SYS_gettid));
  m* head = g_sched->allm.load(std::memory_order_relaxed);
  do {
    mp->alllink = head;
  } while (!g_sched->allm.compare_exchange_weak(head, mp, std::memory_order_release, std::memory_order_relaxed));
  mp->eh = reinterpret_cast<eh_state*>(abi::__cxa_get_globals());
  init_thread_context(mp->g0);
  install_signal_stack();
  // Timed sleeps end within ~1 ns of the asked time instead of the default 50 µs slack
  // (LIMITS.md #45-46): an M's timed sleep is a timer's deadline.
  prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
  mp->pp = mp->nextp;
  mp->nextp = nullptr;
  mp->pp->owner = mp;
  if (tracing()) trace_p(true, mp->pp->id, g_sched->npidle.load(std::memory_order_relaxed));
  if (tracing() && mp->spinning) trace_spin(true, g_sched->nmspinning.load(std::memory_order_relaxed));
  for (;;) {
    g* gp = mp->handoff ? std::exchange(mp->handoff, nullptr) : findrunnable(mp);
    execute(mp, gp);
  }
}

// ---- G records ----

void count_live(p* pp, std::int64_t d) {
  if (pp) {
    pp->live.store(pp->live.load(std::memory_order_relaxed) + d, std::memory_order_relaxed);
  } else {
    g_sched->ngoroutines.fetch_add(d, std::memory_order_relaxed);
  }
}

std::uint64_t next_goid(p* pp) {
  constexpr std::uint64_t batch = 16;
  if (!pp) return g_sched->goid_gen.fetch_add(1, std::memory_order_relaxed) + 1;
  if (pp->goid_next == pp->goid_end) {
    pp->goid_next = g_sched->goid_gen.fetch_add(batch, std::memory_order_relaxed) + 1;
    pp->goid_end = pp->goid_next + batch;
  }
  return pp->goid_next++;
}

// after_switch action of an exiting G: its stack is no longer in use.
void release_dead_g(void* arg) {
  g* gp = static_cast<g*>(arg);
  m* mp = current_m();
  p* pp = mp->pp;
#if defined(GOCXX_ASAN)
  gp->stk->user.store(nullptr, std::memory_order_release);
#endif
#if defined(GOCXX_TSAN)
  // Run on the side switched to, so the fiber is not the current one (stack.hpp).
  constexpr std::uint32_t tsan_fiber_uses_max = 1024;
  if (++gp->stk->tsan_fiber_uses >= tsan_fiber_uses_max) {
    __tsan_destroy_fiber(gp->stk->tsan_fiber);
    gp->stk->tsan_fiber = nullptr;
    gp->stk->tsan_fiber_uses = 0;
  }
#endif
  stack_free(gp->stk, pp ? &pp->stacks : nullptr);
  gp->stk = nullptr;
#if defined(GOCXX_TSAN)
  gp->ctx.tsan_fiber = nullptr;  // the stack's (stack.hpp), not the record's
#endif
  gp->status.store(g_status::idle, std::memory_order_relaxed);
  gfree(pp, gp);
}

// Stack a schedule that starts a new G from a parking goroutine's stack may need below
// its frame: stack_alloc (mmap, mprotect, a warning's snprintf/fprintf) and make_context.
constexpr std::uintptr_t scheduler_stack_need = 16 * 1024;

// Whether gp, running this code, has less than scheduler_stack_need left.
inline bool low_on_stack(const g* gp) {
  auto sp = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  return sp - reinterpret_cast<std::uintptr_t>(gp->stk->bottom) < scheduler_stack_need;
}

// Switches away from gp (the running G of mp) to the next runnable G of this P, or to
// g0 when there is none. `after` runs on the side switched to. Returns when gp is
// resumed (never if `exiting`).
void schedule_away(m* mp, g* gp, after_switch after, bool exiting) {
  if (!gp->stack_guarded && !gp->stk->canary_ok()) fatal_stack_overflow(gp);
  mp->after = after;
  p* pp = mp->pp;
  g* next = nullptr;
  // Due timers run on g0 (findrunnable), never on this half-parked goroutine's stack:
  // one load of this P's earliest deadline, and a clock read only if it has a timer.
  if (pp->id < g_sched->gomaxprocs.load(std::memory_order_relaxed) && !timers_due(&pp->timers)) {
    next = find_runnable_local(pp);
  }
  if (next == gp) {
    // Readied by someone else and picked again before we left (only via the global
    // queue): keep running. `after` (clear_switching) runs here, as nothing was saved.
    gp->status.store(g_status::running, std::memory_order_relaxed);
    if (tracing()) trace_g_start(gp->id, pp->id, pp->q.length());
    if (after.fn) after.fn(after.arg);
    mp->after = {};
    return;
  }
  if (next) {
    next->status.store(g_status::running, std::memory_order_relaxed);
    std::atomic_signal_fence(std::memory_order_seq_cst);  // see wait_unpinned
  }
  if (next && (next->switching.load(std::memory_order_acquire) != 0 || next->pinned.load(std::memory_order_acquire) != 0 ||
               (!next->stk && low_on_stack(gp)))) {
    // Not from here. Waiting for next to finish switching out would wait on this stack,
    // with gp perhaps still switching itself, and next's M may be waiting for gp the same
    // way (two before_switch parkers picking each other's G from the global queue: both
    // Ms would spin forever). And a stack allocation (mmap, a warning's fprintf) must not
    // run on the last few KiB of a parking goroutine's stack. g0 waits and allocates.
    mp->handoff = next;
    next = nullptr;
  }
  if (next) {
    mp->curg = next;
    if (tracing()) trace_g_start(next->id, pp->id, pp->q.length());
    if (!next->stk) prepare(mp, next);
    eh_swap(mp, gp->eh_caught, gp->eh_uncaught, next->eh_caught, next->eh_uncaught);
    switch_context(gp->ctx, next->ctx, next, exiting);
  } else {
    mp->curg = nullptr;
    eh_swap(mp, gp->eh_caught, gp->eh_uncaught, mp->g0_eh.caught, mp->g0_eh.uncaught);
    switch_context(gp->ctx, mp->g0, nullptr, exiting);
  }
  run_after(current_m());
}

[[noreturn]] void goexit(g* gp) {
  m* mp = current_m();
  gp->status.store(g_status::dead, std::memory_order_relaxed);
  trace_g_end(gp->id);
  count_live(mp->pp, -1);
  schedule_away(mp, gp, {&release_dead_g, gp}, true);
  __builtin_unreachable();
}

void g_entry(void* arg) {
  context_entered();
  run_after(current_m());
  g* gp = static_cast<g*>(arg);
  try {
    gp->fn();
    gp->fn.reset();
  } catch (...) {
    report_panic(gp, std::current_exception());
  }
  goexit(gp);
}

void requeue_yielded(void* arg) {
  g* gp = static_cast<g*>(arg);
  {
    std::lock_guard<runtime_lock> l(g_sched->lock);
    globrunqput_locked(gp);
  }
  wakep();
}

int initial_procs() {
  if (const char* e = std::getenv("GOCXX_MAXPROCS")) {
    int n = std::atoi(e);
    if (n > 0) return n < max_p ? n : max_p;
  }
  unsigned hc = std::thread::hardware_concurrency();
  int n = hc ? static_cast<int>(hc) : 1;
  return n < max_p ? n : max_p;
}

p* new_p(int id) {
  auto* pp = new p;
  pp->id = id;
  pp->rand = 0x2545F491u * static_cast<std::uint32_t>(id + 1);
  pp->steal_rand = 0x9E3779B9u * static_cast<std::uint32_t>(id + 1);
  g_allp[id].store(pp, std::memory_order_release);
  return pp;
}

#if defined(GOCXX_ASAN)
// At exit, just before LeakSanitizer's own check (atexit handlers run last-registered
// first, and LSan registers its check at startup): shows LSan the live part of every
// goroutine stack. A parked goroutine's is [saved sp, top): its frames and the registers
// its switch saved. The calling goroutine's is from the current frame; a goroutine
// running on another M (its sp unknown) gets its whole stack. Free stacks show nothing,
// so a pointer left in one hides no leak.
void register_stack_root(stack* st, void* self) {
  auto* gp = static_cast<g*>(st->user.load(std::memory_order_acquire));
  char* from = st->bottom;
  if (gp == self) {
    from = static_cast<char*>(__builtin_frame_address(0));
  } else if (gp->status.load(std::memory_order_relaxed) != g_status::running) {
    from = static_cast<char*>(std::atomic_ref<void*>(gp->ctx.sp).load(std::memory_order_relaxed));
  }
  if (from < st->bottom || from >= st->top) from = st->bottom;
  __lsan_register_root_region(from, static_cast<std::size_t>(st->top - from));
}

void stack_lsan_roots() { for_each_used_stack(&register_stack_root, current_g()); }
#endif

}  // namespace

sched_t& sched() { return *g_sched; }

[[gnu::noinline]] m* current_m() {
  asm volatile("" ::: "memory");
  return tls_m;
}

std::int64_t nanotime() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

p* allp_at(int i) { return g_allp[i].load(std::memory_order_acquire); }

bool rescue_stranded_work() {
  sched_t& s = *g_sched;
  // sysmon's thread only: what each P looked like at its previous tick.
  static std::uint32_t last_tick[max_p];
  static bool had_work[max_p];
  bool can_help = s.npidle.load(std::memory_order_seq_cst) > 0 && s.nmspinning.load(std::memory_order_seq_cst) == 0;
  bool stranded = false;
  int n = s.gomaxprocs.load(std::memory_order_relaxed);
  for (int i = 0; i < n; ++i) {
    p* pp = g_allp[i].load(std::memory_order_acquire);
    if (!pp) continue;
    std::uint32_t tick = pp->schedtick.load(std::memory_order_relaxed);
    bool work = !pp->q.empty_for_thieves();
    if (can_help && work && had_work[i] && tick == last_tick[i]) stranded = true;
    last_tick[i] = tick;
    had_work[i] = work;
  }
  if (stranded) wakep();
  return stranded;
}

namespace {

// Kicks mp out of its sleep with `note` (2: a timer, 3: the poller) unless it was asleep
// no more: the kick is a CAS from 0, so an M that startm is handing a P (note 1) takes
// that instead, and does the kick's work (timers, a poll) as it looks for work.
bool kick_m(m* mp, std::uint32_t note) {
  std::uint32_t zero = 0;
  return mp->note.compare_exchange_strong(zero, note, std::memory_order_seq_cst);
}

// Kicks the head of the idle M list into the timed sleeper's role with `note`, or, with
// no idle M, starts one (wakep does nothing when every P is busy; each then runs its own
// timers and polls as it runs out of work).
void kick_idle_m(std::uint32_t note) {
  sched_t& s = *g_sched;
  m* idle = nullptr;
  {
    std::lock_guard<runtime_lock> l(s.lock);
    idle = s.midle;
    if (idle && !kick_m(idle, note)) idle = nullptr;
  }
  if (idle) {
    m_wake(idle);
  } else {
    wakep();
  }
}

}  // namespace

void wake_for_timer(std::int64_t when) {
  sched_t& s = *g_sched;
  std::int64_t until = s.timed_until.load(std::memory_order_seq_cst);
  if (until == 0) {
    // No M sleeps with a timeout: an idle one must take the role. Kicking one that
    // sleeps untimed makes it the timed sleeper without a P and without a spin (a
    // goroutine that sleeps 100 µs at a time paid a 50 µs spin of a woken M per sleep:
    // 1.2-1.45 cores busy at procs 2).
    kick_idle_m(2);
    return;
  }
  if (when >= until) return;
  if (m* tm = s.timed_m.load(std::memory_order_acquire)) {
    if (kick_m(tm, 2)) m_wake(tm);
  }
}

void handoff_p(p* pp) {
  sched_t& s = *g_sched;
  // Work queued behind the blocked goroutine, here or globally: an M for it now.
  if (!pp->q.empty() || s.runq_size.load(std::memory_order_seq_cst) > 0) {
    startm(pp, false);
    return;
  }
  // No M would notice new work (none spins, no P idle): this one spins for it, as Go's.
  int zero = 0;
  if (s.nmspinning.load(std::memory_order_seq_cst) + s.npidle.load(std::memory_order_seq_cst) == 0 &&
      s.nmspinning.compare_exchange_strong(zero, 1, std::memory_order_seq_cst)) {
    startm(pp, true);
    return;
  }
  enum { idled, retired, work_arrived } outcome = work_arrived;
  {
    std::lock_guard<runtime_lock> l(s.lock);
    if (s.runq_size.load(std::memory_order_relaxed) == 0) {
      if (pp->id >= s.gomaxprocs.load(std::memory_order_relaxed)) {
        retire_p_locked(pp);  // set_max_procs shrank meanwhile
        outcome = retired;
      } else {
        pidleput_locked(pp);
        outcome = idled;
      }
    }
  }
  if (outcome == retired) {
    move_timers_of_retired(pp);
    wakep();
    return;
  }
  if (outcome == work_arrived) {
    startm(pp, false);  // a G reached the global queue meanwhile
    return;
  }
  // Idle now: its timers are the timed sleeper's to run (earliest_timer covers every
  // P's heap); make sure that sleeper's deadline is no later than theirs.
  if (std::int64_t when = earliest_timer(); when != 0) wake_for_timer(when);
}

void reacquire_p(m* mp, g* gp) {
  sched_t& s = *g_sched;
  {
    std::lock_guard<runtime_lock> l(s.lock);
    if (acquire_idle_p_locked(mp)) return;
  }
  // Every P is busy: gp waits its turn in the global queue (requeued from g0, once its
  // context is saved) and this M joins the idle ones (findrunnable on g0: no P, stopm).
  trace_g_yield(gp->id);
  begin_switch_out(gp, g_status::runnable);
  mp->after = {&requeue_yielded, gp};
  mp->curg = nullptr;
  eh_swap(mp, gp->eh_caught, gp->eh_uncaught, mp->g0_eh.caught, mp->g0_eh.uncaught);
  switch_context(gp->ctx, mp->g0, nullptr, false);
  run_after(current_m());
}

void netpoll_need_poller() {
  sched_t& s = *g_sched;
  if (netpoll_blocked()) return;  // an M is in epoll_wait: it sees the edge
  if (m* tm = s.timed_m.load(std::memory_order_seq_cst)) {
    // The timed sleeper sleeps on its futex (it saw no waiter): make it poll instead.
    if (kick_m(tm, 3)) m_wake(tm);
    return;
  }
  // No timed sleeper: an idle M takes the role and polls (sysmon polls every 10 ms
  // while every M runs a P).
  kick_idle_m(3);
}

void ensure_started() {
  std::call_once(g_start_once, [] {
    auto* s = new sched_t;  // immortal: the runtime outlives main's static destructors
    prctl(PR_GET_NAME, g_m_name, 0, 0, 0);
    if (const char* e = std::getenv("GOCXX_SPIN_NS")) spin_ns = std::atoll(e);
    if (const char* e = std::getenv("GOCXX_STEAL_QUIET_NS")) steal_quiet_ns = std::atoll(e);
    if (const char* e = std::getenv("GOCXX_STEAL_BACKLOG")) steal_backlog = static_cast<std::uint32_t>(std::max(1, std::atoi(e)));
    if (const char* e = std::getenv("GOCXX_TIMER_SPIN_NS")) timer_spin_ns = std::atoll(e);
    sched_seed_from_env();
    int n = initial_procs();
    s->gomaxprocs.store(n);
    s->nallp.store(n);
    g_sched = s;
    for (int i = n - 1; i >= 0; --i) pidleput_locked(new_p(i));
    install_overflow_handler();
    blocking_start();
    sysmon_start();
    diag_start();
    trace_start_from_env();
#if defined(GOCXX_ASAN)
    std::atexit(&stack_lsan_roots);
#endif
  });
}

waiter* current_waiter() {
  m* mp = tls_m;
  if (mp && mp->curg) return &mp->curg->w;
  return &tls_waiter;
}

void clear_switching(void* arg) { static_cast<g*>(arg)->switching.store(0, std::memory_order_release); }

void park(wait_reason reason, void (*unlock)(void*), void* arg, unlock_at when, const void* object) {
  m* mp = tls_m;  // read before the switch only
  if (mp && mp->curg) {
    g* gp = mp->curg;
    trace_g_block(gp->id, reason, object ? object : arg);
    gp->reason = reason;
    gp->wait_since = coarse_ms();
    begin_switch_out(gp, g_status::waiting);
    if (when == unlock_at::after_switch) {
      schedule_away(mp, gp, {unlock, arg}, false);
    } else {
      // A waker may ready us as soon as this unlock runs; g::switching keeps anyone from
      // resuming us before our context is saved.
      gp->switching.store(1, std::memory_order_relaxed);
      if (unlock) unlock(arg);
      schedule_away(mp, gp, {&clear_switching, gp}, false);
    }
    gp->reason = wait_reason::none;
    return;
  }
  waiter* w = &tls_waiter;
  // Counted as blocked (the deadlock check's plain threads) from before anyone can
  // ready it until the readier uncounts it (ready), so a readied thread never counts.
  thread_blocked(1);
  if (unlock) unlock(arg);
#if defined(GOCXX_TSAN)
  // TSan runs an asynchronous signal's handler only when the thread it was delivered to
  // passes one of its interceptors; a raw futex wait never does. The kernel gives a
  // process-directed signal to the main thread first, and gocxx::run's main thread waits
  // here: so a `kill -TERM` of a TSan-built server never reached its handler. Every
  // 50 ms the wait passes an interceptor (usleep(0)), which runs what TSan holds back.
  while (w->wake.load(std::memory_order_acquire) == 0) {
    futex_wait_for(&w->wake, 0, 50'000'000);
    if (w->wake.load(std::memory_order_acquire) == 0) ::usleep(0);
  }
#else
  while (w->wake.load(std::memory_order_acquire) == 0) futex_wait(&w->wake, 0);
#endif
  w->wake.store(0, std::memory_order_relaxed);
}

void ready(waiter* w) {
  g* gp = w->gp;
  if (!gp) {
    thread_blocked(-1);
    w->wake.store(1, std::memory_order_release);
    futex_wake(&w->wake, 1);
    return;
  }
  // The woken G most often runs next on this P: start loading the registers its switch
  // will pop and the frames it returns through (~6 lines above the saved stack pointer
  // in a channel wait) while we finish what we were doing.
  // (A G parked with unlock_at::before_switch may still be saving its stack pointer on
  // another thread: read it atomically; a stale value only makes the prefetch useless.)
  {
    const char* sp = static_cast<const char*>(std::atomic_ref<void*>(gp->ctx.sp).load(std::memory_order_relaxed));
    for (int line = 0; line < 6; ++line) __builtin_prefetch(sp + 64 * line);
  }
#if GOCXX_CHECKED_BUILD
  // The state machine, checked where it costs nothing that matters (one atomic RMW per
  // ready): only a parked G may be readied, and only once per park.
  if (g_status was = gp->status.exchange(g_status::runnable, std::memory_order_relaxed); was != g_status::waiting) {
    fatal_error("bad g->status in ready", "runtime: a goroutine that was not parked was readied (a second ready of one park?)");
  }
#else
  gp->status.store(g_status::runnable, std::memory_order_relaxed);
#endif
  m* mp = tls_m;  // no switch in this function: the direct read is safe
  if (tracing()) trace_g_unblock(gp->id, mp && mp->curg ? mp->curg->id : 0, mp && mp->pp ? mp->pp->id : -1);
  if (mp && mp->pp) {
    runqput(mp->pp, gp, true);
    // A hand-off: gp sits in runnext with nothing queued behind it, so it runs on this P
    // as soon as the current goroutine blocks, which a goroutine that readies another
    // almost always does next. A spinning M could not steal it meanwhile (steal_work),
    // so waking one would only burn a core beside the pair (finding 25.2e). If the
    // current goroutine runs on instead, sysmon's rescue wakes an M for gp
    // (rescue_stranded_work). Once anything else is queued, wake as Go does.
    if (mp->pp->q.length() == 0) return;
  } else {
    std::lock_guard<runtime_lock> l(g_sched->lock);
    globrunqput_locked(gp);
  }
  wakep();
}

void park_forever(wait_reason reason) {
  for (;;) park(reason, nullptr, nullptr);
}

std::uint32_t fastrand() {
  m* mp = current_m();
  if (mp && mp->pp) {
    p* pp = mp->pp;
    // A new seed applies at the first draw too: a goroutine may select many times
    // without scheduling (schedseed.hpp).
    std::uint32_t gen = sched_seed_gen.load(std::memory_order_relaxed);
    if (gen != pp->seed_gen) [[unlikely]] sched_seed_apply(pp, gen);
    return xorshift(pp->rand);
  }
  thread_local std::uint32_t s = 0;
  return xorshift(s);
}

const char* wait_reason_string(wait_reason r) {
  switch (r) {
    case wait_reason::none: return "running";
    case wait_reason::chan_receive: return "chan receive";
    case wait_reason::chan_send: return "chan send";
    case wait_reason::chan_receive_nil: return "chan receive (nil chan)";
    case wait_reason::chan_send_nil: return "chan send (nil chan)";
    case wait_reason::select: return "select";
    case wait_reason::select_no_cases: return "select (no cases)";
    case wait_reason::sync_mutex_lock: return "sync.Mutex.Lock";
    case wait_reason::sync_rwmutex_lock: return "sync.RWMutex.Lock";
    case wait_reason::sync_rwmutex_rlock: return "sync.RWMutex.RLock";
    case wait_reason::sync_wait_group_wait: return "sync.WaitGroup.Wait";
    case wait_reason::sync_cond_wait: return "sync.Cond.Wait";
    case wait_reason::sync_once: return "sync.Once.Do";
    case wait_reason::semacquire: return "semacquire";
    case wait_reason::sleep: return "sleep";
    case wait_reason::io_wait: return "IO wait";
    case wait_reason::run_main: return "run";
    case wait_reason::syscall: return "syscall";
  }
  return "unknown";
}

void spawn(task fn, const go_options& opts, const gocxx::source_location& where) {
  // Checked before anything is taken: the callable is still the caller's if this throws.
  if (opts.stack_size >= (std::size_t{1} << 32)) throw panic_error("gocxx::go: stack_size must be below 4 GiB");
  ensure_started();
  m* mp = current_m();
  p* pp = mp ? mp->pp : nullptr;
  g* gp = galloc(pp);
  gp->fn = std::move(fn);
  gp->stack_size = static_cast<std::uint32_t>(opts.stack_size);
  gp->id = next_goid(pp);
  gp->created_file = where.file_name();
  gp->created_line = where.line();
  gp->parent_id = (mp && mp->curg) ? mp->curg->id : 0;
  gp->reason = wait_reason::none;
  gp->eh_caught = nullptr;
  gp->eh_uncaught = 0;
  gp->wait_since = 0;
  std::atomic_ref<void*>(gp->ctx.sp).store(nullptr, std::memory_order_relaxed);
  trace_g_create(gp->id, gp->parent_id, gp->created_file, gp->created_line);
  gp->status.store(g_status::runnable, std::memory_order_release);  // publishes the fields (dumps)
  count_live(pp, 1);
  if (pp) {
    runqput(pp, gp, true);
  } else {
    std::lock_guard<runtime_lock> l(g_sched->lock);
    globrunqput_locked(gp);
  }
  wakep();
}

int run_main(task fn, int* exit_code, const gocxx::source_location& where) {
  ensure_started();
  if (current_g()) throw panic_error("gocxx::run called from a goroutine");
  waiter* w = &tls_waiter;
  run_begin();
  spawn(task([&fn, w] {
          fn();
          ready(w);
        }),
        go_options{}, where);
  park(wait_reason::run_main, nullptr, nullptr);
  run_end();
  return *exit_code;
}

void test_fail_next_thread_creation() noexcept { g_fail_next_thread.store(true, std::memory_order_relaxed); }

}  // namespace gocxx::detail

namespace gocxx {

void yield() {
  using namespace detail;
  m* mp = current_m();
  if (!mp || !mp->curg) {
    std::this_thread::yield();
    return;
  }
  g* gp = mp->curg;
  trace_g_yield(gp->id);
  begin_switch_out(gp, g_status::runnable);
  schedule_away(mp, gp, {&requeue_yielded, gp}, false);
}

int num_goroutine() {
  using namespace detail;
  ensure_started();
  std::int64_t n = g_sched->ngoroutines.load(std::memory_order_relaxed);
  int np = g_sched->nallp.load(std::memory_order_relaxed);
  for (int i = 0; i < max_p && i < np; ++i) {
    if (p* pp = g_allp[i].load(std::memory_order_acquire)) n += pp->live.load(std::memory_order_relaxed);
  }
  return static_cast<int>(n);
}

std::uint64_t goroutine_id() {
  detail::g* gp = detail::current_g();
  return gp ? gp->id : 0;
}

int max_procs() {
  detail::ensure_started();
  return detail::g_sched->gomaxprocs.load(std::memory_order_relaxed);
}

int set_max_procs(int n) {
  using namespace detail;
  ensure_started();
  sched_t& s = *g_sched;
  // A goroutine growing max_procs from 1 owns its P's runnext privately (runnext_owned):
  // hand it back to the exchange protocol before other Ps exist, so a goroutine readied
  // there can be stolen even if this one never schedules again (no preemption yet). Safe:
  // we are that runnext's owner and not inside a swap. From a plain thread this cannot be
  // done; the owner hands it back at its next run-queue operation.
  if (m* mp = current_m(); mp && mp->pp && n > 1) {
    mp->pp->q.runnext_private.store(false, std::memory_order_release);
  }
  int prev;
  std::vector<p*> retired_idle;
  {
    std::lock_guard<runtime_lock> l(s.lock);
    prev = s.gomaxprocs.load();
    if (n < 1) return prev;
    if (n > max_p) n = max_p;
    if (n > prev) {
      for (int i = prev; i < n; ++i) {
        p* pp = g_allp[i].load();
        if (!pp) {
          pidleput_locked(new_p(i));
        } else if (pp->retired) {
          pp->retired = false;
          pidleput_locked(pp);
        }
      }
    } else if (n < prev) {
      // Idle Ps beyond n leave the idle list now; busy ones retire at their next schedule.
      p** link = &s.pidle;
      while (*link) {
        p* pp = *link;
        if (pp->id >= n) {
          *link = pp->link;
          pp->link = nullptr;
          pp->retired = true;
          s.npidle.fetch_sub(1);
          release_retired_caches(pp);
          retired_idle.push_back(pp);
        } else {
          link = &pp->link;
        }
      }
    }
    s.gomaxprocs.store(n);
    if (n > s.nallp.load()) s.nallp.store(n);
  }
  if (n > prev) wakep();
  // Timers of the idle Ps retired just now move to P 0; a busy P that retires later
  // moves its own (retire_p, findrunnable).
  for (p* pp : retired_idle) move_timers_of_retired(pp);
  return prev;
}

std::size_t default_stack_size() { return detail::default_stack_size(); }
void set_default_stack_size(std::size_t bytes) { detail::set_default_stack_size(bytes); }

}  // namespace gocxx
