// The trace file's writer: turns the events a trace collected (trace.cpp) into Chrome
// Trace Event JSON (docs/trace-format.md). Runs when a trace stops, off every hot path.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "runtime/trace.hpp"

namespace gocxx::detail {

struct trace_thread {
  int tid = 0;    // kernel thread id
  int m_id = -1;  // the M it is, or -1 for a plain thread
};

// One thread's events, in the order it recorded them (so in clock order).
struct trace_stream {
  struct part {
    const trace_event* ev;
    std::uint32_t n;
  };
  trace_thread who;
  std::uint64_t dropped = 0;
  std::vector<part> parts;
};

// A goroutine that existed when the trace started.
struct trace_existing {
  std::uint64_t id = 0;
  int status = 0;  // g_status
  int reason = 0;  // wait_reason
  const char* file = "";
  std::uint32_t line = 0;
  std::uint64_t parent = 0;
};

struct trace_input {
  std::int64_t start_ns = 0;
  int procs = 0;
  std::vector<trace_stream> streams;
  std::vector<std::string> strings;  // user annotations' names and messages, by id
  std::vector<trace_existing> existing;
};

// Writes the whole file; false if a write failed.
bool write_trace_json(std::FILE* f, const trace_input& in);

}  // namespace gocxx::detail
