// The runtime side of gocxx::pool<T> (the template is in gocxx/sync.hpp): which P the
// caller runs on, and how many per-P caches a pool makes.
//
// Go pins the goroutine to its P while it touches the P's pool cache. gocxx cannot pin
// (and has no preemption to pin against), so the caches are try-locked instead: the id
// returned here may be stale by the time it is used (the goroutine could block and
// resume on another P inside a user's move constructor), which only costs a shared-list
// fallback, never correctness.
//
// No locks.
#include "gocxx/sync.hpp"
#include "runtime/sched.hpp"

namespace gocxx::detail {

int pool_proc_id() noexcept {
  m* mp = current_m();
  return (mp && mp->pp && mp->curg) ? mp->pp->id : -1;
}

std::size_t pool_local_count() noexcept {
  constexpr std::size_t max_locals = 64;
  std::size_t procs = static_cast<std::size_t>(sched().gomaxprocs.load(std::memory_order_relaxed));
  std::size_t n = 1;
  while (n < procs && n < max_locals) n <<= 1;
  return n;
}

}  // namespace gocxx::detail
