// The text summary of a trace, like go tool trace's goroutine analysis
// (trace_summary.cpp computes it; trace_model.hpp reads the file).
#pragma once

#include <string>

#include "trace_model.hpp"

namespace trace_tool {

// Tables, as plain text (UTF-8, columns two spaces apart, numbers right-aligned):
//  - per goroutine, by id: site, running time, runnable time (scheduler latency),
//    blocked time in all and per wait reason (a column per reason that occurs, "-"
//    for none), and how many times it ran; then a totals line;
//  - per thread: busy (running goroutines), spinning and sleeping, in % of the window,
//    and how many goroutines it ran; per P: held, in %;
//  - per user region name: count and total time.
// Times are clipped to the window; goroutines with nothing in it are left out.
std::string summarize(const trace& t, window w);

}  // namespace trace_tool
