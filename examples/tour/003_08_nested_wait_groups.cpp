// Tour: nested WaitGroups. Ports seed 003 (a flow guide), Level 3, pattern 3: three
// groups, each a goroutine with its own inner WaitGroup over three workers; a group is
// "completed" when its three workers are, and "All groups completed" when all three
// groups are.
//
//   var innerWg sync.WaitGroup             gocxx::wait_group inner_wg;   (on the group's own stack)
//
// The nine "Group g, Worker w" lines come in the scheduler's order; each group's
// completion comes after its own three workers, and the last line after everything.
#include <chrono>
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

TOUR_EXAMPLE(nested_wait_groups, "003", "three groups of three workers: an inner WaitGroup per group, an outer one") {
  std::printf("\n=== Level 3, pattern 3: nested WaitGroups ===\n");
  gocxx::wait_group outer_wg;
  for (int i = 0; i < 3; ++i) {
    outer_wg.add(1);
    gocxx::go([group_id = i, &outer_wg] {
      tour::defer d([&] { outer_wg.done(); });
      gocxx::wait_group inner_wg;
      for (int j = 0; j < 3; ++j) {
        inner_wg.add(1);
        gocxx::go([group_id, worker_id = j, &inner_wg] {
          tour::defer d2([&] { inner_wg.done(); });
          std::printf("Group %d, Worker %d\n", group_id, worker_id);
          gocxx::sleep(tour::d(100ms));
        });
      }
      inner_wg.wait();
      std::printf("Group %d completed\n", group_id);
    });
  }
  outer_wg.wait();
  std::printf("All groups completed\n");
}
