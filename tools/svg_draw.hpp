// SVG drawing primitives for trace_svg.cpp: colours, text escaping and fitting,
// coordinates, and the lane painter that keeps a lane's size bounded by its pixels.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace trace_tool::svg {

constexpr double min_px = 0.5;  // the narrowest stroke drawn

struct rgb {
  int r, g, b;
};

// A goroutine's colour: a hash of its id into one palette (Tableau's without their
// greys, which are for spinning and sleeping), the same in every lane and every trace.
rgb goroutine_colour(std::int64_t g);
rgb palette_colour(std::size_t i);
rgb pale(rgb c);     // the colour mixed with white (runnable)
bool is_dark(rgb c);  // whether text on it should be white
std::string hex(rgb c);  // "#4e79a7"

// A wait reason's colour: Go's reasons (src/runtime/proc.cpp's wait_reason_string) keep
// theirs from trace to trace; others take the next spare colour (spare counts them).
std::string reason_colour(const std::string& reason, std::size_t& spare);

// Appends s as XML character data or an attribute value: the five special characters
// as entities, control characters (not allowed in XML 1.0) and bytes that are not
// UTF-8 as '?'.
void append_escaped(std::string& out, std::string_view s);

// s, or its first code points and "…" when it is wider than max_chars ("" if not even
// two characters fit).
std::string fit(const std::string& s, std::size_t max_chars);

// A coordinate with one decimal: "12", "12.5".
void append_num(std::string& out, double v);
std::string num(double v);

// One lane's slices as horizontal strokes "M x y h w", one <path> per paint (a colour
// and a bar height). A slice a pixel wide or more is a stroke of its own; narrower ones
// are merged with their neighbours into at most one stroke per pixel, in the paint that
// covers most of it, never narrower than min_px. So a lane costs at most ~2 strokes per
// pixel of width however many slices it has.
//
//   lane_painter p;
//   int run = p.paint("#4e79a7", y_mid, 16);
//   for (each slice, in x order) p.add(x0, x1, run);
//   p.write(out);
class lane_painter {
 public:
  // A paint: a stroke colour (or url(#...)) for a bar of height h centred on y.
  int paint(const std::string& stroke, double y, double h);
  // The next slice, from x0 to x1; calls come in x order.
  void add(double x0, double x1, int paint);
  // Appends the paths (nothing for a paint never used).
  void write(std::string& out);

 private:
  struct paint_data {
    std::string stroke;
    double y, h;
    std::string d;
  };

  void flush();
  void stroke(double x, double w, int paint);

  std::vector<paint_data> paints_;
  std::unordered_map<std::string, int> ids_;
  // The sub-pixel group being merged: its extent and each paint's share of it.
  bool pending_ = false;
  double pend_x0_ = 0, pend_x1_ = 0;
  std::vector<std::pair<int, double>> pend_weights_;
};

}  // namespace trace_tool::svg
