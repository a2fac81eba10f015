// Microbenchmark behind docs/internals.md "Context switch": our own switch
// (src/runtime/context_switch_*.S) against Boost.Context's fcontext, a round trip
// (two switches) between the benchmark's thread and one context on a 64 KiB stack.
// Two patterns: the sides switch from different call sites (the thread's loop, the
// context's loop), or from one shared call site two frames deep, which is what the
// scheduler does (every goroutine parks through schedule_away) and what decides how
// the return-stack predictor fares.
#include <benchmark/benchmark.h>
#include <sys/mman.h>

#include "runtime/fiber.hpp"

#if GOCXX_HAVE_BOOST_CONTEXT
#include <boost/context/detail/fcontext.hpp>
#endif

namespace {

constexpr std::size_t stack_bytes = 64 * 1024;

char* map_stack() {
  return static_cast<char*>(mmap(nullptr, stack_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
}

gocxx::detail::context main_ctx, fiber_ctx;

void fiber_entry(void*) {
  for (;;) gocxx::detail::switch_context(fiber_ctx, main_ctx, nullptr);
}

void BM_gocxx_switch_round_trip(benchmark::State& state) {
  char* stack = map_stack();
  gocxx::detail::make_context(fiber_ctx, stack, stack + stack_bytes, &fiber_entry);
  for (auto _ : state) gocxx::detail::switch_context(main_ctx, fiber_ctx, nullptr);
  munmap(stack, stack_bytes);
}
BENCHMARK(BM_gocxx_switch_round_trip);

// Both sides switch from the same call, `depth` frames deep (the scheduler's chain is
// lambda -> chan_recv -> park -> schedule_away -> switch), and return through them.
template <int depth>
[[gnu::noinline]] void hop(gocxx::detail::context& from, gocxx::detail::context& to) {
  if constexpr (depth == 1) {
    gocxx::detail::switch_context(from, to, nullptr);
  } else {
    hop<depth - 1>(from, to);
  }
  benchmark::ClobberMemory();
}
template <int depth>
void same_site_entry(void*) {
  for (;;) hop<depth>(fiber_ctx, main_ctx);
}
template <int depth>
void BM_gocxx_switch_round_trip_same_site(benchmark::State& state) {
  char* stack = map_stack();
  gocxx::detail::make_context(fiber_ctx, stack, stack + stack_bytes, &same_site_entry<depth>);
  for (auto _ : state) hop<depth>(main_ctx, fiber_ctx);
  munmap(stack, stack_bytes);
}
BENCHMARK(BM_gocxx_switch_round_trip_same_site<2>);
BENCHMARK(BM_gocxx_switch_round_trip_same_site<5>);

#if GOCXX_HAVE_BOOST_CONTEXT
namespace bctx = boost::context::detail;
void boost_entry(bctx::transfer_t t) {
  for (;;) t = bctx::jump_fcontext(t.fctx, nullptr);
}
void BM_boost_fcontext_round_trip(benchmark::State& state) {
  char* stack = map_stack();
  bctx::fcontext_t f = bctx::make_fcontext(stack + stack_bytes, stack_bytes, &boost_entry);
  for (auto _ : state) f = bctx::jump_fcontext(f, nullptr).fctx;
  munmap(stack, stack_bytes);
}
BENCHMARK(BM_boost_fcontext_round_trip);

template <int depth>
[[gnu::noinline]] bctx::fcontext_t boost_hop(bctx::fcontext_t to) {
  bctx::fcontext_t from;
  if constexpr (depth == 1) {
    from = bctx::jump_fcontext(to, nullptr).fctx;
  } else {
    from = boost_hop<depth - 1>(to);
  }
  benchmark::ClobberMemory();
  return from;
}
template <int depth>
void boost_same_site_entry(bctx::transfer_t t) {
  for (bctx::fcontext_t back = t.fctx;;) back = boost_hop<depth>(back);
}
template <int depth>
void BM_boost_fcontext_round_trip_same_site(benchmark::State& state) {
  char* stack = map_stack();
  bctx::fcontext_t f = bctx::make_fcontext(stack + stack_bytes, stack_bytes, &boost_same_site_entry<depth>);
  for (auto _ : state) f = boost_hop<depth>(f);
  munmap(stack, stack_bytes);
}
BENCHMARK(BM_boost_fcontext_round_trip_same_site<2>);
BENCHMARK(BM_boost_fcontext_round_trip_same_site<5>);
#endif

}  // namespace

BENCHMARK_MAIN();
