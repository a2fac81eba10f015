// Tour: one goroutine owns the map; the others send it updates. Ports seed 000, program
// 1, part 4, correctChannelSync: 100 writers send {key, value} updates on a channel; the
// owner goroutine, the only one that touches the map, applies them.
//
//   type update struct { key string; value int } struct update { std::string key; int value; };
//   go func() {                                  gocxx::go([&] {
//     for u := range updates {                     for (update u : updates) shared_data[u.key] = u.value;
//       sharedData[u.key] = u.value              });
//     }
//   }()
//
// A bug in the seed, fixed here: after close(updates), main sleeps 50 ms to "let the map
// goroutine finish" and then reads the map: the sleep is a guess, and the read races with
// the owner's last writes if it is late. The port waits for the owner to end (a done
// channel it closes), which also makes its writes visible to main (a close happens-before
// the receive that sees it).
#include <cstdio>
#include <map>
#include <string>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

namespace {

struct update {
  std::string key;
  int value;
};

}  // namespace

TOUR_EXAMPLE(single_owner_map, "000", "a single goroutine owns the map; 100 writers send it updates") {
  std::printf("\n=== CORRECT: CHANNEL SYNCHRONIZATION ===\n");

  gocxx::chan<update> updates(10);
  std::map<std::string, int> shared_data;
  gocxx::chan<int> owner_done(0);

  // A single goroutine owns the map.
  gocxx::go([&shared_data, updates, owner_done] {
    for (update u : updates) shared_data[u.key] = u.value;
    owner_done.close();
  });

  // Many writers send updates over the channel.
  gocxx::wait_group wg;
  for (int i = 0; i < 100; ++i) {
    wg.go([updates, id = i] { updates.send({"key_" + std::to_string(id), id}); });
  }

  wg.wait();
  updates.close();
  owner_done.recv();  // the owner has applied every update (the seed sleeps 50 ms instead)

  std::printf("Map size: %zu\n", shared_data.size());
  std::printf("✅ SAFE: No race conditions, single owner pattern\n");
}
