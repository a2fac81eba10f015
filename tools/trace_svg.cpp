// Drawing a trace as an SVG timeline (trace_svg.hpp is the interface).
//
// The picture, top to bottom: a title line, the time axis (round ticks, grid lines
// through every lane), one lane per thread (the goroutines it ran in their colours,
// spinning grey, sleeping hatched), one lane per goroutine (running in its colour,
// runnable pale, blocked as a half-height bar in the wait reason's colour, user regions
// as a thin dark bar along the top), one lane per P (held, in the holding thread's
// colour), wake-up arrows between thread lanes, the legend and the notes.
//
// Size: each lane goes through a lane_painter (svg_draw.hpp): one <path> per paint,
// each slice a horizontal stroke "M x y h w" (~15 bytes), slices narrower than a pixel
// merged per pixel; so a lane costs O(width) strokes however many slices it has (a
// 100k-slice trace is well under 1 MB). Texts are written only on slices wide enough to
// hold them, wake-up arrows are capped, and goroutine lanes too (the most running time
// wins; the notes say how many were left out). Everything is clipped to the window.
#include "trace_svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "svg_draw.hpp"

namespace trace_tool {

namespace {

using namespace svg;

// Lanes: the bar's height and the distance from one lane's top to the next.
constexpr double thread_lane_h = 16, thread_lane_pitch = 20;
constexpr double g_lane_h = 12, g_lane_pitch = 14;
constexpr double p_lane_h = 9, p_lane_pitch = 12;
constexpr double label_char_px = 6.7;  // a character of the 11px monospace font
constexpr double slice_char_px = 6.1;  // ... of the 10px font written on slices

// A tick label for time t when ticks are `step` apart: "0", "250 µs", "1.5 ms".
std::string tick_label(double t, double step) {
  if (std::fabs(t) < 0.5) return "0";
  double unit = step < 1e3 ? 1 : step < 1e6 ? 1e3 : step < 1e9 ? 1e6 : 1e9;
  const char* name = step < 1e3 ? "ns" : step < 1e6 ? "µs" : step < 1e9 ? "ms" : "s";
  int decimals = std::max(0, static_cast<int>(std::ceil(-std::log10(step / unit) - 1e-9)));
  char s[48];
  std::snprintf(s, sizeof s, "%.*f %s", decimals, t / unit, name);
  return s;
}

// Sorted, non-overlapping intervals: the index of the first one that ends at or after t.
template <class Slice>
std::size_t first_reaching(const std::vector<Slice>& v, ns_t t) {
  return static_cast<std::size_t>(
      std::partition_point(v.begin(), v.end(), [t](const Slice& s) { return s.end < t; }) - v.begin());
}

struct legend_entry {
  std::string fill;  // a colour or url(#...)
  double h;          // swatch height
  std::string label;
};

class timeline {
 public:
  timeline(const trace& t, const svg_options& o) : t_(t), o_(o) {
    width_ = std::max(o.width, 200);
    label_w_ = std::clamp(width_ * 0.15, 110.0, 260.0);
    x0_ = label_w_ + 8;
    x1_ = width_ - 24;  // room for the last tick's label
    scale_ = (x1_ - x0_) / static_cast<double>(std::max<ns_t>(o.span.length(), 1));
  }

  std::string render() {
    choose_goroutines();
    double y = title();
    axis_y_ = y + 22;
    y = axis_y_ + 6;
    y = thread_lanes(y);
    y = goroutine_lanes(y);
    y = p_lanes(y);
    grid_bottom_ = y;
    regions();
    wakes();
    y = legend(y + 14);
    y = notes(y + 6);
    return document(y + 8);
  }

 private:
  double X(ns_t t) const { return x0_ + static_cast<double>(t - o_.span.from) * scale_; }

  // The slice's part inside the window in pixels; false when it has none (a
  // zero-length slice has a part when it lies in the window).
  bool clip(ns_t start, ns_t end, double& a, double& b) const {
    if (start >= o_.span.to || end < o_.span.from || (end == o_.span.from && start < end)) return false;
    a = X(std::max(start, o_.span.from));
    b = X(std::min(end, o_.span.to));
    return true;
  }

  void text(std::string& out, double x, double y, std::string_view s, std::string_view attrs = {}) {
    out += "<text x=\"";
    append_num(out, x);
    out += "\" y=\"";
    append_num(out, y);
    out += '"';
    out += attrs;
    out += '>';
    append_escaped(out, s);
    out += "</text>\n";
  }

  void section(double y, const std::string& title) {
    text(body_, 4, y + 11, title, " font-weight=\"bold\" fill=\"#444\"");
  }

  // The goroutines with a lane: those with most running time in the window.
  void choose_goroutines() {
    struct candidate {
      const goroutine_track* g;
      ns_t running, seen;
    };
    // A goroutine without a state track (a trace from another writer) is drawn from
    // its slices on the threads.
    for (auto& th : t_.threads)
      for (auto& s : th.slices)
        if (s.what == thread_activity::goroutine && o_.span.overlap(s.start, s.end) > 0)
          if (const goroutine_track* g = t_.goroutine(s.g); g && g->slices.empty())
            runs_on_threads_[s.g].push_back({s.start, s.end});
    for (auto& [g, runs] : runs_on_threads_) std::sort(runs.begin(), runs.end());
    std::vector<candidate> all;
    for (auto& g : t_.goroutines) {
      ns_t running = 0, seen = 0;
      bool any = false;
      for (std::size_t i = first_reaching(g.slices, o_.span.from); i < g.slices.size(); ++i) {
        const g_slice& s = g.slices[i];
        if (s.start >= o_.span.to) break;
        ns_t in = o_.span.overlap(s.start, s.end);
        any = true;
        seen += in;
        if (s.state == g_state::running) running += in;
      }
      if (auto it = runs_on_threads_.find(g.id); it != runs_on_threads_.end()) {
        for (auto& [start, end] : it->second) running += o_.span.overlap(start, end);
        seen = running;
        any = true;
      }
      if (any) all.push_back({&g, running, seen});
    }
    candidates_ = all.size();
    if (all.size() > o_.max_goroutine_lanes) {
      std::stable_sort(all.begin(), all.end(), [](const candidate& a, const candidate& b) {
        return a.running != b.running ? a.running > b.running : a.seen > b.seen;
      });
      all.resize(o_.max_goroutine_lanes);
      std::sort(all.begin(), all.end(), [](const candidate& a, const candidate& b) { return a.g->id < b.g->id; });
    }
    for (auto& c : all) shown_.push_back(c.g);
  }

  double title() {
    std::string name = std::filesystem::path(t_.path).filename().string();
    std::size_t g_count = t_.goroutines.size(), th_count = t_.threads.size();
    std::string line = name + " — " + format_duration(t_.duration) + ", " + std::to_string(g_count) +
                       (g_count == 1 ? " goroutine, " : " goroutines, ") + std::to_string(th_count) +
                       (th_count == 1 ? " thread, " : " threads, ") + std::to_string(t_.events) + " events";
    if (t_.procs > 0) line += ", " + std::to_string(t_.procs) + " Ps";
    text(body_, 8, 18, line, " id=\"title\" font-size=\"13\" font-weight=\"bold\"");
    double y = 18;
    bool whole = o_.span.from == 0 && o_.span.to >= t_.duration;
    if (!whole) {
      y += 16;
      text(body_, 8, y,
           "window " + format_duration(o_.span.from) + " to " + format_duration(o_.span.to) + " (" +
               format_duration(o_.span.length()) + ")",
           " fill=\"#444\"");
    }
    return y;
  }

  double thread_lanes(double y) {
    if (t_.threads.empty()) return y;
    section(y, "Threads");
    y += 16;
    constexpr double pitch = thread_lane_pitch, h = thread_lane_h;
    std::unordered_map<std::int64_t, int> paint_of_g;
    for (std::size_t i = 0; i < t_.threads.size(); ++i, y += pitch) {
      const thread_track& th = t_.threads[i];
      lane_background(y, h);
      thread_y_[th.tid] = y;
      label(y + h / 2 + 4, th.name, "thread-label");
      lane_painter painter;
      paint_of_g.clear();
      double mid = y + h / 2;
      int spin = painter.paint("#d4d4d4", mid, h), sleep = painter.paint("url(#sleep)", mid, h),
          other = painter.paint("#a0a0a0", mid, h / 2);
      std::string texts;
      for (std::size_t k = first_reaching(th.slices, o_.span.from); k < th.slices.size(); ++k) {
        const thread_slice& s = th.slices[k];
        double a, b;
        if (s.start >= o_.span.to) break;
        if (!clip(s.start, s.end, a, b)) continue;
        switch (s.what) {
          case thread_activity::spinning: painter.add(a, b, spin); seen_spinning_ = true; break;
          case thread_activity::sleeping: painter.add(a, b, sleep); seen_sleeping_ = true; break;
          case thread_activity::other: painter.add(a, b, other); break;
          case thread_activity::goroutine: {
            auto [it, fresh] = paint_of_g.emplace(s.g, 0);
            rgb c = goroutine_colour(s.g);
            if (fresh) it->second = painter.paint(hex(c), mid, h);
            painter.add(a, b, it->second);
            slice_text(texts, a, b, y + h / 2 + 4, s, c);
            break;
          }
        }
      }
      painter.write(body_);
      if (!texts.empty()) body_ += "<g font-size=\"10\">\n" + texts + "</g>\n";
    }
    return y;
  }

  // The goroutine's name on its slice when it fits, else "g<id>" when that fits.
  void slice_text(std::string& out, double a, double b, double baseline, const thread_slice& s, rgb c) {
    double room = b - a - 4;
    if (room < 2 * slice_char_px) return;
    const goroutine_track* g = t_.goroutine(s.g);
    std::string short_name = "g";
    short_name += std::to_string(s.g);
    const std::string& full = g ? g->name : short_name;
    const std::string* shown = nullptr;
    if (display_width(full) * slice_char_px <= room) {
      shown = &full;
    } else if (display_width(short_name) * slice_char_px <= room) {
      shown = &short_name;
    } else {
      return;
    }
    out += "<text x=\"";
    append_num(out, a + 2);
    out += "\" y=\"";
    append_num(out, baseline);
    out += is_dark(c) ? "\" fill=\"#fff\">" : "\">";
    append_escaped(out, *shown);
    out += "<title>";
    append_escaped(out, full + ": " + format_duration(s.end - s.start) + " from " + format_duration(s.start));
    out += "</title></text>\n";
  }

  void label(double baseline, const std::string& name, const char* cls) {
    std::size_t chars = static_cast<std::size_t>((label_w_ - 4) / label_char_px);
    std::string shown = fit(name, chars);
    std::string attrs = std::string(" class=\"") + cls + "\"";
    if (shown != name) {
      // The full name as a tooltip.
      body_ += "<text x=\"4\" y=\"";
      append_num(body_, baseline);
      body_ += "\"" + attrs + ">";
      append_escaped(body_, shown);
      body_ += "<title>";
      append_escaped(body_, name);
      body_ += "</title></text>\n";
      return;
    }
    text(body_, 4, baseline, name, attrs);
  }

  void lane_background(double top, double h) {
    backgrounds_ += "<rect x=\"";
    append_num(backgrounds_, x0_);
    backgrounds_ += "\" y=\"";
    append_num(backgrounds_, top);
    backgrounds_ += "\" width=\"";
    append_num(backgrounds_, x1_ - x0_);
    backgrounds_ += "\" height=\"";
    append_num(backgrounds_, h);
    backgrounds_ += "\"/>\n";
  }

  double goroutine_lanes(double y) {
    if (shown_.empty()) return y;
    y += 8;
    std::string header = "Goroutines";
    if (shown_.size() < candidates_)
      header += " (" + std::to_string(shown_.size()) + " of " + std::to_string(candidates_) + ")";
    section(y, header);
    y += 16;
    constexpr double pitch = g_lane_pitch, h = g_lane_h;
    std::size_t spare = 0;
    std::vector<std::string> reason_fill(t_.names.size());
    reason_time_.assign(t_.names.size(), 0);
    for (const goroutine_track* g : shown_) {
      lane_background(y, h);
      goroutine_y_[g->id] = y;
      label(y + h / 2 + 4, g->name, "g-label");
      lane_painter painter;
      double mid = y + h / 2;
      rgb c = goroutine_colour(g->id);
      int running = painter.paint(hex(c), mid, h), runnable = painter.paint(hex(pale(c)), mid, h);
      std::vector<int> blocked(t_.names.size(), -1);
      for (std::size_t k = first_reaching(g->slices, o_.span.from); k < g->slices.size(); ++k) {
        const g_slice& s = g->slices[k];
        double a, b;
        if (s.start >= o_.span.to) break;
        if (!clip(s.start, s.end, a, b)) continue;
        switch (s.state) {
          case g_state::running: painter.add(a, b, running); seen_running_ = true; break;
          case g_state::runnable: painter.add(a, b, runnable); seen_runnable_ = true; break;
          case g_state::blocked: {
            if (reason_fill[s.reason].empty()) reason_fill[s.reason] = reason_colour(t_.name(s.reason), spare);
            if (blocked[s.reason] < 0) blocked[s.reason] = painter.paint(reason_fill[s.reason], mid, h / 2);
            painter.add(a, b, blocked[s.reason]);
            // +1: a zero-length block still puts its reason in the legend.
            reason_time_[s.reason] += o_.span.overlap(s.start, s.end) + 1;
            break;
          }
        }
      }
      if (auto it = runs_on_threads_.find(g->id); it != runs_on_threads_.end()) {
        for (auto& [start, end] : it->second) {
          double a, b;
          if (clip(start, end, a, b)) painter.add(a, b, running);
        }
        seen_running_ = true;
      }
      painter.write(body_);
      y += pitch;
    }
    reason_fill_ = std::move(reason_fill);
    return y;
  }

  double p_lanes(double y) {
    std::vector<const p_track*> ps;
    for (auto& p : t_.ps) {
      std::size_t k = first_reaching(p.busy, o_.span.from);
      if (k < p.busy.size() && p.busy[k].start < o_.span.to) ps.push_back(&p);
    }
    if (ps.empty()) return y;
    y += 8;
    section(y, "Ps");
    y += 16;
    constexpr double pitch = p_lane_pitch, h = p_lane_h;
    for (const p_track* p : ps) {
      lane_background(y, h);
      label(y + h / 2 + 4, p->name, "p-label");
      lane_painter painter;
      std::unordered_map<std::int64_t, int> paint_of_thread;
      for (std::size_t k = first_reaching(p->busy, o_.span.from); k < p->busy.size(); ++k) {
        const p_slice& s = p->busy[k];
        double a, b;
        if (s.start >= o_.span.to) break;
        if (!clip(s.start, s.end, a, b)) continue;
        auto [it, fresh] = paint_of_thread.emplace(s.thread, 0);
        if (fresh) it->second = painter.paint(hex(pale(goroutine_colour(~s.thread))), y + h / 2, h);
        painter.add(a, b, it->second);
      }
      painter.write(body_);
      y += pitch;
    }
    return y;
  }

  // User regions: a thin dark bar along the top of their goroutine's (or plain
  // thread's) lane, one bar height per nesting depth (at most three).
  void regions() {
    for (auto& rt : t_.regions) {
      double top;
      if (auto g = goroutine_y_.find(rt.tid); g != goroutine_y_.end()) {
        top = g->second;
      } else if (auto th = thread_y_.find(rt.tid - region_thread_base); th != thread_y_.end()) {
        top = th->second;
      } else {
        continue;
      }
      lane_painter painters[3];
      int paint[3];
      for (int d = 0; d < 3; ++d) paint[d] = painters[d].paint("#222", top + 1 + 2.5 * d, 1.6);
      for (auto& r : rt.regions) {
        double a, b;
        if (!clip(r.start, r.end, a, b)) continue;
        int d = std::min(r.depth, 2);
        painters[d].add(a, b, paint[d]);
        seen_region_ = true;
      }
      for (auto& p : painters) p.write(regions_);
    }
  }

  // Wake-up arrows, from the waker's thread lane to the runner's: not those outside the
  // window, without a lane, or shorter than min_wake_px; at most max_wakes, spread
  // evenly over the ones left.
  void wakes() {
    struct arrow {
      double x1, y1, x2, y2;
    };
    std::vector<arrow> fit;
    for (const wake& w : t_.wakes) {
      auto from = thread_y_.find(w.from_thread), to = thread_y_.find(w.to_thread);
      if (w.from < o_.span.from || w.from > o_.span.to || w.to < o_.span.from || w.to > o_.span.to) {
        ++wakes_outside_;
        continue;
      }
      if (from == thread_y_.end() || to == thread_y_.end()) {
        ++wakes_no_lane_;
        continue;
      }
      arrow a{X(w.from), from->second + thread_lane_h / 2, X(w.to), to->second + thread_lane_h / 2};
      if (std::hypot(a.x2 - a.x1, a.y2 - a.y1) < o_.min_wake_px) {
        ++wakes_short_;
        continue;
      }
      fit.push_back(a);
    }
    std::size_t take = std::min(fit.size(), o_.max_wakes);
    wakes_capped_ = fit.size() - take;
    wakes_drawn_ = take;
    arrows_ += "<g id=\"wakes\" data-drawn=\"" + std::to_string(take) +
               "\" stroke=\"#222\" stroke-width=\"0.8\" marker-end=\"url(#arrow)\">\n";
    for (std::size_t i = 0; i < take; ++i) {
      const arrow& a = fit[i * fit.size() / take];
      arrows_ += "<line x1=\"";
      append_num(arrows_, a.x1);
      arrows_ += "\" y1=\"";
      append_num(arrows_, a.y1);
      arrows_ += "\" x2=\"";
      append_num(arrows_, a.x2);
      arrows_ += "\" y2=\"";
      append_num(arrows_, a.y2);
      arrows_ += "\"/>\n";
    }
    arrows_ += "</g>\n";
  }

  double legend(double y) {
    std::vector<legend_entry> entries;
    if (seen_running_ || !t_.threads.empty())
      entries.push_back({hex(palette_colour(0)), 10, "running (the goroutine's colour)"});
    if (seen_runnable_) entries.push_back({hex(pale(palette_colour(0))), 10, "runnable"});
    std::vector<std::uint32_t> reasons;
    for (std::uint32_t r = 0; r < reason_time_.size(); ++r)
      if (reason_time_[r] > 0) reasons.push_back(r);
    std::sort(reasons.begin(), reasons.end(), [&](std::uint32_t a, std::uint32_t b) {
      return reason_time_[a] != reason_time_[b] ? reason_time_[a] > reason_time_[b] : t_.name(a) < t_.name(b);
    });
    for (std::uint32_t r : reasons) entries.push_back({reason_fill_[r], 5, t_.name(r)});
    if (seen_spinning_) entries.push_back({"#d4d4d4", 10, "spinning"});
    if (seen_sleeping_) entries.push_back({"url(#sleep)", 10, "sleeping"});
    if (seen_region_) entries.push_back({"#222", 2, "user region"});
    if (entries.empty()) return y;

    body_ += "<g id=\"legend\">\n";
    double x = 8;
    y += 4;
    for (auto& e : entries) {
      double w = 18 + static_cast<double>(display_width(e.label)) * label_char_px + 16;
      if (x + w > width_ - 8 && x > 8) {
        x = 8;
        y += 16;
      }
      body_ += "<rect class=\"swatch\" x=\"";
      append_num(body_, x);
      body_ += "\" y=\"";
      append_num(body_, y - 4 - e.h / 2);
      body_ += "\" width=\"14\" height=\"";
      append_num(body_, e.h);
      body_ += "\" fill=\"" + e.fill + "\" stroke=\"#888\" stroke-width=\"0.5\"/>\n";
      text(body_, x + 18, y, e.label, " class=\"legend-label\"");
      x += w;
    }
    body_ += "</g>\n";
    return y + 6;
  }

  double notes(double y) {
    std::vector<std::string> lines;
    std::size_t total = t_.wakes.size() + t_.unmatched_flows;
    if (total > 0) {
      std::string s = "wake-ups: " + std::to_string(wakes_drawn_) + " of " + std::to_string(t_.wakes.size()) +
                      " arrows drawn";
      std::vector<std::string> why;
      if (wakes_short_) why.push_back(std::to_string(wakes_short_) + " shorter than " + num(o_.min_wake_px) + " px");
      if (wakes_capped_) why.push_back(std::to_string(wakes_capped_) + " over the cap of " + std::to_string(o_.max_wakes));
      if (wakes_outside_) why.push_back(std::to_string(wakes_outside_) + " outside the window");
      if (wakes_no_lane_) why.push_back(std::to_string(wakes_no_lane_) + " without a thread lane");
      if (t_.unmatched_flows) why.push_back(std::to_string(t_.unmatched_flows) + " flow events without their pair");
      for (std::size_t i = 0; i < why.size(); ++i) s += (i == 0 ? " (not drawn: " : ", ") + why[i];
      if (!why.empty()) s += ")";
      lines.push_back(s);
    }
    if (shown_.size() < candidates_)
      lines.push_back("goroutines: " + std::to_string(candidates_ - shown_.size()) + " of " +
                      std::to_string(candidates_) + " left out (lanes for the " + std::to_string(shown_.size()) +
                      " with the most running time in the window)");
    if (t_.dropped_events > 0)
      lines.push_back(std::to_string(t_.dropped_events) +
                      " events were dropped (the trace reached its memory limit); intervals open then end at "
                      "the last event");
    body_ += "<g id=\"notes\" fill=\"#444\">\n";
    for (auto& l : lines) {
      y += 14;
      text(body_, 8, y, l, " class=\"note\"");
    }
    body_ += "</g>\n";
    return y;
  }

  // The ticks and grid lines, over the lanes' backgrounds and under their slices.
  std::string axis() {
    std::string out;
    double span = static_cast<double>(o_.span.length());
    double target = std::max(2.0, (x1_ - x0_) / 110);
    double raw = span / target, p = std::pow(10.0, std::floor(std::log10(raw))), m = raw / p;
    double step = std::max(1.0, p * (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10));
    std::string grid;
    out += "<g id=\"axis\" text-anchor=\"middle\" fill=\"#333\">\n";
    double first = std::ceil(static_cast<double>(o_.span.from) / step);
    for (double k = first;; ++k) {
      double t = k * step;
      if (t > static_cast<double>(o_.span.to) + step * 1e-9) break;
      double x = x0_ + (t - static_cast<double>(o_.span.from)) * scale_;
      text(out, x, axis_y_ - 6, tick_label(t, step), " class=\"tick\"");
      grid += 'M';
      append_num(grid, x);
      grid += ' ';
      append_num(grid, axis_y_);
      grid += 'V';
      append_num(grid, grid_bottom_);
    }
    out += "</g>\n";
    out += "<path fill=\"none\" stroke=\"#333\" d=\"M";
    append_num(out, x0_);
    out += ' ';
    append_num(out, axis_y_);
    out += 'H';
    append_num(out, x1_);
    out += "\"/>\n";
    if (!grid.empty()) out += "<path fill=\"none\" stroke=\"#e4e4e4\" stroke-width=\"0.6\" d=\"" + grid + "\"/>\n";
    return out;
  }

  std::string document(double height) {
    std::string out;
    std::string w = std::to_string(width_), h = std::to_string(static_cast<int>(std::ceil(height)));
    out.reserve(body_.size() + regions_.size() + arrows_.size() + 4096);
    out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + w + "\" height=\"" + h + "\" viewBox=\"0 0 " +
           w + " " + h + "\" font-family=\"DejaVu Sans Mono, monospace\" font-size=\"11\">\n";
    out += "<title>";
    append_escaped(out, std::filesystem::path(t_.path).filename().string() + ": gocxx trace timeline");
    out += "</title>\n";
    out +=
        "<defs>\n"
        "<pattern id=\"sleep\" patternUnits=\"userSpaceOnUse\" width=\"4\" height=\"4\">"
        "<rect width=\"4\" height=\"4\" fill=\"#f0f0f0\"/>"
        "<path d=\"M0 4L4 0\" stroke=\"#aaa\" stroke-width=\"0.8\"/></pattern>\n"
        "<marker id=\"arrow\" viewBox=\"0 0 6 6\" refX=\"6\" refY=\"3\" markerWidth=\"6\" markerHeight=\"6\" "
        "orient=\"auto\"><path d=\"M0 0L6 3L0 6z\" fill=\"#222\"/></marker>\n"
        "</defs>\n";
    out += "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n";
    out += "<g id=\"backgrounds\" fill=\"#f5f5f5\">\n" + backgrounds_ + "</g>\n";
    out += axis();
    // body_: the lanes with their labels and texts, then the legend and notes.
    out += body_;
    out += "<g id=\"regions\">\n" + regions_ + "</g>\n";
    out += arrows_;
    out += "</svg>\n";
    return out;
  }

  const trace& t_;
  const svg_options& o_;
  int width_;
  double label_w_, x0_, x1_, scale_;
  double axis_y_ = 0, grid_bottom_ = 0;
  std::vector<const goroutine_track*> shown_;
  std::size_t candidates_ = 0;
  std::unordered_map<std::int64_t, double> thread_y_, goroutine_y_;  // lane tops
  std::string body_, regions_, arrows_, backgrounds_;
  std::vector<ns_t> reason_time_;
  std::vector<std::string> reason_fill_;
  std::unordered_map<std::int64_t, std::vector<std::pair<ns_t, ns_t>>> runs_on_threads_;
  bool seen_running_ = false, seen_runnable_ = false, seen_spinning_ = false, seen_sleeping_ = false,
       seen_region_ = false;
  std::size_t wakes_drawn_ = 0, wakes_short_ = 0, wakes_capped_ = 0, wakes_outside_ = 0, wakes_no_lane_ = 0;
};

}  // namespace

std::string render_svg(const trace& t, const svg_options& options) { return timeline(t, options).render(); }

}  // namespace trace_tool
