// gocxx::trace: the execution tracer (Go's runtime/trace and `go tool trace`).
//
// A trace records what every goroutine, P and thread did: goroutine creation (with its
// creator and site), each start and stop on a thread, each block with its wait reason and
// the channel or lock, each wake-up with who readied it, Ps held and idle, threads
// spinning and sleeping, steals, timers, the run queues' lengths, and the program's own
// regions and log lines. The file is Chrome Trace Event JSON: open it in
// https://ui.perfetto.dev (or chrome://tracing), or draw it with `gocxx-trace-svg`.
// Its format: docs/trace-format.md.
//
//   GOCXX_TRACE=trace.json ./prog      traces the whole process; written at exit (also
//                                      when it dies of a deadlock, a panic or a fatal error)
//   gocxx::trace::start("w.json");     traces a window; stop() writes the file
//   ... gocxx::trace::stop();
//
// While no trace runs, each trace point in the runtime costs one predictable branch.
#pragma once

#include <string>
#include <string_view>

namespace gocxx::trace {

// Starts tracing into `path` (created or truncated now, written by stop()). Throws
// gocxx::panic_error("trace: tracing is already enabled") if a trace runs, and
// std::system_error if the file cannot be created.
void start(const std::string& path);
// Stops the trace and writes its file; returns once the file is complete. A no-op when
// no trace runs (as Go's StopTrace). Throws std::system_error if writing fails.
void stop();
// Whether a trace runs now.
bool is_enabled() noexcept;

// A user region (Go's trace.WithRegion / StartRegion): from construction to destruction,
// shown on the calling goroutine's region track, nested. Costs nothing but a flag test
// while no trace runs.
class region {
 public:
  explicit region(std::string_view name);
  ~region();
  region(const region&) = delete;
  region& operator=(const region&) = delete;

 private:
  unsigned id_;  // the name's string id, 0 when the region began while no trace ran
};

// A log line (Go's trace.Log): an instant on the calling thread's track with its
// category and message and the calling goroutine.
void log(std::string_view category, std::string_view message);

}  // namespace gocxx::trace
