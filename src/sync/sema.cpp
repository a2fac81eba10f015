// The runtime semaphore: sleep and wake-up for the sync package, after Go's
// runtime/sema.go (Mullender and Cox, "Semaphores in Plan 9"). Not a counting
// semaphore for users (that is gocxx::semaphore): a way for mutex, rw_mutex and
// wait_group to sleep on a 32-bit word so that every sleep is paired with exactly one
// wake-up, even when the wake-up comes first. Also the internal runtime_lock and the
// mutex spin policy.
//
// Layout. Waiters are kept by the *address* of the word, in a fixed table of 251
// semaroots (a prime, so user layouts do not correlate), so a sync object carries only
// its words: a gocxx::mutex is 8 bytes, as Go's is. A root holds one list of address
// heads; each head starts the FIFO of the sudogs waiting on its address. Go keeps the
// heads in a treap; here they are a list, so an operation costs O(distinct addresses
// with waiters that hash to the root), which stays small unless tens of thousands of
// distinct objects have waiters at once.
//
// Invariants
// - A sudog is in at most one queue; it sits on its waiter's stack, and the waiter is
//   parked for exactly as long as the sudog is queued plus the moment until ready().
// - root.nwait counts the sudogs queued in the root, exactly whenever the root lock is
//   free. A waiter increments it under the lock *before* its last try to take the count
//   (see semacquire) and then either queues itself or decrements it again; whoever
//   dequeues a sudog decrements it.
// - No missed wake-up: a releaser increments *addr and then reads nwait; a waiter
//   increments nwait and then tries *addr. All four are seq_cst, so at least one of the
//   two sees the other's write: either the waiter takes the count itself, or the
//   releaser sees nwait > 0, takes the root lock (which the waiter holds until it is
//   queued and parked) and dequeues it.
// - ticket == 1 means the releaser took the count on the waiter's behalf (hand-off):
//   the waiter must not try to take it again.
//
// Lock order: a semaroot lock is a leaf. It is held only to queue or dequeue; ready()
// is called after it is released (Go's order: "may be slow or even yield"), and park
// releases it only once the waiter's context is saved, so a waker can never resume a
// goroutine that is still running.
#include "sync/sema.hpp"


#include <cstddef>
#include <thread>

#include "gocxx/runtime.hpp"
#include "runtime/lock.hpp"
#include "runtime/sched.hpp"

namespace gocxx::detail {

// ---- mutex spinning ----

bool can_spin(int iter) {
  constexpr int active_spin = 4;  // Go's active_spin: a few rounds, then queue
  if (iter >= active_spin || ncpu() <= 1) return false;
  m* mp = current_m();
  if (!mp || !mp->pp) return true;  // a plain thread on a multi-core machine
  sched_t& s = sched();
  // Spinning pays only if the holder is running on another P right now: more than one
  // P is busy (the holder's and ours) and none is idle or spinning to pick up work.
  int procs = s.gomaxprocs.load(std::memory_order_relaxed);
  if (procs <= s.npidle.load(std::memory_order_relaxed) + s.nmspinning.load(std::memory_order_relaxed) + 1) {
    return false;
  }
  // Something else could run on our P instead of us burning it.
  return mp->pp->q.empty();
}

void do_spin() {
  // One round is ~1.3 µs, about what parking and being readied again from another core
  // costs, so a waiter whose holder runs elsewhere waits rather than sleeps. Go spins 30
  // PAUSEs a round, which was ~0.1 µs on the CPUs it was tuned on and is ~0.4 µs on the
  // 2-core box. Measured on the mutex workload at procs 2 (full size, 5 runs, ns per
  // lock/unlock): 30 PAUSEs 42-58, 60: 34-48, 100 (~1.3 µs): 33-36, 200: 31-33; Go 48-65.
  static const int spin_pauses = pauses_for_ns(1300);
  for (int i = 0; i < spin_pauses; ++i) cpu_relax();
}

// ---- the semaphore table ----

namespace {

struct alignas(64) semaroot {
  runtime_lock lock;
  std::atomic<std::uint32_t> nwait{0};  // waiters queued or about to be; read without the lock
  sema_sudog* heads = nullptr;               // one head per address, linked by next_addr
};

constexpr std::size_t semtab_size = 251;
semaroot g_semtable[semtab_size];

semaroot& root_for(const void* addr) {
  return g_semtable[(reinterpret_cast<std::uintptr_t>(addr) >> 3) % semtab_size];
}

// Takes one count from *addr if there is one (Go's cansemacquire).
bool try_take(std::atomic<std::uint32_t>* addr) {
  std::uint32_t v = addr->load(std::memory_order_seq_cst);
  while (v != 0) {
    if (addr->compare_exchange_weak(v, v - 1, std::memory_order_seq_cst, std::memory_order_seq_cst)) return true;
  }
  return false;
}

// root.lock held. Queues s, whose w and addr are set, on its address: at the tail, or
// at the head when `lifo`.
void enqueue(semaroot& root, sema_sudog* s, bool lifo) {
  s->next = nullptr;
  s->tail = nullptr;
  s->next_addr = nullptr;
  for (sema_sudog** link = &root.heads; *link; link = &(*link)->next_addr) {
    sema_sudog* head = *link;
    if (head->addr != s->addr) continue;
    if (lifo) {  // s replaces head as the address's head; head becomes second
      s->next = head;
      s->tail = head->tail;
      s->next_addr = head->next_addr;
      head->tail = nullptr;
      head->next_addr = nullptr;
      *link = s;
    } else {
      head->tail->next = s;
      head->tail = s;
    }
    return;
  }
  s->tail = s;  // the first waiter on this address
  s->next_addr = root.heads;
  root.heads = s;
}

// root.lock held. Removes and returns the first sudog waiting on addr, or null.
sema_sudog* dequeue(semaroot& root, const void* addr) {
  for (sema_sudog** link = &root.heads; *link; link = &(*link)->next_addr) {
    sema_sudog* head = *link;
    if (head->addr != addr) continue;
    if (sema_sudog* second = head->next) {
      second->tail = head->tail;
      second->next_addr = head->next_addr;
      *link = second;
    } else {
      *link = head->next_addr;
    }
    head->next = head->tail = head->next_addr = nullptr;
    return head;
  }
  return nullptr;
}

}  // namespace

void semacquire(std::atomic<std::uint32_t>* addr, bool lifo, wait_reason reason) {
  if (try_take(addr)) return;
  sema_sudog s;
  s.w = current_waiter();
  s.addr = addr;
  semaroot& root = root_for(addr);
  for (;;) {
    root.lock.lock();
    // Announce ourselves before the last try, so a release after it sees us (see the
    // invariants above).
    root.nwait.fetch_add(1, std::memory_order_seq_cst);
    if (try_take(addr)) {
      root.nwait.fetch_sub(1, std::memory_order_seq_cst);
      root.lock.unlock();
      return;
    }
    s.ticket = 0;
    enqueue(root, &s, lifo);
    park(reason, &runtime_lock::unlock_fn, &root.lock, unlock_at::after_switch, addr);
    // Woken: the releaser dequeued us. Either it handed us the count, or we compete for
    // it with everyone else, and queue again (at the front, as Go's mutex waiters do
    // when they pass lifo) if someone took it first.
    if (s.ticket != 0 || try_take(addr)) return;
  }
}

void semrelease(std::atomic<std::uint32_t>* addr, bool handoff) {
  semaroot& root = root_for(addr);
  addr->fetch_add(1, std::memory_order_seq_cst);
  if (root.nwait.load(std::memory_order_seq_cst) == 0) return;  // nobody waits: done
  root.lock.lock();
  if (root.nwait.load(std::memory_order_relaxed) == 0) {  // a waiter took the count itself
    root.lock.unlock();
    return;
  }
  sema_sudog* s = dequeue(root, addr);
  if (s) root.nwait.fetch_sub(1, std::memory_order_seq_cst);
  root.lock.unlock();
  if (!s) return;  // the waiters in this root wait on other addresses
  bool handed = handoff && try_take(addr);
  if (handed) s->ticket = 1;
  waiter* w = s->w;
  ready(w);  // s may be gone from here on
  if (handed) {
    // Starvation mode: ready() put the waiter in our P's runnext; yield so it runs now
    // and inherits our time slice, rather than after we finish ours.
    m* mp = current_m();
    if (mp && mp->curg) gocxx::yield();
  }
}

}  // namespace gocxx::detail
