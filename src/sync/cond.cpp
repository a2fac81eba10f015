// gocxx::cond, after Go's sync/cond.go and the notifyList of runtime/sema.go.
//
// Tickets. wait() takes a ticket (wait_ticket_++) while it still holds the user's mutex,
// then unlocks it and waits for its ticket to be notified. notify_ticket_ is the first
// ticket not yet notified: signal() notifies one ticket (notify_ticket_++), broadcast()
// all tickets handed out so far (notify_ticket_ = wait_ticket_). A waiter whose ticket
// was notified before it got to queue returns at once, so a signal that comes between
// the unlock and the park is not lost, and a signal never wakes a waiter that began
// waiting after it.
//
// Invariants
// - Tickets compare modulo 2^32 (less()): at most 2^31 waiters at once.
// - notify_ticket_ <= wait_ticket_ (modulo); notify_ticket_ is written only under lock_.
// - The list holds exactly the parked waiters whose tickets are >= notify_ticket_, in
//   ticket order except that a waiter may queue a little after a later ticket did (it
//   took its ticket, then lost the race to lock_), which is why signal() searches.
// - A sudog is on its waiter's stack; it is unlinked under lock_, and only then is its
//   waiter readied, after lock_ is released. A waker never touches it after ready().
//
// Lock order: the user's mutex is never held across lock_ by wait() (it unlocks first);
// signal/broadcast take lock_ with or without the user's mutex held. lock_ is a leaf.
#include "gocxx/sync.hpp"

#include "sync/sema.hpp"

namespace gocxx {

namespace {
bool less(std::uint32_t a, std::uint32_t b) { return static_cast<std::int32_t>(a - b) < 0; }
}  // namespace

void cond::wait() {
  std::uint32_t t = wait_ticket_.fetch_add(1, std::memory_order_acq_rel);
  l_->unlock();
  lock_.lock();
  if (less(t, notify_ticket_.load(std::memory_order_relaxed))) {  // already notified
    lock_.unlock();
  } else {
    detail::sema_sudog s;
    s.w = detail::current_waiter();
    s.ticket = t;
    if (tail_) {
      tail_->next = &s;
    } else {
      head_ = &s;
    }
    tail_ = &s;
    detail::park(detail::wait_reason::sync_cond_wait, &detail::runtime_lock::unlock_fn, &lock_);
  }
  l_->lock();
}

void cond::signal() {
  // Fast path: no ticket outstanding. A wait() that takes its ticket after this load
  // began after this signal, so it need not be woken.
  if (wait_ticket_.load(std::memory_order_acquire) == notify_ticket_.load(std::memory_order_acquire)) return;
  lock_.lock();
  std::uint32_t t = notify_ticket_.load(std::memory_order_relaxed);
  if (t == wait_ticket_.load(std::memory_order_acquire)) {
    lock_.unlock();
    return;
  }
  notify_ticket_.store(t + 1, std::memory_order_release);
  // Find ticket t. If it is not queued yet, its owner will see it notified and not park.
  detail::sema_sudog* prev = nullptr;
  for (detail::sema_sudog* s = head_; s; prev = s, s = s->next) {
    if (s->ticket != t) continue;
    detail::sema_sudog* next = s->next;
    if (prev) {
      prev->next = next;
    } else {
      head_ = next;
    }
    if (tail_ == s) tail_ = prev;
    lock_.unlock();
    detail::ready(s->w);
    return;
  }
  lock_.unlock();
}

void cond::broadcast() {
  if (wait_ticket_.load(std::memory_order_acquire) == notify_ticket_.load(std::memory_order_acquire)) return;
  lock_.lock();
  detail::sema_sudog* s = head_;
  head_ = tail_ = nullptr;
  notify_ticket_.store(wait_ticket_.load(std::memory_order_acquire), std::memory_order_release);
  lock_.unlock();
  while (s) {
    detail::sema_sudog* next = s->next;  // read before ready(): s dies with its waiter's frame
    detail::ready(s->w);
    s = next;
  }
}

}  // namespace gocxx
