// Goroutine stacks: fixed-size, lazily committed slots carved from large slabs, cached
// per P, given back to the kernel a slab at a time.
//
// Why slabs: one mmap per stack costs ~10 µs and two kernel mappings per guarded stack;
// vm.max_map_count (65530 by default) stops guarded mmap'd stacks at 32,743. A slab is
// one mapping holding many slots, so a million goroutines fit on a stock kernel.
//
// Two kinds of slab (the design and its guarantees: docs/internals.md, "Stacks"):
// - guarded: each slot's lowest page is PROT_NONE (two mappings per slot); an overflow
//   faults and the SIGSEGV handler reports it. Used while the guard budget, derived from
//   /proc/sys/vm/max_map_count (or GOCXX_STACK_GUARDS), allows.
// - unguarded: one mapping per slab; an 8-byte canary sits just below each slot's usable
//   range (in the unused top bytes of the slot below, so it costs no extra page) and is
//   checked at every switch away from the goroutine and when it ends.
//
// Invariants
// - A stack is in exactly one place: running under one G, in one P's cache, in the
//   pool's hot list, or free in its slab.
// - A slab is madvise(DONTNEED)'d only when all its slots are free in it, so no live
//   canary is ever zeroed.
// Lock order: stack_pool::lock is a leaf (nothing else is taken under it).
#pragma once

#include <cstddef>
#include <atomic>
#include <cstdint>
#include <mutex>

#include "runtime/fiber.hpp"  // GOCXX_TSAN
#include "runtime/lock.hpp"

namespace gocxx::detail {

struct slab;

struct stack {
  char* bottom = nullptr;  // lowest usable byte
  char* top = nullptr;     // one past the highest usable byte (16-byte aligned)
  slab* owner = nullptr;
  stack* next = nullptr;   // free-list link while not in use
  std::size_t requested = 0;  // the usable size asked for (reported on overflow)
  bool guarded = false;
  bool top_resident = false;  // its top page is known resident (pool lock; see stack.cpp)
#if defined(GOCXX_ASAN)
  // The goroutine (a g*) running on this stack, null while the stack is free: what
  // LeakSanitizer is shown of goroutine stacks at exit (stack_lsan_roots in proc.cpp).
  std::atomic<void*> user{nullptr};
#endif
#if defined(GOCXX_TSAN)
  // The TSan fiber of whichever goroutine runs on this stack, created on the slot's first
  // use and kept with it. Only a goroutine that runs needs one, and a fiber costs ~1.5 MB
  // of page faults to create (TSan memsets its ThreadState): kept with the G record, as
  // before, every record made for a burst of spawns paid that, 2-5 ms per goroutine on an
  // EPYC VM; kept with the stack, a burst run one after another uses a handful.
  void* tsan_fiber = nullptr;
  // Goroutines run on that fiber. An ending goroutine never returns from the frames it
  // switches away in (g_entry and the scheduler below it), so TSan's shadow call stack
  // of the fiber grows by them at every goroutine; past 64 Ki frames TSan crashes (found
  // by 100,000 goroutines run one after another on one cached stack). The fiber is
  // renewed every tsan_fiber_uses_max goroutines (release_dead_g in proc.cpp).
  std::uint32_t tsan_fiber_uses = 0;
#endif

  std::size_t size() const { return static_cast<std::size_t>(top - bottom); }
  std::uint64_t expected_canary() const {
    return 0x676f6378785f6b6fULL ^ reinterpret_cast<std::uintptr_t>(bottom);
  }
  // True when the canary below the stack is intact (always true for guarded stacks).
  bool canary_ok() const {
    return guarded || *reinterpret_cast<const std::uint64_t*>(bottom - 8) == expected_canary();
  }
  // True when `addr` lies in this stack's guard page.
  bool in_guard(const void* addr) const {
    auto* a = static_cast<const char*>(addr);
    return guarded && a >= bottom - 4096 && a < bottom;
  }
};

// Per-P cache of resident default-size stacks, owned by that P (no lock).
struct stack_cache {
  static constexpr int capacity = 64;
  stack* items[capacity];
  int count = 0;
};

// The configured default usable stack size (GOCXX_STACK_SIZE or set_default_stack_size).
std::size_t default_stack_size();
void set_default_stack_size(std::size_t bytes);

// Returns a stack of at least `size` usable bytes (0: the default), using `cache` when
// given and the size is the default. Exits with a fatal error when memory runs out.
stack* stack_alloc(std::size_t size, stack_cache* cache);
// Returns `s` to `cache` (when given and it fits) or to its pool.
void stack_free(stack* s, stack_cache* cache);
// Moves every stack in `cache` back to its pool.
void stack_cache_flush(stack_cache* cache);

// Slabs whose every slot is free again are not given back to the kernel at once (a
// burst of exits would pay for it on its critical path) but queued; this madvises the
// queued ones that are still wholly free and returns how many, stopping early once
// nanotime() >= stop_at (INT64_MAX: never). Called by an M about to sleep (stopm) when
// stack_release_pending(), and by gocxx::free_os_memory(). The caller holds no lock.
std::size_t stack_release_free_slabs(std::int64_t stop_at);
bool stack_release_pending() noexcept;

#if defined(GOCXX_ASAN)
// Calls fn(stack, arg) for every stack with a user (ASan builds: the leak check's roots).
void for_each_used_stack(void (*fn)(stack*, void*), void* arg);
#endif

// Statistics for tests and diagnostics.
struct stack_stats {
  std::size_t slabs = 0, slabs_resident = 0, guarded_in_use = 0, guard_budget = 0;
};
stack_stats stack_statistics();

}  // namespace gocxx::detail
