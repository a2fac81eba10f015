// The all-goroutines registry and freezing; see allg.hpp for the protocol.
#include "runtime/allg.hpp"

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>

#include "runtime/lock.hpp"
#include "runtime/sched.hpp"

#if defined(GOCXX_TSAN)
extern "C" void AnnotateIgnoreReadsBegin(const char* file, int line);
extern "C" void AnnotateIgnoreReadsEnd(const char* file, int line);
#endif

namespace gocxx::detail {

#if defined(GOCXX_TSAN)
racy_reads::racy_reads() noexcept { AnnotateIgnoreReadsBegin(__FILE__, __LINE__); }
racy_reads::~racy_reads() { AnnotateIgnoreReadsEnd(__FILE__, __LINE__); }
#endif

namespace {

struct registry {
  runtime_lock lock;
  std::vector<g*> all;
  int snapshots = 0;
};

registry& reg() {
  static registry* r = new registry;  // immortal, like the scheduler
  return *r;
}

enum class fence_kind { unknown, private_expedited, global, none };
std::atomic<fence_kind> g_fence{fence_kind::unknown};

fence_kind fence_setup() {
  fence_kind k = g_fence.load(std::memory_order_acquire);
  if (k != fence_kind::unknown) return k;
  long cmds = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
  if (cmds > 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
      syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0) {
    k = fence_kind::private_expedited;
  } else if (cmds > 0 && (cmds & MEMBARRIER_CMD_GLOBAL)) {
    k = fence_kind::global;
  } else {
    k = fence_kind::none;
  }
  g_fence.store(k, std::memory_order_release);
  return k;
}

void* saved_sp(g* gp) { return std::atomic_ref<void*>(gp->ctx.sp).load(std::memory_order_acquire); }

}  // namespace

// The heavy side of the asymmetric fence: a full barrier on every running thread.
bool heavy_fence_all_threads() {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  switch (fence_setup()) {
    case fence_kind::private_expedited:
      return syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0;
    case fence_kind::global:
      return syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) == 0;
    default:
      return false;
  }
}


void allg_add_list(g* head) {
  registry& r = reg();
  std::lock_guard<runtime_lock> l(r.lock);
  for (g* gp = head; gp; gp = gp->schedlink) {
    gp->w.wake.store(static_cast<std::uint32_t>(r.all.size()), std::memory_order_relaxed);  // its slot
    r.all.push_back(gp);
  }
}

bool allg_remove_list(g* head) {
  registry& r = reg();
  std::lock_guard<runtime_lock> l(r.lock);
  if (r.snapshots > 0) return false;
  for (g* gp = head; gp; gp = gp->schedlink) {
    g* last = r.all.back();
    std::uint32_t slot = gp->w.wake.load(std::memory_order_relaxed);
    r.all[slot] = last;
    last->w.wake.store(slot, std::memory_order_relaxed);
    r.all.pop_back();
  }
  return true;
}

allg_snapshot::allg_snapshot() {
  registry& r = reg();
  {
    std::lock_guard<runtime_lock> l(r.lock);
    ++r.snapshots;
    gs_.reserve(r.all.size());
    for (g* gp : r.all) {
      // The acquire pairs with spawn's release of `runnable`: the id is the goroutine's,
      // unless that goroutine ends and its record is reused meanwhile (spawn writes the
      // new id): a racy read, caught later because freezing compares ids.
      g_status st = gp->status.load(std::memory_order_acquire);
      if (st == g_status::idle || st == g_status::dead) continue;
      std::uint64_t id;
      {
        [[maybe_unused]] racy_reads racy;
        id = gp->id;
      }
      gs_.push_back({gp, id});
    }
  }
  std::sort(gs_.begin(), gs_.end(), [](const allg_entry& a, const allg_entry& b) { return a.id < b.id; });
}

allg_snapshot::~allg_snapshot() {
  registry& r = reg();
  std::lock_guard<runtime_lock> l(r.lock);
  --r.snapshots;
}

bool freeze_supported() { return fence_setup() != fence_kind::none; }

std::atomic<int> g_freezing{0};

void freeze(const allg_entry* es, std::size_t n, const g* self, frozen_state* out) {
  g_freezing.fetch_add(1, std::memory_order_relaxed);
  // Never the dump's own goroutine: it is running, and must not wait for its own thaw.
  for (std::size_t i = 0; i < n; ++i) {
    if (es[i].gp != self) es[i].gp->pinned.fetch_add(1, std::memory_order_relaxed);
  }
  bool fenced = heavy_fence_all_threads();
  // ThreadSanitizer cannot see the membarrier half of the protocol, so it would take the
  // reads below for races with a resumer that in fact waits or was seen running.
  [[maybe_unused]] racy_reads tsan_blind;
  for (std::size_t i = 0; i < n; ++i) {
    g* gp = es[i].gp;
    out[i] = frozen_state::running;
    if (!fenced || gp == self) continue;
    // A parking G clears its saved sp before it stores `waiting` and the switch sets
    // it: wait out that window (a few hundred instructions), within reason.
    for (int spin = 0; spin < 100000; ++spin) {
      g_status st = gp->status.load(std::memory_order_acquire);
      if (st == g_status::running) break;
      // Frozen from here (pinned, not running): its fields are stable to read.
      if (st == g_status::idle || st == g_status::dead || gp->id != es[i].id) {
        out[i] = frozen_state::gone;
        break;
      }
      if (!gp->stk || saved_sp(gp)) {
        if (gp->status.load(std::memory_order_acquire) == st) {
          out[i] = frozen_state::saved;
          break;
        }
        continue;
      }
      cpu_relax();
    }
  }
}

void thaw(const allg_entry* es, std::size_t n, const g* self) {
  g_freezing.fetch_sub(1, std::memory_order_relaxed);
  for (std::size_t i = 0; i < n; ++i) {
    if (es[i].gp != self) es[i].gp->pinned.fetch_sub(1, std::memory_order_release);
  }
}

}  // namespace gocxx::detail
