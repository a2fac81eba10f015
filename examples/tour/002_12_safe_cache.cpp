// Tour: a read-mostly cache behind a RWMutex. Ports seed 002 (a Go patterns sheet),
// "synchronization", sync.RWMutex: SafeCache, whose Get takes the read lock (so readers
// run side by side) and whose writes take the write lock.
//
//   c.mu.RLock()                           std::shared_lock lock(mu_);
//   defer c.mu.RUnlock()
//   return c.data[key]                     auto it = data_.find(key); return it == end ? "" : it->second;
//
// The sheet shows Get only; the port adds Set (the write lock) to fill the cache. One
// writer sets ten keys while ten readers each read them twenty times: a read sees a key's
// value or, before the writer got to it, "" (Go's zero value for a missing key), never
// anything torn; hits and misses add up to the 2000 reads.
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

namespace {

class safe_cache {
 public:
  std::string get(const std::string& key) {
    std::shared_lock lock(mu_);
    auto it = data_.find(key);
    return it == data_.end() ? std::string() : it->second;  // c.data[key]: "" if missing
  }
  void set(const std::string& key, const std::string& value) {
    std::lock_guard lock(mu_);
    data_[key] = value;
  }

 private:
  gocxx::rw_mutex mu_;
  std::map<std::string, std::string> data_;
};

}  // namespace

TOUR_EXAMPLE(safe_cache, "002", "SafeCache: Get under RLock by ten readers while a writer Sets under Lock") {
  std::printf("\n=== sync.RWMutex ===\n");
  safe_cache c;
  std::atomic<int> hits{0}, misses{0}, torn{0};
  gocxx::wait_group wg;
  wg.add(11);
  gocxx::go([&] {
    for (int k = 0; k < 10; ++k) {
      c.set("key-" + std::to_string(k), "value-" + std::to_string(k));
      gocxx::yield();
    }
    wg.done();
  });
  for (int r = 0; r < 10; ++r) {
    gocxx::go([&] {
      for (int round = 0; round < 20; ++round) {
        for (int k = 0; k < 10; ++k) {
          std::string v = c.get("key-" + std::to_string(k));
          if (v.empty()) {
            misses.fetch_add(1);
          } else {
            (v == "value-" + std::to_string(k) ? hits : torn).fetch_add(1);
          }
        }
        gocxx::yield();
      }
      wg.done();
    });
  }
  wg.wait();
  std::printf("10 readers, 2000 reads while 1 writer set 10 keys: %d hits, %d misses, %d wrong values\n", hits.load(),
              misses.load(), torn.load());
  std::printf("Get(\"key-3\") = \"%s\"\n", c.get("key-3").c_str());
  std::printf("Get(\"nope\") = \"%s\"\n", c.get("nope").c_str());
}
