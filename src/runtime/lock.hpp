// runtime_mutex: the lock of the runtime's own short critical sections (sched.lock, and
// any primitive's internal lock). Lockable, so std::lock_guard works.
//
// Why not std::mutex: a contended std::mutex goes to the kernel at once, and a futex
// wake-up costs 19-39 µs on our VMs (LIMITS #9) against critical sections of tens of
// nanoseconds. This lock spins (TTAS with pause) for a bounded number of rounds, and only
// then sleeps on a futex: Drepper's three-state futex mutex (0 free, 1 locked, 2 locked
// with sleepers), so an uncontended lock/unlock is one CAS and one exchange and unlock
// makes a syscall only when someone sleeps.
//
// It blocks the OS thread, never parks a goroutine: hold it only for short sections that
// never block.
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

namespace gocxx::detail {

inline void cpu_pause() {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

class runtime_mutex {
 public:
  void lock() {
    std::uint32_t c = 0;
    if (state_.compare_exchange_strong(c, 1, std::memory_order_acquire, std::memory_order_relaxed)) return;
    lock_slow();
  }
  bool try_lock() {
    std::uint32_t c = 0;
    return state_.compare_exchange_strong(c, 1, std::memory_order_acquire, std::memory_order_relaxed);
  }
  void unlock() {
    if (state_.exchange(0, std::memory_order_release) == 2) {
      syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&state_), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
    }
  }

 private:
  void lock_slow() {
    for (int spin = 0; spin < 200; ++spin) {
      for (int i = 0; i < 8; ++i) cpu_pause();
      std::uint32_t c = state_.load(std::memory_order_relaxed);
      if (c == 0 && state_.compare_exchange_weak(c, 1, std::memory_order_acquire, std::memory_order_relaxed)) return;
    }
    // Sleep: mark "locked with sleepers" and wait until we take it from free.
    while (state_.exchange(2, std::memory_order_acquire) != 0) {
      syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&state_), FUTEX_WAIT_PRIVATE, 2, nullptr, nullptr, 0);
    }
  }

  std::atomic<std::uint32_t> state_{0};
};

}  // namespace gocxx::detail
