// Tour: a goroutine nobody waits for. Ports seed 003 (a flow guide), Level 1, "Basic
// Goroutines", the problem: main starts a goroutine and returns; the program exits at
// once and the goroutine never finishes ("Goroutine done" is never printed).
//
//   func main() {                          TOUR_CHILD(no_sync_main) {
//       go func() { ... }()                  gocxx::go([] { ... });
//       fmt.Println("Main function ends")    std::printf("Main function ends\n");
//   }                                      }   // gocxx::run returns: the process exits
//
// For the program's exit to be real, the port runs main in a child process
// (`gocxx-tour --child no_sync_main`, TOUR_CHILD) and prints what the child wrote and its
// exit status. Whether "Hello from goroutine" gets out before the exit depends on the
// scheduler, in Go as here; "Goroutine done" never does (its 1s sleep is not scaled by
// --fast, so the exit always comes first; ThreadSanitizer's default atexit_sleep_ms=1000
// holds the exit for a second, long enough to let it through: the tests turn it off).
#include <chrono>
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

TOUR_CHILD(no_sync_main) {
  gocxx::go([] {
    std::printf("Hello from goroutine\n");
    std::fflush(stdout);
    gocxx::sleep(1s);  // not scaled by --fast: nothing waits for it, the process ends first
    std::printf("Goroutine done\n");
  });
  std::printf("Main function ends\n");
  std::fflush(stdout);
  // Program exits immediately, goroutine incomplete!
}

TOUR_EXAMPLE(goroutine_no_sync, "003", "main returns before its goroutine: the program exits, the goroutine is cut off") {
  std::printf("\n=== Level 1: a goroutine nobody waits for ===\n");
  tour::child_result child = tour::run_child("no_sync_main");
  std::printf("main ran in a child process; it exited with status %d and printed:\n", child.status);
  for (const auto& line : child.output) std::printf("    %s\n", line.c_str());
}
