// Tour: call by value versus call by pointer. Ports seed 000, program 2 (the diagrams),
// diagram 1: two small programs, modify(x) on a copy (x stays 10) and modify(&x) through
// a pointer (x becomes 20).
//
//   func modify(val int) { val = 20 }            void modify(int val) { val = 20; }
//   func modify(ptr *int) { *ptr = 20 }          void modify(int* ptr) { *ptr = 20; }
//   modify(&x)                                   modify(&x);
//
// The diagrams' programs print no titles; the port prints each diagram's title first, so
// that the tour's output says which one runs. (C++ would usually write the second as
// modify(int& ref); the pointer is Go's spelling, and C++ has it too.)
#include <cstdio>

#include "tour.hpp"

namespace {

void modify(int val) {
  val = 20;  // modifies the copy, not the original
  (void)val;
}

void modify(int* ptr) {
  *ptr = 20;  // modifies the original, through the pointer
}

}  // namespace

TOUR_EXAMPLE(call_by_value_reference, "000", "diagram 1: modify(x) changes a copy, modify(&x) the original") {
  std::printf("\n=== DIAGRAM 1: CALL BY VALUE VS CALL BY REFERENCE IN GO ===\n");
  {
    int x = 10;
    modify(x);               // passes a copy of x
    std::printf("%d\n", x);  // still 10
  }
  {
    int x = 10;
    modify(&x);              // passes the address of x
    std::printf("%d\n", x);  // now 20
  }
}
