// Channels: the type-erased core (hchan) under gocxx::chan<T>, after Go's runtime/chan.go.
// select's multi-channel algorithm is in select.cpp; it uses the helpers at the end.
//
// Invariants of an hchan c (all under c->lock). "Queued" ignores the sudogs of a select
// that was already won on another channel: those stay linked until their select unlinks
// them or a waker skips them (waitq::dequeue), and are never matched.
//  - At least one of c->sendq and c->recvq is empty, except while one select holds
//    sudogs in both queues of the same channel (a send and a receive case on it).
//  - For a buffered channel: c->qcount > 0 implies c->recvq is empty;
//    c->qcount < c->dataqsiz implies c->sendq is empty.
//  - Once c->closed is set, no sudog is ever queued on c again, and the buffer only drains.
//  - Slots [recvx, recvx + qcount) (mod dataqsiz) hold live T objects; the others are raw.
//  - A queued sudog's waiter is parked (or about to park: its unlock of c has not run),
//    so the sudog (in its waiter, or on a select's stack) and the value it points at (on
//    its stack) stay valid until it is readied. A waker writes the sudog (value, state)
//    before ready(), and never touches it after.
//
// Lock order: c->lock is a leaf, except that select takes several, in address order
// (select.cpp). It is a spinlock (detail/hchan.hpp), so while holding it: never block,
// never call ready() (we call it right after unlocking, so the woken goroutine finds the
// lock free), never run code that may use a channel. The one planned exception is
// park(): a goroutine parks holding c->lock and park releases it right after the switch,
// before anything else runs on that thread (or, for a send blocked on a full buffer,
// just before the switch: park.hpp, unlock_at). ready() may take sched.lock; no channel
// lock is ever taken under sched.lock. T's move constructor and destructor do run under the
// lock (chan.hpp tells users they must not use that channel).
//
// A value moves once per hand-off: straight from the sender's object into the receiver's
// std::optional when one waits for the other (Go's direct send), or into a buffer slot
// and out of it. Nothing is copied and nothing is allocated per operation: a blocked
// send or receive uses the sudog in its waiter (runtime/park.hpp says why there).
#include "gocxx/chan.hpp"

#include <sched.h>

#include <cstdint>
#include <new>

#include "gocxx/detail/hchan.hpp"
#include "gocxx/runtime.hpp"
#include "runtime/lock.hpp"  // cpu_relax
#include "runtime/park.hpp"

namespace gocxx::detail {

namespace {

// Go's maxAlloc on 64-bit Linux: no buffer may be larger (makechan: size out of range).
constexpr std::uint64_t max_alloc = std::uint64_t{1} << 48;

std::size_t buffer_offset(const elem_ops* ops) noexcept {
  return (sizeof(hchan) + ops->align - 1) / ops->align * ops->align;
}
std::size_t chan_align(const elem_ops* ops) noexcept {
  return ops->align > alignof(hchan) ? ops->align : alignof(hchan);
}

inline void* slot(hchan* c, std::size_t i) noexcept {
  return reinterpret_cast<unsigned char*>(c) + c->buf_offset + i * c->ops->size;
}

void unlock_chan(void* c) { static_cast<hchan*>(c)->lock.unlock(); }

[[noreturn]] void panic_closed_send() { throw panic_error("send on closed channel"); }

// The lock-free checks of a non-blocking operation that fails. Go's argument, with the
// order of the two loads made explicit:
//
// Send. We first observe that the channel is not ready for sending (unbuffered: no
// receiver waits; buffered: the buffer is full), then that it is not closed. Both are
// single atomic loads, the first acquire so the second cannot be performed before it.
// Channels never reopen, so "not closed" at the second load means not closed at the
// first either: at the moment of the first load the channel was open and not ready,
// and we report would_block as of that moment. (Loading `closed` first would be wrong:
// receivers may wait at that load and all be woken by a close before the second.)
//
// Receive. We observe "not ready" (unbuffered: no sender waits; buffered: empty), then
// "not closed": would_block, as above. If instead it is closed, we observe readiness
// once more: a closed channel only drains, so still empty means it was closed and empty
// at that later moment, and we report closed. The `closed` load is acquire, so the
// close happens-before this receive that returns because of it.
bool send_would_block(const hchan* c) noexcept {
  bool full = c->dataqsiz == 0 ? c->recvq.first.load(std::memory_order_acquire) == nullptr
                               : c->qcount.load(std::memory_order_acquire) == c->dataqsiz;
  return full && c->closed.load(std::memory_order_relaxed) == 0;
}
bool recv_empty(const hchan* c) noexcept {
  return c->dataqsiz == 0 ? c->sendq.first.load(std::memory_order_acquire) == nullptr
                          : c->qcount.load(std::memory_order_acquire) == 0;
}

// The one send algorithm. `block` false: never parks. `closed_panics` false: a closed
// channel yields chan_status::closed instead of the panic (try_send).
chan_status chansend(hchan* c, void* src, bool block, bool closed_panics) {
  if (c == nullptr) {
    if (!block) return chan_status::would_block;
    park_forever(wait_reason::chan_send_nil);
  }
  if (!block && send_would_block(c)) return chan_status::would_block;

  c->lock.lock();
  if (c->closed.load(std::memory_order_relaxed) != 0) {
    c->lock.unlock();
    if (closed_panics) panic_closed_send();
    return chan_status::closed;
  }
  if (sudog* sg = c->recvq.dequeue()) {
    // A receiver waits: hand the value straight to it, bypassing the buffer.
    waiter* w = send_to_waiter(c, sg, src);
    c->lock.unlock();
    ready(w);
    return chan_status::ok;
  }
  if (c->qcount.load(std::memory_order_relaxed) < c->dataqsiz) {
    buffer_put(c, src);
    c->lock.unlock();
    return chan_status::ok;
  }
  if (!block) {
    c->lock.unlock();
    return chan_status::would_block;
  }

  // Block. A receiver (or close) completes the operation for us.
  waiter* self = current_waiter();
  sudog& me = self->chan_wait;
  me = sudog{};
  me.w = self;
  me.elem = src;
  c->sendq.enqueue(&me);
  // Blocked on a full buffer: the receiver that will wake us drains the buffer for every
  // sender and must not wait for our switch (park.hpp, unlock_at).
  park(wait_reason::chan_send, &unlock_chan, c,
       c->dataqsiz != 0 ? unlock_at::before_switch : unlock_at::after_switch);
  if (me.state == sudog::closed) panic_closed_send();
  return chan_status::ok;
}

// The one receive algorithm; dst is an empty std::optional<T>* (or null: discard).
chan_status chanrecv(hchan* c, void* dst, bool block) {
  if (c == nullptr) {
    if (!block) return chan_status::would_block;
    park_forever(wait_reason::chan_receive_nil);
  }
  if (!block && recv_empty(c)) {
    if (c->closed.load(std::memory_order_acquire) == 0) return chan_status::would_block;
    if (recv_empty(c)) return chan_status::closed;
  }

  c->lock.lock();
  if (c->qcount.load(std::memory_order_relaxed) == 0 && c->closed.load(std::memory_order_relaxed) != 0) {
    c->lock.unlock();
    return chan_status::closed;
  }
  if (sudog* sg = c->sendq.dequeue()) {
    // A sender waits, so the buffer is full (or absent): take its head, and the
    // sender's value goes to the tail (unbuffered: take the sender's value).
    waiter* w = recv_from_waiter(c, sg, dst);
    c->lock.unlock();
    ready(w);
    return chan_status::ok;
  }
  if (c->qcount.load(std::memory_order_relaxed) > 0) {
    buffer_take(c, dst);
    c->lock.unlock();
    return chan_status::ok;
  }
  if (!block) {
    c->lock.unlock();
    return chan_status::would_block;
  }

  waiter* self = current_waiter();
  sudog& me = self->chan_wait;
  me = sudog{};
  me.w = self;
  me.elem = dst;
  c->recvq.enqueue(&me);
  park(wait_reason::chan_receive, &unlock_chan, c);
  return me.state == sudog::done ? chan_status::ok : chan_status::closed;
}

}  // namespace

// ---- chan_lock ----

void chan_lock::lock_slow() noexcept {
  // Test-and-test-and-set with exponential backoff (64 to 1024 pauses between reads),
  // then retry the exchange. The backoff matters more than it seems: the lock word
  // shares its cache line with qcount, sendx and recvx, so every read by a waiter on
  // another core turns the line shared and makes each of the holder's stores in its
  // critical section a cross-core upgrade; and a waiter that backs off long lets the
  // holder's core run several operations on the channel while the line stays local.
  // Measured at procs 2 (medians of 5 `gocxx-bench --quick` runs; a pause is ~13 ns on
  // the 2-core box, so 64 pauses is ~0.8 µs, near Go's 30-pause procyield there):
  //   backoff from .. to   1..1 (no backoff)  4..512   16..512   64..1024
  //   mpmc ns/item          190                30.5     29.1      27.3
  //   workerpool ns/job     -                  89-160   102       88
  //   unbuffered_mpmc       -                  108      99        88
  //   select_both           -                  313      303       228
  // After ~100 rounds the holder was likely preempted by the OS: yield the thread to it.
  unsigned backoff = 64;
  for (unsigned round = 0;; ++round) {
    while (word_.load(std::memory_order_relaxed) != 0) {
      if (round < 100) {
        for (unsigned i = 0; i < backoff; ++i) cpu_relax();
        if (backoff < 1024) backoff *= 2;
      } else {
        sched_yield();
      }
      ++round;
    }
    if (word_.exchange(1, std::memory_order_acquire) == 0) return;
  }
}

// ---- waitq (the owning channel's lock held) ----

void waitq::enqueue(sudog* sg) noexcept {
  sg->next = nullptr;
  sg->prev = last;
  if (last) {
    last->next = sg;
  } else {
    first.store(sg, std::memory_order_relaxed);
  }
  last = sg;
}

sudog* waitq::dequeue() noexcept {
  for (;;) {
    sudog* sg = first.load(std::memory_order_relaxed);
    if (sg == nullptr) return nullptr;
    sudog* next = sg->next;
    first.store(next, std::memory_order_relaxed);
    if (next) {
      next->prev = nullptr;
    } else {
      last = nullptr;
    }
    sg->next = nullptr;
    sg->prev = nullptr;
    // A select waits on several channels: the first waker to flip select_done owns the
    // wake-up. A loser leaves the sudog unlinked; the select, once it runs again, locks
    // this channel before it looks at the sudog, so it cannot race with us.
    if (sg->is_select) {
      std::uint32_t expect = 0;
      if (!sg->w->select_done.compare_exchange_strong(expect, 1, std::memory_order_acq_rel,
                                                      std::memory_order_relaxed)) {
        continue;
      }
    }
    return sg;
  }
}

void waitq::remove(sudog* sg) noexcept {
  sudog* x = sg->prev;
  sudog* y = sg->next;
  if (x) {
    x->next = y;
  } else if (first.load(std::memory_order_relaxed) == sg) {
    first.store(y, std::memory_order_relaxed);
  } else {
    return;  // not queued (prev and next are null): a waker already unlinked it
  }
  if (y) {
    y->prev = x;
  } else {
    last = x;
  }
  sg->next = nullptr;
  sg->prev = nullptr;
}

// ---- helpers shared with select.cpp (c locked) ----

waiter* send_to_waiter(hchan* c, sudog* sg, void* src) noexcept {
  __builtin_prefetch(sg->w, 1);  // ready() writes it next: overlap that miss with the delivery
  if (sg->elem) c->ops->deliver(sg->elem, src);
  sg->state = sudog::done;
  return sg->w;
}

waiter* recv_from_waiter(hchan* c, sudog* sg, void* dst) noexcept {
  __builtin_prefetch(sg->w, 1);  // ready() writes it next: overlap that miss with the delivery
  const elem_ops* ops = c->ops;
  if (c->dataqsiz == 0) {
    if (dst) ops->deliver(dst, sg->elem);
  } else {
    // The buffer is full: the head goes to the receiver and the sender's value into the
    // same slot, which becomes the tail. FIFO order holds.
    void* head = slot(c, c->recvx);
    if (dst) ops->deliver(dst, head);
    ops->destroy(head);
    ops->construct(head, sg->elem);
    if (++c->recvx == c->dataqsiz) c->recvx = 0;
    c->sendx = c->recvx;
  }
  sg->state = sudog::done;
  return sg->w;
}

void buffer_put(hchan* c, void* src) noexcept {
  c->ops->construct(slot(c, c->sendx), src);
  if (++c->sendx == c->dataqsiz) c->sendx = 0;
  c->qcount.store(c->qcount.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

void buffer_take(hchan* c, void* dst) noexcept {
  void* head = slot(c, c->recvx);
  if (dst) c->ops->deliver(dst, head);
  c->ops->destroy(head);
  if (++c->recvx == c->dataqsiz) c->recvx = 0;
  c->qcount.store(c->qcount.load(std::memory_order_relaxed) - 1, std::memory_order_release);
}

// ---- entry points ----

hchan* chan_make(const elem_ops* ops, std::int64_t capacity) {
  if (capacity < 0 || static_cast<std::uint64_t>(capacity) > (max_alloc - sizeof(hchan)) / ops->size) {
    throw panic_error("makechan: size out of range");
  }
  std::size_t cap = static_cast<std::size_t>(capacity);
  std::size_t off = buffer_offset(ops);
  void* mem = ::operator new(off + cap * ops->size, std::align_val_t(chan_align(ops)));
  auto* c = ::new (mem) hchan;
  c->dataqsiz = cap;
  c->buf_offset = static_cast<std::uint32_t>(off);
  c->ops = ops;
  return c;
}

hchan* chan_make_timer(const elem_ops* ops, void* owner) {
  std::size_t off = buffer_offset(ops);
  std::size_t owner_off = (off + ops->size + alignof(void*) - 1) / alignof(void*) * alignof(void*);
  void* mem = ::operator new(owner_off + sizeof(void*), std::align_val_t(chan_align(ops)));
  auto* c = ::new (mem) hchan;
  c->dataqsiz = 1;
  c->buf_offset = static_cast<std::uint32_t>(off);
  c->ops = ops;
  *reinterpret_cast<void**>(static_cast<unsigned char*>(mem) + owner_off) = owner;
  return c;
}

void chan_free(hchan* c) noexcept {
  // The last handle is gone, so nobody waits on c (a waiter holds a handle while it
  // waits) and no lock is needed; the acq_rel decrement ordered every earlier use.
  if (c->ops->timer_chan) {
    // Its timer must stop sending into it first (timer_chan_freed takes the timer's lock,
    // which every send of the timer holds).
    std::size_t owner_off = (c->buf_offset + c->ops->size + alignof(void*) - 1) / alignof(void*) * alignof(void*);
    timer_chan_freed(*reinterpret_cast<void**>(reinterpret_cast<unsigned char*>(c) + owner_off));
  }
  std::size_t n = c->qcount.load(std::memory_order_relaxed);
  for (std::size_t i = 0, x = c->recvx; i < n; ++i) {
    c->ops->destroy(slot(c, x));
    if (++x == c->dataqsiz) x = 0;
  }
  std::size_t align = chan_align(c->ops);
  c->~hchan();
  ::operator delete(static_cast<void*>(c), std::align_val_t(align));
}

void chan_send(hchan* c, void* src) { chansend(c, src, true, true); }

chan_status chan_try_send(hchan* c, void* src) { return chansend(c, src, false, false); }

bool chan_recv(hchan* c, void* dst) { return chanrecv(c, dst, true) == chan_status::ok; }

chan_status chan_try_recv(hchan* c, void* dst) { return chanrecv(c, dst, false); }

void chan_close(hchan* c) {
  if (c == nullptr) throw panic_error("close of nil channel");
  c->lock.lock();
  if (c->closed.load(std::memory_order_relaxed) != 0) {
    c->lock.unlock();
    throw panic_error("close of closed channel");
  }
  c->closed.store(1, std::memory_order_release);

  // Take every waiter off the queues under the lock; wake them after unlocking. The
  // list is linked through the dequeued sudogs' `next`: their owners stay parked (and
  // their sudogs valid) until we ready them, and we read `next` before each ready.
  sudog* woken = nullptr;
  while (sudog* sg = c->recvq.dequeue()) {  // receivers get an empty optional
    sg->state = sudog::closed;
    sg->next = woken;
    woken = sg;
  }
  while (sudog* sg = c->sendq.dequeue()) {  // senders panic "send on closed channel"
    sg->state = sudog::closed;
    sg->next = woken;
    woken = sg;
  }
  c->lock.unlock();
  while (woken) {
    sudog* next = woken->next;
    ready(woken->w);
    woken = next;
  }
}

}  // namespace gocxx::detail
