// The tour, first stop: goroutines. Ten goroutines each say hello; main waits for all of
// them over a plain counter and yield() (channels and sync come next in the tour).
#include <atomic>
#include <cstdio>

#include "gocxx/gocxx.hpp"

int main() {
  return gocxx::run([] {
    std::atomic<int> done{0};
    for (int i = 0; i < 10; ++i) {
      gocxx::go([i, &done] {
        std::printf("hello from goroutine %llu (job %d)\n",
                    static_cast<unsigned long long>(gocxx::goroutine_id()), i);
        done.fetch_add(1);
      });
    }
    while (done.load() < 10) gocxx::yield();
    std::printf("%d goroutines said hello on %d procs\n", done.load(), gocxx::max_procs());
  });
}
