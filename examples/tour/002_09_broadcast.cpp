// Tour: a broadcaster. Ports seed 002 (a Go patterns sheet), pattern "broadcast":
// Subscribe gives each listener its own channel of 10 (under the write lock), Broadcast
// offers the event to every listener under the read lock and drops it for a listener
// whose buffer is full (select with default), so a slow listener never holds up the rest.
//
//   b.mu.RLock(); defer b.mu.RUnlock()     std::shared_lock lock(mu_);
//   select { case ch <- event:             (void)ch.try_send(event);   // full: dropped
//            default: }
//
// A gap in the sheet: nothing ever closes the listeners' channels, so a listener cannot
// range over its channel and stop. The port adds Close (under the write lock). Three
// listeners get 25 events: two read as they come, the slow one reads only after the
// last broadcast, so it keeps the 10 its buffer held and misses 15; each listener's
// received and dropped add up to 25. Then the same with gocxx::broadcaster, which counts
// the drops itself.
#include <cstdio>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <variant>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "gocxx/patterns.hpp"
#include "tour.hpp"

namespace {

struct event {
  int seq;
};

class broadcaster {
 public:
  gocxx::recv_chan<event> subscribe() {
    gocxx::chan<event> ch(10);
    std::lock_guard lock(mu_);
    listeners_.push_back(ch);
    return ch;
  }
  void broadcast(event e) {
    std::shared_lock lock(mu_);
    for (const auto& ch : listeners_) {
      (void)ch.try_send(e);  // select { case ch <- event: default: } : drop if the listener is slow
    }
  }
  void close() {  // not in the sheet: lets the listeners' range loops end
    std::lock_guard lock(mu_);
    for (const auto& ch : listeners_) ch.close();
    listeners_.clear();
  }

 private:
  gocxx::rw_mutex mu_;
  std::vector<gocxx::chan<event>> listeners_;
};

constexpr int kEvents = 25;

}  // namespace

TOUR_EXAMPLE(broadcast, "002", "a Broadcaster: a channel of 10 per listener, a slow listener's events dropped") {
  std::printf("\n=== Broadcast (Multiple Receivers) ===\n");
  broadcaster b;
  gocxx::chan<std::monostate> published(0);  // closed after the last broadcast: the slow listener's cue
  gocxx::chan<int> received(3);
  gocxx::wait_group wg;
  for (int id = 1; id <= 3; ++id) {
    auto ch = b.subscribe();
    bool slow = id == 3;
    wg.add(1);
    gocxx::go([=, &wg] {
      if (slow) published.recv();  // too busy to read until the end
      int n = 0;
      for (event e : ch) n += e.seq > 0 ? 1 : 0;
      std::printf("%s %d: received %d of %d events, dropped %d\n", slow ? "slow listener" : "listener", id, n, kEvents,
                  kEvents - n);
      wg.done();
    });
  }
  for (int i = 1; i <= kEvents; ++i) b.broadcast(event{i});
  published.close();
  b.close();
  wg.wait();

  gocxx::broadcaster<event> lib;
  auto sub = lib.subscribe(10);
  for (int i = 1; i <= kEvents; ++i) lib.publish(event{i});
  lib.close();
  int n = 0;
  for (event e : sub.c()) n += e.seq > 0 ? 1 : 0;
  std::printf("gocxx::broadcaster, a subscriber that reads at the end: received %d, dropped() %llu\n", n,
              static_cast<unsigned long long>(sub.dropped()));
}
