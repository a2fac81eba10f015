// Tour: the nil channel's rules, and nil to switch off a select case. Ports seed 000,
// program 2 (the diagrams), diagram 14: close of a nil channel panics; a select's case on
// a nil channel never runs (a default does); and mergeChannels, which sets each input to
// nil once it is closed, so that its select waits only on the inputs still open.
//
//   case v, ok := <-ch1:                         gocxx::case_recv(ch1, [&](std::optional<int> v) {
//     if !ok { ch1 = nil; continue }               if (!v) { ch1 = {}; return; }   // nil: this case is off
//     process(v)                                   process(*v);
//                                                })
//
// A bug in the seed, fixed here: mergeChannels tests `ch1 == nil && ch2 == nil` after the
// select, but each case that sets its channel to nil `continue`s past that test; so when
// the second input closes, the loop goes round again and selects on two nil channels,
// which blocks forever. The port tests at the top of the loop (`for ch1 || ch2`), which
// is what the seed means.
//
// process(v) prints v; the values of each input come in order, and the two inputs
// interleave as the scheduler runs their senders.
#include <cstdio>
#include <optional>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

namespace {

void process(int v) { std::printf("process(%d)\n", v); }

void merge_channels(gocxx::recv_chan<int> ch1, gocxx::recv_chan<int> ch2) {
  while (ch1 || ch2) {  // the seed: `if ch1 == nil && ch2 == nil { break }`, after the select
    gocxx::select(gocxx::case_recv(ch1,
                                   [&](std::optional<int> v) {
                                     if (!v) {
                                       ch1 = {};  // disable this case
                                       return;
                                     }
                                     process(*v);
                                   }),
                  gocxx::case_recv(ch2, [&](std::optional<int> v) {
                    if (!v) {
                      ch2 = {};  // disable this case
                      return;
                    }
                    process(*v);
                  }));
  }
  std::printf("Both closed: exit loop\n");
}

gocxx::recv_chan<int> produce(int first, int step) {
  gocxx::chan<int> out(0);
  gocxx::go([out, first, step] {
    for (int i = 0; i < 3; ++i) out.send(first + i * step);
    out.close();
  });
  return out;
}

}  // namespace

TOUR_EXAMPLE(nil_channel_merge, "000", "diagram 14: nil channel rules; mergeChannels switches closed inputs off with nil") {
  std::printf("\n=== DIAGRAM 14: ZERO-VALUE CHANNEL (NIL CHANNEL) BEHAVIOR ===\n");
  gocxx::chan<int> ch;  // nil channel (zero value)

  try {
    ch.close();
  } catch (const gocxx::panic_error& e) {
    std::printf("close(ch): panic: %s\n", e.what());
  }

  gocxx::select(gocxx::case_recv(ch, [] { std::printf("case <-ch (impossible)\n"); }),
                gocxx::case_send(ch, 1, [] { std::printf("case ch <- v (impossible)\n"); }),
                gocxx::case_default([] { std::printf("select: nil channel cases ignored, default executed\n"); }));

  merge_channels(produce(1, 1), produce(10, 10));
}
