// The trace file's writer (docs/trace-format.md is the format). One pass over every
// thread's events merged in clock order rebuilds the state of each thread, goroutine and
// P, and yields records: slices once they close (with their start time), instants,
// flows, counters. The records are then sorted by time and written, so that on every
// track time never goes back.
//
// The writer trusts nothing it reads: a slice opened while another is open on the same
// track closes the first; an end without a begin is dropped; whatever is open at the
// last event closes there. A trace cut short by its memory limit is still well formed.
#include "runtime/trace_write.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstring>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "runtime/sched.hpp"  // g_status

namespace gocxx::detail {

namespace {

enum class rk : std::uint8_t {
  thread_slice,  // track: tid; sub: slice_kind
  state_slice,   // track: g; sub: state_kind
  p_slice,       // track: p; b: tid
  instant,       // track: tid; sub: instant_kind
  flow_s,        // track: tid; a: flow id
  flow_f,
  counter,  // sub: counter_kind
  region_b,  // track: region track; c: name id
  region_e,
};
enum slice_kind : std::uint8_t { sk_goroutine, sk_spinning, sk_sleeping, sk_ready };
enum state_kind : std::uint8_t { st_running, st_runnable, st_blocked };
enum instant_kind : std::uint8_t { in_create, in_block, in_unblock, in_end, in_steal, in_timer, in_log };
enum counter_kind : std::uint8_t { ct_globrunq, ct_prunq, ct_idle_ps, ct_spinning };

struct rec {
  std::int64_t ts;
  std::int64_t dur;
  std::uint64_t seq;
  std::int64_t track;
  std::uint64_t a, b;
  std::uint32_t c;
  rk kind;
  std::uint8_t sub;
};

struct g_info {
  const char* file = nullptr;
  std::uint32_t line = 0;
  std::uint64_t parent = 0;
  state_kind state = st_runnable;
  bool open = false;  // a state slice runs since `since`
  bool ended = false;
  std::int64_t since = 0;
  std::uint64_t thread = 0;  // running: on which thread
  std::uint32_t p = 0;
  std::uint32_t reason = 0;
  std::uint64_t object = 0;
  std::uint64_t flow = 0;  // a wake-up's flow, ended where it next starts
  std::vector<std::uint32_t> regions;  // open regions, innermost last
};

struct thread_info {
  trace_thread who;
  std::int64_t slice_since = -1;  // an open slice
  slice_kind slice = sk_goroutine;
  std::uint64_t g = 0;
  std::uint32_t p = 0;
  std::vector<std::uint32_t> regions;  // a plain thread's open regions
};

struct p_info {
  bool busy = false;
  std::int64_t since = 0;
  std::uint64_t tid = 0;
};

class builder {
 public:
  explicit builder(const trace_input& in) : in_(in) {}

  void run() {
    for (const trace_existing& x : in_.existing) {
      g_info& gi = gs_[x.id];
      gi.file = x.file;
      gi.line = x.line;
      gi.parent = x.parent;
      gi.open = true;
      gi.since = 0;
      switch (static_cast<g_status>(x.status)) {
        case g_status::running: gi.state = st_running; break;
        case g_status::waiting: gi.state = st_blocked; gi.reason = static_cast<std::uint32_t>(x.reason); break;
        default: gi.state = st_runnable; break;
      }
    }
    threads_.resize(in_.streams.size());
    for (std::size_t i = 0; i < in_.streams.size(); ++i) threads_[i].who = in_.streams[i].who;
    merge();
    finish();
  }

  std::vector<rec>& records() { return recs_; }
  const std::unordered_map<std::uint64_t, g_info>& goroutines() const { return gs_; }
  const std::vector<thread_info>& threads() const { return threads_; }
  std::int64_t end_ts() const { return last_; }
  const std::unordered_set<std::int64_t>& region_tracks() const { return region_tracks_; }
  std::uint64_t events() const { return events_; }
  std::uint64_t dropped() const {
    std::uint64_t d = 0;
    for (const trace_stream& s : in_.streams) d += s.dropped;
    return d;
  }

 private:
  std::int64_t rel(std::int64_t ts) const { return ts > in_.start_ns ? ts - in_.start_ns : 0; }

  void add(rk kind, std::uint8_t sub, std::int64_t ts, std::int64_t dur, std::int64_t track, std::uint64_t a = 0,
           std::uint64_t b = 0, std::uint32_t c = 0) {
    recs_.push_back({ts, dur, seq_++, track, a, b, c, kind, sub});
  }

  g_info& gor(std::uint64_t id) { return gs_[id]; }  // an unknown one is made (trace.cpp's start race)

  void close_state(g_info& gi, std::uint64_t id, std::int64_t ts) {
    if (!gi.open) return;
    std::uint64_t b = gi.state == st_running ? gi.thread : gi.object;
    std::uint32_t c = gi.state == st_running ? gi.p : gi.reason;
    add(rk::state_slice, gi.state, gi.since, ts - gi.since, static_cast<std::int64_t>(id), id, b, c);
    gi.open = false;
  }
  void open_state(g_info& gi, state_kind st, std::int64_t ts) {
    gi.state = st;
    gi.open = true;
    gi.since = ts;
  }
  void close_slice(thread_info& t, std::int64_t ts) {
    if (t.slice_since < 0) return;
    add(rk::thread_slice, t.slice, t.slice_since, ts - t.slice_since, t.who.tid, t.g, 0, t.p);
    t.slice_since = -1;
  }
  void open_slice(thread_info& t, slice_kind k, std::int64_t ts, std::uint64_t g = 0, std::uint32_t p = 0) {
    close_slice(t, ts);
    t.slice = k;
    t.slice_since = ts;
    t.g = g;
    t.p = p;
  }
  std::int64_t region_track(std::uint64_t g, const thread_info& t) const {
    return g ? static_cast<std::int64_t>(g) : 1'000'000'000LL + t.who.tid;
  }

  void merge() {
    struct cursor {
      std::size_t stream, part;
      std::uint32_t i;
      std::int64_t ts;
    };
    auto later = [](const cursor& x, const cursor& y) { return x.ts > y.ts || (x.ts == y.ts && x.stream > y.stream); };
    std::priority_queue<cursor, std::vector<cursor>, decltype(later)> q(later);
    for (std::size_t s = 0; s < in_.streams.size(); ++s) {
      const auto& parts = in_.streams[s].parts;
      for (std::size_t p = 0; p < parts.size(); ++p) {
        if (parts[p].n) {
          q.push({s, p, 0, parts[p].ev[0].ts});
          break;
        }
      }
    }
    std::int64_t prev_ts = 0;
    while (!q.empty()) {
      cursor c = q.top();
      q.pop();
      const auto& parts = in_.streams[c.stream].parts;
      const trace_event& e = parts[c.part].ev[c.i];
      // A thread's clock never goes back; clamp anyway (time order is the file's contract).
      std::int64_t ts = std::max(rel(e.ts), prev_ts);
      prev_ts = ts;
      last_ = ts;
      ++events_;
      handle(threads_[c.stream], e, ts);
      if (++c.i == parts[c.part].n) {
        c.i = 0;
        do ++c.part;
        while (c.part < parts.size() && parts[c.part].n == 0);
        if (c.part == parts.size()) continue;
      }
      c.ts = parts[c.part].ev[c.i].ts;
      q.push(c);
    }
  }

  void handle(thread_info& t, const trace_event& e, std::int64_t ts) {
    const auto tid = static_cast<std::int64_t>(t.who.tid);
    switch (e.type) {
      case trace_ev::g_create: {
        g_info& gi = gor(e.g);
        gi.file = reinterpret_cast<const char*>(e.arg);
        gi.line = e.reason | (static_cast<std::uint32_t>(e.p) << 8);
        gi.parent = e.u32;
        gi.ended = false;
        close_state(gi, e.g, ts);
        open_state(gi, st_runnable, ts);
        add(rk::instant, in_create, ts, 0, tid, e.g, gi.parent);
        pending_create_ = &gi;
        pending_create_id_ = e.g;
        break;
      }
      case trace_ev::g_create_parent_high: {
        if (pending_create_ && pending_create_id_ == e.g) {
          pending_create_->parent |= static_cast<std::uint64_t>(e.u32) << 32;
          recs_back_parent(e.g, pending_create_->parent);
        }
        break;
      }
      case trace_ev::g_existing: break;  // the existing list comes from trace_input
      case trace_ev::g_start: {
        g_info& gi = gor(e.g);
        close_state(gi, e.g, ts);
        open_state(gi, st_running, ts);
        gi.thread = static_cast<std::uint64_t>(t.who.tid);
        gi.p = e.p;
        open_slice(t, sk_goroutine, ts, e.g, e.p);
        if (gi.flow) {
          add(rk::flow_f, 0, ts, 0, tid, gi.flow);
          gi.flow = 0;
        }
        add(rk::counter, ct_prunq, ts, 0, 0, e.p, 0, e.u32);
        break;
      }
      case trace_ev::g_block: {
        g_info& gi = gor(e.g);
        close_state(gi, e.g, ts);
        open_state(gi, st_blocked, ts);
        gi.reason = e.reason;
        gi.object = e.arg;
        if (t.slice_since >= 0 && t.slice == sk_goroutine && t.g == e.g) close_slice(t, ts);
        add(rk::instant, in_block, ts, 0, tid, e.g, e.arg, e.reason);
        break;
      }
      case trace_ev::g_unblock: {
        g_info& gi = gor(e.g);
        close_state(gi, e.g, ts);
        open_state(gi, st_runnable, ts);
        std::uint64_t id = ++flows_;
        gi.flow = id;
        if (t.who.m_id < 0 && t.slice_since < 0) add(rk::thread_slice, sk_ready, ts, 0, tid);
        add(rk::flow_s, 0, ts, 0, tid, id);
        add(rk::instant, in_unblock, ts, 0, tid, e.g, e.arg, static_cast<std::uint32_t>(t.who.tid));
        break;
      }
      case trace_ev::g_yield: {
        g_info& gi = gor(e.g);
        close_state(gi, e.g, ts);
        open_state(gi, st_runnable, ts);
        if (t.slice_since >= 0 && t.slice == sk_goroutine && t.g == e.g) close_slice(t, ts);
        break;
      }
      case trace_ev::g_end: {
        g_info& gi = gor(e.g);
        close_state(gi, e.g, ts);
        gi.ended = true;
        if (t.slice_since >= 0 && t.slice == sk_goroutine && t.g == e.g) close_slice(t, ts);
        // Regions the goroutine left open (an exception through a region's scope ends them).
        while (!gi.regions.empty()) {
          add(rk::region_e, 0, ts, 0, static_cast<std::int64_t>(e.g), 0, 0, gi.regions.back());
          gi.regions.pop_back();
        }
        add(rk::instant, in_end, ts, 0, tid, e.g);
        break;
      }
      case trace_ev::p_acquire: {
        p_info& pi = ps_[e.p];
        if (pi.busy) add(rk::p_slice, 0, pi.since, ts - pi.since, e.p, 0, pi.tid);
        pi.busy = true;
        pi.since = ts;
        pi.tid = static_cast<std::uint64_t>(t.who.tid);
        add(rk::counter, ct_idle_ps, ts, 0, 0, 0, 0, e.u32);
        break;
      }
      case trace_ev::p_release: {
        p_info& pi = ps_[e.p];
        if (pi.busy) add(rk::p_slice, 0, pi.since, ts - pi.since, e.p, 0, pi.tid);
        pi.busy = false;
        add(rk::counter, ct_idle_ps, ts, 0, 0, 0, 0, e.u32);
        break;
      }
      case trace_ev::m_spin:
        open_slice(t, sk_spinning, ts);
        add(rk::counter, ct_spinning, ts, 0, 0, 0, 0, e.u32);
        break;
      case trace_ev::m_spin_end:
        if (t.slice_since >= 0 && t.slice == sk_spinning) close_slice(t, ts);
        add(rk::counter, ct_spinning, ts, 0, 0, 0, 0, e.u32);
        break;
      case trace_ev::m_sleep: open_slice(t, sk_sleeping, ts); break;
      case trace_ev::m_wake:
        if (t.slice_since >= 0 && t.slice == sk_sleeping) close_slice(t, ts);
        break;
      case trace_ev::steal: add(rk::instant, in_steal, ts, 0, tid, 0, e.p, e.u32); break;
      case trace_ev::timer: add(rk::instant, in_timer, ts, 0, tid, 0, e.arg, e.u32); break;
      case trace_ev::globrunq: add(rk::counter, ct_globrunq, ts, 0, 0, 0, 0, e.u32); break;
      case trace_ev::region_begin: {
        std::int64_t track = region_track(e.g, t);
        (e.g ? gor(e.g).regions : t.regions).push_back(e.u32);
        region_tracks_.insert(track);
        add(rk::region_b, 0, ts, 0, track, 0, 0, e.u32);
        break;
      }
      case trace_ev::region_end: {
        auto& open = e.g ? gor(e.g).regions : t.regions;
        if (open.empty() || open.back() != e.u32) break;  // begun before the trace, or mismatched
        open.pop_back();
        add(rk::region_e, 0, ts, 0, region_track(e.g, t), 0, 0, e.u32);
        break;
      }
      case trace_ev::log: add(rk::instant, in_log, ts, 0, tid, e.g, e.arg, e.u32); break;
    }
  }

  void recs_back_parent(std::uint64_t g, std::uint64_t parent) {
    for (auto it = recs_.rbegin(); it != recs_.rend(); ++it) {
      if (it->kind == rk::instant && it->sub == in_create && it->a == g) {
        it->b = parent;
        return;
      }
    }
  }

  void finish() {
    for (auto& [id, gi] : gs_) {
      close_state(gi, id, last_);
      while (!gi.regions.empty()) {
        add(rk::region_e, 0, last_, 0, static_cast<std::int64_t>(id), 0, 0, gi.regions.back());
        gi.regions.pop_back();
      }
    }
    for (thread_info& t : threads_) {
      close_slice(t, last_);
      while (!t.regions.empty()) {
        add(rk::region_e, 0, last_, 0, region_track(0, t), 0, 0, t.regions.back());
        t.regions.pop_back();
      }
    }
    for (auto& [id, pi] : ps_) {
      if (pi.busy) add(rk::p_slice, 0, pi.since, last_ - pi.since, id, 0, pi.tid);
    }
    std::stable_sort(recs_.begin(), recs_.end(), [](const rec& x, const rec& y) { return x.ts < y.ts; });
  }

  const trace_input& in_;
  std::vector<rec> recs_;
  std::uint64_t seq_ = 0;
  std::unordered_map<std::uint64_t, g_info> gs_;
  std::vector<thread_info> threads_;
  std::unordered_map<std::uint32_t, p_info> ps_;
  std::unordered_set<std::int64_t> region_tracks_;
  std::uint64_t flows_ = 0;
  std::int64_t last_ = 0;
  std::uint64_t events_ = 0;
  g_info* pending_create_ = nullptr;
  std::uint64_t pending_create_id_ = 0;
};

// ---- output ----

class out {
 public:
  explicit out(std::FILE* f) : f_(f) { buf_.reserve(1 << 20); }
  ~out() { flush(); }
  out& s(std::string_view v) {
    buf_.append(v);
    if (buf_.size() >= (1 << 20)) flush();
    return *this;
  }
  out& i(std::int64_t v) { return s(std::to_string(v)); }
  out& u(std::uint64_t v) { return s(std::to_string(v)); }
  // Microseconds with three decimals, from nanoseconds.
  out& us(std::int64_t ns) {
    char b[32];
    std::snprintf(b, sizeof b, "%" PRId64 ".%03d", ns / 1000, static_cast<int>(ns % 1000));
    return s(b);
  }
  out& hex(std::uint64_t v) {
    char b[24];
    std::snprintf(b, sizeof b, "\"0x%" PRIx64 "\"", v);
    return s(b);
  }
  out& str(std::string_view v) {
    std::string e = "\"";
    for (unsigned char ch : v) {
      switch (ch) {
        case '"': e += "\\\""; break;
        case '\\': e += "\\\\"; break;
        case '\n': e += "\\n"; break;
        case '\t': e += "\\t"; break;
        case '\r': e += "\\r"; break;
        default:
          if (ch < 0x20) {
            char b[8];
            std::snprintf(b, sizeof b, "\\u%04x", ch);
            e += b;
          } else {
            e += static_cast<char>(ch);
          }
      }
    }
    e += '"';
    return s(e);
  }
  bool ok() const { return ok_; }
  void flush() {
    if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), f_) != buf_.size()) ok_ = false;
    buf_.clear();
  }

 private:
  std::FILE* f_;
  std::string buf_;
  bool ok_ = true;
};

// Concatenation by append: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string.
template <class... T>
std::string cat(const T&... parts) {
  std::string r;
  (r.append(parts), ...);
  return r;
}
std::string num(std::uint64_t v) { return std::to_string(v); }

std::string site_of(const char* file, std::uint32_t line) {
  if (!file || !*file) return {};
  const char* slash = std::strrchr(file, '/');
  return cat(std::string(slash ? slash + 1 : file), ":", std::to_string(line));
}

const char* reason_name(std::uint32_t r) { return wait_reason_string(static_cast<wait_reason>(r)); }

}  // namespace

bool write_trace_json(std::FILE* f, const trace_input& in) {
  builder b(in);
  b.run();
  out o(f);
  const auto& gs = b.goroutines();
  auto site = [&](std::uint64_t g) {
    auto it = gs.find(g);
    return it == gs.end() ? std::string() : site_of(it->second.file, it->second.line);
  };
  o.s("{\"displayTimeUnit\":\"ns\",\n\"otherData\":{\"tracer\":\"gocxx\",\"procs\":").i(in.procs);
  o.s(",\"events\":").u(b.events()).s(",\"dropped_events\":").u(b.dropped()).s(",\"duration_us\":").us(b.end_ts());
  o.s("},\n\"traceEvents\":[\n");
  bool first = true;
  auto ev = [&]() -> out& {
    o.s(first ? "{" : ",\n{");
    first = false;
    return o;
  };
  const char* pnames[] = {"", "Threads", "Goroutines", "Ps", "Regions"};
  for (int pid = 1; pid <= 4; ++pid) {
    ev().s("\"ph\":\"M\",\"name\":\"process_name\",\"pid\":").i(pid).s(",\"args\":{\"name\":").str(pnames[pid]).s("}}");
    ev().s("\"ph\":\"M\",\"name\":\"process_sort_index\",\"pid\":").i(pid).s(",\"args\":{\"sort_index\":").i(pid).s("}}");
  }
  auto name_track = [&](int pid, std::int64_t tid, const std::string& name, std::int64_t sort) {
    ev().s("\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":").i(pid).s(",\"tid\":").i(tid).s(",\"args\":{\"name\":").str(name).s("}}");
    ev().s("\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":").i(pid).s(",\"tid\":").i(tid).s(",\"args\":{\"sort_index\":").i(sort).s("}}");
  };
  for (const auto& t : b.threads()) {
    std::string n = t.who.m_id >= 0 ? cat("M", std::to_string(t.who.m_id), " (tid ", std::to_string(t.who.tid), ")")
                                    : cat("thread ", std::to_string(t.who.tid));
    name_track(1, t.who.tid, n, t.who.m_id >= 0 ? t.who.m_id : 100000 + t.who.tid);
  }
  std::vector<std::uint64_t> ids;
  for (const auto& [id, gi] : gs) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  for (std::uint64_t id : ids) {
    std::string s = site(id);
    std::string n = s.empty() ? cat("g", num(id)) : cat("g", num(id), " ", s);
    name_track(2, static_cast<std::int64_t>(id), n, static_cast<std::int64_t>(id));
    if (b.region_tracks().count(static_cast<std::int64_t>(id))) name_track(4, static_cast<std::int64_t>(id), n, static_cast<std::int64_t>(id));
  }
  for (const auto& t : b.threads()) {
    std::int64_t track = 1'000'000'000LL + t.who.tid;
    if (b.region_tracks().count(track)) name_track(4, track, cat("thread ", std::to_string(t.who.tid)), track);
  }
  for (int p = 0; p < std::max(in.procs, 1); ++p) name_track(3, p, cat("P", std::to_string(p)), p);

  const auto& strs = in.strings;
  auto string_at = [&](std::uint64_t id) -> std::string_view { return id < strs.size() ? strs[id] : std::string_view(); };
  for (const rec& r : b.records()) {
    switch (r.kind) {
      case rk::thread_slice: {
        static const char* names[] = {"", "spinning", "sleeping", "ready"};
        static const char* cats[] = {"goroutine", "m", "m", "thread"};
        out& e = ev().s("\"ph\":\"X\",\"pid\":1,\"tid\":").i(r.track).s(",\"ts\":").us(r.ts).s(",\"dur\":").us(r.dur);
        if (r.sub == sk_goroutine) {
          e.s(",\"name\":").str(cat("g", num(r.a))).s(",\"cat\":\"goroutine\",\"args\":{\"g\":").u(r.a);
          e.s(",\"p\":").u(r.c).s(",\"site\":").str(site(r.a)).s("}}");
        } else {
          e.s(",\"name\":").str(names[r.sub]).s(",\"cat\":").str(cats[r.sub]).s("}");
        }
        break;
      }
      case rk::state_slice: {
        out& e = ev().s("\"ph\":\"X\",\"pid\":2,\"tid\":").i(r.track).s(",\"ts\":").us(r.ts).s(",\"dur\":").us(r.dur);
        if (r.sub == st_running) {
          e.s(",\"name\":\"running\",\"cat\":\"state\",\"args\":{\"thread\":").u(r.b).s(",\"p\":").u(r.c).s("}}");
        } else if (r.sub == st_runnable) {
          e.s(",\"name\":\"runnable\",\"cat\":\"state\"}");
        } else {
          e.s(",\"name\":").str(reason_name(r.c)).s(",\"cat\":\"blocked\",\"args\":{\"reason\":").str(reason_name(r.c));
          e.s(",\"object\":").hex(r.b).s("}}");
        }
        break;
      }
      case rk::p_slice:
        ev().s("\"ph\":\"X\",\"pid\":3,\"tid\":").i(r.track).s(",\"ts\":").us(r.ts).s(",\"dur\":").us(r.dur)
            .s(",\"name\":\"busy\",\"cat\":\"p\",\"args\":{\"thread\":").u(r.b).s("}}");
        break;
      case rk::instant: {
        out& e = ev().s("\"ph\":\"i\",\"s\":\"t\",\"pid\":1,\"tid\":").i(r.track).s(",\"ts\":").us(r.ts);
        switch (r.sub) {
          case in_create:
            e.s(",\"name\":\"create\",\"cat\":\"sched\",\"args\":{\"g\":").u(r.a).s(",\"parent\":").u(r.b);
            e.s(",\"site\":").str(site(r.a)).s("}}");
            break;
          case in_block:
            e.s(",\"name\":\"block\",\"cat\":\"sched\",\"args\":{\"g\":").u(r.a).s(",\"reason\":").str(reason_name(r.c));
            e.s(",\"object\":").hex(r.b).s("}}");
            break;
          case in_unblock:
            e.s(",\"name\":\"unblock\",\"cat\":\"sched\",\"args\":{\"g\":").u(r.a).s(",\"by\":").u(r.b);
            e.s(",\"thread\":").u(r.c).s("}}");
            break;
          case in_end: e.s(",\"name\":\"end\",\"cat\":\"sched\",\"args\":{\"g\":").u(r.a).s("}}"); break;
          case in_steal:
            e.s(",\"name\":\"steal\",\"cat\":\"sched\",\"args\":{\"victim\":").u(r.b).s(",\"count\":").u(r.c).s("}}");
            break;
          case in_timer:
            e.s(",\"name\":\"timer\",\"cat\":\"timer\",\"args\":{\"timer\":").hex(r.b).s(",\"late_us\":").u(r.c).s("}}");
            break;
          case in_log:
            e.s(",\"name\":").str(string_at(r.c)).s(",\"cat\":\"log\",\"args\":{\"category\":").str(string_at(r.c));
            e.s(",\"message\":").str(string_at(r.b)).s(",\"g\":").u(r.a).s("}}");
            break;
        }
        break;
      }
      case rk::flow_s:
      case rk::flow_f:
        ev().s(r.kind == rk::flow_s ? "\"ph\":\"s\"" : "\"ph\":\"f\",\"bp\":\"e\"").s(",\"id\":").u(r.a)
            .s(",\"pid\":1,\"tid\":").i(r.track).s(",\"ts\":").us(r.ts).s(",\"name\":\"wake\",\"cat\":\"wake\"}");
        break;
      case rk::counter: {
        out& e = ev().s("\"ph\":\"C\",\"pid\":3,\"ts\":").us(r.ts);
        switch (r.sub) {
          case ct_globrunq: e.s(",\"name\":\"global runq\",\"args\":{\"length\":").u(r.c).s("}}"); break;
          case ct_prunq: e.s(",\"name\":").str(cat("P", num(r.a), " runq")).s(",\"args\":{\"length\":").u(r.c).s("}}"); break;
          case ct_idle_ps: e.s(",\"name\":\"idle Ps\",\"args\":{\"count\":").u(r.c).s("}}"); break;
          case ct_spinning: e.s(",\"name\":\"spinning Ms\",\"args\":{\"count\":").u(r.c).s("}}"); break;
        }
        break;
      }
      case rk::region_b:
      case rk::region_e:
        ev().s(r.kind == rk::region_b ? "\"ph\":\"B\"" : "\"ph\":\"E\"").s(",\"pid\":4,\"tid\":").i(r.track)
            .s(",\"ts\":").us(r.ts).s(",\"name\":").str(string_at(r.c)).s(",\"cat\":\"region\"}");
        break;
    }
  }
  o.s("\n]}\n");
  o.flush();
  return o.ok();
}

}  // namespace gocxx::detail
