// The per-P timer heaps: push, lazy deletion, sweeping, and running due timers on g0.
// Design, invariants and lock order: timers.hpp. What the timers do when they fire is
// chosen by their kind (sleep, channel, func); the public API over them is src/time.cpp.
#include "runtime/timers.hpp"

#include <time.h>

#include <algorithm>
#include <chrono>

#include "gocxx/chan.hpp"
#include "gocxx/runtime.hpp"
#include "runtime/park.hpp"
#include "runtime/sched.hpp"
#include "runtime/trace.hpp"

namespace gocxx::detail {

namespace {

constexpr std::size_t arity = 4;

bool earlier(const timer_entry& a, const timer_entry& b) noexcept {
  return a.when < b.when || (a.when == b.when && a.order < b.order);
}

void sift_up(std::vector<timer_entry>& h, std::size_t i) noexcept {
  timer_entry e = h[i];
  while (i > 0) {
    std::size_t parent = (i - 1) / arity;
    if (!earlier(e, h[parent])) break;
    h[i] = h[parent];
    i = parent;
  }
  h[i] = e;
}

void sift_down(std::vector<timer_entry>& h, std::size_t i) noexcept {
  std::size_t n = h.size();
  timer_entry e = h[i];
  for (;;) {
    std::size_t first = i * arity + 1;
    if (first >= n) break;
    std::size_t best = first;
    std::size_t last = std::min(first + arity, n);
    for (std::size_t c = first + 1; c < last; ++c) {
      if (earlier(h[c], h[best])) best = c;
    }
    if (!earlier(h[best], e)) break;
    h[i] = h[best];
    i = best;
  }
  h[i] = e;
}

// h->lock held.
void publish_when0(timer_heap* h) noexcept {
  h->when0.store(h->heap.empty() ? 0 : h->heap.front().when, std::memory_order_seq_cst);
}

// h->lock held. Removes the zombies (entries whose timer moved on) and restores the heap
// order; the removed entries' counted timers are appended to `dead` for release once no
// lock is held (a release may free a func timer's callable, which runs user code).
void sweep_locked(timer_heap* h, std::vector<timer_rec*>& dead) {
  auto& v = h->heap;
  std::size_t keep = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i].t->gen.load(std::memory_order_relaxed) == v[i].gen) {
      v[keep++] = v[i];
    } else if (v[i].t->kind != timer_rec::sleep_timer) {
      dead.push_back(v[i].t);
    }
  }
  v.resize(keep);
  if (keep > 1) {
    for (std::size_t i = (keep - 2) / arity + 1; i-- > 0;) sift_down(v, i);
  }
  h->zombies.store(0, std::memory_order_relaxed);
  publish_when0(h);
}

bool wants_sweep(const timer_heap* h, std::size_t size) noexcept {
  std::uint32_t z = h->zombies.load(std::memory_order_relaxed);
  return z >= 64 && std::size_t{z} * 4 >= size;
}

void sweep(timer_heap* h) {
  std::vector<timer_rec*> dead;
  h->lock.lock();
  if (wants_sweep(h, h->heap.size())) sweep_locked(h, dead);
  h->lock.unlock();
  for (timer_rec* t : dead) timer_release(t);
}

// t->mu held: t's valid entry (if any) becomes a zombie. Returns its heap when that heap
// should now be swept (the caller sweeps it after unlocking t->mu).
timer_heap* invalidate_locked(timer_rec* t) noexcept {
  if (t->gen.load(std::memory_order_relaxed) == 0) return nullptr;
  t->gen.store(0, std::memory_order_relaxed);
  timer_heap* h = t->heap;
  t->heap = nullptr;
  if (!h) return nullptr;
  std::uint32_t z = h->zombies.fetch_add(1, std::memory_order_relaxed) + 1;
  // The size read is a hint (no lock): the sweep re-checks under the heap's lock.
  return z >= 64 && (z & 63) == 0 ? h : nullptr;
}

void zombie_dropped(timer_heap* h) noexcept {
  std::uint32_t z = h->zombies.load(std::memory_order_relaxed);
  while (z > 0 && !h->zombies.compare_exchange_weak(z, z - 1, std::memory_order_relaxed)) {
  }
}

void fire(timer_heap* h, const timer_entry& e, std::int64_t now) {
  timer_rec* t = e.t;
  t->mu.lock();
  if (t->gen.load(std::memory_order_relaxed) != e.gen) {  // stopped or re-armed since
    t->mu.unlock();
    zombie_dropped(h);
    timer_release(t);  // never a sleep timer: those are never stale
    return;
  }
  t->gen.store(0, std::memory_order_relaxed);
  t->heap = nullptr;
  trace_timer(t, now - e.when);
  switch (t->kind) {
    case timer_rec::sleep_timer: {
      waiter* w = t->sleeper;
      t->when = 0;
      t->mu.unlock();
      ready(w);  // t lives on the sleeper's stack: not touched after this
      return;
    }
    case timer_rec::chan_timer: {
      if (t->period > 0) {
        // The next tick stays on the period's grid: ticks missed while no one ran the
        // heap are skipped, not queued (Go's ticker).
        std::int64_t next = e.when + t->period;
        if (next <= now) next += t->period * ((now - next) / t->period + 1);
        timer_sweeps ignored;  // run_timers sweeps this heap itself when it must
        timer_arm_locked(t, next, ignored);
      } else {
        t->when = 0;
      }
      if (t->ch) {
        // The firing time is the deadline itself, as Go sends it. A full buffer (a
        // ticker's unreceived tick) drops this one: at most one tick is pending.
        std::chrono::steady_clock::time_point tp{std::chrono::nanoseconds(e.when)};
        chan_try_send(t->ch, &tp);
      }
      t->mu.unlock();
      timer_release(t);
      return;
    }
    case timer_rec::func_timer: {
      t->when = 0;
      timer_retain(t);  // for the goroutine
      t->mu.unlock();
      try {
        spawn(task([t] {
                struct release_at_end {
                  timer_rec* t;
                  ~release_at_end() { timer_release(t); }
                } r{t};
                t->fn->fn();
              }),
              go_options{}, gocxx::source_location::current(t->fn->file, "", t->fn->line));
      } catch (...) {
        timer_release(t);  // out of memory for the goroutine record: the call is lost
      }
      timer_release(t);
      return;
    }
  }
}

}  // namespace

void timer_retain(timer_rec* t) noexcept { t->refs.fetch_add(1, std::memory_order_relaxed); }

void timer_release(timer_rec* t) noexcept {
  if (t->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  delete t->fn;  // a func timer's callable: user code, run with no lock held
  delete t;
}

void timer_arm_locked(timer_rec* t, std::int64_t when, timer_sweeps& sweeps) {
  sweeps.add(invalidate_locked(t));
  t->when = when;
  std::uint64_t gen = ++t->gen_next;
  if (gen == 0) gen = ++t->gen_next;
  if (t->kind != timer_rec::sleep_timer) timer_retain(t);  // the entry's reference
  timer_heap* h = current_timer_heap();
  // gen before the push: a sweep of h (under its lock) must see the entry as valid.
  t->gen.store(gen, std::memory_order_relaxed);
  t->heap = h;
  h->lock.lock();
  h->heap.push_back(timer_entry{when, h->next_order++, gen, t});
  sift_up(h->heap, h->heap.size() - 1);
  bool top = h->heap.front().t == t && h->heap.front().gen == gen;
  if (top) publish_when0(h);
  if (wants_sweep(h, h->heap.size())) sweeps.add(h);
  h->lock.unlock();
  if (top) wake_for_timer(when);
}

bool timer_disarm_locked(timer_rec* t, timer_sweeps& sweeps) {
  bool armed = t->when != 0;
  t->when = 0;
  sweeps.add(invalidate_locked(t));
  return armed;
}

void timer_sweeps::run() {
  for (timer_heap* h : heaps) {
    if (h) sweep(h);
  }
}

namespace {

// True when the calling M's P has room in its local run queue for the goroutines a fire
// readies. Fired goroutines beyond it would overflow to the global queue's tail, behind
// whatever waits there (timer_fire: ~100,000 goroutines not yet started), and hold their
// stacks until it drains: the live set, and the fresh pages it costs, grew to ~20,000
// stacks there. The rest of the due timers fire at this P's next schedule instead.
// A call fires at least this many, so that a P whose queue stays long still makes
// progress on its timers.
bool room_to_ready(int fired) {
  if (fired < 16) return true;
  m* mp = current_m();
  return !mp || !mp->pp || mp->pp->q.length() < runq::size / 2;
}

}  // namespace

void run_timers(timer_heap* h, std::int64_t now) {
  std::vector<timer_rec*> dead;
  for (int fired = 0;; ++fired) {
    h->lock.lock();
    if (wants_sweep(h, h->heap.size())) sweep_locked(h, dead);
    auto& v = h->heap;
    if (v.empty() || v.front().when > now || !room_to_ready(fired)) {
      publish_when0(h);
      h->lock.unlock();
      for (timer_rec* t : dead) timer_release(t);
      return;
    }
    timer_entry e = v.front();
    v.front() = v.back();
    v.pop_back();
    if (!v.empty()) sift_down(v, 0);
    publish_when0(h);
    h->lock.unlock();
    fire(h, e, now);
  }
}

// The coarse clock's resolution (a kernel tick, 4 ms at HZ=250), read once.
std::int64_t coarse_resolution() {
  static const std::int64_t res = [] {
    timespec ts{};
    if (clock_getres(CLOCK_MONOTONIC_COARSE, &ts) != 0) return std::int64_t{-1};
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
  }();
  return res;
}

void run_due_timers(timer_heap* h) {
  if (h->when0.load(std::memory_order_relaxed) != 0) run_timers(h, nanotime());
}

bool run_others_timers(const p* self) {
  int n = sched().nallp.load(std::memory_order_acquire);
  std::int64_t now = 0;
  bool ran = false;
  for (int i = 0; i < n; ++i) {
    p* pp = allp_at(i);
    if (!pp || pp == self) continue;
    std::int64_t w = pp->timers.when0.load(std::memory_order_relaxed);
    if (w == 0) continue;
    if (now == 0) now = nanotime();
    if (w <= now) {
      run_timers(&pp->timers, now);
      ran = true;
    }
  }
  return ran;
}

std::int64_t earliest_timer() {
  std::int64_t best = 0;
  int n = sched().nallp.load(std::memory_order_acquire);
  for (int i = 0; i < n; ++i) {
    p* pp = allp_at(i);
    if (!pp) continue;
    std::int64_t w = pp->timers.when0.load(std::memory_order_seq_cst);
    if (w != 0 && (best == 0 || w < best)) best = w;
  }
  return best;
}

bool any_live_timer() {
  int n = sched().nallp.load(std::memory_order_acquire);
  for (int i = 0; i < n; ++i) {
    p* pp = allp_at(i);
    if (!pp || pp->timers.when0.load(std::memory_order_seq_cst) == 0) continue;
    std::lock_guard<runtime_lock> l(pp->timers.lock);
    for (const timer_entry& e : pp->timers.heap) {
      if (e.gen == e.t->gen.load(std::memory_order_acquire)) return true;
    }
  }
  return false;
}

timer_heap* current_timer_heap() {
  m* mp = current_m();
  if (mp && mp->pp) return &mp->pp->timers;
  auto n = static_cast<std::uint32_t>(sched().gomaxprocs.load(std::memory_order_relaxed));
  return &allp_at(static_cast<int>(fastrand() % n))->timers;
}

bool timers_due_slow(std::int64_t w) {
  // Called at every schedule of a P with a timer. The precise clock costs 28 ns here
  // (LIMITS.md #44: a ping-pong with a timer pending went 90 -> 175 ns per round trip);
  // the coarse one, the time of the last kernel tick, ~6 ns. It lags the precise clock
  // by less than a tick, so while it is more than two ticks short of the deadline the
  // timer is not due; closer than that, read the precise clock.
  std::int64_t res = coarse_resolution();
  if (res > 0 && res <= 10'000'000) {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    std::int64_t coarse = static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
    if (coarse + 2 * res < w) return false;
  }
  return w <= nanotime();
}

void move_timers_of_retired(p* pp) {
  timer_heap* from = &pp->timers;
  timer_heap* to = &allp_at(0)->timers;
  if (from == to) return;
  std::vector<timer_entry> moved;
  from->lock.lock();
  moved.swap(from->heap);
  from->zombies.store(0, std::memory_order_relaxed);
  publish_when0(from);
  from->lock.unlock();
  if (moved.empty()) return;
  std::int64_t earliest = when_never;
  to->lock.lock();
  for (timer_entry e : moved) {
    // Stale entries move too (their timer's heap pointer is only a zombie-count hint).
    e.order = to->next_order++;
    to->heap.push_back(e);
    sift_up(to->heap, to->heap.size() - 1);
    earliest = std::min(earliest, e.when);
  }
  publish_when0(to);
  to->lock.unlock();
  wake_for_timer(earliest);
}

}  // namespace gocxx::detail
