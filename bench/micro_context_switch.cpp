// Microbenchmark behind docs/internals.md "Context switch": our own switch
// (src/runtime/context_switch_*.S) against Boost.Context's fcontext, a round trip
// (two switches) between the benchmark's thread and one context on a 64 KiB stack.
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
#endif

}  // namespace

BENCHMARK_MAIN();
