// gocxx::blocking's runtime side (blocking.cpp): sysmon's retake of Ps from goroutines
// stuck in blocking calls. Lock order: see blocking.cpp (sched.lock only, via proc.cpp).
#pragma once

#include <cstdint>

namespace gocxx::detail {

enum class blocked_tick_result {
  none,      // no P is in a call
  watching,  // one is, too young to retake: tick again soon (20 µs)
  retook,    // a P was handed on
};
// sysmon, each tick: hands on the Ps of calls that began 20 µs or more ago.
blocked_tick_result retake_blocked(std::int64_t now);
// How many Ps sysmon has taken from blocking calls so far (tests).
std::uint64_t blocking_retakes();
// Whether some P is in a blocking call (sysmon does not sleep then).
bool any_blocked();
// ensure_started: reads GOCXX_MAX_THREADS.
void blocking_start();

}  // namespace gocxx::detail
