// Tour: a three-stage pipeline. Ports seed 000, program 1, part 2, pipeline: a generator,
// a squaring stage and a printer, joined by unbuffered channels; each stage closes its
// output when its input is done.
//
//   generator := func(nums ...int) <-chan int    gocxx::recv_chan<int> generator(std::vector<int> nums)
//   for n := range in { out <- n * n }           for (int n : in) out.send(n * n);
//   close(out)                                   out.close();
#include <cstdio>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

namespace {

// Stage 1: generate numbers.
gocxx::recv_chan<int> generator(std::vector<int> nums) {
  gocxx::chan<int> out(0);
  gocxx::go([out, nums = std::move(nums)] {
    for (int n : nums) out.send(n);
    out.close();  // important: close when done
  });
  return out;
}

// Stage 2: square numbers.
gocxx::recv_chan<int> square(gocxx::recv_chan<int> in) {
  gocxx::chan<int> out(0);
  gocxx::go([in, out] {
    for (int n : in) out.send(n * n);  // read until the channel closes
    out.close();
  });
  return out;
}

// Stage 3: print numbers.
void printer(gocxx::recv_chan<int> in) {
  for (int n : in) std::printf("Result: %d\n", n);
}

}  // namespace

TOUR_EXAMPLE(pipeline, "000", "generate, square, print: stages joined by channels, each closing its output") {
  std::printf("\n=== PATTERN 5: PIPELINE ===\n");

  // Connect the pipeline's stages.
  auto numbers = generator({1, 2, 3, 4, 5});
  auto squared = square(numbers);
  printer(squared);

  std::printf("✅ BENEFIT: Clean data flow and separation of concerns\n");
}
