// A consumer of the installed (or add_subdirectory'd) library: spawns goroutines and
// checks that each ran, then prints "consumer ok".
#include <gocxx/gocxx.hpp>

#include <atomic>
#include <cstdio>

int main() {
  return gocxx::run([] {
    std::atomic<int> ran{0};
    for (int i = 0; i < 100; ++i) gocxx::go([&ran] { ran.fetch_add(1, std::memory_order_release); });
    while (ran.load(std::memory_order_acquire) < 100) gocxx::yield();
    std::puts("consumer ok");
    return 0;
  });
}
