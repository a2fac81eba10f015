// The runtime's low-level waiting helpers: futex wait/wake and the CPU's spin-wait hint,
// shared by the scheduler (idle Ms, thread waiters), runtime_lock and the sync package.
#pragma once

#include <atomic>
#include <cstdint>

#include "gocxx/detail/runtime_lock.hpp"

namespace gocxx::detail {

// Blocks the thread while *addr == val (or until woken; spurious returns happen).
void futex_wait(std::atomic<std::uint32_t>* addr, std::uint32_t val);
// As futex_wait, for at most `ns` nanoseconds.
void futex_wait_for(std::atomic<std::uint32_t>* addr, std::uint32_t val, std::int64_t ns);
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

// How many cpu_relax() calls take about `ns` nanoseconds on this CPU (at least 1). A
// PAUSE costs ~3 ns on older x86 and ~13 ns on the 2-core box (LIMITS.md): spin budgets
// meant as times are converted with this, measured once per process.
int pauses_for_ns(std::int64_t ns);

}  // namespace gocxx::detail
