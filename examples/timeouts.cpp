// The tour: time. The Go tour's "Default Selection" (tick and boom), a timeout on a slow
// reply, and a ticker pacing requests (Go by Example's rate limiting).
//
//   tick := time.Tick(100 * time.Millisecond)     auto tick = gocxx::tick(100ms);
//   boom := time.After(500 * time.Millisecond)    auto boom = gocxx::after(500ms);
//   select {                                      gocxx::select(
//   case <-tick: ...                                gocxx::case_recv(tick, [&] { ... }),
//   case <-boom: ...                                gocxx::case_recv(boom, [&] { ... }),
//   default: ...                                    gocxx::case_default([&] { ... }));
//   }
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

#include "gocxx/gocxx.hpp"

using namespace std::chrono_literals;

int main() {
  return gocxx::run([] {
    // Default Selection: ticks every 100 ms, a boom at 500 ms, dots in between.
    auto tick = gocxx::tick(100ms);
    auto boom = gocxx::after(500ms);
    for (bool exploded = false; !exploded;) {
      gocxx::select(gocxx::case_recv(tick, [] { std::printf("tick.\n"); }),
                    gocxx::case_recv(boom,
                                     [&] {
                                       std::printf("BOOM!\n");
                                       exploded = true;
                                     }),
                    gocxx::case_default([] {
                      std::printf("    .\n");
                      gocxx::sleep(50ms);
                    }));
    }

    // A timeout: the reply takes 200 ms, we wait 50 ms for it.
    gocxx::chan<std::string> reply(1);  // buffered: the late sender does not leak
    gocxx::go([reply] {
      gocxx::sleep(200ms);
      reply.send("result");
    });
    gocxx::select(gocxx::case_recv(reply, [](std::optional<std::string> r) { std::printf("got %s\n", r->c_str()); }),
                  gocxx::case_recv(gocxx::after(50ms), [] { std::printf("timeout after 50 ms\n"); }));

    // Rate limiting: five requests, one per 20 ms tick.
    gocxx::ticker limiter(20ms);
    auto start = std::chrono::steady_clock::now();
    for (int req = 1; req <= 5; ++req) {
      limiter.c().recv();
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
      std::printf("request %d at ~%lld ms\n", req, static_cast<long long>((ms.count() + 5) / 10 * 10));
    }
    limiter.stop();

    // after_func: a function run later, in a goroutine of its own.
    gocxx::chan<int> done(0);
    gocxx::after_func(10ms, [done] { done.send(42); });
    std::printf("after_func sent %d\n", *done.recv());
  });
}
