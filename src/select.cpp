// select: waiting on several channel operations at once, after Go's runtime/select.go.
// Owns selectgo (used by gocxx::select and the dynamic gocxx::select over a span); the
// channel core and its invariants are in chan.cpp.
//
// The algorithm, for the cases on non-nil channels:
//  0. Shuffle them into a random poll order (fastrand): among ready cases each is first
//     with equal probability, which is Go's uniform choice.
//  1. Pre-poll without locks: the first case in poll order that looks ready is performed
//     alone, as a one-channel non-blocking operation (one lock instead of all of them;
//     the argument that this is still Go's select is in selectgo).
//  2. Otherwise lock every distinct channel once, in address order (so two selects, or a
//     select and close, can never deadlock; the same channel twice is locked once). Poll
//     the cases in poll order; the first that can proceed is done, all locks are
//     released, and the peer it completed, if any, is readied. With a default and no
//     case ready, the default is taken.
//  3. Otherwise enqueue one sudog per case (on the case's channel's recvq or sendq, all
//     naming this waiter), and park; park releases the locks once this goroutine's
//     context is saved.
//  4. A waker (send, receive or close on one of the channels) dequeues one of our sudogs
//     only after winning the CAS 0 -> 1 on our waiter's select_done, so exactly one case
//     wins; it completes the operation into that sudog, marks it, and readies us. Wakers
//     on the other channels lose the CAS and unlink (skip) our sudogs there.
//  5. Woken, we lock every channel again and unlink the sudogs no waker took. The lock
//     also waits out any loser still touching our sudogs, which live on this stack.
//  The chosen case's handler runs in the caller (select.hpp) after all this, so it may
//  use the same channels.
//
// Invariants: between steps 3 and 5 our sudogs are reachable only from the queues that
// hold them, and only under those channels' locks; at most one of them is marked.
// select_done is reset to 0 with every lock held, before enqueueing and after cleanup.
//
// Lock order: channel locks in increasing address order, never more than one per
// channel; nothing else is taken while they are held (ready() runs after unlocking).
#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "gocxx/detail/hchan.hpp"

#include "gocxx/runtime.hpp"
#include "gocxx/select.hpp"
#include "runtime/park.hpp"

namespace gocxx::detail {

namespace {

// Inline storage for the common small select, the heap beyond it.
template <class T, std::size_t N>
class scratch {
 public:
  explicit scratch(std::size_t n) {
    if (n > N) {
      heap_ = std::make_unique<T[]>(n);
      p_ = heap_.get();
    }
  }
  T& operator[](std::size_t i) noexcept { return p_[i]; }
  T* data() noexcept { return p_; }

 private:
  T inline_[N];
  std::unique_ptr<T[]> heap_;
  T* p_ = inline_;
};

// The distinct channels of a select, in address order.
struct lockset {
  hchan** chans;
  std::size_t n;
  void lock() noexcept {
    for (std::size_t i = 0; i < n; ++i) chans[i]->lock.lock();
  }
  void unlock() noexcept {
    for (std::size_t i = n; i-- > 0;) chans[i]->lock.unlock();
  }
};

void unlock_all(void* arg) { static_cast<lockset*>(arg)->unlock(); }

[[noreturn]] void panic_closed_send() { throw panic_error("send on closed channel"); }

// The shuffle's random numbers: one fastrand() per select seeds a local splitmix64
// stream (fastrand is an out-of-line call; a 4-case shuffle needs 4 draws).
class shuffle_rng {
 public:
  shuffle_rng() noexcept : s_(fastrand()) {}
  // Uniform in [0, n) (Lemire's multiply-shift on 32 random bits; bias ~ n / 2^32).
  std::uint32_t below(std::size_t n) noexcept {
    std::uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    auto r = static_cast<std::uint32_t>((z ^ (z >> 31)) >> 32);
    return static_cast<std::uint32_t>((static_cast<std::uint64_t>(r) * n) >> 32);
  }

 private:
  std::uint64_t s_;
};

void sort_by_address(hchan** a, std::size_t n) noexcept {
  if (n > 16) {
    std::sort(a, a + n);
    return;
  }
  for (std::size_t i = 1; i < n; ++i) {
    hchan* x = a[i];
    std::size_t j = i;
    for (; j > 0 && a[j - 1] > x; --j) a[j] = a[j - 1];
    a[j] = x;
  }
}

// A racy guess that the case could proceed now; the operation itself decides.
bool looks_ready(const scase& cs) noexcept {
  const hchan* c = cs.c;
  if (c->closed.load(std::memory_order_relaxed) != 0) return true;
  if (cs.kind == case_kind::recv) {
    return c->dataqsiz == 0 ? !c->sendq.empty() : c->qcount.load(std::memory_order_relaxed) > 0;
  }
  return c->dataqsiz == 0 ? !c->recvq.empty() : c->qcount.load(std::memory_order_relaxed) < c->dataqsiz;
}

// A select with exactly one non-nil case is that operation (Go compiles it that way).
select_result select_one(const scase& cs, int index, bool block) {
  if (cs.kind == case_kind::send) {
    if (block) {
      chan_send(cs.c, cs.elem);
      return {index, false};
    }
    chan_status st = chan_try_send(cs.c, cs.elem);
    if (st == chan_status::closed) panic_closed_send();
    return {st == chan_status::ok ? index : -1, false};
  }
  chan_status st = block ? (chan_recv(cs.c, cs.elem) ? chan_status::ok : chan_status::closed)
                         : chan_try_recv(cs.c, cs.elem);
  if (st == chan_status::would_block) return {-1, false};
  if (st == chan_status::closed && cs.elem) cs.c->ops->reset(cs.elem);
  return {index, st == chan_status::ok};
}

template <class CaseAt>
select_result selectgo(CaseAt case_at, std::size_t n, bool block) {
  // 0. Poll order: an inside-out Fisher-Yates shuffle of the live cases.
  scratch<std::uint32_t, 16> order(n);
  std::size_t norder = 0;
  shuffle_rng rng;
  for (std::size_t i = 0; i < n; ++i) {
    const scase& cs = case_at(i);
    if (cs.kind == case_kind::dflt || cs.c == nullptr) continue;
    std::uint32_t j = rng.below(norder + 1);
    order[norder] = order[j];
    order[j] = static_cast<std::uint32_t>(i);
    ++norder;
  }
  if (norder == 0) {
    if (!block) return {-1, false};
    park_forever(wait_reason::select);  // only nil channels: Go blocks forever too
  }
  if (norder == 1) return select_one(case_at(order[0]), static_cast<int>(order[0]), block);

  // 1. Fast path: the first case in poll order that looks ready is tried as a one-channel
  // non-blocking operation, under that channel's lock alone (one lock instead of all of
  // them). Why this is still Go's select: a case is only ever taken by performing it, so
  // only a case that can proceed is chosen; the shuffle makes each ready case the first
  // ready-looking one with equal probability; and a case that loses a race is skipped as
  // if it had not been ready at its turn. Blocking and the default are decided only by
  // the locked pass below, which sees every channel at one instant.
  for (std::size_t k = 0; k < norder; ++k) {
    const scase& cs = case_at(order[k]);
    if (!looks_ready(cs)) continue;
    select_result r = select_one(cs, static_cast<int>(order[k]), false);
    if (r.index >= 0) return r;
  }

  // 2. Lock in address order, each channel once. Whatever may allocate (the sudogs of a
  // blocking select of more than 8 cases) is made first: no malloc under the channel
  // spinlocks, and a bad_alloc leaves no channel locked.
  std::optional<scratch<sudog, 8>> sgs_store;
  if (block) sgs_store.emplace(norder);
  scratch<hchan*, 16> chans(norder);
  for (std::size_t k = 0; k < norder; ++k) chans[k] = case_at(order[k]).c;
  sort_by_address(chans.data(), norder);
  lockset locks{chans.data(), static_cast<std::size_t>(std::unique(chans.data(), chans.data() + norder) - chans.data())};
  locks.lock();

  for (std::size_t k = 0; k < norder; ++k) {
    int i = static_cast<int>(order[k]);
    const scase& cs = case_at(order[k]);
    hchan* c = cs.c;
    if (cs.kind == case_kind::recv) {
      if (sudog* sg = c->sendq.dequeue()) {
        waiter* w = recv_from_waiter(c, sg, cs.elem);
        locks.unlock();
        ready(w);
        return {i, true};
      }
      if (c->qcount.load(std::memory_order_relaxed) > 0) {
        buffer_take(c, cs.elem);
        locks.unlock();
        return {i, true};
      }
      if (c->closed.load(std::memory_order_relaxed) != 0) {
        locks.unlock();
        if (cs.elem) c->ops->reset(cs.elem);
        return {i, false};
      }
    } else {
      if (c->closed.load(std::memory_order_relaxed) != 0) {
        locks.unlock();
        panic_closed_send();
      }
      if (sudog* sg = c->recvq.dequeue()) {
        waiter* w = send_to_waiter(c, sg, cs.elem);
        locks.unlock();
        ready(w);
        return {i, false};
      }
      if (c->qcount.load(std::memory_order_relaxed) < c->dataqsiz) {
        buffer_put(c, cs.elem);
        locks.unlock();
        return {i, false};
      }
    }
  }
  if (!block) {
    locks.unlock();
    return {-1, false};
  }

  // 3. Enqueue on every channel and park.
  waiter* me = current_waiter();
  me->select_done.store(0, std::memory_order_relaxed);
  scratch<sudog, 8>& sgs = *sgs_store;
  for (std::size_t k = 0; k < norder; ++k) {
    const scase& cs = case_at(order[k]);
    sudog& sg = sgs[k];
    sg.w = me;
    sg.elem = cs.elem;
    sg.is_select = true;
    if (cs.kind == case_kind::recv) {
      cs.c->recvq.enqueue(&sg);
    } else {
      cs.c->sendq.enqueue(&sg);
    }
  }
  park(wait_reason::select, &unlock_all, &locks);

  // 5. One sudog was taken and marked by our waker; unlink the others.
  locks.lock();
  std::size_t won = norder;
  for (std::size_t k = 0; k < norder; ++k) {
    if (sgs[k].state != sudog::waiting) {
      won = k;
      continue;
    }
    const scase& cs = case_at(order[k]);
    if (cs.kind == case_kind::recv) {
      cs.c->recvq.remove(&sgs[k]);
    } else {
      cs.c->sendq.remove(&sgs[k]);
    }
  }
  me->select_done.store(0, std::memory_order_relaxed);
  locks.unlock();

  const scase& cs = case_at(order[won]);
  int i = static_cast<int>(order[won]);
  if (cs.kind == case_kind::send) {
    if (sgs[won].state == sudog::closed) panic_closed_send();
    return {i, false};
  }
  bool ok = sgs[won].state == sudog::done;
  if (!ok && cs.elem) cs.c->ops->reset(cs.elem);
  return {i, ok};
}

}  // namespace

select_result select_go(scase* cases, std::size_t n, bool block) {
  return selectgo([cases](std::size_t i) -> const scase& { return cases[i]; }, n, block);
}

void select_block_forever() { park_forever(wait_reason::select_no_cases); }

}  // namespace gocxx::detail

namespace gocxx {

int select(std::span<select_case> cases) {
  if (cases.empty()) detail::select_block_forever();
  int dflt = -1;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    if (cases[i].sc_.kind == detail::case_kind::dflt) {
      if (dflt >= 0) throw panic_error("reflect.Select: multiple default cases");
      dflt = static_cast<int>(i);
    }
  }
  detail::select_result r = detail::selectgo(
      [&cases](std::size_t i) -> const detail::scase& { return cases[i].sc_; }, cases.size(), dflt < 0);
  return r.index >= 0 ? r.index : dflt;
}

}  // namespace gocxx
