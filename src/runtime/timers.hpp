// The runtime's timers: per-P 4-ary heaps of timer entries, with Go's lazy deletion
// (runtime/time.go's idea), run by the scheduler on g0. What they drive (sleep, timer
// and ticker channels, after_func) is in src/time.cpp; how an idle M sleeps until the
// earliest deadline is in proc.cpp (findrunnable, stopm).
//
// A timer_rec is armed by pushing an *entry* {when, order, gen, t} onto a heap; the
// entry is valid while t->gen equals its gen. Stopping or re-arming a timer never
// touches a heap it is not pushing to: it changes t->gen, which turns the old entry into
// a zombie (counted in that heap's `zombies`), dropped when it reaches the top or when
// zombies pass a quarter of the heap (one O(n) sweep). So create+stop is one push and
// one store, from any goroutine or thread, and a timer may be re-armed on another P.
//
// Invariants
// - Every entry of a counted timer (chan and func timers) holds one reference to it;
//   a sleep timer lives on its goroutine's stack, is never stopped, and its single
//   entry is popped exactly once: its fire readies the goroutine and touches nothing
//   after that.
// - t->gen != 0 iff t has a valid entry; `when` != 0 iff t is armed (a valid entry or,
//   during its fire, about to be re-armed).
// - A heap's when0 is its top entry's `when` (0: empty), stored under the heap's lock
//   and read without it (seq_cst: see wake_for_timer in proc.cpp).
// - Timers fire on an M that holds a P (its own heap's, or another P's it runs on its
//   way to sleep), never under a channel lock and never on a parking goroutine's stack.
//
// Lock order: timer_rec::mu -> timer_heap::lock; timer_rec::mu -> a channel's lock (a
// fire sends into the timer's channel) -> sched.lock (ready, wakep). Nothing takes
// timer_rec::mu under a heap lock or a channel lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "gocxx/detail/task.hpp"
#include "runtime/lock.hpp"

namespace gocxx::detail {

struct hchan;
struct waiter;
struct p;
struct timer_heap;

// A deadline meaning "never": huge durations saturate to it.
inline constexpr std::int64_t when_never = INT64_MAX;

// An after_func's function, and where after_func was called (the "created by" of the
// goroutines it starts).
struct func_timer_body {
  task fn;
  const char* file = "";
  unsigned line = 0;
};

struct timer_rec {
  enum kind_t : std::uint8_t { chan_timer, func_timer, sleep_timer };

  runtime_lock mu;                       // guards everything below but refs and gen's readers
  std::atomic<std::uint32_t> refs{1};    // counted kinds only
  kind_t kind = chan_timer;
  std::int64_t when = 0;                 // armed deadline (ns, CLOCK_MONOTONIC); 0: not armed
  std::int64_t period = 0;               // tickers: re-armed by this much after each fire
  std::atomic<std::uint64_t> gen{0};     // the generation of its valid entry; 0: none
  std::uint64_t gen_next = 0;
  timer_heap* heap = nullptr;            // where its valid entry is (zombie accounting)
  hchan* ch = nullptr;                   // chan timers: its channel; null once that is gone
  func_timer_body* fn = nullptr;         // func timers: the function (owned)
  waiter* sleeper = nullptr;             // sleep timers: whom to ready
};

struct timer_entry {
  std::int64_t when;
  std::uint64_t order;  // ties fire in the order they were set (per heap)
  std::uint64_t gen;
  timer_rec* t;
};

struct timer_heap {
  runtime_lock lock;
  std::vector<timer_entry> heap;         // 4-ary min-heap on (when, order)
  std::uint64_t next_order = 0;
  std::atomic<std::int64_t> when0{0};    // top entry's when; 0 when empty
  std::atomic<std::uint32_t> zombies{0}; // entries known stale (a hint, see sweep)
};

void timer_retain(timer_rec* t) noexcept;
void timer_release(timer_rec* t) noexcept;

// Heaps that an arm or disarm found worth sweeping (a quarter zombies). The caller runs
// it once it holds no timer's mu: a sweep releases the zombies' timers, and the last
// release of a func timer destroys its callable, which is user code.
struct timer_sweeps {
  timer_heap* heaps[2] = {nullptr, nullptr};
  void add(timer_heap* h) noexcept {
    if (!h || heaps[0] == h || heaps[1] == h) return;
    (heaps[0] ? heaps[1] : heaps[0]) = h;
  }
  void run();
};

// t->mu held. Arms t to fire at `when` (> 0), on the calling M's P's heap (a plain
// thread's go to some P's), invalidating any entry it had.
void timer_arm_locked(timer_rec* t, std::int64_t when, timer_sweeps& sweeps);
// t->mu held. Disarms t; returns whether it was armed.
bool timer_disarm_locked(timer_rec* t, timer_sweeps& sweeps);

// Runs the due timers of `h` (on an M holding a P, no locks held), or as many as its P's
// run queue has room for (at least 16; the rest stay due for its next schedule).
void run_timers(timer_heap* h, std::int64_t now);
// The same, reading the clock only if `h` has an entry.
void run_due_timers(timer_heap* h);
// Runs the due timers of every P's heap but self's (Go's stealWork on timers): a P whose
// goroutine never blocks must not hold its timers back while others go idle. Returns
// whether any heap had due timers.
bool run_others_timers(const p* self);
// The earliest deadline of all Ps' heaps, retired Ps included (0: none).
std::int64_t earliest_timer();
// Whether any heap holds a timer that is still armed (zombies of stopped timers aside):
// the deadlock check's "no timer is pending". Takes each heap's lock in turn.
bool any_live_timer();

// True when `h` has an entry due by now. Inline: it runs at every schedule, and with no
// timer pending it is one load and a branch; the clock is read only past that.
bool timers_due_slow(std::int64_t when0);
inline bool timers_due(const timer_heap* h) {
  std::int64_t w = h->when0.load(std::memory_order_relaxed);
  return w != 0 && timers_due_slow(w);
}

// After pp left circulation (set_max_procs shrink): its entries move to P 0's heap.
void move_timers_of_retired(p* pp);

}  // namespace gocxx::detail
