// gocxx::mutex's slow paths, after Go's sync/mutex.go. The fast paths (one CAS to lock,
// one atomic subtraction to unlock) are inline in gocxx/sync.hpp.
//
// State. One 32-bit word: locked (bit 0), woken (bit 1), starving (bit 2) and the number
// of parked waiters (bits 3..). Waiters park on the runtime semaphore `sema_` (sema.cpp).
//
// Two modes, as in Go.
// - Normal: waiters queue FIFO, but a woken waiter does not own the mutex: it competes
//   with goroutines that are arriving right now, which usually win (they are running
//   and hot in cache). That keeps throughput high: ownership tends to stay on one P. A
//   waiter that loses goes back to the *front* of the queue.
// - Starvation: entered when a waiter has waited more than 1 ms. unlock hands the
//   mutex straight to the waiter at the front (semrelease with handoff) and newcomers
//   queue at the tail without trying. It ends when the waiter that receives it is the
//   last one or has waited under 1 ms. This bounds the wait of every waiter.
//
// Invariants
// - locked is set by exactly one CAS per acquisition, except in starvation mode where
//   the receiver of a hand-off sets it (the unlocker never clears starving).
// - woken is set while a lock_slow caller is awake and about to retry (a spinner or a
//   woken waiter); unlock then does not wake another one. Whoever set it clears it.
// - The waiter count counts the callers parked in, or committed to, semacquire on
//   sema_; it is decremented by the unlocker that wakes one (normal mode) or by the
//   waiter that receives a hand-off (starvation mode).
// - In starvation mode, locked and woken are clear and the waiter count is >= 1 between
//   an unlock and the hand-off receiver's update.
//
// Lock order: none. The only lock taken is a semaroot's, inside semacquire/semrelease.
// nanotime() is read only on the slow path, once before the first park and once after
// each wake-up.
#include "gocxx/sync.hpp"

#include "runtime/fatal.hpp"
#include "runtime/lockcycle.hpp"
#include "runtime/sched.hpp"
#include "sync/sema.hpp"

namespace gocxx {

namespace {
constexpr std::int64_t starvation_threshold_ns = 1'000'000;
}

void mutex::lock_slow() {
  std::int64_t wait_start = 0;  // when we first parked; 0 until then
  bool starving = false;        // we have waited longer than the threshold
  bool awoke = false;           // we set (or were woken with) the woken bit
  int iter = 0;
  std::int32_t old = state_.load(std::memory_order_relaxed);
  for (;;) {
    // Spin while the holder runs elsewhere in normal mode (never in starvation mode:
    // the mutex goes to the head waiter, spinning would not get it). Setting woken
    // tells the unlocker not to wake a parked waiter while we are about to take it.
    if ((old & (locked_bit | starving_bit)) == locked_bit && detail::can_spin(iter)) {
      if (!awoke && !(old & woken_bit) && (old >> waiter_shift) != 0 &&
          state_.compare_exchange_weak(old, old | woken_bit, std::memory_order_relaxed)) {
        awoke = true;
      }
      detail::do_spin();
      ++iter;
      old = state_.load(std::memory_order_relaxed);
      continue;
    }
    std::int32_t next = old;
    if (!(old & starving_bit)) next |= locked_bit;  // try to take it (not a starving one)
    if (old & (locked_bit | starving_bit)) next += 1 << waiter_shift;  // we will queue
    if (starving && (old & locked_bit)) next |= starving_bit;  // switch to starvation mode
    if (awoke) {
      // We clear woken whether we get the mutex or go back to sleep.
      if (!(next & woken_bit)) detail::fatal_error("sync: inconsistent mutex state");
      next &= ~woken_bit;
    }
    if (!state_.compare_exchange_weak(old, next, std::memory_order_acquire, std::memory_order_relaxed)) {
      continue;  // old was reloaded
    }
    if (!(old & (locked_bit | starving_bit))) {  // locked by our CAS
      note_owner();
      return;
    }

    // Queue: at the tail the first time, at the front after losing a wake-up.
    bool lifo = wait_start != 0;
    if (!lifo) wait_start = detail::nanotime();
    {
      detail::lock_wait_scope waiting(this);  // what the lock-cycle check follows
      detail::semacquire(&sema_, lifo, detail::wait_reason::sync_mutex_lock);
    }
    starving = starving || detail::nanotime() - wait_start > starvation_threshold_ns;
    old = state_.load(std::memory_order_relaxed);
    if (old & starving_bit) {
      // Handed off: the mutex is ours, but not yet marked locked, and we still count as
      // a waiter. Fix both in one add; leave starvation mode if we are the last waiter
      // or did not wait long (Go: staying in it would make the last ones hand off
      // forever, which is slow).
      if ((old & (locked_bit | woken_bit)) || (old >> waiter_shift) == 0) {
        detail::fatal_error("sync: inconsistent mutex state");
      }
      std::int32_t delta = locked_bit - (1 << waiter_shift);
      if (!starving || (old >> waiter_shift) == 1) delta -= starving_bit;
      state_.fetch_add(delta, std::memory_order_acquire);
      note_owner();
      return;
    }
    awoke = true;  // the unlocker set woken for us
    iter = 0;
  }
}

void mutex::unlock_slow(std::int32_t now) {
  if (((now + locked_bit) & locked_bit) == 0) detail::fatal_error("sync: unlock of unlocked mutex");
  if (now & starving_bit) {
    // Hand the mutex to the head waiter and let it run in our place. locked stays
    // clear until it marks it, but newcomers see starving and queue instead of taking it.
    detail::semrelease(&sema_, true);
    return;
  }
  std::int32_t old = now;
  for (;;) {
    // Nobody to wake, or someone is already awake to take it (woken), or it was taken
    // (locked), or we raced into starvation mode: the new owner takes it from here.
    if ((old >> waiter_shift) == 0 || (old & (locked_bit | woken_bit | starving_bit))) return;
    // Take one waiter off the count and mark it woken; then wake it.
    std::int32_t next = (old - (1 << waiter_shift)) | woken_bit;
    if (state_.compare_exchange_weak(old, next, std::memory_order_relaxed)) {
      detail::semrelease(&sema_, false);
      return;
    }
  }
}

}  // namespace gocxx
