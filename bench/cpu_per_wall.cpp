// cpu-per-wall: how many cores a program keeps busy, for issue 25.2e (an idle M must
// sleep, not spin beside a goroutine pair that hands off on one core). Its Go twin is
// bench/go_micro/cpu_per_wall.go; bench/cpu_per_wall.sh runs both under /usr/bin/time.
//
//   cpu-per-wall pingpong <procs> <round trips>   two goroutines bounce an int
//   cpu-per-wall light <procs> <round trips>      the same, one round trip per 100 us sleep
//
// Prints "RESULT <mode> <procs> <ns per round trip>"; CPU over wall comes from time(1).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "gocxx/gocxx.hpp"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: cpu-per-wall pingpong|light <procs> <round trips>\n");
    return 2;
  }
  const std::string mode = argv[1];
  const bool light = mode == "light";
  if (!light && mode != "pingpong") return 2;
  gocxx::set_max_procs(std::atoi(argv[2]));
  const long n = std::atol(argv[3]);
  return gocxx::run([&] {
    gocxx::chan<long> ping(0), pong(0);
    gocxx::go([&] {
      for (;;) {
        std::optional<long> v = ping.recv();
        if (!v) return;
        pong.send(*v + 1);
      }
    });
    auto start = std::chrono::steady_clock::now();
    long v = 0;
    for (long i = 0; i < n; ++i) {
      if (light) gocxx::sleep(std::chrono::microseconds(100));
      ping.send(v);
      v = *pong.recv();
    }
    ping.close();
    double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
    if (v != n) {
      std::fprintf(stderr, "cpu-per-wall: wrong count %ld\n", v);
      return 1;
    }
    std::printf("RESULT %s %d %.1f ns/roundtrip\n", mode.c_str(), gocxx::max_procs(), ns / static_cast<double>(n));
    return 0;
  });
}
