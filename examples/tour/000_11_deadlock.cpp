// Tour: a real deadlock, and the fix. Ports seed 000, program 1, part 3, errorDeadlock: an
// unbuffered send with no receiver blocks forever; with every goroutine blocked, Go's
// runtime stops the program: "fatal error: all goroutines are asleep - deadlock!", a dump
// of every goroutine, exit status 2 (diagram 19 of the seed's second half draws it).
//
//   ch := make(chan int)                         gocxx::chan<int> ch(0);
//   ch <- 1   // no receiver: blocks forever     ch.send(1);
//
// The seed leaves the deadlock commented out, since it would end the program. gocxx's
// runtime detects it as Go's does and ends the process the same way, so the port runs it
// for real, in a child process (`gocxx-tour --child deadlock`, TOUR_CHILD), and prints
// the child's exit status and what it wrote to stderr; then it runs the seed's fix (the
// send in a goroutine of its own).
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

// The child's main goroutine: it sends where nothing can ever receive.
TOUR_CHILD(deadlock) {
  gocxx::chan<int> ch(0);
  ch.send(1);  // no receiver: blocks forever, and no other goroutine exists
}

TOUR_EXAMPLE(deadlock, "000", "an unbuffered send with no receiver: Go's deadlock report, from a child process") {
  std::printf("\n=== ERROR 4: DEADLOCK ===\n");

  gocxx::chan<int> ch(0);

  // ch <- 1 with no receiver, for real, in a child process: its runtime reports the
  // deadlock and exits 2, as Go's does.
  std::printf("Running `ch <- 1` with no receiver in a child process...\n");
  tour::child_result child = tour::run_child("deadlock");
  std::printf("Child exited with status %d; its stderr:\n", child.status);
  for (const auto& line : child.output) std::printf("%s%s\n", line.empty() ? "" : "    ", line.c_str());

  std::printf("⚠️  ERROR: Unbuffered channel needs both sender and receiver\n");
  std::printf("✅ FIX: Use buffered channel or goroutine for concurrent send/receive\n");

  // Correct way with goroutine.
  gocxx::go([ch] { ch.send(1); });
  int val = *ch.recv();
  std::printf("Received: %d\n", val);
}
