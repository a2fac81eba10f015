// The lock-cycle check: goroutines that each hold a gocxx::mutex (or an rw_mutex's
// write side) the next one waits for are deadlocked forever, even while the rest of the
// program runs. Go does not look for this; sysmon does, here.
//
// Inputs, all off the lock's fast path but one register store:
// - mutex::owner_sp_: the stack pointer of whoever locked it last (sync.hpp). While it
//   is locked, that is inside its holder's stack, unless a plain thread holds it.
// - the mutex a goroutine is parked locking, in its waiter's idle chan_wait.elem
//   (park.hpp; lock_wait_scope, on the slow path; an rw_mutex reader blocked by a
//   writer waits for the writer's mutex).
// The check (sysmon, every 100 ms while two or more goroutines wait on locks) freezes
// the goroutines that have waited for a lock longer than the threshold (GOCXX_LOCKCYCLE_MS,
// default 1000; GOCXX_LOCKCYCLE=0 turns it off), maps each awaited mutex's owner to the
// frozen goroutine whose stack holds that address, and looks for a cycle of two or more.
// One found is reported as "fatal error: lock cycle - deadlock!" with each goroutine,
// the lock it holds and the one it waits for, and their stacks; exit status 2.
// Never a cycle through a plain thread (its stack is no goroutine's) nor of one
// goroutine with itself: locking a mutex twice to wait for another goroutine to
// unlock it is legal in Go, and is left to the all-goroutines deadlock check.
#pragma once

#include <atomic>
#include <cstdint>

#include "gocxx/sync.hpp"

namespace gocxx::detail {

struct g;

struct mutex_probe {
  static bool locked(const gocxx::mutex& m) { return (m.state_.load(std::memory_order_acquire) & gocxx::mutex::locked_bit) != 0; }
  static std::uintptr_t owner_sp(const gocxx::mutex& m) { return m.owner_sp_.load(std::memory_order_relaxed); }
};

// While it lives, the calling goroutine is parked (or about to park) locking `m`.
class lock_wait_scope {
 public:
  explicit lock_wait_scope(const gocxx::mutex* m) noexcept;
  ~lock_wait_scope();
  lock_wait_scope(const lock_wait_scope&) = delete;
  lock_wait_scope& operator=(const lock_wait_scope&) = delete;

 private:
  g* gp_;
};

// sysmon: runs the check when it is due (rate-limited inside); `now` is nanotime().
void lockcycle_tick(std::int64_t now);
// Whether sysmon must keep ticking while every P is idle (goroutines wait on locks).
bool lockcycle_wanted();

}  // namespace gocxx::detail
