// What several test suites share: which sanitizer the test is built with (tests scale
// goroutine counts down under them), Go-panic expectations, the process's RSS, a
// yield-until helper and a scoped max_procs. Header-only; every test binary includes what it uses.
#pragma once

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <unistd.h>

#include "gocxx/runtime.hpp"
#include "runtime/sched.hpp"

#if defined(__SANITIZE_THREAD__)
#define GOCXX_TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define GOCXX_TEST_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define GOCXX_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define GOCXX_TEST_ASAN 1
#endif
#endif
#if defined(GOCXX_TEST_TSAN) || defined(GOCXX_TEST_ASAN)
#define GOCXX_TEST_SANITIZED 1
#else
#define GOCXX_TEST_SANITIZED 0
#endif

// Expects `stmt` to throw an exception of `type` whose what() is exactly `text`.
#define EXPECT_THROW_WHAT(stmt, type, text) \
  EXPECT_THROW(                             \
      {                                     \
        try {                               \
          stmt;                             \
        } catch (const type& e) {           \
          EXPECT_STREQ(e.what(), text);     \
          throw;                            \
        }                                   \
      },                                    \
      type)

// Expects `stmt` to raise gocxx::panic_error with exactly Go's message `text`.
#define EXPECT_PANIC(stmt, text) EXPECT_THROW_WHAT(stmt, gocxx::panic_error, text)

namespace test_support {

#if defined(GOCXX_TEST_TSAN)
inline constexpr bool kTsan = true;
#else
inline constexpr bool kTsan = false;
#endif
#if defined(GOCXX_TEST_ASAN)
inline constexpr bool kAsan = true;
#else
inline constexpr bool kAsan = false;
#endif
inline constexpr bool kSanitized = kTsan || kAsan;

// Polls pred, yielding the goroutine (or the plain thread) between tries.
template <class Pred>
void wait_until(Pred pred) {
  while (!pred()) gocxx::yield();
}

// Sets max_procs for a scope and restores the previous value after it.
struct procs_scope {
  int prev;
  explicit procs_scope(int n) : prev(gocxx::set_max_procs(n)) {}
  ~procs_scope() { gocxx::set_max_procs(prev); }
  procs_scope(const procs_scope&) = delete;
  procs_scope& operator=(const procs_scope&) = delete;
};

// The process's resident set, from /proc/self/status (VmRSS), in bytes.
inline std::size_t rss_bytes() {
  std::size_t kb = 0;
  if (FILE* f = std::fopen("/proc/self/status", "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, f)) {
      if (std::strncmp(line, "VmRSS:", 6) == 0) {
        kb = std::strtoull(line + 6, nullptr, 10);
        break;
      }
    }
    std::fclose(f);
  }
  return kb * 1024;
}

// CPU seconds used so far by the runtime's own threads (every M) plus the calling
// thread (once, if it is an M itself), from /proc/self/task/<tid>/schedstat
// (nanoseconds). Unlike the process's rusage it leaves out sysmon and the sanitizers'
// threads: TSan's background thread alone used ~3% of a core over an idle second on an
// EPYC VM, and sysmon's report of a goroutine that runs 10 ms without blocking
// symbolizes a stack.
inline double runtime_cpu_seconds() {
  auto task_ns = [](long tid) -> double {
    char path[64];
    std::snprintf(path, sizeof path, "/proc/self/task/%ld/schedstat", tid);
    double ns = 0;
    if (FILE* f = std::fopen(path, "r")) {
      unsigned long long v = 0;
      if (std::fscanf(f, "%llu", &v) == 1) ns = static_cast<double>(v);
      std::fclose(f);
    }
    return ns;
  };
  const long self = static_cast<long>(::gettid());
  double ns = task_ns(self);
  gocxx::detail::ensure_started();
  for (auto* mp = gocxx::detail::sched().allm.load(std::memory_order_acquire); mp; mp = mp->alllink) {
    if (mp->tid && mp->tid != self) ns += task_ns(mp->tid);
  }
  return ns / 1e9;
}

}  // namespace test_support
