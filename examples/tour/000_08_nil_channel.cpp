// Tour: a nil channel blocks forever. Ports seed 000, program 1, part 3, errorNilChannel:
// `var ch chan int` is nil; a send or a receive on it never completes.
//
//   var ch chan int                              gocxx::chan<int> ch;   // default-constructed: nil
//   select {                                     gocxx::select(
//   case ch <- 1:                                  gocxx::case_send(ch, 1, [] { ... }),
//   case <-time.After(100 * time.Millisecond):     gocxx::case_recv(gocxx::after(tour::d(100ms)), [] { ... }));
//   }
//
// The seed leaves the operations commented out (alone, either would deadlock the program).
// The port runs them for real, each in a select against a 100 ms timeout, so the
// blocking shows without stopping the tour: the timeout always wins, since a case on a nil
// channel is never ready.
//
// A bug in the seed's comments, fixed here: they say `ch <- 1` and `<-ch` on a nil channel
// panic ("PANIC: send on nil channel"). They do not: they block forever (a program that
// does nothing else then dies of Go's deadlock report, not of a panic; see the deadlock
// example). Only close(ch) of a nil channel panics ("close of nil channel").
#include <chrono>
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

TOUR_EXAMPLE(nil_channel, "000", "send and receive on a nil channel block forever (shown against a timeout)") {
  std::printf("\n=== ERROR 1: NIL CHANNEL ===\n");

  gocxx::chan<int> ch;  // nil channel

  // ch <- 1 and <-ch block forever: each against a timeout here.
  gocxx::select(gocxx::case_send(ch, 1, [] { std::printf("ch <- 1: sent (impossible)\n"); }),
                gocxx::case_recv(gocxx::after(tour::d(100ms)),
                                 [] { std::printf("ch <- 1 on a nil channel: still blocked after 100ms\n"); }));
  gocxx::select(gocxx::case_recv(ch, [] { std::printf("<-ch: received (impossible)\n"); }),
                gocxx::case_recv(gocxx::after(tour::d(100ms)),
                                 [] { std::printf("<-ch on a nil channel: still blocked after 100ms\n"); }));

  std::printf("⚠️  ERROR: Nil channels cause permanent blocking\n");
  std::printf("✅ FIX: Always initialize with make(chan Type)\n");
}
