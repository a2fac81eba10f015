// gocxx::once, after Go's sync/once.go. The fast path (one acquire load of done_) is
// inline in gocxx/sync.hpp.
//
// Invariants
// - done_ goes from 0 to 1 once, after the function has returned or thrown, and before
//   m_ is released: so a caller that sees done_ == 1 (acquire) sees everything the
//   function did, and a caller that waited on m_ and then sees done_ == 1 does too.
// - Only the holder of m_ runs the function, so it runs at most once; and every caller
//   that finds done_ == 0 takes m_, so none returns before the function has finished.
//   (A CAS on done_ instead would let the losers return while the winner still runs,
//   which is why Go, and we, use a mutex.)
//
// Lock order: m_ is held while the user's function runs; the function must not call
// call() on the same once (it deadlocks, as in Go).
#include "gocxx/sync.hpp"

namespace gocxx {

void once::call_slow(void (*invoke)(void*), void* fn) {
  std::lock_guard<mutex> lock(m_);
  if (done_.load(std::memory_order_relaxed)) return;
  // Mark done even if fn throws: Go's `defer o.done.Store(1)`; the exception goes on to
  // the caller, and m_ is released after done_ is set.
  struct mark_done {
    std::atomic<std::uint32_t>& done;
    ~mark_done() { done.store(1, std::memory_order_release); }
  } mark{done_};
  invoke(fn);
}

}  // namespace gocxx
