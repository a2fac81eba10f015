// chan_model_fuzz.cpp: the libFuzzer target of docs/fuzzing.md. It owns the execution
// side: each input is decoded (chan_model.hpp) into channels, workers and steps, run by
// real goroutines under gocxx::run, and every outcome is checked against
// chan_model::model. A mismatch prints the program, the steps so far, what the model
// expected and what happened, and aborts, so libFuzzer keeps the input as a crash.
//
// Determinism. The runtime has one P (GOCXX_MAXPROCS=1, set before it starts) and the
// target uses no timers and no threads, so goroutines run one at a time in an order fixed
// by the program (select's random choice aside, which the model accepts either way). A
// driver goroutine issues each step to its worker through the worker's own command
// channel, then yields until the system is quiescent: every worker has finished its
// operation or is parked in it (settle()). Only then are the reports compared.
//
// Invariants
// - Between steps each worker is idle (parked on its command channel) or blocked in the
//   operation the model says; the driver only ever commands an idle worker, so its
//   command send never blocks.
// - At the end of each input every channel is closed (the model predicting the wake-ups
//   and panics), drained, every worker has exited, and num_goroutine() is back where it
//   was: nothing carries over to the next input.
// - Independently of the model, every value whose send succeeded is received exactly
//   once, during the program or from a buffer at the end (values are unique).
//
// CHAN_MODEL_TRACE=1 prints each program and every step's reports as they happen (to
// replay a crash file readably).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "chan_model.hpp"
#include "gocxx/chan.hpp"
#include "gocxx/runtime.hpp"
#include "gocxx/select.hpp"

namespace {

using namespace chan_model;

static_assert(static_cast<int>(gocxx::chan_status::ok) == status_ok);
static_assert(static_cast<int>(gocxx::chan_status::would_block) == status_would_block);
static_assert(static_cast<int>(gocxx::chan_status::closed) == status_closed);

bool g_trace = false;

// Counts every move of a worker (took a command, finished it, exited). settle() waits
// until it stops changing. Only goroutines touch it, and at procs 1 only one runs at a
// time (hand-overs between threads go through the scheduler's lock).
std::uint64_t g_events = 0;

// Two yields in a row that see no worker move mean quiescence. A yield puts the driver
// on the global run queue, and the P looks there before its local queue only once in 61
// schedules: the first quiet yield may be that one, but the next runs whatever is local
// first. (Every wake-up of a worker ends in a move: it finishes its operation, or takes
// its command.) The limit only turns a livelock into a report.
constexpr int kQuietYields = 2;
constexpr int kSettleLimit = 10'000;

constexpr int kMaxValue = (kMaxSteps + 1) * 8 + kMaxArms;

panic_kind classify(const char* what) {
  if (std::strcmp(what, "send on closed channel") == 0) return panic_kind::send_on_closed;
  if (std::strcmp(what, "close of closed channel") == 0) return panic_kind::close_of_closed;
  if (std::strcmp(what, "close of nil channel") == 0) return panic_kind::close_of_nil;
  return panic_kind::other;
}

struct worker_slot {
  gocxx::chan<int> cmd{1};  // the index of the step to perform; closed: exit
  bool reported = false;    // finished an operation since the driver last looked
  outcome out;
  std::string note;         // a check the worker made itself failed (select handlers)
  const op* current = nullptr;  // the driver's record of what it last commanded
};

struct log_entry {
  int step;
  int who;
  op o;                      // what `who` was told to do
  report seen[kSlots];
  const op* ops[kSlots];     // what each slot that reported had been doing (null: the driver's o)
};

class runner {
 public:
  explicit runner(const program& p) : p_(p), model_(p) {}

  void run() {
    const int baseline = gocxx::num_goroutine();
    for (int c = 0; c < p_.nchans; ++c) {
      if (p_.cap[c] != kNil) chans_[c] = gocxx::chan<int>(p_.cap[c]);
    }
    for (int w = 0; w < p_.nworkers; ++w) gocxx::go([this, w] { worker_loop(w); });
    settle(-1, "the workers' start");

    report seen[kSlots];
    for (int i = 0; i < p_.nsteps; ++i) {
      const step& st = p_.steps[i];
      if (model_.blocked(st.worker)) {
        if (g_trace) std::fprintf(stderr, "step %2d  w%d: skipped (blocked)\n", i, st.worker);
        continue;
      }
      worker_slot& w = workers_[st.worker];
      if (w.cmd.try_send(i) != gocxx::chan_status::ok) fail(i, "the worker did not take its previous command");
      w.current = &st.o;
      settle(i, "the step");
      collect(seen);
      check(i, st.worker, st.o, seen);
    }
    finish(p_.nsteps);

    for (int w = 0; w < p_.nworkers; ++w) workers_[w].cmd.close();
    // An exited goroutine leaves the count once its exit has switched away: yield until then.
    int yields = 0;
    for (; yields < kSettleLimit && gocxx::num_goroutine() > baseline; ++yields) gocxx::yield();
    if (gocxx::num_goroutine() != baseline) {
      fail(-1, "goroutines left at the end: num_goroutine() = " + std::to_string(gocxx::num_goroutine()) +
                   ", baseline " + std::to_string(baseline) + " (after " + std::to_string(yields) + " yields)");
    }
    for (int v = 0; v <= kMaxValue; ++v) {
      if (sent_[v] != received_[v]) {
        fail(-1, "value " + std::to_string(v) + " was sent " + std::to_string(sent_[v]) + " time(s) and received " +
                     std::to_string(received_[v]) + " time(s)");
      }
    }
  }

 private:
  void worker_loop(int w) {
    worker_slot& me = workers_[w];
    while (std::optional<int> s = me.cmd.recv()) {
      ++g_events;
      me.out = perform(p_.steps[*s].o, me.note);
      me.reported = true;
      ++g_events;
    }
    ++g_events;
  }

  // Runs one operation on the real channels and records what it did.
  outcome perform(const op& o, std::string& note) {
    outcome out;
    try {
      const gocxx::chan<int>& ch = chans_[o.ch];
      switch (o.kind) {
        case op_kind::send: ch.send(o.value); break;
        case op_kind::recv: {
          std::optional<int> v = ch.recv();
          out.ok = v.has_value();
          out.value = v.value_or(0);
          break;
        }
        case op_kind::try_send: out.status = static_cast<int>(ch.try_send(o.value)); break;
        case op_kind::try_recv: {
          gocxx::try_recv_result<int> r = ch.try_recv();
          out.status = static_cast<int>(r.status);
          out.ok = r.value.has_value();
          out.value = r.value.value_or(0);
          if (out.ok != (r.status == gocxx::chan_status::ok)) note = "try_recv: a value with a status other than ok";
          break;
        }
        case op_kind::close: ch.close(); break;
        case op_kind::select: out = perform_select(o, note); break;
        case op_kind::select_dynamic: out = perform_select_dynamic(o, note); break;
      }
    } catch (const gocxx::panic_error& e) {
      out = outcome{};
      out.panic = classify(e.what());
      if (out.panic == panic_kind::other) note = std::string("unexpected panic_error: ") + e.what();
    } catch (const std::exception& e) {
      out = outcome{};
      out.panic = panic_kind::other;
      note = std::string("unexpected exception: ") + e.what();
    }
    return out;
  }

  // The static form: the arms' directions are only known at run time, so this builds
  // the argument list one arm at a time (2 + 4 + 8 instantiations for up to 3 arms).
  template <class... Cases>
  int select_static(const op& o, int k, int& fired, std::optional<int>& got, Cases&&... cases) {
    if (k == o.narms) {
      if (o.has_default) {
        return gocxx::select(std::forward<Cases>(cases)...,
                             gocxx::case_default([&fired, i = o.default_index()] { fired = i; }));
      }
      return gocxx::select(std::forward<Cases>(cases)...);
    }
    if constexpr (sizeof...(Cases) < kMaxStaticArms) {
      const select_arm& a = o.arms[k];
      const int idx = o.index_of_arm(k);
      if (a.is_send) {
        return select_static(o, k + 1, fired, got, std::forward<Cases>(cases)...,
                             gocxx::case_send(chans_[a.ch], a.value, [&fired, idx] { fired = idx; }));
      }
      return select_static(o, k + 1, fired, got, std::forward<Cases>(cases)...,
                           gocxx::case_recv(chans_[a.ch], [&fired, &got, idx](std::optional<int> v) {
                             fired = idx;
                             got = v;
                           }));
    } else {
      std::abort();  // the decoder gives the static form at most kMaxStaticArms arms
    }
  }

  outcome perform_select(const op& o, std::string& note) {
    outcome out;
    int fired = -1;
    std::optional<int> got;
    out.index = select_static(o, 0, fired, got);
    if (fired != out.index) {
      note = "select returned " + std::to_string(out.index) + " but ran the handler of " + std::to_string(fired);
    }
    out.ok = got.has_value();
    out.value = got.value_or(0);
    return out;
  }

  outcome perform_select_dynamic(const op& o, std::string& note) {
    outcome out;
    const gocxx::select_case d = gocxx::select_case::default_case();
    gocxx::select_case cases[kMaxArms + 1] = {d, d, d, d, d};
    int values[kMaxArms];
    std::optional<int> outs[kMaxArms];
    const int n = o.narms + (o.has_default ? 1 : 0);
    for (int i = 0, k = 0; i < n; ++i) {
      if (o.has_default && i == o.default_pos) continue;  // already a default
      const select_arm& a = o.arms[k];
      values[k] = a.value;
      cases[i] = a.is_send ? gocxx::select_case::send(chans_[a.ch], &values[k])
                           : gocxx::select_case::recv(chans_[a.ch], &outs[k]);
      ++k;
    }
    out.index = gocxx::select(std::span<gocxx::select_case>(cases, static_cast<std::size_t>(n)));
    int taken = o.arm_of_index(out.index);
    for (int k = 0; k < o.narms; ++k) {
      if (k != taken && outs[k].has_value()) note = "dynamic select wrote the result of an arm it did not take";
    }
    if (taken >= 0 && !o.arms[taken].is_send) {
      out.ok = outs[taken].has_value();
      out.value = outs[taken].value_or(0);
    }
    return out;
  }

  // Yields until no worker moves any more (see kQuietYields).
  void settle(int step, const char* what) {
    int quiet = 0;
    for (int i = 0; i < kSettleLimit; ++i) {
      std::uint64_t before = g_events;
      gocxx::yield();
      quiet = g_events == before ? quiet + 1 : 0;
      if (quiet == kQuietYields) return;
    }
    fail(step, std::string("no quiescence after ") + what + " (a livelock?)");
  }

  void collect(report (&seen)[kSlots]) {
    for (report& r : seen) r = report{};
    for (int w = 0; w < p_.nworkers; ++w) {
      worker_slot& ws = workers_[w];
      if (!ws.reported) continue;
      seen[w].completed = true;
      seen[w].out = ws.out;
      ws.reported = false;
    }
  }

  // Compares one step's reports with the model, and the channels' len with its buffers.
  void check(int step, int who, const op& o, const report (&seen)[kSlots]) {
    log_entry& e = log_[nlog_ < kMaxLog ? nlog_++ : kMaxLog - 1];
    e.step = step;
    e.who = who;
    e.o = o;
    for (int s = 0; s < kSlots; ++s) {
      e.seen[s] = seen[s];
      e.ops[s] = s < p_.nworkers ? workers_[s].current : nullptr;
    }
    if (g_trace) trace_line(e);
    for (int w = 0; w < p_.nworkers; ++w) {
      if (!workers_[w].note.empty()) fail(step, "w" + std::to_string(w) + ": " + workers_[w].note);
    }
    std::string diff = model_.apply(who, o, seen);
    if (!diff.empty()) fail(step, "the reports differ from the model's:\n" + diff);
    for (int w = 0; w < p_.nworkers; ++w) {
      if (seen[w].completed) account(*workers_[w].current, seen[w].out, step);
    }
    for (int c = 0; c < p_.nchans; ++c) {
      if (p_.cap[c] == kNil) continue;
      if (chans_[c].size() != static_cast<std::size_t>(model_.buffer(c).size()) || chans_[c].capacity() != static_cast<std::size_t>(p_.cap[c])) {
        fail(step, "c" + std::to_string(c) + ": len " + std::to_string(chans_[c].size()) + " cap " +
                       std::to_string(chans_[c].capacity()) + ", the model's buffer holds " +
                       std::to_string(model_.buffer(c).size()) + " of " + std::to_string(p_.cap[c]));
      }
    }
  }

  // The end of a program: close every open channel (the driver's own operation), then
  // drain every buffer; afterwards no worker may be blocked.
  void finish(int step) {
    report seen[kSlots];
    for (int c = 0; c < p_.nchans; ++c) {
      if (p_.cap[c] == kNil || model_.closed(c)) continue;
      op close_op;
      close_op.kind = op_kind::close;
      close_op.ch = c;
      std::string note;
      report mine{true, perform(close_op, note)};
      if (!note.empty()) fail(step, "driver: " + note);
      settle(step, "the final close");
      collect(seen);
      seen[kDriver] = mine;
      check(step, kDriver, close_op, seen);
    }
    for (int c = 0; c < p_.nchans; ++c) {
      if (p_.cap[c] == kNil) continue;
      const model::buffer_t expected = model_.buffer(c);
      int n = 0;
      for (;;) {
        gocxx::try_recv_result<int> r = chans_[c].try_recv();
        if (r.status == gocxx::chan_status::closed) break;
        if (r.status != gocxx::chan_status::ok) fail(step, "draining c" + std::to_string(c) + ": a closed channel would block");
        if (n >= expected.size() || *r.value != expected[n]) {
          fail(step, "draining c" + std::to_string(c) + ": got " + std::to_string(*r.value) + " at position " +
                         std::to_string(n) + ", the model's buffer holds " + std::to_string(expected.size()) +
                         (n < expected.size() ? " value(s), this one " + std::to_string(expected[n]) : " value(s)"));
        }
        received(*r.value, step);
        ++n;
      }
      if (n != expected.size()) {
        fail(step, "draining c" + std::to_string(c) + ": " + std::to_string(n) + " value(s), the model's buffer holds " +
                       std::to_string(expected.size()));
      }
    }
    for (int w = 0; w < p_.nworkers; ++w) {
      if (model_.blocked(w)) fail(step, "w" + std::to_string(w) + " is still blocked with every channel closed");
    }
  }

  // What a finished operation sent and received, for the value-conservation check.
  void account(const op& o, const outcome& out, int step) {
    if (out.panic != panic_kind::none) return;
    switch (o.kind) {
      case op_kind::send: sent(o.value, step); return;
      case op_kind::try_send:
        if (out.status == status_ok) sent(o.value, step);
        return;
      case op_kind::recv:
      case op_kind::try_recv:
        if (out.ok) received(out.value, step);
        return;
      case op_kind::close: return;
      case op_kind::select:
      case op_kind::select_dynamic: {
        int k = o.arm_of_index(out.index);
        if (k < 0) return;
        if (o.arms[k].is_send) {
          sent(o.arms[k].value, step);
        } else if (out.ok) {
          received(out.value, step);
        }
        return;
      }
    }
  }
  void sent(int v, int step) {
    if (v <= 0 || v > kMaxValue || ++sent_[v] > 1) fail(step, "value " + std::to_string(v) + " sent twice or out of range");
  }
  void received(int v, int step) {
    if (v <= 0 || v > kMaxValue) fail(step, "received value " + std::to_string(v) + ", which no step sends");
    ++received_[v];
  }

  // "step 3  w1: c0 <- 32  =>  w1 done ...;  w0 done ...;"
  std::string describe_entry(const log_entry& e) const {
    char buf[32];
    if (e.who == kDriver) {
      std::snprintf(buf, sizeof buf, "  end      driver: ");
    } else {
      std::snprintf(buf, sizeof buf, "  step %2d  w%d: ", e.step, e.who);
    }
    std::string s = buf + describe(p_, e.o) + "  =>";
    for (int w = 0; w < kSlots; ++w) {
      if (!e.seen[w].completed) continue;
      const op& pending = e.ops[w] ? *e.ops[w] : e.o;
      s += (w == kDriver ? std::string("  driver ") : "  w" + std::to_string(w) + " ") + describe(e.seen[w], pending) + ";";
    }
    return s;
  }
  void trace_line(const log_entry& e) const { std::fprintf(stderr, "%s\n", describe_entry(e).c_str()); }

  [[noreturn]] void fail(int step, const std::string& what) {
    std::fprintf(stderr, "\n==== chan_model_fuzz: gocxx disagrees with the model ====\n%s", describe(p_).c_str());
    std::fprintf(stderr, "steps run (who: operation  =>  what finished in that step; the last one failed):\n");
    for (int i = 0; i < nlog_; ++i) std::fprintf(stderr, "%s\n", describe_entry(log_[i]).c_str());
    std::fprintf(stderr, "failed at %s%s:\n%s\nmodel state now (channels, buffers, waiters):\n%s",
                 step < 0 ? "the end" : "step ", step < 0 ? "" : std::to_string(step).c_str(), what.c_str(),
                 model_.describe_state().c_str());
    std::fflush(stderr);
    std::abort();
  }

  const program& p_;
  model model_;
  gocxx::chan<int> chans_[kMaxChans];  // nil where the program says so
  worker_slot workers_[kMaxWorkers];
  static constexpr int kMaxLog = kMaxSteps + kMaxChans;  // the steps, then the final closes
  log_entry log_[kMaxLog];
  int nlog_ = 0;
  int sent_[kMaxValue + 1] = {};
  int received_[kMaxValue + 1] = {};
};

}  // namespace

// ASan's defaults for this binary (ASAN_OPTIONS still overrides them). Every noreturn
// call on a thread with a signal stack (every M has one) unpoisons that whole stack, and
// above clear_shadow_mmap_threshold ASan does so by mapping fresh shadow pages, which
// then fault in again: ~30 us per panic thrown and per goroutine exit. memset instead.
// A smaller quarantine keeps reusing warm memory (a freed block still waits behind 32 MB
// of others before reuse, which is ample for the few allocations of one program).
// Together: ~1,400 -> ~3,000 programs/s.
extern "C" const char* __asan_default_options() {
  return "clear_shadow_mmap_threshold=16777216:quarantine_size_mb=32";
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Before the runtime starts: one P, and no hog reports (sysmon's only goroutine-side
  // activity; it never runs goroutines, so it cannot perturb the schedule otherwise).
  setenv("GOCXX_MAXPROCS", "1", 1);
  setenv("GOCXX_HOG_MS", "0", 1);
  g_trace = std::getenv("CHAN_MODEL_TRACE") != nullptr && std::getenv("CHAN_MODEL_TRACE")[0] == '1';
  gocxx::set_max_procs(1);
  if (gocxx::max_procs() != 1) {
    std::fprintf(stderr, "chan_model_fuzz: max_procs() is %d, needs 1\n", gocxx::max_procs());
    std::abort();
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const program p = decode(data, size);
  if (g_trace) std::fprintf(stderr, "%s", describe(p).c_str());
  gocxx::run([&p] {
    runner r(p);
    r.run();
  });
  return 0;
}
