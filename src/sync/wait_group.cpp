// gocxx::wait_group, after Go's sync/waitgroup.go. The common add() and done() (one
// atomic add, nobody waiting) are inline in gocxx/sync.hpp; this file has the rest.
//
// State. One 64-bit word: the counter in the high 32 bits, the number of waiters in the
// low 32. Keeping both in one word is what makes done() and wait() race-free: a waiter
// registers with a CAS that fails if the counter changed, and the done() that brings
// the counter to zero sees, in the value its own add returned, exactly the waiters it
// must release.
//
// Invariants
// - Waiters are added only while the counter is > 0 (wait()'s CAS checks it).
// - When the counter reaches zero with w waiters, that add() is the only one allowed
//   to touch the word until the waiters return: it resets the word to 0 and releases
//   sema_ w times. Any other change in that window is misuse, which Go detects (and we
//   with it) on a best-effort basis: add() seeing waiters on a counter that was zero,
//   the zeroing add() seeing the word change under it, and a released waiter finding
//   the word non-zero (the group was reused before its wait() returned).
//
// Lock order: none (the semaroot lock inside semacquire/semrelease is a leaf).
#include "gocxx/sync.hpp"

#include "sync/sema.hpp"

namespace gocxx {

void wait_group::add_slow(int delta, std::uint64_t state) {
  auto counter = static_cast<std::int32_t>(state >> 32);
  auto waiters = static_cast<std::uint32_t>(state);
  if (counter < 0) throw panic_error("sync: negative WaitGroup counter");
  // Waiters only register on a positive counter, so an add that finds waiters on a
  // counter that was zero raced with the end of a wait.
  if (waiters != 0 && delta > 0 && counter == delta) {
    throw panic_error("sync: WaitGroup misuse: Add called concurrently with Wait");
  }
  if (counter > 0 || waiters == 0) return;
  // The counter reached zero and there are waiters: we release them. Nobody else may
  // change the word now (see the invariants); check, cheaply and only opportunistically.
  if (state_.load(std::memory_order_relaxed) != state) {
    throw panic_error("sync: WaitGroup misuse: Add called concurrently with Wait");
  }
  state_.store(0, std::memory_order_relaxed);  // ordered before the waiters by semrelease
  for (; waiters != 0; --waiters) detail::semrelease(&sema_, false);
}

void wait_group::wait() {
  std::uint64_t state = state_.load(std::memory_order_acquire);
  for (;;) {
    if (static_cast<std::int32_t>(state >> 32) == 0) return;  // counter is zero
    // Register as a waiter; the CAS fails (and reloads) if the counter moved.
    if (state_.compare_exchange_weak(state, state + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
      detail::semacquire(&sema_, false, detail::wait_reason::sync_wait_group_wait);
      if (state_.load(std::memory_order_relaxed) != 0) {
        throw panic_error("sync: WaitGroup is reused before previous Wait has returned");
      }
      return;
    }
  }
}

}  // namespace gocxx
