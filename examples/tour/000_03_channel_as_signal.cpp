// Tour: an unbuffered channel as a completion signal. Ports seed 000, program 1, part 2,
// channelAsSignal: a worker sends on `done` when its task is over; main blocks on the
// receive.
//
//   done := make(chan bool)                      gocxx::chan<bool> done(0);
//   go func() { ...; done <- true }()            gocxx::go([done] { ...; done.send(true); });
//   <-done                                       done.recv();
//
// Whether "Main: Waiting for worker..." or "Worker: Starting task..." prints first is up
// to the scheduler, in Go as here (the worker may start on another thread at once).
#include <chrono>
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

TOUR_EXAMPLE(channel_as_signal, "000", "an unbuffered channel signals that a worker is done") {
  std::printf("\n=== PATTERN 1: CHANNEL AS SIGNAL ===\n");

  gocxx::chan<bool> done(0);  // unbuffered channel for signaling

  gocxx::go([done] {
    std::printf("Worker: Starting task...\n");
    gocxx::sleep(tour::d(1s));
    std::printf("Worker: Task completed!\n");
    done.send(true);  // send signal to main goroutine
  });

  std::printf("Main: Waiting for worker...\n");
  done.recv();  // block until signal received
  std::printf("Main: Worker finished, continuing...\n");
  std::printf("✅ BENEFIT: Precise synchronization without polling or sleep\n");
}
