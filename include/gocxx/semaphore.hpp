// gocxx/semaphore.hpp: a weighted semaphore (Go's golang.org/x/sync/semaphore).
#pragma once

#include <cstdint>
#include <system_error>

#include "gocxx/detail/sema.hpp"
#include "gocxx/runtime.hpp"

namespace gocxx {

class context;

// A semaphore of `n` tokens that callers acquire and release in any amounts (Go's
// semaphore.Weighted). Waiters are served strictly in arrival order: a large request
// at the front is not overtaken by small ones that would fit, so it cannot starve.
// Releasing more than is held panics with "semaphore: released more than held".
// acquire() parks the calling goroutine (or blocks a plain thread); a request larger
// than the whole semaphore waits forever (acquire(n)) or until the context is done
// (acquire(ctx, n)), as Go's.
//
//   Go                                    gocxx
//   sem := semaphore.NewWeighted(4)       gocxx::semaphore sem(4);
//   sem.Acquire(context.TODO(), 1)        sem.acquire(1);
//   if err := sem.Acquire(ctx, 1); ...    if (auto err = sem.acquire(ctx, 1)) ...
//   go func() {                           gocxx::go([&] {
//     defer sem.Release(1); work()          work(); sem.release(1);
//   }()                                   });
//   if sem.TryAcquire(2) { ... }          if (sem.try_acquire(2)) { ... }
class semaphore {
 public:
  explicit semaphore(std::int64_t n) noexcept : size_(n) {}
  semaphore(const semaphore&) = delete;
  semaphore& operator=(const semaphore&) = delete;

  // Takes n tokens, waiting until they are available and every earlier waiter is served.
  void acquire(std::int64_t n = 1);
  // Go's Weighted.Acquire(ctx, n): takes n tokens, or returns ctx.err() once ctx is
  // done first (also when it is done on entry), leaving the semaphore as it was.
  std::error_code acquire(const context& ctx, std::int64_t n = 1);
  // Takes n tokens if they are available now and nobody waits; never blocks.
  bool try_acquire(std::int64_t n = 1);
  // Returns n tokens and wakes the waiters at the front that now fit.
  void release(std::int64_t n = 1);

 private:
  const std::int64_t size_;
  detail::runtime_lock lock_;        // guards the fields below
  std::int64_t cur_ = 0;             // tokens held
  detail::sema_sudog* head_ = nullptr;    // waiters, FIFO, doubly linked
  detail::sema_sudog* tail_ = nullptr;

  struct cancel_watch;
  bool take_locked(std::int64_t n) noexcept;
  void enqueue_locked(detail::sema_sudog* s) noexcept;
  void unlink_locked(detail::sema_sudog* s) noexcept;
  detail::sema_sudog* grant_locked() noexcept;
};

}  // namespace gocxx
