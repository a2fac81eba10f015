// gocxx::blocking's runtime side (blocking.cpp): sysmon's retake of Ps from goroutines
// stuck in blocking calls. Lock order: see blocking.cpp (sched.lock only, via proc.cpp).
#pragma once

#include <cstdint>

namespace gocxx::detail {

enum class blocked_tick_result {
  none,      // no P is in a call seen at the previous tick
  watching,  // one is: tick again soon (20 µs) to retake it in time
  retook,    // a P was handed on
};
// sysmon, each tick: hands on the Ps of calls that have lasted since the last tick.
blocked_tick_result retake_blocked(std::int64_t now);
// Whether some P is in a blocking call (sysmon does not sleep then).
bool any_blocked();
// ensure_started: reads GOCXX_MAX_THREADS.
void blocking_start();

}  // namespace gocxx::detail
