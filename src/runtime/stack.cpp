// Goroutine stacks: slabs, pools per stack size, the guard budget and the return of
// memory to the kernel. Design and guarantees: stack.hpp and docs/internals.md.
//
// Lock order: stack_pool::lock, then pools_lock is never taken under it (pools_lock is
// only held to find or create a pool). Nothing else is locked under either.
#include "runtime/stack.hpp"

#include "runtime/fiber.hpp"  // GOCXX_ASAN
#include "runtime/grecord.hpp"

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <vector>

#include "runtime/fatal.hpp"
#include "runtime/sched.hpp"  // nanotime
#include "runtime/fiber.hpp"

#if defined(GOCXX_ASAN)
#include <sanitizer/lsan_interface.h>
#endif

namespace gocxx::detail {

namespace {

constexpr std::size_t page = 4096;
constexpr unsigned slots_per_slab = 128;


std::atomic<std::size_t> g_default_size{0};

std::size_t round_page(std::size_t n) { return (n + page - 1) & ~(page - 1); }

long read_max_map_count() {
  long v = 65530;
  if (FILE* f = std::fopen("/proc/sys/vm/max_map_count", "r")) {
    if (std::fscanf(f, "%ld", &v) != 1) v = 65530;
    std::fclose(f);
  }
  return v;
}

// Guarded slots cost two mappings each; half of the kernel's map budget is left to the
// application (its own mmaps, malloc arenas, shared libraries).
struct guard_budget {
  // Read by every pool's new_slab (each under its own pool's lock) and lowered to 0 by
  // any of them when an mprotect fails: atomic, since no one lock covers it.
  std::atomic<std::size_t> limit{0};
  bool from_env = false;
  std::atomic<std::size_t> used{0};
  std::atomic<bool> warned{false};
  guard_budget() {
    if (const char* e = std::getenv("GOCXX_STACK_GUARDS")) {
      limit.store(static_cast<std::size_t>(std::strtoull(e, nullptr, 10)), std::memory_order_relaxed);
      from_env = true;
    } else {
      long m = read_max_map_count();
      limit.store(m > 0 ? static_cast<std::size_t>(m) / 4 : 0, std::memory_order_relaxed);
    }
  }
};

guard_budget& budget() {
  static guard_budget* b = new guard_budget;  // immortal: used until process exit
  return *b;
}

}  // namespace

struct stack_pool;

struct slab {
  char* mem = nullptr;
  std::size_t map_len = 0;
  unsigned nfree = 0;
  bool guarded = false;
  bool in_partial = false;
  bool resident = false;  // some slot was handed out since the last madvise
  bool release_queued = false;  // in pool->releasable
  stack_pool* pool = nullptr;
  stack* free = nullptr;
  stack slots[slots_per_slab];
};

struct stack_pool {
  runtime_lock lock;
  std::size_t usable = 0;     // requested usable size (page multiple)
  std::size_t slot_size = 0;  // usable + two pages (guard page or canary room; color room)
  stack* hot = nullptr;       // resident stacks, LIFO
  std::size_t nhot = 0;
  std::vector<slab*> partial;  // slabs with free slots
  std::vector<slab*> releasable;  // slabs that were wholly free and resident when queued
  std::vector<slab*> all;
};

namespace {

runtime_lock pools_lock;
std::map<std::size_t, stack_pool*>& pools() {
  static auto* m = new std::map<std::size_t, stack_pool*>;  // immortal
  return *m;
}
std::atomic<stack_pool*> g_default_pool{nullptr};
std::atomic<std::size_t> g_releasable{0};  // slabs queued in some pool's releasable

stack_pool* pool_for(std::size_t usable) {
  std::lock_guard<runtime_lock> l(pools_lock);
  auto& p = pools()[usable];
  if (!p) {
    p = new stack_pool;
    p->usable = usable;
    p->slot_size = usable + 2 * page;
  }
  return p;
}

void warn_unguarded_once() {
  auto& b = budget();
  if (b.warned.exchange(true)) return;
  char why[96];
  if (b.from_env) {
    std::snprintf(why, sizeof why, "set by GOCXX_STACK_GUARDS");
  } else {
    std::snprintf(why, sizeof why, "derived from vm.max_map_count=%ld", read_max_map_count());
  }
  std::fprintf(stderr,
               "gocxx: %zu goroutine stacks have guard pages (the budget %s); further stacks are "
               "checked by a canary instead. To keep guard pages for more goroutines, raise the "
               "kernel's limit: sysctl -w vm.max_map_count=N\n",
               b.used.load(), why);
}

// pool->lock held. Maps a new slab and adds it to the pool's partial list.
slab* new_slab(stack_pool* pool) {
  auto* s = new slab;
  s->pool = pool;
  auto& b = budget();
  std::size_t want = b.used.load(std::memory_order_relaxed) + slots_per_slab;
  s->guarded = want <= b.limit.load(std::memory_order_relaxed);
  s->map_len = page + slots_per_slab * pool->slot_size;
  void* mem = mmap(nullptr, s->map_len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (mem == MAP_FAILED) {
    int err = errno;
    char msg[512];
    std::snprintf(msg, sizeof msg,
                  "runtime: cannot map %zu bytes of goroutine stacks: %s (vm.max_map_count=%ld; "
                  "if the kernel's map limit is exhausted, raise it: sysctl -w vm.max_map_count=N)",
                  s->map_len, std::strerror(err), read_max_map_count());
    fatal_error("out of memory allocating goroutine stack", msg);
  }
  s->mem = static_cast<char*>(mem);
  // LeakSanitizer does not scan mmap'd memory, so the live part of every goroutine stack
  // is registered with it at exit (stack_lsan_roots in proc.cpp), and nothing else: the
  // whole slab as a root region made LSan read every reserved byte of every slab
  // (Chan.DaisyChain, 100,000 goroutines: 104-125 s and 7.6 GB under asan), and stale
  // pointers in free slots hid real leaks.
  if (s->guarded) {
    for (unsigned i = 0; i < slots_per_slab; ++i) {
      char* slot = s->mem + page + i * pool->slot_size;
      if (mprotect(slot, page, PROT_NONE) != 0) {
        // The kernel's map limit was reached early (the application maps a lot): undo
        // and make this slab unguarded, and stop guarding from now on.
        for (unsigned j = 0; j < i; ++j) mprotect(s->mem + page + j * pool->slot_size, page, PROT_READ | PROT_WRITE);
        s->guarded = false;
        b.limit.store(0, std::memory_order_relaxed);
        break;
      }
    }
  }
  if (s->guarded) {
    b.used.fetch_add(slots_per_slab, std::memory_order_relaxed);
  } else {
    warn_unguarded_once();
  }
  // Slot i spans [mem + page + i*slot, +slot). Guarded: its first page is the guard.
  // Unguarded: usable from the slot's start; the top 64 bytes are left for the next
  // slot's canary, and slot 0's canary sits in the slab's leading page.
  //
  // Coloring: the top is lowered by a per-slot multiple of 64 bytes below 2 KiB (the
  // slot's spare page pays for it, so the usable size stays at least the one asked for).
  // Slots are a power-of-two-ish stride apart, so without it every goroutine's hot top
  // frames would sit at the same page offset and fall into the same few L1/L2 cache sets
  // (both are indexed by the page offset): with 1,000 goroutines in a ring the stacks
  // thrashed one set and each hop cost 175 ns, against 62 for Boost.Fiber, whose malloc'd
  // stacks land at varying offsets (docs/internals.md, "Stacks"). The top page keeps at
  // least 2 KiB for frames, so a parked goroutine still touches one page.
  // Not under AddressSanitizer: there a runaway recursion on an unguarded stack, which
  // runs down into the parked goroutine below, hit that goroutine's stale frame redzones
  // (an ASan report) instead of faulting past the slab (our report), with colored tops
  // and not without; the cause is not pinned down (docs/internals.md, "Stacks").
#if defined(GOCXX_ASAN)
  constexpr unsigned colors = 1;
#else
  constexpr unsigned colors = 32;
#endif
  for (unsigned i = 0; i < slots_per_slab; ++i) {
    stack& st = s->slots[i];
    char* slot = s->mem + page + i * pool->slot_size;
    std::size_t color = (i * 13u % colors) * 64;
    st.owner = s;
    st.guarded = s->guarded;
    st.requested = pool->usable;
    if (s->guarded) {
      st.bottom = slot + page;
      st.top = slot + pool->slot_size - color;
    } else {
      st.bottom = slot;
      st.top = slot + pool->slot_size - 64 - color;
    }
    st.next = i + 1 < slots_per_slab ? &s->slots[i + 1] : nullptr;
  }
  s->free = &s->slots[0];
  s->nfree = slots_per_slab;
  s->in_partial = true;
  pool->partial.push_back(s);
  pool->all.push_back(s);
  return s;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23  // Linux 5.14
#endif
std::atomic<bool> g_populate_works{true};

// Makes st's top page resident before the goroutine's first write to it. A page fault
// costs ~18 µs on our paravirtualised VMs (the trap through the hypervisor), a
// MADV_POPULATE_WRITE of the same page 2.8 µs (measured: 20,000 pages 72 KiB apart, one
// per call). A goroutine that parks touches only its top page, so timer_fire, which holds
// ~20,000 fresh stacks at once, spends most of its time in these faults otherwise.
// Kernels before 5.14 refuse it; the page then faults in as before.
void populate_top(stack* st) {
  if (st->top_resident) return;
  st->top_resident = true;
  if (!g_populate_works.load(std::memory_order_relaxed)) return;
  auto top = reinterpret_cast<std::uintptr_t>(st->top) - 1;
  void* first = reinterpret_cast<void*>(top & ~std::uintptr_t{page - 1});
  if (madvise(first, page, MADV_POPULATE_WRITE) != 0 && errno == EINVAL) {
    g_populate_works.store(false, std::memory_order_relaxed);
  }
}

// pool->lock held.
stack* take_from_slabs(stack_pool* pool) {
  slab* s = pool->partial.empty() ? new_slab(pool) : pool->partial.back();
  stack* st = s->free;
  s->free = st->next;
  if (--s->nfree == 0) {
    s->in_partial = false;
    pool->partial.pop_back();
  }
  s->resident = true;
  if (!st->guarded) *reinterpret_cast<std::uint64_t*>(st->bottom - 8) = st->expected_canary();
  populate_top(st);
  st->next = nullptr;
  return st;
}

// pool->lock held. Returns `st` to its slab; a slab left wholly free is given back.
void return_to_slab(stack_pool* pool, stack* st) {
  slab* s = st->owner;
  st->next = s->free;
  s->free = st;
  if (s->nfree++ == 0) {
    s->in_partial = true;
    pool->partial.push_back(s);
  }
  if (s->nfree == slots_per_slab && s->resident && !s->release_queued) {
    // Given back later, by an M going idle (stack_release_free_slabs): the madvise
    // costs ~1 µs per resident page here (page-table updates trap to the hypervisor),
    // which a burst of exiting goroutines would otherwise pay on its critical path
    // (context_tree: 386 -> 64 ms), and a slab that is reused soon keeps its pages.
    s->release_queued = true;
    pool->releasable.push_back(s);
    g_releasable.fetch_add(1, std::memory_order_relaxed);
  }
}

// Resident stacks a pool keeps beyond the P caches: 256, or fewer for big stacks so the
// hot list never pins more than 16 MiB (possibly all resident).
std::size_t hot_limit(const stack_pool* pool) {
  return std::min<std::size_t>(256, std::max<std::size_t>(4, (16u << 20) / pool->slot_size));
}

stack_pool* default_pool() {
  // Checked against the size, not only for null: a set_default_stack_size racing this
  // could otherwise be overwritten by a pool of the old size stored after its reset.
  stack_pool* p = g_default_pool.load(std::memory_order_acquire);
  std::size_t want = default_stack_size();
  if (!p || p->usable != want) {
    p = pool_for(want);
    g_default_pool.store(p, std::memory_order_release);
  }
  return p;
}

}  // namespace

std::size_t default_stack_size() {
  std::size_t s = g_default_size.load(std::memory_order_relaxed);
  if (s == 0) {
    s = 64 * 1024;
    if (const char* e = std::getenv("GOCXX_STACK_SIZE")) {
      unsigned long long v = std::strtoull(e, nullptr, 10);
      if (v >= 16 * 1024) s = static_cast<std::size_t>(v);
    }
    s = round_page(s);
    g_default_size.store(s, std::memory_order_relaxed);
  }
  return s;
}

void set_default_stack_size(std::size_t bytes) {
  bytes = round_page(std::max<std::size_t>(bytes, 16 * 1024));
  g_default_size.store(bytes, std::memory_order_relaxed);
  g_default_pool.store(nullptr, std::memory_order_release);
}

stack* stack_alloc(std::size_t size, stack_cache* cache) {
  stack_pool* pool = default_pool();
  if (size != 0 && round_page(size) != pool->usable) {
    pool = pool_for(round_page(std::max<std::size_t>(size, 16 * 1024)));
    cache = nullptr;
  }
  if (cache && cache->count > 0) {
    stack* st = cache->items[--cache->count];
    if (st->owner->pool == pool) return st;
    stack_free(st, nullptr);  // the default size changed since it was cached
  }
  std::lock_guard<runtime_lock> l(pool->lock);
  if (pool->hot) {
    stack* st = pool->hot;
    pool->hot = st->next;
    --pool->nhot;
    // Refill half of the P's cache in the same critical section.
    if (cache) {
      while (pool->hot && cache->count < stack_cache::capacity / 2) {
        stack* more = pool->hot;
        pool->hot = more->next;
        --pool->nhot;
        cache->items[cache->count++] = more;
      }
    }
    return st;
  }
  return take_from_slabs(pool);
}

void stack_free(stack* st, stack_cache* cache) {
  stack_pool* pool = st->owner->pool;
  if (cache && pool == g_default_pool.load(std::memory_order_relaxed)) {
    if (cache->count < stack_cache::capacity) {
      cache->items[cache->count++] = st;
      return;
    }
    // Full: move the older half to the pool in one critical section.
    std::lock_guard<runtime_lock> l(pool->lock);
    int half = stack_cache::capacity / 2;
    for (int i = 0; i < half; ++i) {
      stack* s = cache->items[i];
      if (pool->nhot < hot_limit(pool)) {
        s->next = pool->hot;
        pool->hot = s;
        ++pool->nhot;
      } else {
        return_to_slab(pool, s);
      }
    }
    std::memmove(cache->items, cache->items + half, sizeof(stack*) * (cache->count - half));
    cache->count -= half;
    cache->items[cache->count++] = st;
    return;
  }
  std::lock_guard<runtime_lock> l(pool->lock);
  if (pool->nhot < hot_limit(pool)) {
    st->next = pool->hot;
    pool->hot = st;
    ++pool->nhot;
  } else {
    return_to_slab(pool, st);
  }
}

void stack_cache_flush(stack_cache* cache) {
  while (cache->count > 0) stack_free(cache->items[--cache->count], nullptr);
}

bool stack_release_pending() noexcept { return g_releasable.load(std::memory_order_relaxed) != 0; }

std::size_t stack_release_free_slabs(std::int64_t stop_at) {
  // In batches: taking a slab out of `partial` and putting it back are O(slabs) each, so
  // one slab at a time made a million-goroutine burst's ~7,800 slabs quadratic under the
  // pool lock. 8 slabs are ~1 ms of madvise here, the granularity of stop_at.
  constexpr std::size_t batch_max = 8;
  std::size_t released = 0;
  std::vector<stack_pool*> all_pools;
  {
    std::lock_guard<runtime_lock> l(pools_lock);
    for (auto& [size, pool] : pools()) all_pools.push_back(pool);
  }
  for (stack_pool* pool : all_pools) {
    for (;;) {
      if (stop_at != INT64_MAX && nanotime() >= stop_at) return released;
      slab* batch[batch_max];
      std::size_t n = 0;
      pool->lock.lock();
      while (n < batch_max && !pool->releasable.empty()) {
        slab* s = pool->releasable.back();
        pool->releasable.pop_back();
        g_releasable.fetch_sub(1, std::memory_order_relaxed);
        s->release_queued = false;
        if (s->nfree != slots_per_slab || !s->resident) continue;  // reused since
        s->in_partial = false;  // a wholly free slab is in `partial`: taken out just below
        batch[n++] = s;
      }
      if (n == 0) {
        pool->lock.unlock();
        break;
      }
      // Out of `partial` while the lock is dropped, so nobody takes a slot of them.
      std::erase_if(pool->partial, [](const slab* s) { return !s->in_partial; });
      pool->lock.unlock();
      for (std::size_t i = 0; i < n; ++i) madvise(batch[i]->mem, batch[i]->map_len, MADV_DONTNEED);
      pool->lock.lock();
      for (std::size_t i = 0; i < n; ++i) {
        batch[i]->resident = false;
        batch[i]->in_partial = true;
        for (stack& slot : batch[i]->slots) slot.top_resident = false;
      }
      // At the front: new stacks come from resident slabs (the back) first.
      pool->partial.insert(pool->partial.begin(), batch, batch + n);
      pool->lock.unlock();
      released += n;
    }
  }
  return released;
}

#if defined(GOCXX_ASAN)
void for_each_used_stack(void (*fn)(stack*, void*), void* arg) {
  std::lock_guard<runtime_lock> l(pools_lock);
  for (auto& [size, pool] : pools()) {
    std::lock_guard<runtime_lock> pl(pool->lock);
    for (slab* s : pool->all) {
      for (stack& st : s->slots) {
        if (st.user.load(std::memory_order_acquire)) fn(&st, arg);
      }
    }
  }
}
#endif

stack_stats stack_statistics() {
  stack_stats st;
  st.guard_budget = budget().limit.load(std::memory_order_relaxed);
  std::lock_guard<runtime_lock> l(pools_lock);
  for (auto& [size, pool] : pools()) {
    std::lock_guard<runtime_lock> pl(pool->lock);
    for (slab* s : pool->all) {
      ++st.slabs;
      if (s->resident) ++st.slabs_resident;
      if (s->guarded) st.guarded_in_use += slots_per_slab - s->nfree;
    }
  }
  return st;
}

}  // namespace gocxx::detail

namespace gocxx {

void free_os_memory() {
  detail::stack_release_free_slabs(INT64_MAX);
  detail::grecord_release_free();
  malloc_trim(0);
}

}  // namespace gocxx
