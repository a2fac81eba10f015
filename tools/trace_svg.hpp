// The SVG timeline of a trace (trace_svg.cpp draws it; trace_model.hpp reads the file).
#pragma once

#include <cstddef>
#include <string>

#include "trace_model.hpp"

namespace trace_tool {

struct svg_options {
  int width = 1600;                      // pixels; the height follows from the lanes
  window span{0, 0};                     // the time drawn; to > from
  std::size_t max_goroutine_lanes = 60;  // the goroutines with most running time get one
  std::size_t max_wakes = 400;           // wake-up arrows drawn at most
  double min_wake_px = 4;                // shorter arrows are not drawn
};

// A standalone SVG document (UTF-8): title line, time axis, one lane per thread, per
// goroutine (at most max_goroutine_lanes) and per P, wake-up arrows, legend, notes.
// Its size is bounded by the pixels, not the events: sub-pixel slices are merged per
// pixel, so a lane costs at most a few thousand path segments.
std::string render_svg(const trace& t, const svg_options& options);

}  // namespace trace_tool
