// The schedule seed; see schedseed.hpp. The seed and its generation are two words written
// only by set/clear (a mutex orders those); each P copies what it needs into its own
// fields when it applies a generation, so draws touch only owner-private state.
#include "runtime/schedseed.hpp"

#include <cstdlib>
#include <mutex>

#include "runtime/sched.hpp"

namespace gocxx::detail {

std::atomic<std::uint32_t> sched_seed_gen{0};

namespace {

std::mutex g_seed_mu;                        // orders set/clear
std::atomic<std::uint64_t> g_seed_value{0};  // valid while sched_seed_gen != 0
std::uint32_t g_last_gen = 0;                // under g_seed_mu: generations are never reused

std::uint64_t splitmix64(std::uint64_t& s) {
  std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void reseed(p* pp, std::uint32_t gen) {
  (void)sched_seed_gen.load(std::memory_order_acquire);  // pairs with set's release of gen
  std::uint64_t s =
      g_seed_value.load(std::memory_order_acquire) ^ (0x5851f42d4c957f2dull * static_cast<std::uint64_t>(pp->id + 1));
  pp->seed_state = splitmix64(s);
  std::uint32_t r = static_cast<std::uint32_t>(splitmix64(s));
  pp->rand = r ? r : 0x2545F491u;  // xorshift's state must not be 0
  pp->global_check = 61;
  pp->ring_head_at_check = ~0u;
  pp->seed_gen = gen;
}

}  // namespace

void sched_seed_set(std::uint64_t seed) {
  std::lock_guard<std::mutex> l(g_seed_mu);
  g_seed_value.store(seed, std::memory_order_release);
  if (++g_last_gen == 0) ++g_last_gen;
  sched_seed_gen.store(g_last_gen, std::memory_order_release);
}

void sched_seed_clear() {
  std::lock_guard<std::mutex> l(g_seed_mu);
  sched_seed_gen.store(0, std::memory_order_release);
}

bool sched_seed_get(std::uint64_t* seed) {
  std::lock_guard<std::mutex> l(g_seed_mu);
  if (sched_seed_gen.load(std::memory_order_relaxed) == 0) return false;
  *seed = g_seed_value.load(std::memory_order_relaxed);
  return true;
}

void sched_seed_from_env() {
  const char* e = std::getenv("GOCXX_SCHED_SEED");
  if (!e || !*e) return;
  char* end = nullptr;
  std::uint64_t v = std::strtoull(e, &end, 0);
  if (end && *end == '\0') sched_seed_set(v);
}

void sched_seed_apply(p* pp, std::uint32_t gen) {
  if (gen == pp->seed_gen) return;
  if (gen == 0) {
    pp->seed_gen = 0;  // cleared: the draws stay where they are
    return;
  }
  reseed(pp, gen);
}

std::uint32_t seeded_draw(p* pp, std::uint32_t n) {
  std::uint64_t x = splitmix64(pp->seed_state);
  return static_cast<std::uint32_t>(((x >> 32) * n) >> 32);
}

}  // namespace gocxx::detail
