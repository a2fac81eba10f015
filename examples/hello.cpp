// The tour, first stop: goroutines and a WaitGroup. Ten goroutines each say hello; main
// waits for all of them.
//
//   Go                                  gocxx
//   var wg sync.WaitGroup               gocxx::wait_group wg;
//   wg.Add(1); go func() { ...          wg.go([&] { ... });   (Go 1.25's wg.Go)
//   wg.Wait()                           wg.wait();
#include <cstdio>

#include "gocxx/gocxx.hpp"

int main() {
  return gocxx::run([] {
    gocxx::wait_group wg;
    for (int i = 0; i < 10; ++i) {
      wg.go([i] {
        std::printf("hello from goroutine %llu (job %d)\n",
                    static_cast<unsigned long long>(gocxx::goroutine_id()), i);
      });
    }
    wg.wait();
    std::printf("10 goroutines said hello on %d procs\n", gocxx::max_procs());
  });
}
