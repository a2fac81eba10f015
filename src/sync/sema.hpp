// The sync package's internal seam: the runtime semaphore (Go's runtime/sema.go) that
// mutex, rw_mutex and wait_group sleep on, the sudog every sync wait queue holds, and
// the spin policy of mutex. See sema.cpp for the algorithm and its invariants.
#pragma once

#include <atomic>
#include <cstdint>

#include "gocxx/detail/sema.hpp"
#include "runtime/park.hpp"

namespace gocxx::detail {

// One waiter in one sync wait queue. It lives on the parked waiter's stack (a
// goroutine's or a thread's), so it exists exactly as long as its owner is parked; a
// waker must not touch it after ready(w). Every field is guarded by the lock of the
// queue it is in; which fields a queue uses is said per field.
struct sema_sudog {
  waiter* w = nullptr;          // who to ready()
  const void* addr = nullptr;   // semaroot: the semaphore word waited on
  sema_sudog* next = nullptr;        // next waiter in the same queue (FIFO order)
  sema_sudog* prev = nullptr;        // weighted semaphore: previous waiter (unlink on cancel)
  sema_sudog* tail = nullptr;        // semaroot, address heads only: the address's last waiter
  sema_sudog* next_addr = nullptr;   // semaroot, address heads only: the next address's head
  std::uint32_t ticket = 0;     // semaroot: 1 once the releaser handed the count over;
                                // cond: the notify ticket this waiter waits for
  std::int64_t weight = 0;      // weighted semaphore: tokens wanted
};

// Waits until *addr > 0 and decrements it (Go's semacquire1). `lifo` queues the caller
// at the head of the address's queue instead of the tail: a mutex waiter that was
// already woken once and lost the race goes back to the front. Parks a goroutine, blocks
// a plain thread. The caller holds no runtime_lock.
void semacquire(std::atomic<std::uint32_t>* addr, bool lifo, wait_reason reason);

// Increments *addr and wakes the first waiter on addr, if any (Go's semrelease1). With
// `handoff`, the count goes straight to that waiter, which a goroutine releaser then
// runs at once on its own P (mutex starvation mode). The caller holds no runtime_lock.
void semrelease(std::atomic<std::uint32_t>* addr, bool handoff);

// Mutex spinning (Go's sync_runtime_canSpin / doSpin): whether a lock_slow that has
// spun `iter` times may spin once more. Only on a multi-core machine with more than one
// P busy, no idle P to run the holder elsewhere, and nothing else runnable on ours.
bool can_spin(int iter);
// One spin round: a few PAUSE instructions, no yield and no syscall.
void do_spin();

// Futex primitives on a 32-bit word (private to this process).
void futex_wait(std::atomic<std::uint32_t>* addr, std::uint32_t val);
void futex_wake(std::atomic<std::uint32_t>* addr, int n);

}  // namespace gocxx::detail
