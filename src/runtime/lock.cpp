// runtime_lock's slow path and the futex helpers (src/runtime/lock.hpp).
#include "runtime/lock.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <ctime>

#include <algorithm>
#include <chrono>
#include <thread>

namespace gocxx::detail {

void futex_wait(std::atomic<std::uint32_t>* addr, std::uint32_t val) {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(addr), FUTEX_WAIT_PRIVATE, val, nullptr, nullptr, 0);
}

void futex_wait_for(std::atomic<std::uint32_t>* addr, std::uint32_t val, std::int64_t ns) {
  if (ns <= 0) return;
  timespec ts;
  ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
  ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(addr), FUTEX_WAIT_PRIVATE, val, &ts, nullptr, 0);
}

void futex_wake(std::atomic<std::uint32_t>* addr, int n) {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(addr), FUTEX_WAKE_PRIVATE, n, nullptr, nullptr, 0);
}

int ncpu() {
  static const int n = [] {
    unsigned hc = std::thread::hardware_concurrency();
    return hc ? static_cast<int>(hc) : 1;
  }();
  return n;
}

int pauses_for_ns(std::int64_t ns) {
  static const double pause_ns = [] {
    // The fastest of a few short runs: a preempted run only makes one slower.
    constexpr int n = 2000;
    double best = 1e9;
    for (int run = 0; run < 5; ++run) {
      auto t0 = std::chrono::steady_clock::now();
      for (int i = 0; i < n; ++i) cpu_relax();
      double per = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() / n;
      best = std::min(best, per);
    }
    return std::max(best, 0.5);
  }();
  return std::max(1, static_cast<int>(static_cast<double>(ns) / pause_ns));
}

// Drepper's three-state futex mutex ("Futexes are tricky", mutex3), with a short spin
// first because holders keep it for a few dozen instructions.
void runtime_lock::lock_slow() noexcept {
  if (ncpu() > 1) {
    for (int i = 0; i < 200; ++i) {
      std::uint32_t unlocked = 0;
      if (word_.load(std::memory_order_relaxed) == 0 &&
          word_.compare_exchange_weak(unlocked, 1, std::memory_order_acquire, std::memory_order_relaxed)) {
        return;
      }
      for (int k = 0; k < 8; ++k) cpu_relax();
    }
  }
  // From here on we may sleep, so we mark the word "contended" (2) whenever we take it:
  // the unlocker then knows it must wake someone.
  while (word_.exchange(2, std::memory_order_acquire) != 0) futex_wait(&word_, 2);
}

void runtime_lock::wake_one() noexcept { futex_wake(&word_, 1); }

}  // namespace gocxx::detail
