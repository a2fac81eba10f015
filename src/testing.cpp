// gocxx::testing: the schedule seed (runtime/schedseed.hpp does the work) and leak_check.
// leak_check: the goroutines alive at construction are remembered by id (ids are unique
// for the life of the process); check() polls the all-G registry with a backoff from
// 100 µs to 10 ms until every other goroutine has ended or the bound passes, then dumps
// those left. The wait sleeps the caller (parks it when it is a goroutine).
#include "gocxx/testing.hpp"

#include <algorithm>

#include "gocxx/runtime.hpp"
#include "gocxx/time.hpp"
#include "runtime/allg.hpp"
#include "runtime/diag.hpp"
#include "runtime/sched.hpp"
#include "runtime/schedseed.hpp"
#include "runtime/sysmon.hpp"

namespace gocxx::testing {

namespace {

struct filter {
  const std::vector<std::uint64_t>* before;
  std::uint64_t self;
};

bool is_new(std::uint64_t id, void* arg) {
  auto* f = static_cast<filter*>(arg);
  return id != f->self && !std::binary_search(f->before->begin(), f->before->end(), id);
}

}  // namespace

leak_check::leak_check() {
  detail::ensure_started();
  detail::allg_snapshot snap;
  for (const detail::allg_entry& e : snap.entries()) before_.push_back(e.id);
  std::sort(before_.begin(), before_.end());
}

std::string leak_check::check(std::chrono::nanoseconds bound) const {
  using clock = std::chrono::steady_clock;
  filter f{&before_, goroutine_id()};
  const auto deadline = clock::now() + bound;
  auto backoff = std::chrono::microseconds(100);
  for (;;) {
    std::size_t leaked = 0;
    {
      detail::allg_snapshot snap;
      for (const detail::allg_entry& e : snap.entries()) {
        if (is_new(e.id, &f)) ++leaked;
      }
    }
    if (leaked == 0) return {};
    auto now = clock::now();
    if (now >= deadline) break;
    gocxx::sleep(std::min<clock::duration>(backoff, deadline - now));
    backoff = std::min(backoff * 2, std::chrono::microseconds(10'000));
  }
  struct job {
    detail::dump_caller caller;
    filter* f;
    std::string out;
  } j;
  j.f = &f;
  detail::capture_caller(j.caller);
  detail::refresh_coarse_clock();
  detail::on_thread_stack(
      [](void* a) {
        auto* jp = static_cast<job*>(a);
        detail::allg_snapshot snap;
        std::size_t n = 0;
        for (const detail::allg_entry& e : snap.entries()) n += is_new(e.id, jp->f) ? 1 : 0;
        std::string dump;
        detail::dump_goroutines(dump, snap, jp->caller, &is_new, jp->f);
        if (n == 0) return;  // they ended just now
        jp->out = "found " + std::to_string(n) + (n == 1 ? " unexpected goroutine:\n\n" : " unexpected goroutines:\n\n") + dump;
      },
      &j);
  return j.out;
}

void set_schedule_seed(std::uint64_t seed) {
  detail::ensure_started();  // GOCXX_SCHED_SEED is read at start; a later set wins
  detail::sched_seed_set(seed);
}

void clear_schedule_seed() {
  detail::ensure_started();
  detail::sched_seed_clear();
}

std::optional<std::uint64_t> schedule_seed() {
  detail::ensure_started();
  std::uint64_t seed = 0;
  if (detail::sched_seed_get(&seed)) return seed;
  return std::nullopt;
}

}  // namespace gocxx::testing
