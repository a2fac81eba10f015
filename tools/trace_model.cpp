// Reading a trace file into a trace_tool::trace (trace_model.hpp says what it holds).
//
// The file is mapped, not copied, and parsed with nlohmann-json's callback parser: each
// element of traceEvents is handed to reader::event when its closing brace is read and
// then discarded, so a trace of millions of events never exists as a JSON document.
// Only the top level (otherData and friends) is kept. The reader is lenient about each
// event (a field of the wrong type makes the event count as malformed and skipped) and
// strict about the file (not JSON, or no traceEvents, is an error).
#include "trace_model.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <unordered_map>

namespace trace_tool {

namespace {

using json = nlohmann::json;

// The file's bytes, mapped read-only for the parse.
class mapped_file {
 public:
  explicit mapped_file(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw trace_error("cannot open " + path + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      int err = errno;
      ::close(fd);
      throw trace_error("cannot read " + path + ": " +
                        (S_ISDIR(st.st_mode) ? "is a directory" : std::strerror(err)));
    }
    size_ = static_cast<std::size_t>(st.st_size);
    if (size_ > 0) {
      void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p == MAP_FAILED) {
        int err = errno;
        ::close(fd);
        throw trace_error("cannot read " + path + ": " + std::strerror(err));
      }
      data_ = static_cast<const char*>(p);
      ::madvise(p, size_, MADV_SEQUENTIAL);
    }
    ::close(fd);
  }
  ~mapped_file() {
    if (data_) ::munmap(const_cast<char*>(data_), size_);
  }
  mapped_file(const mapped_file&) = delete;
  mapped_file& operator=(const mapped_file&) = delete;

  const char* begin() const { return data_ ? data_ : ""; }
  const char* end() const { return begin() + size_; }
  std::size_t size() const { return size_; }

 private:
  const char* data_ = nullptr;
  std::size_t size_ = 0;
};

// Field accessors that never throw: false (or nullptr) when the field is absent or
// of another type.
bool get_int(const json& o, const char* key, std::int64_t& out) {
  auto it = o.find(key);
  if (it == o.end()) return false;
  if (it->is_number_integer()) {
    out = it->get<std::int64_t>();
    return true;
  }
  if (it->is_number_float()) {
    out = static_cast<std::int64_t>(std::llround(it->get<double>()));
    return true;
  }
  return false;
}

// A time in microseconds (Chrome's unit), as integer nanoseconds.
bool get_us(const json& o, const char* key, ns_t& out) {
  auto it = o.find(key);
  if (it == o.end() || !it->is_number()) return false;
  out = static_cast<ns_t>(std::llround(it->get<double>() * 1000.0));
  return true;
}

const std::string* get_str(const json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
}

const json* get_args(const json& e) {
  auto it = e.find("args");
  return it != e.end() && it->is_object() ? &*it : nullptr;
}

// "g7" -> 7; -1 when the name is not g<digits>.
std::int64_t goroutine_of_name(const std::string& s) {
  if (s.size() < 2 || s[0] != 'g' || s.size() > 20) return -1;
  std::int64_t g = 0;
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    g = g * 10 + (s[i] - '0');
  }
  return g;
}

// "g7 pipeline.cpp:42" -> "pipeline.cpp:42"; empty when the name is only "g7".
std::string site_of_name(const std::string& name) {
  auto sp = name.find(' ');
  if (sp == std::string::npos || goroutine_of_name(name.substr(0, sp)) < 0) return {};
  return name.substr(sp + 1);
}

// "g" and 7 -> "g7" (appended, not operator+: g++ 12 warns falsely on "g" + to_string).
std::string numbered(const char* prefix, std::int64_t n) {
  std::string s = prefix;
  s += std::to_string(n);
  return s;
}

// Builds a trace from events, one at a time; finish() sorts and closes what is open.
class reader {
 public:
  explicit reader(trace& t) : t_(t) {}

  void event(const json& e) {
    ++t_.events;
    if (!e.is_object()) return;
    try {
      dispatch(e);
    } catch (const json::exception&) {
      ++malformed_;
    }
  }

  void finish() {
    if (t_.duration < last_) t_.duration = last_;
    for (auto& [tid, open] : open_regions_)
      for (auto& r : open) region_track_(tid).regions.push_back({r.start, t_.duration, r.name, r.depth});
    t_.unmatched_flows += flows_.size();

    std::sort(t_.threads.begin(), t_.threads.end(), [](const thread_track& a, const thread_track& b) {
      return a.sort_index != b.sort_index ? a.sort_index < b.sort_index : a.tid < b.tid;
    });
    std::sort(t_.goroutines.begin(), t_.goroutines.end(),
              [](const goroutine_track& a, const goroutine_track& b) { return a.id < b.id; });
    std::sort(t_.ps.begin(), t_.ps.end(), [](const p_track& a, const p_track& b) { return a.id < b.id; });
    std::sort(t_.regions.begin(), t_.regions.end(),
              [](const region_track& a, const region_track& b) { return a.tid < b.tid; });
    auto by_start = [](const auto& a, const auto& b) { return a.start < b.start; };
    for (auto& th : t_.threads) std::stable_sort(th.slices.begin(), th.slices.end(), by_start);
    for (auto& g : t_.goroutines) {
      std::stable_sort(g.slices.begin(), g.slices.end(), by_start);
      if (g.name.empty()) g.name = numbered("g", g.id);
    }
    for (auto& p : t_.ps) {
      std::stable_sort(p.busy.begin(), p.busy.end(), by_start);
      if (p.name.empty()) p.name = numbered("P", p.id);
    }
    for (auto& th : t_.threads)
      if (th.name.empty()) th.name = numbered("thread ", th.tid);
    for (auto& rt : t_.regions)
      std::stable_sort(rt.regions.begin(), rt.regions.end(), [](const region& a, const region& b) {
        return a.start != b.start ? a.start < b.start : a.depth < b.depth;
      });
    std::stable_sort(t_.wakes.begin(), t_.wakes.end(), [](const wake& a, const wake& b) { return a.from < b.from; });
    if (malformed_ > 0)
      t_.warnings.push_back(std::to_string(malformed_) + " malformed events skipped (a field of the wrong type)");
  }

  bool has_activity() const { return activity_ > 0; }

 private:
  struct open_region {
    ns_t start;
    std::uint32_t name;
    int depth;
  };
  struct flow_start {
    std::int64_t thread;
    ns_t ts;
  };

  void dispatch(const json& e) {
    const std::string* ph = get_str(e, "ph");
    if (!ph || ph->size() != 1) return;
    std::int64_t pid = 0, tid = 0;
    get_int(e, "pid", pid);
    get_int(e, "tid", tid);
    ns_t ts = 0;
    bool has_ts = get_us(e, "ts", ts);
    ns_t end = ts;
    switch ((*ph)[0]) {
      case 'M':
        metadata(e, pid, tid);
        return;
      case 'X': {
        ns_t dur = 0;
        get_us(e, "dur", dur);
        end = ts + std::max<ns_t>(dur, 0);
        slice(e, pid, tid, ts, end);
        break;
      }
      case 'B':
        if (pid == 4) begin_region(e, tid, ts);
        break;
      case 'E':
        if (pid == 4) end_region(e, tid, ts);
        break;
      case 's':
      case 'f':
        if (pid == 1) flow(e, (*ph)[0] == 's', tid, ts);
        break;
      case 'i':
      case 'I':
        instant(e);
        break;
      default:
        break;
    }
    if (has_ts) last_ = std::max(last_, end);
  }

  void metadata(const json& e, std::int64_t pid, std::int64_t tid) {
    const std::string* what = get_str(e, "name");
    const json* args = get_args(e);
    if (!what || !args) return;
    if (*what == "thread_name") {
      const std::string* name = get_str(*args, "name");
      if (!name) return;
      if (pid == 1) {
        thread_(tid).name = *name;
      } else if (pid == 2) {
        goroutine_track& g = goroutine_(tid);
        g.name = *name;
        if (std::string site = site_of_name(*name); !site.empty()) g.site = site;
      } else if (pid == 3) {
        p_(tid).name = *name;
      }
    } else if (*what == "thread_sort_index" && pid == 1) {
      std::int64_t index = 0;
      if (get_int(*args, "sort_index", index)) thread_(tid).sort_index = index;
    }
  }

  void slice(const json& e, std::int64_t pid, std::int64_t tid, ns_t start, ns_t end) {
    static const std::string empty;
    const std::string* name_p = get_str(e, "name");
    const std::string* cat_p = get_str(e, "cat");
    const std::string& name = name_p ? *name_p : empty;
    const std::string& cat = cat_p ? *cat_p : empty;
    const json* args = get_args(e);
    if (pid == 1) {
      std::int64_t g = -1;
      if (!(args && get_int(*args, "g", g))) g = goroutine_of_name(name);
      if (cat == "goroutine" || (cat.empty() && g >= 0)) {
        if (g < 0) return;
        thread_(tid).slices.push_back({start, end, g, thread_activity::goroutine});
        goroutine_track& gt = goroutine_(g);
        if (const std::string* site = args ? get_str(*args, "site") : nullptr; site && gt.site.empty())
          gt.site = *site;
        ++activity_;
      } else if (name == "spinning") {
        thread_(tid).slices.push_back({start, end, 0, thread_activity::spinning});
      } else if (name == "sleeping") {
        thread_(tid).slices.push_back({start, end, 0, thread_activity::sleeping});
      } else if (end > start) {
        thread_(tid).slices.push_back({start, end, 0, thread_activity::other});
      }
    } else if (pid == 2) {
      goroutine_track& g = goroutine_(tid);
      if (name == "running") {
        g.slices.push_back({start, end, g_state::running, 0});
      } else if (name == "runnable") {
        g.slices.push_back({start, end, g_state::runnable, 0});
      } else {
        const std::string* reason = args ? get_str(*args, "reason") : nullptr;
        g.slices.push_back({start, end, g_state::blocked, intern(reason ? *reason : name)});
      }
      ++activity_;
    } else if (pid == 3) {
      if (name != "busy") return;
      std::int64_t thread = 0;
      if (args) get_int(*args, "thread", thread);
      p_(tid).busy.push_back({start, end, thread});
    } else if (pid == 4) {
      region_track_(tid).regions.push_back({start, end, intern(name), 0});
    }
  }

  void begin_region(const json& e, std::int64_t tid, ns_t ts) {
    const std::string* name = get_str(e, "name");
    auto& open = open_regions_[tid];
    open.push_back({ts, intern(name ? *name : std::string("region")), static_cast<int>(open.size())});
  }

  // Closes the innermost open region of that name (and, if the file nested them badly,
  // the ones opened inside it).
  void end_region(const json& e, std::int64_t tid, ns_t ts) {
    auto it = open_regions_.find(tid);
    if (it == open_regions_.end() || it->second.empty()) return;
    auto& open = it->second;
    const std::string* name = get_str(e, "name");
    std::size_t k = open.size() - 1;
    if (name) {
      std::uint32_t n = intern(*name);
      while (k > 0 && open[k].name != n) --k;
      if (open[k].name != n) k = open.size() - 1;
    }
    region_track& rt = region_track_(tid);
    while (open.size() > k) {
      rt.regions.push_back({open.back().start, ts, open.back().name, open.back().depth});
      open.pop_back();
    }
  }

  void flow(const json& e, bool is_start, std::int64_t tid, ns_t ts) {
    auto it = e.find("id");
    if (it == e.end()) return;
    std::string id = it->is_string() ? it->get<std::string>() : it->dump();
    if (is_start) {
      if (!flows_.emplace(id, flow_start{tid, ts}).second) {
        ++t_.unmatched_flows;  // an `s` whose id is already open: the old one never ended
        flows_[id] = flow_start{tid, ts};
      }
      return;
    }
    auto s = flows_.find(id);
    if (s == flows_.end()) {
      ++t_.unmatched_flows;
      return;
    }
    t_.wakes.push_back({s->second.thread, s->second.ts, tid, ts});
    flows_.erase(s);
  }

  void instant(const json& e) {
    const std::string* name = get_str(e, "name");
    const json* args = get_args(e);
    if (!name || !args || *name != "create") return;
    std::int64_t g = 0;
    const std::string* site = get_str(*args, "site");
    if (!get_int(*args, "g", g) || !site) return;
    goroutine_track& gt = goroutine_(g);
    if (gt.site.empty()) gt.site = *site;
  }

  std::uint32_t intern(const std::string& s) {
    auto [it, fresh] = name_ids_.emplace(s, static_cast<std::uint32_t>(t_.names.size()));
    if (fresh) t_.names.push_back(s);
    return it->second;
  }

  template <class Track>
  static Track& track_(std::vector<Track>& v, std::unordered_map<std::int64_t, std::size_t>& index,
                       std::int64_t id) {
    auto [it, fresh] = index.emplace(id, v.size());
    if (fresh) v.emplace_back();
    return v[it->second];
  }
  thread_track& thread_(std::int64_t tid) {
    thread_track& t = track_(t_.threads, thread_index_, tid);
    if (t.tid != tid) t.tid = t.sort_index = tid;
    return t;
  }
  goroutine_track& goroutine_(std::int64_t id) {
    goroutine_track& g = track_(t_.goroutines, goroutine_index_, id);
    g.id = id;
    return g;
  }
  p_track& p_(std::int64_t id) {
    p_track& p = track_(t_.ps, p_index_, id);
    p.id = id;
    return p;
  }
  region_track& region_track_(std::int64_t tid) {
    region_track& r = track_(t_.regions, region_index_, tid);
    r.tid = tid;
    return r;
  }

  trace& t_;
  ns_t last_ = 0;
  std::size_t malformed_ = 0;
  std::size_t activity_ = 0;  // goroutine slices on threads plus goroutine states
  std::unordered_map<std::int64_t, std::size_t> thread_index_, goroutine_index_, p_index_, region_index_;
  std::unordered_map<std::int64_t, std::vector<open_region>> open_regions_;
  std::unordered_map<std::string, flow_start> flows_;
  std::unordered_map<std::string, std::uint32_t> name_ids_;
};

// nlohmann's messages start with "[json.exception.parse_error.101] "; the rest is ours.
std::string plain_message(const char* what) {
  std::string m = what;
  if (!m.empty() && m[0] == '[') {
    auto close = m.find("] ");
    if (close != std::string::npos) m.erase(0, close + 2);
  }
  return m;
}

}  // namespace

const goroutine_track* trace::goroutine(std::int64_t id) const {
  auto it = std::lower_bound(goroutines.begin(), goroutines.end(), id,
                             [](const goroutine_track& g, std::int64_t v) { return g.id < v; });
  return it != goroutines.end() && it->id == id ? &*it : nullptr;
}

trace read_trace(const std::string& path) {
  trace t;
  t.path = path;
  mapped_file file(path);
  if (file.size() == 0) throw trace_error(path + ": invalid JSON: the file is empty");

  reader r(t);
  // Where the events are: the elements of the top-level "traceEvents" array (object
  // form, depth 2) or of the top-level array itself (array form, depth 1).
  bool root_array = false, in_events = false, saw_events = false;
  std::string top_key;
  auto callback = [&](int depth, json::parse_event_t ev, json& parsed) -> bool {
    switch (ev) {
      case json::parse_event_t::array_start:
        if (depth == 0) {
          root_array = in_events = saw_events = true;
        } else if (depth == 1 && !root_array && top_key == "traceEvents") {
          in_events = saw_events = true;
        }
        return true;
      case json::parse_event_t::array_end:
        if (depth == (root_array ? 0 : 1)) in_events = false;
        return true;
      case json::parse_event_t::key:
        if (depth == 1 && !root_array) top_key = parsed.get<std::string>();
        return true;
      case json::parse_event_t::object_end:
      case json::parse_event_t::value:
        if (in_events && depth == (root_array ? 1 : 2)) {
          r.event(parsed);
          return false;  // read: drop it
        }
        return true;
      default:
        return true;
    }
  };
  json doc;
  try {
    doc = json::parse(file.begin(), file.end(), callback);
  } catch (const json::exception& e) {
    throw trace_error(path + ": invalid JSON: " + plain_message(e.what()));
  }
  if (!saw_events)
    throw trace_error(path + ": not a Chrome trace: no traceEvents array" +
                      (doc.is_object() ? "" : " (the file is not a JSON object)"));

  if (doc.is_object()) {
    auto od = doc.find("otherData");
    if (od != doc.end() && od->is_object()) {
      if (const std::string* tracer = get_str(*od, "tracer")) t.tracer = *tracer;
      get_int(*od, "procs", t.procs);
      get_int(*od, "dropped_events", t.dropped_events);
      get_us(*od, "duration_us", t.duration);
    }
  }
  r.finish();

  if (t.tracer != "gocxx") {
    std::string why = t.tracer.empty() ? std::string("no otherData.tracer")
                                       : "otherData.tracer is \"" + t.tracer + "\", not \"gocxx\"";
    if (!r.has_activity())
      throw trace_error(path + ": not a gocxx trace: " + why +
                        ", and no goroutine slices on thread (pid 1) or goroutine (pid 2) tracks");
    t.warnings.push_back(why + ": reading it as a Chrome trace with gocxx's tracks");
  }
  if (t.dropped_events > 0)
    t.warnings.push_back(std::to_string(t.dropped_events) +
                         " events were dropped (the trace reached its memory limit)");
  return t;
}

std::string format_duration(ns_t d) {
  if (d == 0) return "0";
  std::string sign = d < 0 ? "-" : "";
  std::uint64_t v = d < 0 ? -static_cast<std::uint64_t>(d) : static_cast<std::uint64_t>(d);
  if (v < 1000) return sign + std::to_string(v) + " ns";
  const char* unit;
  std::uint64_t div;
  if (v < 1000000) {
    unit = " µs", div = 1000;
  } else if (v < 1000000000) {
    unit = " ms", div = 1000000;
  } else {
    unit = " s", div = 1000000000;
  }
  std::uint64_t whole = v / div, milli = ((v % div) * 1000 + div / 2) / div;
  if (milli == 1000) ++whole, milli = 0;
  std::string s = sign + std::to_string(whole);
  if (milli != 0) {
    char frac[16];
    std::snprintf(frac, sizeof frac, ".%03u", static_cast<unsigned>(milli));
    std::string f = frac;
    while (f.back() == '0') f.pop_back();
    s += f;
  }
  return s + unit;
}

std::size_t display_width(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace trace_tool
