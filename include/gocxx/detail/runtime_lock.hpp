// gocxx::detail::runtime_lock: the lock of every short internal critical section
// (sched.lock, stack pools, sync wait queues). In a public detail header because sync
// types embed it in their layout; the slow path is in src/runtime/lock.cpp.
#pragma once

#include <atomic>
#include <cstdint>

namespace gocxx::detail {

// Go's runtime `mutex` (lock_futex.go): a word that guards a wait queue for a few
// dozen instructions. Uncontended it is one CAS and one exchange; contended it spins
// briefly and then blocks the *thread* on a futex, which is right for a critical
// section that never parks and never runs user code. Never hold it across anything
// that can block, and never take a user-visible lock (gocxx::mutex) under it.
// Constant-initialised, so it may be used from static storage at any time.
class runtime_lock {
 public:
  constexpr runtime_lock() noexcept = default;
  runtime_lock(const runtime_lock&) = delete;
  runtime_lock& operator=(const runtime_lock&) = delete;

  void lock() noexcept {
    std::uint32_t unlocked = 0;
    if (!word_.compare_exchange_strong(unlocked, 1, std::memory_order_acquire, std::memory_order_relaxed)) {
      lock_slow();
    }
  }
  void unlock() noexcept {
    if (word_.exchange(0, std::memory_order_release) == 2) wake_one();
  }
  // unlock() as park()'s `unlock` callback: arg is the runtime_lock.
  static void unlock_fn(void* arg) noexcept { static_cast<runtime_lock*>(arg)->unlock(); }

 private:
  void lock_slow() noexcept;
  void wake_one() noexcept;
  // 0: unlocked; 1: locked; 2: locked and a thread may sleep on the futex.
  std::atomic<std::uint32_t> word_{0};
};

}  // namespace gocxx::detail
