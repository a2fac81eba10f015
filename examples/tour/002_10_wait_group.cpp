// Tour: sync.WaitGroup. Ports seed 002 (a Go patterns sheet), "synchronization",
// sync.WaitGroup: Add(1) before each goroutine, defer wg.Done() in it, wg.Wait() blocks
// until every one has finished.
//
//   wg.Add(1)                              wg.add(1);
//   go func(item Item) {                   gocxx::go([item, &wg] {
//       defer wg.Done()                      tour::defer d([&] { wg.done(); });
//       process(item)                        process(item);
//   }(item)                                });
//   wg.Wait()                              wg.wait();
//
// The items finish in the scheduler's order; "all done" comes after every one of them.
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace {

void process(const std::string& item) {
  gocxx::sleep(tour::d(10ms));
  std::printf("processed %s\n", item.c_str());
}

}  // namespace

TOUR_EXAMPLE(wait_group, "002", "wg.Add(1) per item, defer wg.Done(), wg.Wait() for all of them") {
  std::printf("\n=== sync.WaitGroup ===\n");
  std::vector<std::string> items = {"item-1", "item-2", "item-3", "item-4", "item-5"};
  gocxx::wait_group wg;
  for (const auto& item : items) {
    wg.add(1);
    gocxx::go([item, &wg] {
      tour::defer d([&] { wg.done(); });
      process(item);
    });
  }
  wg.wait();  // blocks until all done
  std::printf("all %zu items done\n", items.size());
}
