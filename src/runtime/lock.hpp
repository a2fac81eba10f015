// The runtime's low-level waiting helpers: futex wait/wake and the CPU's spin-wait hint,
// shared by the scheduler (idle Ms, thread waiters), runtime_lock and the sync package.
#pragma once

#include <atomic>
#include <cstdint>

#include "gocxx/detail/runtime_lock.hpp"

namespace gocxx::detail {

// Blocks the thread while *addr == val (or until woken; spurious returns happen).
void futex_wait(std::atomic<std::uint32_t>* addr, std::uint32_t val);
// Wakes up to n threads blocked in futex_wait on addr.
void futex_wake(std::atomic<std::uint32_t>* addr, int n);

inline void cpu_relax() {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

// The number of CPUs the process may use (spinning pays only with more than one).
int ncpu();

}  // namespace gocxx::detail
