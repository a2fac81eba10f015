// gocxx::semaphore, after golang.org/x/sync/semaphore (Weighted).
//
// Invariants (all under lock_)
// - 0 <= cur_ <= size_, except that release() of too much is undone before it panics.
// - The queue holds the parked acquirers in arrival order, each a sudog on its waiter's
//   stack with weight = tokens wanted (<= size_). A queued sudog's tokens are not yet
//   counted in cur_.
// - FIFO: if the queue is non-empty, the head does not fit (size_ - cur_ < its weight).
//   Nobody takes tokens while others wait, so a large request at the head is not
//   starved by a stream of small ones (x/sync's rationale: better to leave tokens idle
//   for a moment than to starve the head forever).
// - A waiter is dequeued, and its tokens added to cur_, by the releaser that grants
//   them; it wakes already holding them.
//
// Lock order: lock_ is a leaf; waiters are readied after it is released. The list is
// doubly linked so that a context-aware acquire can unlink a cancelled waiter.
#include "gocxx/semaphore.hpp"

#include "sync/sema.hpp"

namespace gocxx {

void semaphore::acquire(std::int64_t n) {
  lock_.lock();
  if (size_ - cur_ >= n && !head_) {
    cur_ += n;
    lock_.unlock();
    return;
  }
  if (n > size_) {
    // Can never be satisfied; do not queue (it would block everyone behind it).
    lock_.unlock();
    detail::park_forever(detail::wait_reason::semacquire);
  }
  detail::sema_sudog s;
  s.w = detail::current_waiter();
  s.weight = n;
  s.prev = tail_;
  if (tail_) {
    tail_->next = &s;
  } else {
    head_ = &s;
  }
  tail_ = &s;
  detail::park(detail::wait_reason::semacquire, &detail::runtime_lock::unlock_fn, &lock_);
  // Woken by release(): the tokens are ours.
}

bool semaphore::try_acquire(std::int64_t n) {
  lock_.lock();
  bool ok = size_ - cur_ >= n && !head_;
  if (ok) cur_ += n;
  lock_.unlock();
  return ok;
}

void semaphore::release(std::int64_t n) {
  lock_.lock();
  if (cur_ - n < 0) {
    lock_.unlock();
    throw panic_error("semaphore: released more than held");
  }
  cur_ -= n;
  // Grant tokens to the waiters at the front, in order, while they fit; collect them in
  // a private list so they are readied after lock_ is released.
  detail::sema_sudog* granted = nullptr;
  detail::sema_sudog** link = &granted;
  while (head_ && size_ - cur_ >= head_->weight) {
    detail::sema_sudog* s = head_;
    cur_ += s->weight;
    head_ = s->next;
    if (head_) {
      head_->prev = nullptr;
    } else {
      tail_ = nullptr;
    }
    s->next = nullptr;
    *link = s;
    link = &s->next;
  }
  lock_.unlock();
  while (granted) {
    detail::sema_sudog* next = granted->next;  // read before ready(): the sudog dies with its frame
    detail::ready(granted->w);
    granted = next;
  }
}

}  // namespace gocxx
