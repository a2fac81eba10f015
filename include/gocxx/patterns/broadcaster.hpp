// gocxx/patterns/broadcaster.hpp: publish/subscribe over channels. Every subscriber
// gets its own buffered channel; publish() copies a value into each and never waits
// for a slow subscriber: where a subscriber's buffer is full, the value is dropped for
// it alone and counted in its subscription.
//
// Owns the subscriber list and the subscribers' channels (it alone sends on and closes
// them). Invariants:
// - A subscriber's channel receives, in publish order, every value published while it
//   is subscribed, except those counted in its dropped(): received + dropped = published
//   (while subscribed). Publishes are serialised, so all subscribers see one order.
// - A subscriber's channel is closed exactly once: by unsubscribe() or close(); after
//   close(), subscribe() returns a closed channel and publish() delivers nothing.
// Lock: `mu` (a gocxx::mutex) guards the subscriber list and the closed flag; held only
// to walk the list, never while blocking: inside it only try_send (which takes and
// drops the channel's own lock; order: mu, then a channel's lock) and T's copy
// constructor run. So T's copy constructor must not use this broadcaster.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <type_traits>
#include <utility>
#include <vector>

#include "gocxx/chan.hpp"
#include "gocxx/sync.hpp"

namespace gocxx {

template <class T>
class broadcaster;

// One subscriber's end of a broadcaster: its channel and its count of dropped values.
// A cheap, copyable handle; the counter stays readable after unsubscribe or close.
//
//   Go                                        gocxx
//   ch, dropped := broker.Subscribe(16)       auto sub = events.subscribe(16);
//   for e := range ch { handle(e) }           for (Event e : sub.c()) handle(e);
//   atomic.LoadUint64(dropped)                sub.dropped();
template <class T>
class subscription {
 public:
  subscription() = default;  // subscribed to nothing: nil channel, 0 dropped

  // The channel the values arrive on; closed at unsubscribe() or the broadcaster's close().
  const recv_chan<T>& c() const noexcept { return view_; }
  // How many published values were dropped for this subscriber because its buffer was full.
  std::uint64_t dropped() const noexcept { return sub_ ? sub_->dropped.load(std::memory_order_relaxed) : 0; }

  explicit operator bool() const noexcept { return sub_ != nullptr; }

 private:
  friend class broadcaster<T>;
  struct subscriber {
    explicit subscriber(std::size_t buffer) : ch(buffer) {}
    chan<T> ch;
    std::atomic<std::uint64_t> dropped{0};
  };
  explicit subscription(std::shared_ptr<subscriber> s) : sub_(std::move(s)), view_(sub_->ch) {}

  std::shared_ptr<subscriber> sub_;
  recv_chan<T> view_;
};

// A publisher to any number of subscribers, each with its own buffer. publish() never
// blocks on a subscriber: a full buffer means that subscriber misses the value (counted
// in its subscription's dropped()). A cheap, copyable handle: copies are the same
// broadcaster. Safe from any goroutine or plain thread.
//
//   Go                                        gocxx
//   type Broker struct {                      gocxx::broadcaster<Event> events;
//     mu   sync.Mutex                         auto sub = events.subscribe(16);
//     subs map[chan Event]*uint64             gocxx::go([sub] {
//   }                                           for (Event e : sub.c()) handle(e);
//   func (b *Broker) Publish(e Event) {       });
//     b.mu.Lock(); defer b.mu.Unlock()        events.publish(e);   // never blocks
//     for ch, n := range b.subs {             sub.dropped();       // missed by sub
//       select {                              events.unsubscribe(sub);
//       case ch <- e:                         events.close();
//       default: *n++ // slow: drop
//       }
//     }
//   }
template <class T>
class broadcaster {
  static_assert(std::is_copy_constructible_v<T>, "gocxx::broadcaster<T>: T must be copyable (one copy per subscriber)");

 public:
  broadcaster() : st_(std::make_shared<state>()) {}

  // A new subscriber with a buffer of `buffer` values (0: it gets a value only if it is
  // blocked receiving when the value is published). After close(): a closed channel.
  subscription<T> subscribe(std::size_t buffer) const {
    auto sub = std::make_shared<typename subscription<T>::subscriber>(buffer);
    std::lock_guard<mutex> l(st_->mu);
    if (st_->closed) {
      sub->ch.close();
    } else {
      st_->subs.push_back(sub);
    }
    return subscription<T>(std::move(sub));
  }

  // Removes the subscriber and closes its channel (values already buffered stay
  // receivable). False if it was not subscribed (already removed, or closed).
  bool unsubscribe(const subscription<T>& s) const {
    std::lock_guard<mutex> l(st_->mu);
    auto it = std::find(st_->subs.begin(), st_->subs.end(), s.sub_);
    if (it == st_->subs.end()) return false;
    (*it)->ch.close();
    st_->subs.erase(it);
    return true;
  }

  // Offers a copy of v to every subscriber without blocking; returns how many took it
  // (the others' dropped() went up by one). After close(), delivers to none.
  std::size_t publish(const T& v) const {
    std::size_t delivered = 0;
    std::lock_guard<mutex> l(st_->mu);
    for (const auto& sub : st_->subs) {
      if (sub->ch.try_send(v) == chan_status::ok) {
        ++delivered;
      } else {
        sub->dropped.fetch_add(1, std::memory_order_relaxed);
      }
    }
    return delivered;
  }

  // The number of current subscribers.
  std::size_t subscribers() const {
    std::lock_guard<mutex> l(st_->mu);
    return st_->subs.size();
  }

  // Closes every subscriber's channel and ends the broadcaster. Idempotent.
  void close() const {
    std::lock_guard<mutex> l(st_->mu);
    st_->closed = true;
    for (const auto& sub : st_->subs) sub->ch.close();
    st_->subs.clear();
  }

 private:
  struct state {
    mutex mu;
    bool closed = false;                                                        // under mu
    std::vector<std::shared_ptr<typename subscription<T>::subscriber>> subs;  // under mu
  };
  std::shared_ptr<state> st_;
};

}  // namespace gocxx
