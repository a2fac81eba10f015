// The tour: select. Fan-in of two producers with select, and a quit channel, as in the
// Go tour's "Default Selection"/"Select" pages (timers arrive with the time package).
//
//   select {                               gocxx::select(
//   case v := <-a: ...                       gocxx::case_recv(a, [&](std::optional<int> v) { ... }),
//   case <-quit: return                      gocxx::case_recv(quit, [&] { done = true; }));
//   }
#include <cstdio>
#include <optional>

#include "gocxx/gocxx.hpp"

int main() {
  return gocxx::run([] {
    gocxx::chan<int> a(0), b(0);
    gocxx::chan<bool> quit(0);
    gocxx::go([a] {
      for (int i = 0; i < 5; ++i) a.send(i);
    });
    gocxx::go([b] {
      for (int i = 100; i < 105; ++i) b.send(i);
    });
    gocxx::go([quit] { quit.send(true); });
    int received = 0;
    bool done = false;
    while (!done || received < 10) {
      gocxx::select(gocxx::case_recv(a,
                                     [&](std::optional<int> v) {
                                       std::printf("a: %d\n", *v);
                                       ++received;
                                     }),
                    gocxx::case_recv(b,
                                     [&](std::optional<int> v) {
                                       std::printf("b: %d\n", *v);
                                       ++received;
                                     }),
                    gocxx::case_recv(quit, [&] { done = true; }));
    }
    std::printf("received %d values\n", received);
  });
}
