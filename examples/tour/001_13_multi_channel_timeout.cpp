// Tour: one timer bounding a select over several channels. Ports seed 001, program 1,
// section 11, multiChannelTimeout: replies due at 1 s and 3 s, a 2 s timer for both.
//
//   for received < 2 {                          while (received < 2 && !timed_out) {
//     select {                                    gocxx::select(
//     case msg := <-ch1: ...                        gocxx::case_recv(ch1, [&](auto msg) { ... }),
//     case msg := <-ch2: ...                        gocxx::case_recv(ch2, [&](auto msg) { ... }),
//     case <-timer.C: ...; return                   gocxx::case_recv(timer.c(), [&] { ...; timed_out = true; }));
//     }                                           }
//   }
//
// A bug in the seed: after the timeout nobody receives from ch2, so its unbuffered send
// blocks its goroutine forever (a leak). The port's senders wait on a context that it
// cancels on the way out, send on buffered channels, and are joined.
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

TOUR_EXAMPLE(multi_channel_timeout, "001", "one timer bounds a select over two channels") {
  std::printf("\n=== Multi-Channel with Timeout ===\n");
  auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());
  gocxx::wait_group wg;
  auto send_after = [&, ctx = ctx](gocxx::chan<std::string> ch, std::chrono::nanoseconds delay, std::string msg) {
    wg.go([=] {
      gocxx::select(gocxx::case_recv(gocxx::after(delay), [&] { ch.send(msg); }), gocxx::case_recv(ctx.done()));
    });
  };
  tour::defer join([&, cancel = cancel] {
    cancel();
    wg.wait();
  });

  gocxx::chan<std::string> ch1(1), ch2(1);
  send_after(ch1, tour::d(1s), "Data from channel 1");
  send_after(ch2, tour::d(3s), "Data from channel 2");

  gocxx::timer timer(tour::d(2s));
  tour::defer stop_timer([&] { timer.stop(); });

  int received = 0;
  bool timed_out = false;
  auto print = [&](std::optional<std::string> msg) {
    std::printf("%s\n", msg->c_str());
    ++received;
  };
  while (received < 2 && !timed_out) {
    gocxx::select(gocxx::case_recv(ch1, print), gocxx::case_recv(ch2, print), gocxx::case_recv(timer.c(), [&] {
                    std::printf("Timeout: Not all channels responded\n");
                    timed_out = true;
                  }));
  }
}
