// The trace as gocxx-trace-svg sees it: a gocxx trace file (docs/trace-format.md, the
// contract with src/runtime/trace_write.cpp) read into tracks of intervals, plus the
// time units every output of the tool shares. The renderers (trace_svg.cpp,
// trace_summary.cpp) only read a `trace`; nothing here knows about SVG or tables.
//
// Invariants of a `trace` returned by read_trace:
//  - Times are integer nanoseconds from the trace's start (the file's microseconds with
//    three decimals, rounded once), so sums of durations are exact.
//  - Every track's intervals are sorted by start; a thread's slices and a goroutine's
//    states never overlap (the writer guarantees it; the reader sorts, it does not
//    repair overlaps).
//  - threads are in sort_index order (then tid), goroutines and Ps in id order.
//  - A name index (g_slice::reason, region::name) is an index into trace::names.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace trace_tool {

using ns_t = std::int64_t;  // nanoseconds since the trace's start

// What a thread (pid 1) was doing.
enum class thread_activity : std::uint8_t { goroutine, spinning, sleeping, other };

struct thread_slice {
  ns_t start, end;
  std::int64_t g;  // the goroutine run, for thread_activity::goroutine; else 0
  thread_activity what;
};

struct thread_track {
  std::int64_t tid = 0;         // the kernel tid
  std::string name;             // "M0 (tid 4242)", "thread 4243"
  std::int64_t sort_index = 0;  // thread_sort_index, else the tid
  std::vector<thread_slice> slices;
};

// A goroutine's state (pid 2): running, runnable (scheduler latency), or blocked.
enum class g_state : std::uint8_t { running, runnable, blocked };

struct g_slice {
  ns_t start, end;
  g_state state;
  std::uint32_t reason;  // blocked: the wait reason, an index into trace::names
};

struct goroutine_track {
  std::int64_t id = 0;
  std::string name;  // "g7 pipeline.cpp:42" (thread_name), else "g7"
  std::string site;  // "pipeline.cpp:42", or empty when the trace does not say
  std::vector<g_slice> slices;
};

struct p_slice {
  ns_t start, end;
  std::int64_t thread;  // the thread holding the P
};

struct p_track {
  std::int64_t id = 0;
  std::string name;  // "P0"
  std::vector<p_slice> busy;
};

// A user region (pid 4); depth 0 is outermost.
struct region {
  ns_t start, end;
  std::uint32_t name;  // an index into trace::names
  int depth;
};

// Region tracks are per goroutine; a plain thread's track id is region_thread_base + tid.
constexpr std::int64_t region_thread_base = 1000000000;

struct region_track {
  std::int64_t tid = 0;
  std::vector<region> regions;  // sorted by start; nested ones follow their parent
};

// A wake-up: a flow from the waker's thread, when it readied the goroutine, to the
// thread that next ran it, when it started.
struct wake {
  std::int64_t from_thread;
  ns_t from;
  std::int64_t to_thread;
  ns_t to;
};

struct trace {
  std::string path;    // the file, as named on the command line
  std::string tracer;  // otherData.tracer; empty when the file has none
  std::int64_t procs = 0;
  std::int64_t dropped_events = 0;
  ns_t duration = 0;        // otherData.duration_us, else the last event's end
  std::size_t events = 0;   // events read, metadata included
  std::vector<thread_track> threads;
  std::vector<goroutine_track> goroutines;
  std::vector<p_track> ps;
  std::vector<region_track> regions;
  std::vector<wake> wakes;          // in the order of their `s` events
  std::size_t unmatched_flows = 0;  // an `s` without its `f`, or an `f` without its `s`
  std::vector<std::string> names;   // wait reasons and region names, interned
  std::vector<std::string> warnings;

  const std::string& name(std::uint32_t i) const { return names[i]; }
  // The goroutine's track, or nullptr.
  const goroutine_track* goroutine(std::int64_t id) const;
};

// What read_trace throws: the message names the file and what is wrong with it.
struct trace_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Reads a gocxx trace, or any Chrome trace (object or array form) with gocxx's thread
// or goroutine tracks; a missing or foreign otherData.tracer is a warning in
// trace::warnings. Events are read one at a time and dropped, so memory is the
// intervals', not the JSON document's.
trace read_trace(const std::string& path);

// A time window [from, to) that every output is clipped to.
struct window {
  ns_t from, to;
  ns_t length() const { return to - from; }
  // The part of [start, end) inside the window, 0 when none.
  ns_t overlap(ns_t start, ns_t end) const {
    ns_t a = start > from ? start : from, b = end < to ? end : to;
    return b > a ? b - a : 0;
  }
};

// A duration as a person reads it: "850 ns", "30 µs", "1.235 ms", "2.5 s" (at most three
// decimals, trailing zeros dropped; "0" for zero).
std::string format_duration(ns_t d);

// The number of characters (UTF-8 code points) a string shows as.
std::size_t display_width(const std::string& s);

}  // namespace trace_tool
