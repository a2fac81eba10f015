// The lock-cycle check; see lockcycle.hpp.
#include "runtime/lockcycle.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "runtime/allg.hpp"
#include "runtime/diag.hpp"
#include "runtime/sched.hpp"
#include "runtime/sysmon.hpp"
#include "runtime/traceback.hpp"

namespace gocxx::detail {

namespace {

std::atomic<int> g_lock_waiters{0};
std::int64_t g_last_check = 0;

struct config {
  bool enabled = true;
  std::int64_t threshold_ms = 1000;
  config() {
    if (const char* e = std::getenv("GOCXX_LOCKCYCLE")) enabled = std::strcmp(e, "0") != 0;
    if (const char* e = std::getenv("GOCXX_LOCKCYCLE_MS")) threshold_ms = std::max<long long>(1, std::atoll(e));
  }
};
const config& cfg() {
  static const config c;
  return c;
}

struct node {
  allg_entry e;
  const gocxx::mutex* waits = nullptr;
  std::uintptr_t lo = 0, hi = 0;  // its stack
  int next = -1;                  // the node holding `waits`
};

std::string hex(const void* p) { return describe_address(p); }

[[noreturn]] void report(const std::vector<node>& nodes, const std::vector<int>& cycle) {
  std::fflush(nullptr);
  std::string out = "fatal error: lock cycle - deadlock!\n\n";
  for (std::size_t k = 0; k < cycle.size(); ++k) {
    const node& n = nodes[cycle[k]];
    const node& prev = nodes[cycle[(k + cycle.size() - 1) % cycle.size()]];
    const node& next = nodes[n.next];
    out += "goroutine " + std::to_string(n.e.id) + " holds mutex " + hex(prev.waits) + " and waits for mutex " +
           hex(n.waits) + ", held by goroutine " + std::to_string(next.e.id) + "\n";
  }
  out += '\n';
  std::vector<std::uint64_t> ids;
  for (int i : cycle) ids.push_back(nodes[i].e.id);
  allg_snapshot snap;
  dump_goroutines(out, snap, dump_caller{}, [](std::uint64_t id, void* a) {
    auto* v = static_cast<std::vector<std::uint64_t>*>(a);
    return std::find(v->begin(), v->end(), id) != v->end();
  }, &ids);
  write_all(2, out);
  exit2();
}

void check() {
  const std::uint32_t now_ms = coarse_ms();
  const auto threshold = static_cast<std::uint32_t>(cfg().threshold_ms);
  allg_snapshot snap;
  std::vector<allg_entry> cand;
  for (const allg_entry& e : snap.entries()) {
    // A first, racy look (the G may be running): waiting on a lock for long enough.
    const g* gp = e.gp;
    if (gp->status.load(std::memory_order_relaxed) != g_status::waiting) continue;
    wait_reason r;
    std::uint32_t since;
    {
      [[maybe_unused]] racy_reads racy;
      r = gp->reason;
      since = gp->wait_since;
    }
    if (r != wait_reason::sync_mutex_lock && r != wait_reason::sync_rwmutex_rlock) continue;
    if (since == 0 || now_ms - since < threshold) continue;
    cand.push_back(e);
  }
  if (cand.size() < 2) return;
  std::vector<frozen_state> st(cand.size());
  freeze(cand.data(), cand.size(), nullptr, st.data());
  // Frozen: each one's fields are stable, and the mutex it waits on is alive (a mutex
  // is not destroyed under its waiters).
  std::vector<node> nodes;
  [[maybe_unused]] racy_reads tsan_blind;  // frozen fields: ordered by the membarrier TSan cannot see
  for (std::size_t i = 0; i < cand.size(); ++i) {
    const g* gp = cand[i].gp;
    if (st[i] != frozen_state::saved || gp->status.load(std::memory_order_acquire) != g_status::waiting) continue;
    const void* awaited = gp->w.chan_wait.elem;
    if (!awaited || !gp->stk || now_ms - gp->wait_since < threshold) continue;
    node n;
    n.e = cand[i];
    n.waits = static_cast<const gocxx::mutex*>(awaited);
    n.lo = reinterpret_cast<std::uintptr_t>(gp->stk->bottom);
    n.hi = reinterpret_cast<std::uintptr_t>(gp->stk->top);
    nodes.push_back(n);
  }
  for (node& n : nodes) {
    if (!mutex_probe::locked(*n.waits)) continue;
    std::uintptr_t owner = mutex_probe::owner_sp(*n.waits);
    for (std::size_t j = 0; j < nodes.size(); ++j) {
      if (owner >= nodes[j].lo && owner < nodes[j].hi) {
        n.next = static_cast<int>(j);
        break;
      }
    }
  }
  // Cycles of the graph (each node has at most one successor): colour as we walk.
  std::vector<int> colour(nodes.size(), 0);  // 0 new, 1 on this walk, 2 done
  for (std::size_t s = 0; s < nodes.size(); ++s) {
    std::vector<int> walk;
    int i = static_cast<int>(s);
    while (i >= 0 && colour[i] == 0) {
      colour[i] = 1;
      walk.push_back(i);
      i = nodes[i].next;
    }
    if (i >= 0 && colour[i] == 1) {
      std::vector<int> cycle(std::find(walk.begin(), walk.end(), i), walk.end());
      if (cycle.size() >= 2) {
        thaw(cand.data(), cand.size(), nullptr);
        report(nodes, cycle);
      }
    }
    for (int k : walk) colour[k] = 2;
  }
  thaw(cand.data(), cand.size(), nullptr);
}

}  // namespace

lock_wait_scope::lock_wait_scope(const gocxx::mutex* m) noexcept : gp_(current_g()) {
  if (!gp_) return;
  gp_->w.chan_wait.elem = const_cast<gocxx::mutex*>(m);
  g_lock_waiters.fetch_add(1, std::memory_order_relaxed);
}

lock_wait_scope::~lock_wait_scope() {
  if (!gp_) return;
  gp_->w.chan_wait.elem = nullptr;
  g_lock_waiters.fetch_sub(1, std::memory_order_relaxed);
}

bool lockcycle_wanted() { return cfg().enabled && g_lock_waiters.load(std::memory_order_relaxed) >= 2; }

void lockcycle_tick(std::int64_t now) {
  if (!lockcycle_wanted() || now - g_last_check < 100'000'000) return;
  g_last_check = now;
  check();
}

}  // namespace gocxx::detail
