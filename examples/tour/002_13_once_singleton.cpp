// Tour: a singleton made with sync.Once. Ports seed 002 (a Go patterns sheet),
// "synchronization", sync.Once: GetService creates and initialises the one Service the
// first time it is called; every later call (from any goroutine) returns that one, and
// only after its Init has finished.
//
//   var (instance *Service; once sync.Once)    service* instance; gocxx::once once;
//   once.Do(func() {                           once.call([] {
//       instance = &Service{}                    instance = new service;
//       instance.Init()                          instance->init();
//   })                                         });
//
// Twenty goroutines call GetService at once: Init runs one time, and all twenty see the
// same, initialised instance.
#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>
#include <set>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

namespace {

struct service {
  std::atomic<bool> ready{false};
  void init() {
    std::printf("Service.Init() running\n");
    gocxx::yield();  // let the other callers arrive while Init is under way
    ready = true;
  }
};

std::unique_ptr<service> instance;  // no GC: the owner frees it (at the end of the example)
gocxx::once* once;                  // a fresh once per run of the example (see below)

service* get_service() {
  once->call([] {
    instance = std::make_unique<service>();
    instance->init();
  });
  return instance.get();
}

}  // namespace

TOUR_EXAMPLE(once_singleton, "002", "GetService with sync.Once: twenty callers, one Init, one instance") {
  std::printf("\n=== sync.Once ===\n");
  gocxx::once o;  // the program's `var once sync.Once`
  once = &o;
  gocxx::mutex mu;
  std::set<service*> seen;
  int not_ready = 0;
  gocxx::wait_group wg;
  for (int i = 0; i < 20; ++i) {
    wg.add(1);
    gocxx::go([&] {
      service* s = get_service();
      std::lock_guard lock(mu);
      seen.insert(s);
      not_ready += s->ready ? 0 : 1;
      wg.done();
    });
  }
  wg.wait();
  std::printf("20 goroutines called GetService(): %zu instance(s), %d seen before Init finished\n", seen.size(),
              not_ready);
  instance.reset();
  once = nullptr;
}
