// Tour: what lives on the stack and what outlives its function. Ports seed 000, program 2
// (the diagrams), diagram 2's escape-analysis example (stackAlloc, heapAlloc) and, here
// beside it, diagram 16's (add, createUser, createChannel).
//
//   func heapAlloc() *int { x := 42; return &x } std::unique_ptr<int> heap_alloc() { return std::make_unique<int>(42); }
//   func createUser() *User { ...; return &u }   std::unique_ptr<user> create_user() { ... }
//   func createChannel() chan int                gocxx::chan<int> create_channel()
//
// Go's compiler moves a variable to the heap when its address outlives the function, and
// its collector frees it. C++ has no escape analysis and no collector: returning the
// address of a local would dangle, so what outlives its function is allocated and owned
// explicitly (a unique_ptr), and a channel is a reference-counted handle to a shared
// channel on the heap, freed with its last handle (gocxx's chan<T>, like Go's, is always
// "a pointer"). The seed's functions print nothing; the port prints what they return.
#include <cstdio>
#include <memory>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

namespace {

struct user {
  int id;
};

int stack_alloc() {
  int x = 42;  // stays on the stack
  return x;    // returned by value: a copy
}

std::unique_ptr<int> heap_alloc() {
  return std::make_unique<int>(42);  // Go: x escapes to the heap; here it is allocated there
}

int add(int a, int b) {
  int result = a + b;  // local, does not escape
  return result;
}

std::unique_ptr<user> create_user() { return std::make_unique<user>(user{1}); }  // Go: return &u

gocxx::chan<int> create_channel() {
  gocxx::chan<int> ch(0);  // the channel itself is on the heap; ch is a handle to it
  return ch;
}

}  // namespace

TOUR_EXAMPLE(escape_analysis, "000", "diagrams 2 and 16: values returned by copy, objects that outlive their function") {
  std::printf("\n=== DIAGRAM 2: STACK VS HEAP MEMORY ALLOCATION ===\n");
  std::printf("stackAlloc() = %d\n", stack_alloc());
  std::printf("*heapAlloc() = %d\n", *heap_alloc());

  std::printf("\n=== DIAGRAM 16: ESCAPE ANALYSIS - WHY CHANNELS ARE ON HEAP ===\n");
  std::printf("add(10, 20) = %d\n", add(10, 20));
  std::printf("createUser().ID = %d\n", create_user()->id);
  // The channel outlives create_channel: two goroutines share it through copies of the
  // handle it returned.
  gocxx::chan<int> ch = create_channel();
  gocxx::go([ch] { ch.send(7); });
  std::printf("createChannel(): received %d through it from another goroutine\n", *ch.recv());
}
