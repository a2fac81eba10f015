// Computing and printing the summary tables (trace_summary.hpp says what they hold).
//
// Every number is a sum of integer nanoseconds clipped to the window, so a goroutine's
// running + runnable + blocked is exactly the part of its life inside the window, and
// the totals line is exactly the sum of the lines above it.
#include "trace_summary.hpp"

#include <algorithm>
#include <cstdio>
#include <unordered_map>
#include <unordered_set>

namespace trace_tool {

namespace {

// Columns two spaces apart; a column is left-aligned (text) or right-aligned (numbers).
class table {
 public:
  explicit table(std::vector<std::pair<std::string, bool>> columns) : columns_(std::move(columns)) {}
  void row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }

  std::string str(const std::string& indent = "  ") const {
    std::vector<std::size_t> width(columns_.size());
    for (std::size_t c = 0; c < columns_.size(); ++c) {
      width[c] = display_width(columns_[c].first);
      for (auto& r : rows_) width[c] = std::max(width[c], display_width(r[c]));
    }
    std::string out;
    auto line = [&](const std::vector<std::string>& cells) {
      std::string l = indent;
      for (std::size_t c = 0; c < cells.size(); ++c) {
        std::string pad(width[c] - display_width(cells[c]), ' ');
        bool right = columns_[c].second;
        if (c > 0) l += "  ";
        l += right ? pad + cells[c] : cells[c] + (c + 1 < cells.size() ? pad : "");
      }
      while (!l.empty() && l.back() == ' ') l.pop_back();
      out += l + '\n';
    };
    std::vector<std::string> header;
    for (auto& col : columns_) header.push_back(col.first);
    line(header);
    for (auto& r : rows_) line(r);
    return out;
  }

 private:
  std::vector<std::pair<std::string, bool>> columns_;
  std::vector<std::vector<std::string>> rows_;
};

std::string percent(ns_t part, ns_t whole) {
  char s[32];
  std::snprintf(s, sizeof s, "%.1f%%", whole > 0 ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0);
  return s;
}

// Whether [start, end) shows in the window (a zero-length slice inside it does).
bool in_window(window w, ns_t start, ns_t end) {
  return start < w.to && (end > w.from || (end == start && start >= w.from));
}

struct g_stats {
  const goroutine_track* g;
  ns_t running = 0, runnable = 0, blocked = 0;
  std::vector<ns_t> by_reason;  // indexed by trace::names
  std::size_t runs = 0;
};

}  // namespace

std::string summarize(const trace& t, window w) {
  std::string out = t.path + ": " + format_duration(t.duration) + ", " + std::to_string(t.goroutines.size()) +
                    " goroutines, " + std::to_string(t.threads.size()) + " threads, " + std::to_string(t.events) +
                    " events";
  if (t.procs > 0) out += ", " + std::to_string(t.procs) + " Ps";
  out += '\n';
  if (w.from != 0 || w.to < t.duration)
    out += "window: " + format_duration(w.from) + " to " + format_duration(w.to) + " (" +
           format_duration(w.length()) + ")\n";
  if (t.dropped_events > 0) out += std::to_string(t.dropped_events) + " events were dropped\n";

  // Goroutines: their state tracks, or, for one without, its slices on the threads.
  std::unordered_map<std::int64_t, std::pair<ns_t, std::size_t>> on_threads;  // running, runs
  for (auto& th : t.threads)
    for (auto& s : th.slices)
      if (s.what == thread_activity::goroutine && in_window(w, s.start, s.end)) {
        auto& [running, runs] = on_threads[s.g];
        running += w.overlap(s.start, s.end);
        ++runs;
      }
  std::vector<g_stats> stats;
  g_stats total{nullptr, 0, 0, 0, std::vector<ns_t>(t.names.size()), 0};
  std::vector<bool> reason_seen(t.names.size());
  for (auto& g : t.goroutines) {
    g_stats s{&g, 0, 0, 0, std::vector<ns_t>(t.names.size()), 0};
    bool any = false;
    for (auto& sl : g.slices) {
      if (!in_window(w, sl.start, sl.end)) continue;
      any = true;
      ns_t d = w.overlap(sl.start, sl.end);
      switch (sl.state) {
        case g_state::running: s.running += d, ++s.runs; break;
        case g_state::runnable: s.runnable += d; break;
        case g_state::blocked:
          s.blocked += d, s.by_reason[sl.reason] += d;
          reason_seen[sl.reason] = true;
          break;
      }
    }
    if (g.slices.empty()) {
      auto it = on_threads.find(g.id);
      if (it != on_threads.end()) any = true, s.running = it->second.first, s.runs = it->second.second;
    }
    if (!any) continue;
    total.running += s.running, total.runnable += s.runnable, total.blocked += s.blocked, total.runs += s.runs;
    for (std::size_t r = 0; r < t.names.size(); ++r) total.by_reason[r] += s.by_reason[r];
    stats.push_back(std::move(s));
  }
  std::vector<std::uint32_t> reasons;
  for (std::uint32_t r = 0; r < t.names.size(); ++r)
    if (reason_seen[r]) reasons.push_back(r);
  std::sort(reasons.begin(), reasons.end(), [&](std::uint32_t a, std::uint32_t b) {
    return total.by_reason[a] != total.by_reason[b] ? total.by_reason[a] > total.by_reason[b]
                                                    : t.name(a) < t.name(b);
  });

  out += "\nGoroutines (blocked: all wait reasons, then each)\n";
  std::vector<std::pair<std::string, bool>> cols = {{"G", true},        {"site", false},   {"running", true},
                                                    {"runnable", true}, {"blocked", true}};
  for (auto r : reasons) cols.push_back({t.name(r), true});
  cols.push_back({"runs", true});
  table gt(cols);
  auto cells = [&](const g_stats& s, std::string id, std::string site) {
    std::vector<std::string> c = {std::move(id), std::move(site), format_duration(s.running),
                                  format_duration(s.runnable), format_duration(s.blocked)};
    for (auto r : reasons) c.push_back(s.by_reason[r] ? format_duration(s.by_reason[r]) : "-");
    c.push_back(std::to_string(s.runs));
    return c;
  };
  for (auto& s : stats) gt.row(cells(s, std::to_string(s.g->id), s.g->site.empty() ? "-" : s.g->site));
  gt.row(cells(total, "total", std::to_string(stats.size()) + " goroutines"));
  out += gt.str();

  if (!t.threads.empty()) {
    out += "\nThreads (% of the window)\n";
    table tt({{"tid", true}, {"name", false}, {"busy", true}, {"spinning", true}, {"sleeping", true},
              {"goroutines", true}});
    for (auto& th : t.threads) {
      ns_t busy = 0, spinning = 0, sleeping = 0;
      std::unordered_set<std::int64_t> ran;
      for (auto& s : th.slices) {
        if (!in_window(w, s.start, s.end)) continue;
        ns_t d = w.overlap(s.start, s.end);
        switch (s.what) {
          case thread_activity::goroutine: busy += d, ran.insert(s.g); break;
          case thread_activity::spinning: spinning += d; break;
          case thread_activity::sleeping: sleeping += d; break;
          case thread_activity::other: break;
        }
      }
      tt.row({std::to_string(th.tid), th.name, percent(busy, w.length()), percent(spinning, w.length()),
              percent(sleeping, w.length()), std::to_string(ran.size())});
    }
    out += tt.str();
  }

  if (!t.ps.empty()) {
    out += "\nPs (% of the window)\n";
    table pt({{"P", false}, {"held", true}});
    for (auto& p : t.ps) {
      ns_t held = 0;
      for (auto& s : p.busy) held += w.overlap(s.start, s.end);
      pt.row({p.name, percent(held, w.length())});
    }
    out += pt.str();
  }

  struct region_stats {
    std::size_t count = 0;
    ns_t time = 0;
  };
  std::vector<region_stats> regions(t.names.size());
  bool any_region = false;
  for (auto& rt : t.regions)
    for (auto& r : rt.regions)
      if (in_window(w, r.start, r.end)) {
        ++regions[r.name].count, regions[r.name].time += w.overlap(r.start, r.end);
        any_region = true;
      }
  if (any_region) {
    out += "\nUser regions\n";
    table rt({{"region", false}, {"count", true}, {"total", true}});
    std::vector<std::uint32_t> names;
    for (std::uint32_t n = 0; n < regions.size(); ++n)
      if (regions[n].count) names.push_back(n);
    std::sort(names.begin(), names.end(), [&](auto a, auto b) { return t.name(a) < t.name(b); });
    for (auto n : names) rt.row({t.name(n), std::to_string(regions[n].count), format_duration(regions[n].time)});
    out += rt.str();
  }
  return out;
}

}  // namespace trace_tool
