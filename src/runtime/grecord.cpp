// G records: slabs, free lists and the scavenger; see grecord.hpp for the design.
//
// Invariants. A record is in exactly one place: running or parked (its goroutine), on
// one P's free list, on the global free list, or (scavenger only) on a list being
// scanned. A gslab's `carved` counts the records ever made from it (carve_lock); a gslab
// is given back only when every one of them is on the list the scavenger took off the
// global list, and never while it is the gslab being carved. Records are entered in the
// all-G registry when carved and leave it only when their gslab is given back.
//
// Lock order: scav_lock -> carve_lock -> free_lock (a leaf); the registry's lock with
// none of them held.
#include "runtime/grecord.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>

#include "runtime/allg.hpp"
#include "runtime/lock.hpp"
#include "runtime/sched.hpp"

namespace gocxx::detail {

namespace {

constexpr std::size_t slab_bytes = 2u << 20;  // one huge page where THP allows
constexpr std::size_t header_bytes = 64;
constexpr std::uint32_t per_slab = static_cast<std::uint32_t>((slab_bytes - header_bytes) / sizeof(g));
// Records kept free beyond what the last window needed (~0.8 MiB): a program that
// spawns a little now and then never waits on a fault for them.
constexpr int slack = 4096;
constexpr int batch = 32;     // records moved between a P and the global list at once
constexpr int p_max = 128;    // a P's list at most; past it, half go global

struct gslab {
  gslab* next = nullptr;
  gslab* prev = nullptr;
  std::uint32_t carved = 0;      // carve_lock
  std::uint32_t on_list = 0;     // scavenger's count during a scan (scav_lock)
};
static_assert(sizeof(gslab) <= header_bytes);

struct records {
  alignas(64) runtime_lock free_lock;
  g* free = nullptr;
  std::atomic<int> nfree{0};   // read without the lock as a hint
  int low = 0;                 // the list's low-water mark in this window (free_lock)

  alignas(64) runtime_lock carve_lock;
  gslab* slabs = nullptr;       // every mapped slab, newest first
  gslab* carving = nullptr;     // records are cut from it in order
  std::atomic<std::size_t> nslabs{0};  // mapped: decremented once a slab is unmapped

  runtime_lock scav_lock;
  std::atomic<std::int64_t> window_start{0};  // written by sysmon only, under scav_lock
  std::atomic<std::size_t> released{0};
  std::atomic<int> fruitless_nfree{-1};  // nfree at a scan that freed nothing
};

records& R() {
  static records* r = new records;  // immortal, like the scheduler
  return *r;
}

gslab* slab_of(g* gp) {
  return reinterpret_cast<gslab*>(reinterpret_cast<std::uintptr_t>(gp) & ~(slab_bytes - 1));
}

g* record_at(gslab* s, std::uint32_t i) {
  return reinterpret_cast<g*>(reinterpret_cast<char*>(s) + header_bytes + i * sizeof(g));
}

// Puts the schedlink list head..tail (n records) on the global list; returns its length.
int push_global(g* head, g* tail, int n) {
  records& r = R();
  std::lock_guard<runtime_lock> l(r.free_lock);
  tail->schedlink = r.free;
  r.free = head;
  return r.nfree.fetch_add(n, std::memory_order_relaxed) + n;
}

// Under ASan the gslab is a heap block, so that LeakSanitizer scans the records (a
// parked goroutine's callable may hold the only pointer to a heap object).
gslab* map_slab() {
#if defined(GOCXX_ASAN) || defined(GOCXX_TSAN)
  void* mem = std::aligned_alloc(slab_bytes, slab_bytes);
  if (!mem) throw std::bad_alloc();
#else
  // Twice the size, trimmed to an aligned gslab: a record's gslab is its address masked.
  void* raw = mmap(nullptr, 2 * slab_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  auto base = reinterpret_cast<std::uintptr_t>(raw);
  auto aligned = (base + slab_bytes - 1) & ~(slab_bytes - 1);
  if (aligned > base) munmap(raw, aligned - base);
  if (aligned + slab_bytes < base + 2 * slab_bytes) {
    munmap(reinterpret_cast<void*>(aligned + slab_bytes), base + 2 * slab_bytes - aligned - slab_bytes);
  }
  void* mem = reinterpret_cast<void*>(aligned);
  // No MADV_HUGEPAGE: one fault per slab instead of 512 made spawn at procs 1 150 ns
  // instead of 197, but context_tree at procs 2 took 65-95 ms instead of 48-60
  // (measured alternately on the EPYC VM; cause not pinned down: docs/internals.md).
#endif
  return new (mem) gslab;
}

void unmap_slab(gslab* s) {
  s->~gslab();
#if defined(GOCXX_ASAN) || defined(GOCXX_TSAN)
  std::free(s);
#else
  munmap(s, slab_bytes);
#endif
}

// Cuts up to `want` new records (at least one) and returns them as a schedlink list,
// already in the registry.
g* carve(int want, int* got) {
  records& r = R();
  g* head = nullptr;
  int n = 0;
  {
    std::lock_guard<runtime_lock> l(r.carve_lock);
    if (!r.carving || r.carving->carved == per_slab) {
      gslab* s = map_slab();  // rare (every ~10,000 records): a syscall under this lock is fine
      s->next = r.slabs;
      if (r.slabs) r.slabs->prev = s;
      r.slabs = s;
      r.carving = s;
      r.nslabs.fetch_add(1, std::memory_order_relaxed);
    }
    gslab* s = r.carving;
    while (n < want && s->carved < per_slab) {
      g* gp = new (record_at(s, s->carved++)) g;
      gp->w.gp = gp;
      gp->schedlink = head;
      head = gp;
      ++n;
    }
  }
  allg_add_list(head);
  *got = n;
  return head;
}

// Unlinks the slabs whose every record is on `list` (at most `budget` records' worth,
// never the one being carved), gives them back, and returns the rest of the list.
g* release_wholly_free(g* list, std::size_t budget, std::size_t* freed_slabs) {
  records& r = R();
  *freed_slabs = 0;
  for (g* x = list; x; x = x->schedlink) ++slab_of(x)->on_list;
  std::vector<gslab*> doomed;
  {
    std::lock_guard<runtime_lock> l(r.carve_lock);
    for (gslab* s = r.slabs; s; s = s->next) {
      if (s != r.carving && s->on_list == s->carved && s->carved <= budget) {
        budget -= s->carved;
        doomed.push_back(s);
      }
    }
  }
  for (g* x = list; x; x = x->schedlink) slab_of(x)->on_list = 0;
  if (doomed.empty()) return list;
  for (gslab* s : doomed) s->on_list = ~0u;  // marks the doomed (no gslab has 2^32 records)
  g* keep = nullptr;
  g* gone = nullptr;
  while (list) {
    g* x = list;
    list = x->schedlink;
    g*& into = slab_of(x)->on_list == ~0u ? gone : keep;
    x->schedlink = into;
    into = x;
  }
  if (!allg_remove_list(gone)) {
    // A dump holds a snapshot (it may hold any record): keep everything this time.
    for (gslab* s : doomed) s->on_list = 0;
    while (gone) {
      g* x = gone;
      gone = x->schedlink;
      x->schedlink = keep;
      keep = x;
    }
    return keep;
  }
  while (gone) {
    g* x = gone;
    gone = x->schedlink;
    x->~g();
  }
  {
    std::lock_guard<runtime_lock> l(r.carve_lock);
    for (gslab* s : doomed) {
      if (s->prev) s->prev->next = s->next; else r.slabs = s->next;
      if (s->next) s->next->prev = s->prev;
    }
  }
  for (gslab* s : doomed) {
    unmap_slab(s);
    r.nslabs.fetch_sub(1, std::memory_order_relaxed);
  }
  *freed_slabs = doomed.size();
  r.released.fetch_add(doomed.size(), std::memory_order_relaxed);
  return keep;
}

// Takes the global list, gives back up to `budget` records' worth of wholly free slabs,
// and puts the rest back. scav_lock held.
void scavenge(std::size_t budget) {
  records& r = R();
  g* list;
  {
    std::lock_guard<runtime_lock> l(r.free_lock);
    list = std::exchange(r.free, nullptr);
    r.nfree.store(0, std::memory_order_relaxed);
  }
  if (!list) return;
  std::size_t freed = 0;
  g* keep = release_wholly_free(list, budget, &freed);
  int kept = 0;
  g* last = nullptr;
  for (g* x = keep; x; x = x->schedlink) {
    ++kept;
    last = x;
  }
  if (keep) {
    int now = push_global(keep, last, kept);
    std::lock_guard<runtime_lock> l(r.free_lock);
    r.low = std::min(r.low, now);
  }
  // Nothing could go (records of every gslab still live or on a P): do not wake for
  // this list again until it changes.
  r.fruitless_nfree.store(freed == 0 ? r.nfree.load(std::memory_order_relaxed) : -1, std::memory_order_relaxed);
}

}  // namespace

g* galloc(p* pp) {
  records& r = R();
  g* gp = nullptr;
  if (pp && pp->gfree) {
    gp = pp->gfree;
    pp->gfree = gp->schedlink;
    --pp->ngfree;
  } else if (r.nfree.load(std::memory_order_relaxed) > 0) {
    // Refill a batch in one critical section (Go's gfget).
    std::lock_guard<runtime_lock> l(r.free_lock);
    if ((gp = r.free)) {
      r.free = gp->schedlink;
      int n = 1;
      while (pp && r.free && n < batch) {
        g* x = r.free;
        r.free = x->schedlink;
        x->schedlink = pp->gfree;
        pp->gfree = x;
        ++pp->ngfree;
        ++n;
      }
      int left = r.nfree.fetch_sub(n, std::memory_order_relaxed) - n;
      if (left < r.low) r.low = left;
    }
  }
  if (!gp) {
    {
      std::lock_guard<runtime_lock> l(r.free_lock);
      r.low = 0;  // this window needed every free record and more
    }
    int got = 0;
    gp = carve(pp ? batch : 1, &got);
    g* rest = gp->schedlink;
    while (rest) {
      g* x = rest;
      rest = x->schedlink;
      x->schedlink = pp->gfree;
      pp->gfree = x;
      ++pp->ngfree;
    }
  }
  gp->schedlink = nullptr;
  return gp;
}

void gfree(p* pp, g* gp) {
  if (pp) {
    gp->schedlink = pp->gfree;
    pp->gfree = gp;
    if (++pp->ngfree < p_max) return;
    // The newest half to the global list, cut off outside the lock.
    constexpr int n = p_max / 2;
    g* head = pp->gfree;
    g* tail = head;
    for (int i = 1; i < n; ++i) tail = tail->schedlink;
    pp->gfree = tail->schedlink;
    pp->ngfree -= n;
    push_global(head, tail, n);
    return;
  }
  push_global(gp, gp, 1);
}

void gfree_flush(p* pp) {
  g* list = std::exchange(pp->gfree, nullptr);
  int n = std::exchange(pp->ngfree, 0);
  if (!list) return;
  g* last = list;
  while (last->schedlink) last = last->schedlink;
  push_global(list, last, n);
}

bool grecord_scavenge_wanted() noexcept {
  records& r = R();
  int n = r.nfree.load(std::memory_order_relaxed);
  return n > slack + static_cast<int>(per_slab) && n != r.fruitless_nfree.load(std::memory_order_relaxed);
}

void grecord_scavenge_tick(std::int64_t now_ns) {
  records& r = R();
  if (now_ns - r.window_start.load(std::memory_order_relaxed) < grecord_window_ns) return;
  std::lock_guard<runtime_lock> sl(r.scav_lock);
  r.window_start.store(now_ns, std::memory_order_relaxed);
  int low;
  {
    std::lock_guard<runtime_lock> l(r.free_lock);
    low = r.low;
    r.low = r.nfree.load(std::memory_order_relaxed);  // the next window starts full
  }
  if (low <= slack + static_cast<int>(per_slab) || !grecord_scavenge_wanted()) return;
  scavenge(static_cast<std::size_t>(low - slack));
}

void grecord_release_free() {
  records& r = R();
  std::lock_guard<runtime_lock> sl(r.scav_lock);
  scavenge(SIZE_MAX);
}

grecord_stats grecord_statistics() {
  records& r = R();
  grecord_stats st;
  {
    std::lock_guard<runtime_lock> l(r.carve_lock);
    st.slabs = r.nslabs.load(std::memory_order_relaxed);
    for (gslab* s = r.slabs; s; s = s->next) st.carved += s->carved;
  }
  st.free_global = static_cast<std::size_t>(r.nfree.load(std::memory_order_relaxed));
  st.released = r.released.load(std::memory_order_relaxed);
  return st;
}

}  // namespace gocxx::detail
