// Tour: sending a value copies it; sending a pointer shares the object. Ports seed 000,
// program 2 (the diagrams), diagram 7: a Point sent on a `chan Point` is copied (the
// receiver's is independent of the sender's), and one sent on a `chan *Point` is not (both
// see the same object).
//
//   ch := make(chan Point, 1)                    gocxx::chan<point> ch(1);
//   ch := make(chan *Point, 1)                   gocxx::chan<std::shared_ptr<point>> ch(1);
//
// Go's *Point is shared, and its collector frees it; the C++ spelling of a shared object
// is a std::shared_ptr. (gocxx moves a value through a channel rather than copying it
// twice, but the receiver's value is still its own.) The sender changes p after the send
// and only then lets the receiver look, so the example shows the sharing without the race
// that the diagram warns of.
#include <cstdio>
#include <memory>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

namespace {

struct point {
  int x, y;
};

}  // namespace

TOUR_EXAMPLE(value_vs_pointer, "000", "diagram 7: a struct sent by value is a copy; a pointer shares the object") {
  std::printf("\n=== DIAGRAM 7: VALUE TYPES VS REFERENCE TYPES IN CHANNELS ===\n");
  {
    gocxx::chan<point> ch(1);
    gocxx::chan<int> changed(0);  // closed once the sender has changed p
    gocxx::go([ch, changed] {
      point p{10, 20};
      ch.send(p);  // a copy goes
      p.x = 99;    // changes the sender's own
      changed.close();
    });
    changed.recv();
    point received = *ch.recv();
    std::printf("chan Point: sender set p.X = 99 after the send; received {%d %d}\n", received.x, received.y);
  }
  {
    gocxx::chan<std::shared_ptr<point>> ch(1);
    gocxx::chan<int> changed(0);
    gocxx::go([ch, changed] {
      auto p = std::make_shared<point>(point{10, 20});
      ch.send(p);  // only the pointer goes
      p->x = 99;   // changes the one shared object
      changed.close();
    });
    changed.recv();
    std::shared_ptr<point> received = *ch.recv();
    std::printf("chan *Point: sender set p.X = 99 after the send; received &{%d %d}\n", received->x, received->y);
  }
}
