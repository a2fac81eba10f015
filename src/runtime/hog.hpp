// Hog reports (sysmon): a goroutine that runs on one thread for longer than a threshold
// without blocking or yielding holds its P, and the goroutines queued behind it wait.
// "Runs" is measured twice: the threshold in wall time, and half of it in the thread's
// CPU time over the second half (a descheduled thread on a loaded machine is no hog).
// Go preempts such a goroutine; gocxx cannot (no safe points in C++ code), so it says so,
// once per goroutine:
//   gocxx: goroutine 12 has run 10 ms on one thread without blocking (created by
//   f.cpp:40); 3 goroutines on its P are waiting
// followed by the hog's stack, sampled with SIGURG (as Go preempts with it): the handler
// unwinds the interrupted goroutine into its M's sample buffer. GOCXX_HOG_MS sets the
// threshold (default 10; 0 turns the reports off). Under ThreadSanitizer the signal
// waits for the thread's next intercepted call, so a pure spin shows no stack.
#pragma once

#include <cstdint>

namespace gocxx::detail {

// sysmon start: reads GOCXX_HOG_MS and installs the SIGURG handler when on.
void hog_start();
// sysmon tick: looks at every P's schedule count; `now` is nanotime().
void hog_tick(std::int64_t now);

}  // namespace gocxx::detail
