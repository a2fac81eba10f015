// White-box tests of the goroutine stack allocator (src/runtime/stack.hpp): slab
// slots, guard pages and canaries, the per-P cache, the guard budget, and memory given
// back to the kernel.
//
// The allocator is process-wide and the runtime uses its default-size pool, so tests
// that count slabs use a stack size no other test uses (each size has its own pool);
// the guard budget is read once per process, so tests of other budgets run in death-
// test children (threadsafe style: a fresh process that sets GOCXX_STACK_GUARDS first).
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gocxx/runtime.hpp"
#include "runtime/park.hpp"
#include "runtime/stack.hpp"
#include "test_support.hpp"

namespace {

namespace detail = gocxx::detail;
using ::testing::ExitedWithCode;

constexpr std::size_t kPage = 4096;
constexpr std::size_t kSlotsPerSlab = 128;  // stack.cpp's slots_per_slab

using test_support::kSanitized;
using test_support::rss_bytes;
#if defined(GOCXX_TEST_TSAN)
// ThreadSanitizer counts every fiber as a thread and dies beyond 8,128 alive at once.
constexpr int kManyLive = 4'000;
#else
constexpr int kManyLive = 20'000;
#endif

long max_map_count() {
  long v = -1;
  if (FILE* f = std::fopen("/proc/sys/vm/max_map_count", "r")) {
    if (std::fscanf(f, "%ld", &v) != 1) v = -1;
    std::fclose(f);
  }
  return v;
}


int count_mappings() {
  int n = 0;
  if (FILE* f = std::fopen("/proc/self/maps", "r")) {
    for (int c; (c = std::fgetc(f)) != EOF;) n += c == '\n';
    std::fclose(f);
  }
  return n;
}

// Writes one byte in every page of the stack (commits it all).
void touch_all(detail::stack* s) {
  for (char* p = s->bottom; p < s->top; p += kPage) *reinterpret_cast<volatile char*>(p) = 1;
  reinterpret_cast<volatile char*>(s->top)[-1] = 1;
}

bool stacks_overlap(const detail::stack* a, const detail::stack* b) { return a->bottom < b->top && b->bottom < a->top; }

class StackDeathTest : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

// ---- allocation ----

TEST(Stack, AllocGivesAtLeastTheSizeAskedPageAlignedAndWritable) {
  for (std::size_t size : {std::size_t{16} << 10, std::size_t{64} << 10, std::size_t{100'000}, std::size_t{1} << 20}) {
    detail::stack* s = detail::stack_alloc(size, nullptr);
    ASSERT_NE(s, nullptr);
    EXPECT_GE(s->size(), size);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(s->bottom) % kPage, 0u);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(s->top) % 16, 0u);
    EXPECT_TRUE(s->canary_ok());
    touch_all(s);
    EXPECT_TRUE(s->canary_ok()) << "writing the whole usable range must not touch the canary";
    detail::stack_free(s, nullptr);
  }
}

TEST(Stack, SizeZeroMeansTheDefault) {
  detail::stack* s = detail::stack_alloc(0, nullptr);
  EXPECT_GE(s->size(), detail::default_stack_size());
  detail::stack_free(s, nullptr);
}

TEST(Stack, LiveStacksDoNotOverlap) {
  constexpr std::size_t size = 88u << 10;  // a pool of its own
  std::vector<detail::stack*> v;
  for (std::size_t i = 0; i < 3 * kSlotsPerSlab; ++i) v.push_back(detail::stack_alloc(size, nullptr));
  std::vector<detail::stack*> sorted = v;
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->bottom < b->bottom; });
  for (std::size_t i = 1; i < sorted.size(); ++i) {
    ASSERT_FALSE(stacks_overlap(sorted[i - 1], sorted[i]));
    // Guarded stacks have their guard page between them and the one below.
    if (sorted[i]->guarded) {
      EXPECT_GE(sorted[i]->bottom - sorted[i - 1]->top, static_cast<std::ptrdiff_t>(kPage));
    }
  }
  for (auto* s : v) detail::stack_free(s, nullptr);
}

TEST(Stack, FreedStackIsReusedFirst) {
  constexpr std::size_t size = 72u << 10;
  detail::stack* a = detail::stack_alloc(size, nullptr);
  detail::stack_free(a, nullptr);
  detail::stack* b = detail::stack_alloc(size, nullptr);
  EXPECT_EQ(a, b) << "a resident stack just freed should be handed out again (LIFO)";
  detail::stack_free(b, nullptr);
}

TEST(Stack, GuardedStackGuardPage) {
  // With the default budget the first slabs are guarded.
  if (std::getenv("GOCXX_STACK_GUARDS")) GTEST_SKIP() << "GOCXX_STACK_GUARDS is set";
  detail::stack* s = detail::stack_alloc(76u << 10, nullptr);
  ASSERT_TRUE(s->guarded);
  EXPECT_TRUE(s->in_guard(s->bottom - 1));
  EXPECT_TRUE(s->in_guard(s->bottom - kPage));
  EXPECT_FALSE(s->in_guard(s->bottom));
  EXPECT_FALSE(s->in_guard(s->bottom - kPage - 1));
  EXPECT_FALSE(s->in_guard(s->top));
  EXPECT_TRUE(s->canary_ok());
  detail::stack_free(s, nullptr);
}

TEST_F(StackDeathTest, WritingAGuardPageFaults) {
  // The guard page is really PROT_NONE. Outside a goroutine the fault is not a
  // goroutine's stack overflow: it kills the process as a segfault.
  if (kSanitized) GTEST_SKIP() << "the sanitizers report segfaults themselves";
  if (std::getenv("GOCXX_STACK_GUARDS")) GTEST_SKIP() << "GOCXX_STACK_GUARDS is set";
  EXPECT_EXIT(
      {
        gocxx::num_goroutine();  // starts the runtime: its SIGSEGV handler is installed
        detail::stack* s = detail::stack_alloc(76u << 10, nullptr);
        if (!s->guarded) std::exit(3);
        reinterpret_cast<volatile char*>(s->bottom)[-1] = 1;
        std::exit(4);
      },
      ::testing::KilledBySignal(SIGSEGV), "");
}

// ---- the per-P cache ----

TEST(Stack, CacheKeepsFreedDefaultStacksAndSpillsHalfWhenFull) {
  detail::stack_cache cache;
  const int cap = detail::stack_cache::capacity;
  std::vector<detail::stack*> v;
  for (int i = 0; i < cap + 1; ++i) v.push_back(detail::stack_alloc(0, &cache));
  detail::stack_cache_flush(&cache);  // allocation may have refilled it from the pool
  EXPECT_EQ(cache.count, 0);
  for (int i = 0; i < cap; ++i) detail::stack_free(v[static_cast<std::size_t>(i)], &cache);
  EXPECT_EQ(cache.count, cap);
  // One more: the cache is full, so its older half moves to the pool first.
  detail::stack_free(v[static_cast<std::size_t>(cap)], &cache);
  EXPECT_EQ(cache.count, cap / 2 + 1);
  // LIFO: the last freed comes back first, with no lock taken.
  detail::stack* again = detail::stack_alloc(0, &cache);
  EXPECT_EQ(again, v[static_cast<std::size_t>(cap)]);
  EXPECT_EQ(cache.count, cap / 2);
  detail::stack_free(again, &cache);
  detail::stack_cache_flush(&cache);
  EXPECT_EQ(cache.count, 0);
}

TEST(Stack, CacheOnlyHoldsDefaultSizedStacks) {
  detail::stack_cache cache;
  detail::stack* big = detail::stack_alloc(1u << 20, &cache);
  detail::stack_free(big, &cache);
  EXPECT_EQ(cache.count, 0) << "a non-default stack went into the P cache";
  detail::stack_cache_flush(&cache);
}

TEST(Stack, CachedStacksOfAnOldDefaultSizeAreNotReused) {
  const std::size_t orig = gocxx::default_stack_size();
  detail::stack_cache cache;
  detail::stack* s = detail::stack_alloc(0, &cache);
  detail::stack_cache_flush(&cache);  // allocation may have refilled it from the pool
  detail::stack_free(s, &cache);
  ASSERT_EQ(cache.count, 1);
  gocxx::set_default_stack_size(orig * 2);
  detail::stack* t = detail::stack_alloc(0, &cache);
  EXPECT_GE(t->size(), orig * 2);
  detail::stack_free(t, &cache);
  detail::stack_cache_flush(&cache);
  gocxx::set_default_stack_size(orig);
  EXPECT_EQ(gocxx::default_stack_size(), orig);
}

// ---- slabs and memory ----

TEST(Stack, OneSlabHoldsManyStacks) {
  // Stacks are carved from slabs: 128 stacks make one new slab (one mapping when
  // unguarded), not 128 mappings.
  constexpr std::size_t size = 92u << 10;
  const auto before = detail::stack_statistics();
  std::vector<detail::stack*> v;
  for (std::size_t i = 0; i < kSlotsPerSlab; ++i) v.push_back(detail::stack_alloc(size, nullptr));
  const auto after = detail::stack_statistics();
  EXPECT_EQ(after.slabs - before.slabs, 1u);
  for (auto* s : v) EXPECT_EQ(s->guarded, v.front()->guarded);
  for (auto* s : v) detail::stack_free(s, nullptr);
}

TEST(Stack, WhollyFreeSlabsAreGivenBackToTheKernel) {
  // Four slabs of 80 KiB stacks, every page touched (~40 MiB resident). Freed in
  // allocation order, the first 256 stay resident in the pool's hot list (two slabs'
  // worth); the last two slabs become wholly free, are queued, and are madvise'd away
  // by the release that idle Ms run.
  constexpr std::size_t size = 80u << 10;
  constexpr std::size_t n = 4 * kSlotsPerSlab;
  const auto before = detail::stack_statistics();
  std::vector<detail::stack*> v;
  for (std::size_t i = 0; i < n; ++i) v.push_back(detail::stack_alloc(size, nullptr));
  for (auto* s : v) touch_all(s);
  const auto live = detail::stack_statistics();
  const std::size_t rss_live = rss_bytes();
  EXPECT_EQ(live.slabs - before.slabs, 4u);
  EXPECT_EQ(live.slabs_resident - before.slabs_resident, 4u);
  for (auto* s : v) detail::stack_free(s, nullptr);
  // Queued, not given back yet: an M going idle (or free_os_memory) does that.
  EXPECT_EQ(detail::stack_statistics().slabs_resident, live.slabs_resident);
  EXPECT_GE(detail::stack_release_free_slabs(INT64_MAX), 2u);
  const auto freed = detail::stack_statistics();
  const std::size_t rss_freed = rss_bytes();
  EXPECT_LE(freed.slabs_resident, live.slabs_resident - 2);
  // Two slabs of 128 stacks of 80 KiB: 20 MiB given back; allow for noise.
  EXPECT_LT(rss_freed + (15u << 20), rss_live) << "live " << (rss_live >> 20) << " MiB, freed " << (rss_freed >> 20) << " MiB";
  // Stacks from a slab that was given back work again, canary included.
  std::vector<detail::stack*> again;
  for (std::size_t i = 0; i < n; ++i) again.push_back(detail::stack_alloc(size, nullptr));
  for (auto* s : again) {
    EXPECT_TRUE(s->canary_ok());
    touch_all(s);
  }
  for (auto* s : again) detail::stack_free(s, nullptr);
}

TEST(Stack, GuardBudgetComesFromMaxMapCount) {
  if (std::getenv("GOCXX_STACK_GUARDS")) GTEST_SKIP() << "GOCXX_STACK_GUARDS is set";
  const long mmc = max_map_count();
  ASSERT_GT(mmc, 0);
  const auto st = detail::stack_statistics();
  // Each guarded stack costs two mappings; the budget leaves room for the application.
  EXPECT_GT(st.guard_budget, 0u);
  EXPECT_LE(2 * st.guard_budget, static_cast<std::size_t>(mmc) * 3 / 4);
  EXPECT_LE(st.guarded_in_use, st.guard_budget);
}

TEST_F(StackDeathTest, GuardBudgetFromTheEnvironmentIsRespected) {
  // GOCXX_STACK_GUARDS=128: one slab of guarded stacks, the rest unguarded. 1,000
  // goroutines alive at once stay within the budget and within a few hundred mappings,
  // and the notice about vm.max_map_count is printed exactly once.
  EXPECT_EXIT(
      {
        setenv("GOCXX_STACK_GUARDS", "128", 1);
        // Capture stderr to count the notices.
        char path[] = "/tmp/gocxx_stack_test_XXXXXX";
        int fd = mkstemp(path);
        int saved = dup(2);
        dup2(fd, 2);
        const int maps_before = count_mappings();
        static std::atomic<int> parked{0};
        std::vector<detail::waiter*> waiters(1000, nullptr);
        detail::stack_stats peak;
        int maps_peak = 0;
        gocxx::run([&] {
          for (int i = 0; i < 1000; ++i) {
            gocxx::go([&waiters, i] {
              waiters[static_cast<std::size_t>(i)] = detail::current_waiter();
              detail::park(
                  detail::wait_reason::sleep, [](void*) { parked.fetch_add(1); }, nullptr);
            });
          }
          while (parked.load() < 1000) gocxx::yield();
          peak = detail::stack_statistics();
          maps_peak = count_mappings();
          for (auto* w : waiters) detail::ready(w);
        });
        std::fflush(stderr);
        dup2(saved, 2);
        std::string text;
        char buf[4096];
        ssize_t r;
        lseek(fd, 0, SEEK_SET);
        while ((r = read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(r));
        unlink(path);
        int notices = 0;
        for (std::size_t at = 0; (at = text.find("sysctl -w vm.max_map_count", at)) != std::string::npos; ++at) ++notices;
        std::fprintf(stderr, "budget=%zu guarded=%zu notices=%d extra_maps_ok=%d\n", peak.guard_budget,
                     peak.guarded_in_use, notices, kSanitized || maps_peak - maps_before < 2 * 128 + 100);
        std::fprintf(stderr, "stderr was: %s\n", text.c_str());
        std::exit(0);
      },
      ExitedWithCode(0), "budget=128 guarded=128 notices=1 extra_maps_ok=1\n");
}

TEST_F(StackDeathTest, DefaultBudgetGuardsTheFirstThousandsOfStacksWithoutANotice) {
  EXPECT_EXIT(
      {
        unsetenv("GOCXX_STACK_GUARDS");
        char path[] = "/tmp/gocxx_stack_test_XXXXXX";
        int fd = mkstemp(path);
        int saved = dup(2);
        dup2(fd, 2);
        std::vector<detail::stack*> v;
        for (int i = 0; i < 2000; ++i) v.push_back(detail::stack_alloc(0, nullptr));
        bool all_guarded = std::all_of(v.begin(), v.end(), [](auto* s) { return s->guarded; });
        for (auto* s : v) detail::stack_free(s, nullptr);
        std::fflush(stderr);
        dup2(saved, 2);
        off_t len = lseek(fd, 0, SEEK_END);
        unlink(path);
        std::fprintf(stderr, "all_guarded=%d stderr_bytes=%lld\n", all_guarded, static_cast<long long>(len));
        std::exit(0);
      },
      ExitedWithCode(0), "all_guarded=1 stderr_bytes=0\n");
}

TEST_F(StackDeathTest, UnguardedStacksCarryACanary) {
  EXPECT_EXIT(
      {
        setenv("GOCXX_STACK_GUARDS", "0", 1);
        std::vector<detail::stack*> v;
        for (std::size_t i = 0; i < 2 * kSlotsPerSlab; ++i) v.push_back(detail::stack_alloc(84u << 10, nullptr));
        int bad = 0;
        for (auto* s : v) {
          bad += s->guarded;
          bad += !s->canary_ok();
          bad += s->in_guard(s->bottom - 1);
          touch_all(s);  // the whole usable range is usable without smashing it
          bad += !s->canary_ok();
        }
        // Writing just below a stack (an overflow) smashes its canary and no other.
        auto lowest = *std::min_element(v.begin(), v.end(), [](auto* a, auto* b) { return a->bottom < b->bottom; });
        detail::stack* victim = v[5] == lowest ? v[6] : v[5];
        std::uint64_t saved = reinterpret_cast<volatile std::uint64_t*>(victim->bottom)[-1];
        std::memset(victim->bottom - 64, 0x5a, 64);
        bad += victim->canary_ok();
        int others_smashed = 0;
        for (auto* s : v) others_smashed += s != victim && !s->canary_ok();
        reinterpret_cast<volatile std::uint64_t*>(victim->bottom)[-1] = saved;
        bad += !victim->canary_ok();
        // A one-byte overflow is enough.
        victim->bottom[-1] ^= 1;
        bad += victim->canary_ok();
        victim->bottom[-1] ^= 1;
        for (auto* s : v) detail::stack_free(s, nullptr);
        std::fprintf(stderr, "bad=%d others_smashed=%d\n", bad, others_smashed);
        std::exit(0);
      },
      ExitedWithCode(0), "bad=0 others_smashed=0\n");
}

TEST_F(StackDeathTest, UnguardedCanaryIsRewrittenAfterASlabIsGivenBack) {
  // A slab madvise'd away comes back zero-filled: stacks handed out from it again must
  // carry a fresh canary, or every switch would report a false overflow.
  EXPECT_EXIT(
      {
        setenv("GOCXX_STACK_GUARDS", "0", 1);
        constexpr std::size_t size = 68u << 10;
        std::vector<detail::stack*> v;
        for (std::size_t i = 0; i < 4 * kSlotsPerSlab; ++i) v.push_back(detail::stack_alloc(size, nullptr));
        for (auto* s : v) touch_all(s);
        for (auto* s : v) detail::stack_free(s, nullptr);  // the last two slabs are given back
        int bad = 0;
        std::vector<detail::stack*> again;
        for (std::size_t i = 0; i < 4 * kSlotsPerSlab; ++i) again.push_back(detail::stack_alloc(size, nullptr));
        for (auto* s : again) bad += !s->canary_ok();
        for (auto* s : again) detail::stack_free(s, nullptr);
        std::fprintf(stderr, "bad=%d\n", bad);
        std::exit(0);
      },
      ExitedWithCode(0), "bad=0\n");
}

TEST_F(StackDeathTest, ManyGoroutinesRunOnUnguardedStacks) {
  // In unguarded mode goroutines run as usual: 20,000 alive at once (4,000 under TSan), each using a
  // good part of its stack, none falsely reported as an overflow.
  EXPECT_EXIT(
      {
        setenv("GOCXX_STACK_GUARDS", "0", 1);
        static std::atomic<int> parked{0};
        static std::atomic<int> done{0};
        constexpr int n = kManyLive;
        std::vector<detail::waiter*> waiters(n, nullptr);
        gocxx::run([&] {
          for (int i = 0; i < n; ++i) {
            gocxx::go([&waiters, i] {
              volatile char buf[32 * 1024];
              for (std::size_t k = 0; k < sizeof buf; k += 256) buf[k] = static_cast<char>(k);
              waiters[static_cast<std::size_t>(i)] = detail::current_waiter();
              detail::park(
                  detail::wait_reason::sleep, [](void*) { parked.fetch_add(1); }, nullptr);
              gocxx::yield();
              (void)buf[256];
              done.fetch_add(1);
            });
          }
          while (parked.load() < n) gocxx::yield();
          for (auto* w : waiters) detail::ready(w);
          while (done.load() < n) gocxx::yield();
        });
        auto st = detail::stack_statistics();
        std::fprintf(stderr, "done=%d guarded=%zu\n", done.load(), st.guarded_in_use);
        std::exit(0);
      },
      ExitedWithCode(0), "done=" + std::to_string(kManyLive) + " guarded=0\n");
}

}  // namespace
