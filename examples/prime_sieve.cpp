// The tour: channels. Go's concurrent prime sieve: a chain of filter goroutines, each
// passing on the numbers not divisible by its prime. Prints the first 20 primes.
//
//   Go                                  gocxx
//   ch := make(chan int)                gocxx::chan<int> ch(0);
//   go generate(ch)                     gocxx::go([ch] { generate(ch); });
//   prime := <-ch                       int prime = *ch.recv();
#include <cstdio>

#include "gocxx/gocxx.hpp"

namespace {

void generate(gocxx::send_chan<int> out) {
  for (int i = 2;; ++i) out.send(i);
}

void filter(gocxx::recv_chan<int> in, gocxx::send_chan<int> out, int prime) {
  for (;;) {
    int i = *in.recv();
    if (i % prime != 0) out.send(i);
  }
}

}  // namespace

int main() {
  return gocxx::run([] {
    gocxx::chan<int> ch(0);
    gocxx::go([ch] { generate(ch); });
    for (int n = 0; n < 20; ++n) {
      int prime = *ch.recv();
      std::printf("%d\n", prime);
      gocxx::chan<int> next(0);
      gocxx::go([ch, next, prime] { filter(ch, next, prime); });
      ch = next;
    }
  });  // the filters are still blocked: run returns anyway, as Go's main does
}
