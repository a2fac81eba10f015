// park / ready: the one seam every blocking primitive uses (channels, select, sync,
// later timers and the poller). See docs/internals.md, "park and ready".
//
// A *waiter* is whatever blocks: a goroutine (embedded in its G) or a plain OS thread
// (a thread_local waiter that blocks on a futex). Primitives keep waiters in their own
// queues (sudogs), so goroutines and threads can wait on the same channel or mutex.
//
// Protocol
//   lock(primitive); enqueue(sudog{current_waiter()}); park(reason, unlock_primitive, arg);
// park runs `unlock(arg)` only after the goroutine's context is saved (on the next
// context's stack), so a waker that takes the primitive's lock and calls ready() can
// never resume a goroutine that is still running. A waker calls ready(w) exactly once
// per park, and may do so while holding the primitive's lock.
//
// `select_done` lets several queues hold the same waiter (select): the waker that wins
// the CAS 0 -> 1 owns the wake-up; the others skip the waiter.
#pragma once

#include <atomic>
#include <cstdint>

#include "gocxx/detail/hchan.hpp"  // sudog

namespace gocxx::detail {

struct g;

enum class wait_reason : std::uint8_t {
  none,
  chan_receive,
  chan_send,
  chan_receive_nil,
  chan_send_nil,
  select,
  select_no_cases,
  sync_mutex_lock,
  sync_rwmutex_lock,
  sync_rwmutex_rlock,
  sync_wait_group_wait,
  sync_cond_wait,
  sync_once,
  semacquire,
  sleep,
  io_wait,
  run_main,
  syscall,  // not a park: a gocxx::blocking call (the G runs; Go's _Gsyscall status)
};
const char* wait_reason_string(wait_reason r);

struct waiter {
  g* gp = nullptr;                        // null for a plain thread
  // Thread waiters: the futex word, 1 once readied. A goroutine's waiter never uses it
  // (ready() wakes a G through the run queue), so the G record keeps its all-G registry
  // slot here (allg.cpp).
  std::atomic<std::uint32_t> wake{0};
  std::atomic<std::uint32_t> select_done{0};
  // The sudog of this waiter's blocking channel send or receive (it blocks on one at a
  // time; a select keeps one per case on its own stack). Here, next to the rest of the
  // waiter, rather than on the goroutine's stack as in Go: a waker then reads the sudog,
  // the waiter and the G's status in one or two adjacent lines of a dense array of
  // records, and the parked goroutine's stack page (a cache miss behind a TLB miss when
  // many goroutines wait) is touched only by the value it receives and by the switch
  // to it. Ring of 10,000 goroutines at procs 1: ~152 -> ~121 ns/hop (docs/internals.md).
  // While its goroutine is parked locking a gocxx::mutex (no channel operation is in
  // progress then), chan_wait.elem names that mutex for the lock-cycle check.
  sudog chan_wait;
  bool is_goroutine() const { return gp != nullptr; }
};

// The calling goroutine's waiter, or the calling thread's.
waiter* current_waiter();

// When a parking goroutine runs its primitive's unlock (a plain thread always runs it
// before it blocks):
//  - after_switch: on the next context of its M, once its own is saved. The lock then
//    covers picking the next G and the switch, which gives that next G, often the
//    parker's partner on the same primitive, the first try at it: best for rendezvous
//    (unbuffered channels, select, sync).
//  - before_switch: on the parker itself, right away, so the lock covers the enqueue
//    alone. Best where the waker is a throughput bottleneck that must not wait for the
//    parker's switch: a sender blocking on a full buffer (docs/internals.md, "Scheduler").
//    The parker may then be readied before it has switched away; the scheduler holds it
//    back until its context is saved (g::switching in sched.hpp).
enum class unlock_at : std::uint8_t { after_switch, before_switch };

// Blocks the caller until ready(current_waiter()) is called, after running unlock(arg)
// (may be null) at the point `when` says; from then on the caller may be readied.
// `object` is what the trace names as blocked on (the channel, the lock); null: arg.
void park(wait_reason reason, void (*unlock)(void*), void* arg, unlock_at when = unlock_at::after_switch,
          const void* object = nullptr);

// Makes a parked waiter runnable again. A goroutine goes to the current P's runnext
// (a hand-off runs next, on this P) or, from a plain thread, to the global queue.
void ready(waiter* w);

// Parks forever (a nil channel, an empty select). The caller holds no locks.
[[noreturn]] void park_forever(wait_reason reason);

// A cheap per-P pseudo-random number (select's poll order, stealing), thread-safe.
std::uint32_t fastrand();

}  // namespace gocxx::detail
