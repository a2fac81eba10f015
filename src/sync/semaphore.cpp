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
// - acquire(ctx, n) hooks a watch (context_node.hpp) on ctx before it queues: if ctx
//   is cancelled while the waiter is queued and not yet granted (ticket 0), the watch
//   unlinks it and readies it; a waiter removed from the front lets those behind it
//   that now fit through (x/sync's notifyWaiters). Grant and cancellation race under
//   lock_: whichever dequeues the sudog wins.
//
// Lock order: a context's lock (the watch fires under it) -> lock_, a leaf; waiters are
// readied after it is released. The list is doubly linked so that a cancelled waiter
// can be unlinked from the middle.
#include "gocxx/semaphore.hpp"

#include "context_node.hpp"
#include "gocxx/context.hpp"
#include "sync/sema.hpp"

namespace gocxx {

void semaphore::acquire(std::int64_t n) {
  lock_.lock();
  if (take_locked(n)) {
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
  enqueue_locked(&s);
  detail::park(detail::wait_reason::semacquire, &detail::runtime_lock::unlock_fn, &lock_);
  // Woken by release(): the tokens are ours.
}

bool semaphore::try_acquire(std::int64_t n) {
  lock_.lock();
  bool ok = take_locked(n);
  lock_.unlock();
  return ok;
}

detail::sema_sudog* semaphore::grant_locked() noexcept {
  // Grant tokens to the waiters at the front, in order, while they fit; collect them in
  // a private list so they are readied after lock_ is released.
  detail::sema_sudog* granted = nullptr;
  detail::sema_sudog** link = &granted;
  while (head_ && size_ - cur_ >= head_->weight) {
    detail::sema_sudog* s = head_;
    cur_ += s->weight;
    unlink_locked(s);
    s->ticket = 1;
    *link = s;
    link = &s->next;
  }
  return granted;
}

// FIFO: tokens go to a new request only when they fit and nobody is waiting.
bool semaphore::take_locked(std::int64_t n) noexcept {
  if (size_ - cur_ < n || head_) return false;
  cur_ += n;
  return true;
}

void semaphore::enqueue_locked(detail::sema_sudog* s) noexcept {
  s->prev = tail_;
  if (tail_) {
    tail_->next = s;
  } else {
    head_ = s;
  }
  tail_ = s;
}

void semaphore::unlink_locked(detail::sema_sudog* s) noexcept {
  if (s->prev) {
    s->prev->next = s->next;
  } else {
    head_ = s->next;
  }
  if (s->next) {
    s->next->prev = s->prev;
  } else {
    tail_ = s->prev;
  }
  s->next = s->prev = nullptr;
}

namespace {
void ready_all(detail::sema_sudog* granted) {
  while (granted) {
    detail::sema_sudog* next = granted->next;  // read before ready(): the sudog dies with its frame
    detail::ready(granted->w);
    granted = next;
  }
}
}  // namespace

void semaphore::release(std::int64_t n) {
  lock_.lock();
  if (cur_ - n < 0) {
    lock_.unlock();
    throw panic_error("semaphore: released more than held");
  }
  cur_ -= n;
  detail::sema_sudog* granted = grant_locked();
  lock_.unlock();
  ready_all(granted);
}

// The hook of one acquire(ctx, n); on the acquirer's stack. `cancelled` and `queued`
// are guarded by the semaphore's lock_.
struct semaphore::cancel_watch : detail::ctx_watch {
  semaphore* sem = nullptr;
  detail::sema_sudog* s = nullptr;
  bool queued = false;
  bool cancelled = false;

  static void on_cancel(detail::ctx_watch* self) noexcept {
    auto* w = static_cast<cancel_watch*>(self);
    semaphore* sem = w->sem;
    sem->lock_.lock();
    w->cancelled = true;
    detail::waiter* wake = nullptr;
    detail::sema_sudog* granted = nullptr;
    if (w->queued && w->s->ticket == 0) {
      bool front = sem->head_ == w->s;
      sem->unlink_locked(w->s);
      wake = w->s->w;
      if (front) granted = sem->grant_locked();
    }
    sem->lock_.unlock();
    ready_all(granted);
    if (wake) detail::ready(wake);  // last: the acquirer's frame holds *w
  }
};

std::error_code semaphore::acquire(const context& ctx, std::int64_t n) {
  detail::ctx_node* node = detail::ctx_access::node(ctx);
  if (std::error_code e = detail::ctx_err(node)) return e;
  lock_.lock();
  if (take_locked(n)) {
    lock_.unlock();
    return {};
  }
  lock_.unlock();
  if (n > size_) {
    // Can never be satisfied: wait for the context alone (forever if it cannot end).
    ctx.done().recv();
    return ctx.err();
  }
  detail::sema_sudog s;
  s.w = detail::current_waiter();
  s.weight = n;
  cancel_watch w;
  w.fire = &cancel_watch::on_cancel;
  w.sem = this;
  w.s = &s;
  if (!detail::ctx_watch_add(node, &w)) return detail::ctx_err(node);
  lock_.lock();
  if (w.cancelled) {
    lock_.unlock();
    return detail::ctx_err(node);  // the watch fired (and unhooked itself) before we queued
  }
  if (take_locked(n)) {
    lock_.unlock();
    detail::ctx_watch_remove(node, &w);
    return {};
  }
  enqueue_locked(&s);
  w.queued = true;
  detail::park(detail::wait_reason::semacquire, &detail::runtime_lock::unlock_fn, &lock_);
  // Woken by a grant (ticket 1) or by the watch. Once unhooked, the watch cannot fire.
  detail::ctx_watch_remove(node, &w);
  if (s.ticket == 0) return detail::ctx_err(node);
  if (std::error_code e = detail::ctx_err(node)) {
    release(n);  // granted, but the context ended too: give the tokens back (as x/sync)
    return e;
  }
  return {};
}

}  // namespace gocxx
