// gocxx::rw_mutex, after Go's sync/rwmutex.go. The readers' fast paths (one atomic add
// each) are inline in gocxx/sync.hpp.
//
// State
// - reader_count_: the readers holding or waiting for the lock. A writer announces
//   itself by subtracting max_readers, so a negative count tells arriving readers to
//   park on reader_sem_ (this is the writer priority), and count + max_readers is still
//   the number of readers.
// - reader_wait_: how many of the readers that held the lock when the writer announced
//   itself have not yet left. The last one to leave wakes the writer on writer_sem_.
// - w_: serialises writers; a writer holds it from lock() to unlock().
//
// Invariants
// - reader_count_ < 0 exactly while a writer has announced itself (it then holds w_);
//   at most max_readers - 1 readers exist at once.
// - Every reader that parks on reader_sem_ was counted in reader_count_ while it was
//   negative; unlock() releases reader_sem_ once per such reader, after which they hold
//   the lock (they were already counted as holders).
// - reader_wait_ reaches 0 exactly once per writer that had to wait, and that release of
//   writer_sem_ pairs with the writer's one semacquire.
//
// Memory order: every transition that hands the lock over is an acq_rel RMW on
// reader_count_ or reader_wait_ (or a semaphore, which is seq_cst), so the critical
// sections of readers and writers are ordered as Go's memory model says.
//
// Lock order: w_ (a gocxx::mutex) before nothing; the semaroot locks are leaves inside
// semacquire/semrelease.
#include "gocxx/sync.hpp"

#include "runtime/fatal.hpp"
#include "runtime/lockcycle.hpp"
#include "sync/sema.hpp"

namespace gocxx {

void rw_mutex::lock_shared_slow() {
  // A writer is in or waiting: we are already counted, so it will release us. The
  // writer holds w_: that is whom the lock-cycle check sees us wait for.
  detail::lock_wait_scope waiting(&w_);
  detail::semacquire(&reader_sem_, false, detail::wait_reason::sync_rwmutex_rlock);
}

void rw_mutex::unlock_shared_slow(std::int32_t r) {
  // r + 1 is the count before our decrement: 0 means no reader held it; -max_readers
  // means a writer holds it with no readers.
  if (r + 1 == 0 || r + 1 == -max_readers) detail::fatal_error("sync: RUnlock of unlocked RWMutex");
  // A writer waits; the last departing reader lets it in.
  if (reader_wait_.fetch_sub(1, std::memory_order_acq_rel) - 1 == 0) detail::semrelease(&writer_sem_, false);
}

void rw_mutex::lock() {
  w_.lock();  // first, win against the other writers
  // Announce ourselves to readers; r is the number of readers that still hold it.
  std::int32_t r = reader_count_.fetch_sub(max_readers, std::memory_order_acq_rel);
  // Wait for them, unless they all left between the two adds (then reader_wait_ went
  // negative by r and our add brings it back to 0).
  if (r != 0 && reader_wait_.fetch_add(r, std::memory_order_acq_rel) + r != 0) {
    detail::semacquire(&writer_sem_, false, detail::wait_reason::sync_rwmutex_lock);
  }
}

bool rw_mutex::try_lock() noexcept {
  if (!w_.try_lock()) return false;
  std::int32_t no_readers = 0;
  if (!reader_count_.compare_exchange_strong(no_readers, -max_readers, std::memory_order_acquire,
                                             std::memory_order_relaxed)) {
    w_.unlock();
    return false;
  }
  return true;
}

void rw_mutex::unlock() {
  // Let readers in again; r is the number that arrived and parked meanwhile.
  std::int32_t r = reader_count_.fetch_add(max_readers, std::memory_order_acq_rel) + max_readers;
  if (r >= max_readers) detail::fatal_error("sync: Unlock of unlocked RWMutex");
  for (std::int32_t i = 0; i < r; ++i) detail::semrelease(&reader_sem_, false);
  w_.unlock();  // then let the next writer in
}

}  // namespace gocxx
