// Tour: closing a closed channel panics. Ports seed 000, program 1, part 3,
// errorDoubleClose, and its fix (sync.Once, as the seed's FIX line says).
//
//   defer func() {                               try {
//     if r := recover(); r != nil { ... }          ch.close();
//   }()                                          } catch (const gocxx::panic_error& e) {
//   close(ch)                                      std::printf("Recovered: %s\n", e.what());
//                                                }
//   once.Do(func() { close(ch) })                once.call([&] { ch.close(); });
//
// The seed leaves the second close commented out (the panic would end the program). The
// port does it for real: gocxx raises Go's panic as a gocxx::panic_error with Go's
// message, and catching it is Go's recover().
#include <cstdio>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

TOUR_EXAMPLE(double_close, "000", "a second close panics \"close of closed channel\"; recovered, then avoided with sync.Once") {
  std::printf("\n=== ERROR 3: DOUBLE CLOSE ===\n");

  gocxx::chan<int> ch(0);
  ch.close();

  // This panics; the port recovers.
  try {
    ch.close();  // PANIC: close of closed channel
    std::printf("closed twice (impossible)\n");
  } catch (const gocxx::panic_error& e) {
    std::printf("Recovered from panic: %s\n", e.what());
  }

  std::printf("⚠️  ERROR: Closing already closed channel causes panic\n");
  std::printf("✅ FIX: Only sender should close, use sync.Once if needed\n");

  // The fix: every closer goes through one sync.Once; only the first call closes.
  gocxx::chan<int> done(0);
  gocxx::once close_once;
  auto close_done = [&] { close_once.call([&] { done.close(); }); };
  close_done();
  close_done();  // a no-op: no panic
  std::printf("Closed once via sync.Once, called twice: no panic\n");
}
