// chan_model.hpp: what a chan_model_fuzz input means (the program encoding), and a
// small sequential reference model of Go's channel semantics that predicts, step by step,
// every outcome of that program (docs/fuzzing.md). It knows nothing of gocxx: it is Go's
// specification plus the one thing Go's runtime fixes that the spec leaves open, the
// order of waiters (the one that has waited longest is woken first), written plainly
// enough to be checked by reading.
//
// A program: up to 4 channels of int (nil, unbuffered, or buffered with capacity 1-3),
// 2-4 workers, and up to 64 steps, each one operation issued to one worker: send, recv,
// try_send, try_recv, close, or a select (static or dynamic form) of 1-4 arms with or
// without a default. A step for a worker that is still blocked is skipped.
//
// Decoding never fails: bytes past the end read as 0, and a blocking operation that
// nothing could ever complete (a plain send or recv on a nil channel, a select without a
// default whose arms are all on nil channels) is decoded as its non-blocking form, so
// that closing every channel at the end always frees every worker.
//
// Invariants of the model (under them, Go's hchan invariants hold for every channel):
// - A worker is blocked iff it has an entry in some queue; each queue holds at most one
//   entry per worker (a select's arms on one channel in one direction share one entry,
//   as a mask: the arms of one select are enqueued together, so they are adjacent).
// - A closed channel has empty queues; a buffered channel with values has no waiting
//   receiver, and one with room has no waiting sender.
//
// Nondeterminism: where Go allows several outcomes (a select with several ready arms; a
// blocked select woken through one of several arms on the same channel; a select blocked
// on both a send and a receive on a channel that is closed), the model takes the choice
// the program reported, checks that it was one of the allowed ones, and goes on with it.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace chan_model {

constexpr int kMaxChans = 4;
constexpr int kMaxWorkers = 4;
constexpr int kMaxSteps = 64;
constexpr int kMaxArms = 4;        // dynamic select; the static form takes at most 3
constexpr int kMaxStaticArms = 3;
constexpr int kNil = -1;           // capacity of a nil channel
constexpr int kDriver = kMaxWorkers;  // report slot of the driver (its closes at the end)
constexpr int kSlots = kMaxWorkers + 1;

enum class op_kind : std::uint8_t { send, recv, try_send, try_recv, close, select, select_dynamic };

struct select_arm {
  bool is_send = false;
  int ch = 0;
  int value = 0;  // a send arm's value
};

struct op {
  op_kind kind = op_kind::recv;
  int ch = 0;     // send, recv, try_send, try_recv, close
  int value = 0;  // send, try_send: unique in the program, never 0
  // select and select_dynamic: the arms in argument order, the default placed among them
  // at default_pos (the static form always puts it last).
  int narms = 0;
  select_arm arms[kMaxArms];
  bool has_default = false;
  int default_pos = 0;

  bool is_select() const { return kind == op_kind::select || kind == op_kind::select_dynamic; }
  // The index gocxx::select returns for arm k, and for the default.
  int index_of_arm(int k) const { return has_default && k >= default_pos ? k + 1 : k; }
  int default_index() const { return default_pos; }
  // The arm an index names; -1 for the default or an index out of range.
  int arm_of_index(int i) const {
    if (has_default && i == default_pos) return -1;
    int k = has_default && i > default_pos ? i - 1 : i;
    return k >= 0 && k < narms ? k : -1;
  }
};

struct step {
  int worker = 0;
  op o;
};

struct program {
  int nchans = 1;
  int cap[kMaxChans] = {0, 0, 0, 0};  // kNil, 0 (unbuffered) or 1-3
  int nworkers = 2;
  int nsteps = 0;
  step steps[kMaxSteps];
};

// A FIFO of at most N elements, in place: the model allocates nothing (under ASan every
// allocation touches fresh memory, and the fuzzer runs thousands of programs a second).
template <class T, int N>
class small_fifo {
 public:
  int size() const { return n_; }
  bool empty() const { return n_ == 0; }
  const T& operator[](int i) const { return v_[i]; }
  const T& front() const { return v_[0]; }
  T& back() { return v_[n_ - 1]; }
  void push_back(const T& x) {
    if (n_ == N) {  // more than the model's invariants allow: a model bug
      std::fprintf(stderr, "chan_model: small_fifo overflow (a bug in the model)\n");
      std::abort();
    }
    v_[n_++] = x;
  }
  void pop_front() { erase(0); }
  void erase(int i) {
    for (int j = i; j + 1 < n_; ++j) v_[j] = v_[j + 1];
    --n_;
  }
  void clear() { n_ = 0; }
  const T* begin() const { return v_; }
  const T* end() const { return v_ + n_; }

 private:
  T v_[N] = {};
  int n_ = 0;
};

// ---- the encoding ----
//
//   byte 0          channels = (b & 3) + 1, workers = (b >> 2) % 3 + 2
//   next nchans     each channel: b % 6: 0 nil, 1-2 unbuffered, 3-5 capacity 1-3
//   then, per step  A: worker = (A & 3) % workers, op = (A >> 2) & 7, channel = (A >> 5) % channels
//                      op 0 send, 1 recv, 2 try_send, 3 try_recv, 4 close, 5 select,
//                      6 dynamic select, 7 send
//                   select only, B: arms = B % 4 + 1 (static: at most 3), default = (B >> 2) & 1,
//                      default position (dynamic) = (B >> 3) % (arms + 1)
//                      then one byte per arm: channel = (b & 3) % channels, send = (b >> 2) & 1
// A send's value is (step + 1) * 8 + arm (plain sends: arm 0), so every value is unique.
class byte_reader {
 public:
  byte_reader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool done() const { return pos_ >= size_; }
  std::uint8_t next() { return pos_ < size_ ? data_[pos_++] : 0; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

inline program decode(const std::uint8_t* data, std::size_t size) {
  program p;
  byte_reader in(data, size);
  std::uint8_t h = in.next();
  p.nchans = (h & 3) + 1;
  p.nworkers = (h >> 2) % 3 + 2;
  for (int c = 0; c < p.nchans; ++c) {
    int k = in.next() % 6;
    p.cap[c] = k == 0 ? kNil : k <= 2 ? 0 : k - 2;
  }
  while (!in.done() && p.nsteps < kMaxSteps) {
    const int value_base = (p.nsteps + 1) * 8;
    std::uint8_t a = in.next();
    step s;
    s.worker = (a & 3) % p.nworkers;
    op& o = s.o;
    static constexpr op_kind kinds[8] = {op_kind::send,  op_kind::recv,   op_kind::try_send,       op_kind::try_recv,
                                         op_kind::close, op_kind::select, op_kind::select_dynamic, op_kind::send};
    o.kind = kinds[(a >> 2) & 7];
    o.ch = (a >> 5) % p.nchans;
    o.value = value_base;
    if (o.is_select()) {
      std::uint8_t b = in.next();
      int max_arms = o.kind == op_kind::select ? kMaxStaticArms : kMaxArms;
      o.narms = b % 4 + 1;
      if (o.narms > max_arms) o.narms = max_arms;
      o.has_default = ((b >> 2) & 1) != 0;
      bool any_live = false;
      for (int k = 0; k < o.narms; ++k) {
        std::uint8_t c = in.next();
        o.arms[k].ch = (c & 3) % p.nchans;
        o.arms[k].is_send = ((c >> 2) & 1) != 0;
        o.arms[k].value = value_base + k;
        any_live |= p.cap[o.arms[k].ch] != kNil;
      }
      if (!any_live) o.has_default = true;  // else it would block forever
      o.default_pos = !o.has_default ? 0 : o.kind == op_kind::select ? o.narms : (b >> 3) % (o.narms + 1);
    } else if (p.cap[o.ch] == kNil) {
      // A plain send or receive on nil blocks forever: use the non-blocking form.
      if (o.kind == op_kind::send) o.kind = op_kind::try_send;
      if (o.kind == op_kind::recv) o.kind = op_kind::try_recv;
    }
    p.steps[p.nsteps++] = s;
  }
  return p;
}

// ---- outcomes ----

enum class panic_kind : std::uint8_t { none, send_on_closed, close_of_closed, close_of_nil, other };

// The try statuses, as gocxx::chan_status (the fuzz target checks the correspondence).
enum try_status : int { status_none = -1, status_ok = 0, status_would_block = 1, status_closed = 2 };

// What one finished operation did.
struct outcome {
  int index = -1;   // a select: the index it returned (the default's too); -1 otherwise or on a panic
  bool ok = false;  // a receive (plain, try, or a select's receive arm) got a value
  int value = 0;    // that value; 0 when !ok
  int status = status_none;  // try_send, try_recv
  panic_kind panic = panic_kind::none;
  friend bool operator==(const outcome&, const outcome&) = default;
};

// What a slot (a worker, or the driver) reported for one step: whether its pending
// operation finished during the step, and how.
struct report {
  bool completed = false;
  outcome out;
  friend bool operator==(const report&, const report&) = default;
};

inline const char* panic_text(panic_kind k) {
  switch (k) {
    case panic_kind::none: return "";
    case panic_kind::send_on_closed: return "send on closed channel";
    case panic_kind::close_of_closed: return "close of closed channel";
    case panic_kind::close_of_nil: return "close of nil channel";
    case panic_kind::other: return "(another exception)";
  }
  return "?";
}

inline std::string describe_chan(const program& p, int c) {
  char buf[32];
  if (p.cap[c] == kNil) {
    std::snprintf(buf, sizeof buf, "c%d(nil)", c);
  } else {
    std::snprintf(buf, sizeof buf, "c%d", c);
  }
  return buf;
}

inline std::string describe(const program& p, const op& o) {
  char buf[64];
  std::string s;
  switch (o.kind) {
    case op_kind::send: std::snprintf(buf, sizeof buf, "%s <- %d", describe_chan(p, o.ch).c_str(), o.value); return buf;
    case op_kind::recv: return "<-" + describe_chan(p, o.ch);
    case op_kind::try_send:
      std::snprintf(buf, sizeof buf, "try_send(%s, %d)", describe_chan(p, o.ch).c_str(), o.value);
      return buf;
    case op_kind::try_recv: return "try_recv(" + describe_chan(p, o.ch) + ")";
    case op_kind::close: return "close(" + describe_chan(p, o.ch) + ")";
    case op_kind::select:
    case op_kind::select_dynamic:
      s = o.kind == op_kind::select ? "select{" : "select_dynamic{";
      for (int i = 0, k = 0; i < o.narms + (o.has_default ? 1 : 0); ++i) {
        if (i) s += "; ";
        if (o.has_default && i == o.default_pos) {
          s += "default";
          continue;
        }
        const select_arm& a = o.arms[k++];
        if (a.is_send) {
          std::snprintf(buf, sizeof buf, "%s <- %d", describe_chan(p, a.ch).c_str(), a.value);
          s += buf;
        } else {
          s += "<-" + describe_chan(p, a.ch);
        }
      }
      return s + "}";
  }
  return "?";
}

// `o`: the operation that reported (its value and ok are shown only for a receive).
inline std::string describe(const report& r, const op& pending) {
  if (!r.completed) return "blocked / not finished";
  const outcome& o = r.out;
  int arm = pending.is_select() ? pending.arm_of_index(o.index) : -1;
  bool receives = pending.kind == op_kind::recv || pending.kind == op_kind::try_recv ||
                  (arm >= 0 && !pending.arms[arm].is_send);
  std::string s = "done";
  char buf[64];
  if (o.index >= 0) {
    std::snprintf(buf, sizeof buf, " index=%d", o.index);
    s += buf;
  }
  if (o.status != status_none) {
    static const char* names[] = {"ok", "would_block", "closed"};
    s += " status=";
    s += o.status >= 0 && o.status <= 2 ? names[o.status] : "?";
  }
  if (o.panic == panic_kind::none && (receives || o.ok || o.value)) {
    std::snprintf(buf, sizeof buf, " value=%d ok=%d", o.value, o.ok ? 1 : 0);
    s += buf;
  }
  if (o.panic != panic_kind::none) {
    s += " panic=\"";
    s += panic_text(o.panic);
    s += "\"";
  }
  return s;
}

inline std::string describe(const program& p) {
  std::string s;
  char buf[96];
  std::snprintf(buf, sizeof buf, "program: %d channel(s), %d worker(s), %d step(s)\n", p.nchans, p.nworkers,
                p.nsteps);
  s += buf;
  for (int c = 0; c < p.nchans; ++c) {
    if (p.cap[c] == kNil) {
      std::snprintf(buf, sizeof buf, "  c%d: nil\n", c);
    } else if (p.cap[c] == 0) {
      std::snprintf(buf, sizeof buf, "  c%d: make(chan int)\n", c);
    } else {
      std::snprintf(buf, sizeof buf, "  c%d: make(chan int, %d)\n", c, p.cap[c]);
    }
    s += buf;
  }
  for (int i = 0; i < p.nsteps; ++i) {
    std::snprintf(buf, sizeof buf, "  step %2d  w%d: ", i, p.steps[i].worker);
    s += buf;
    s += describe(p, p.steps[i].o);
    s += "\n";
  }
  return s;
}

// ---- the model ----

class model {
 public:
  explicit model(const program& p) : p_(p) {
    for (int c = 0; c < p.nchans; ++c) chans_[c].cap = p.cap[c];
  }

  bool blocked(int w) const { return workers_[w].blocked; }
  bool closed(int c) const { return chans_[c].closed; }
  using buffer_t = small_fifo<int, 3>;
  const buffer_t& buffer(int c) const { return chans_[c].buf; }

  // Applies `o`, issued by slot `who` (a worker, or kDriver), to the model and compares
  // what it predicts for every slot with `seen` (what each slot reported for this step).
  // Choices Go leaves open are read from `seen` and checked to be allowed. Returns "" if
  // everything matches, else what did not.
  std::string apply(int who, const op& o, const report (&seen)[kSlots]) {
    seen_ = &seen;
    err_.clear();
    for (report& r : expect_) r = report{};
    issue(who, o);
    if (!err_.empty()) return err_;
    std::string diff;
    for (int s = 0; s < kSlots; ++s) {
      if (s >= p_.nworkers && s != kDriver) continue;
      if (expect_[s] == seen[s]) continue;
      char buf[48];
      std::snprintf(buf, sizeof buf, "  %s%d: expected ", s == kDriver ? "driver" : "w", s == kDriver ? 0 : s);
      diff += buf;
      const op& pending = s == who ? o : workers_[s].pending;
      diff += describe(expect_[s], pending) + ", got " + describe(seen[s], pending) + "\n";
    }
    return diff;
  }

  // The queues and buffers, for a failure report.
  std::string describe_state() const {
    std::string s;
    char buf[64];
    for (int c = 0; c < p_.nchans; ++c) {
      const chan_state& ch = chans_[c];
      if (ch.cap == kNil) continue;
      std::snprintf(buf, sizeof buf, "  c%d%s buf=[", c, ch.closed ? " closed" : "");
      s += buf;
      for (int i = 0; i < ch.buf.size(); ++i) s += (i ? "," : "") + std::to_string(ch.buf[i]);
      s += "] sendq=[";
      for (int i = 0; i < ch.sendq.size(); ++i) s += (i ? ",w" : "w") + std::to_string(ch.sendq[i].worker);
      s += "] recvq=[";
      for (int i = 0; i < ch.recvq.size(); ++i) s += (i ? ",w" : "w") + std::to_string(ch.recvq[i].worker);
      s += "]\n";
    }
    return s;
  }

 private:
  struct entry {
    int worker = 0;
    unsigned arms = 0;  // mask of the arms waiting here; a plain send or recv: 1
  };
  using queue_t = small_fifo<entry, kMaxWorkers>;
  struct chan_state {
    int cap = kNil;
    bool closed = false;
    buffer_t buf;
    queue_t sendq, recvq;
  };
  struct worker_state {
    bool blocked = false;
    op pending;  // the operation it is blocked in
  };

  void fail(const std::string& what) {
    if (err_.empty()) err_ = "  " + what + "\n";
  }

  bool send_ready(int c) const {
    const chan_state& ch = chans_[c];
    if (ch.cap == kNil) return false;
    return ch.closed || !ch.recvq.empty() || ch.buf.size() < ch.cap;
  }
  bool recv_ready(int c) const {
    const chan_state& ch = chans_[c];
    if (ch.cap == kNil) return false;
    return ch.closed || !ch.buf.empty() || !ch.sendq.empty();
  }

  // The arm through which blocked worker w was woken, among `arms`: the only one, or the
  // one it reported (which must be among them).
  int resolve(int w, unsigned arms) {
    int only = std::countr_zero(arms);
    if (std::popcount(arms) == 1) return only;
    const report& r = (*seen_)[w];
    int k = r.completed ? workers_[w].pending.arm_of_index(r.out.index) : -1;
    if (k < 0 || !(arms & (1u << k))) {
      char buf[128];
      std::snprintf(buf, sizeof buf, "w%d should have been woken through one of its arms (mask 0x%x); it reported: ", w,
                    arms);
      fail(buf + describe(r, workers_[w].pending));
      return only;
    }
    return k;
  }

  // Takes w off every queue; it is no longer blocked.
  void unblock(int w) {
    for (chan_state& ch : chans_) {
      for (queue_t* q : {&ch.sendq, &ch.recvq}) {
        for (int i = 0; i < q->size();) {
          if ((*q)[i].worker == w) {
            q->erase(i);
          } else {
            ++i;
          }
        }
      }
    }
    workers_[w].blocked = false;
  }

  void complete(int slot, const outcome& out) {
    expect_[slot].completed = true;
    expect_[slot].out = out;
  }

  // A waiting receiver (first of recvq) gets v.
  void wake_receiver(const entry e, int v, bool ok) {
    const op& pend = workers_[e.worker].pending;
    outcome out;
    out.ok = ok;
    out.value = ok ? v : 0;
    if (pend.is_select()) out.index = pend.index_of_arm(resolve(e.worker, e.arms));
    unblock(e.worker);
    complete(e.worker, out);
  }

  // A waiting sender (first of sendq) gives its value up; returns it.
  int take_sender(const entry e) {
    const op& pend = workers_[e.worker].pending;
    outcome out;
    int v = pend.value;
    if (pend.is_select()) {
      int k = resolve(e.worker, e.arms);
      v = pend.arms[k].value;
      out.index = pend.index_of_arm(k);
    }
    unblock(e.worker);
    complete(e.worker, out);
    return v;
  }

  // Go's chansend past the closed check, for a ready channel.
  void send_now(int c, int v) {
    chan_state& ch = chans_[c];
    if (!ch.recvq.empty()) {
      if (!ch.buf.empty()) fail("model invariant: receivers wait on a non-empty buffer");
      entry e = ch.recvq.front();
      ch.recvq.pop_front();
      wake_receiver(e, v, true);
    } else {
      ch.buf.push_back(v);
    }
  }

  // Go's chanrecv, for a ready channel: the value (or !ok once closed and drained).
  void recv_now(int c, int& v, bool& ok) {
    chan_state& ch = chans_[c];
    ok = true;
    if (!ch.buf.empty()) {
      v = ch.buf.front();
      ch.buf.pop_front();
      if (!ch.sendq.empty()) {  // the buffer was full: the first sender's value goes to the tail
        entry e = ch.sendq.front();
        ch.sendq.pop_front();
        ch.buf.push_back(take_sender(e));
      }
    } else if (!ch.sendq.empty()) {
      entry e = ch.sendq.front();
      ch.sendq.pop_front();
      v = take_sender(e);
    } else {
      v = 0;
      ok = false;  // closed and drained
    }
  }

  // w blocks with `arms` of its pending op waiting on c in one direction.
  void enqueue(int w, int c, bool is_send, unsigned arms) {
    auto& q = is_send ? chans_[c].sendq : chans_[c].recvq;
    if (!q.empty() && q.back().worker == w) {
      q.back().arms |= arms;
    } else {
      q.push_back({w, arms});
    }
  }

  void block(int w, const op& o) {
    if (w == kDriver) {
      fail("model: the driver's own operation would block");
      return;
    }
    workers_[w].blocked = true;
    workers_[w].pending = o;
    if (!o.is_select()) {
      enqueue(w, o.ch, o.kind == op_kind::send, 1);
      return;
    }
    bool any = false;
    for (int k = 0; k < o.narms; ++k) {
      if (chans_[o.arms[k].ch].cap == kNil) continue;  // a nil arm never proceeds
      enqueue(w, o.arms[k].ch, o.arms[k].is_send, 1u << k);
      any = true;
    }
    if (!any) fail("model: a select blocked on nil channels only (the decoder forbids it)");
  }

  void do_close(int who, int c) {
    chan_state& ch = chans_[c];
    outcome out;
    if (ch.cap == kNil) {
      out.panic = panic_kind::close_of_nil;
    } else if (ch.closed) {
      out.panic = panic_kind::close_of_closed;
    } else {
      ch.closed = true;
      // Every receiver gets (0, false), every sender panics. A select waiting on both a
      // send and a receive here may be woken either way (Go's runtime wakes receivers
      // first; the spec leaves it open): its report decides.
      const queue_t recvq = ch.recvq, sendq = ch.sendq;
      ch.recvq.clear();
      ch.sendq.clear();
      for (const entry& e : recvq) {
        if (!workers_[e.worker].blocked) continue;
        bool also_sends = false;
        for (const entry& s : sendq) also_sends |= s.worker == e.worker;
        const report& r = (*seen_)[e.worker];
        if (also_sends && r.completed && r.out.panic == panic_kind::send_on_closed) continue;  // woken as a sender
        wake_receiver(e, 0, false);
      }
      for (const entry& e : sendq) {
        if (!workers_[e.worker].blocked) continue;
        outcome p;
        p.panic = panic_kind::send_on_closed;
        unblock(e.worker);
        complete(e.worker, p);
      }
    }
    complete(who, out);
  }

  void do_select(int who, const op& o) {
    unsigned ready = 0, closed_sends = 0;
    for (int k = 0; k < o.narms; ++k) {
      const select_arm& a = o.arms[k];
      if (a.is_send ? send_ready(a.ch) : recv_ready(a.ch)) ready |= 1u << k;
      if (a.is_send && ready & (1u << k) && chans_[a.ch].closed) closed_sends |= 1u << k;
    }
    outcome out;
    if (ready == 0) {
      if (o.has_default) {
        out.index = o.default_index();
        complete(who, out);
      } else {
        block(who, o);
      }
      return;
    }
    // Some arm is ready: one of the ready ones is taken (any: Go picks uniformly). A send
    // arm on a closed channel panics and reports no index.
    const report& r = (*seen_)[who];
    int k;
    if (closed_sends && r.completed && r.out.panic == panic_kind::send_on_closed) {
      k = std::countr_zero(closed_sends);
    } else if (std::popcount(ready) == 1) {
      k = std::countr_zero(ready);
    } else {
      k = r.completed ? o.arm_of_index(r.out.index) : -1;
      if (k < 0 || !(ready & (1u << k))) {
        char buf[128];
        std::snprintf(buf, sizeof buf, "the select should have taken one of its ready arms (mask 0x%x); it reported: ",
                      ready);
        fail(buf + describe(r, o));
        return;
      }
    }
    const select_arm& a = o.arms[k];
    if (a.is_send) {
      if (chans_[a.ch].closed) {
        out.panic = panic_kind::send_on_closed;
      } else {
        send_now(a.ch, a.value);
        out.index = o.index_of_arm(k);
      }
    } else {
      recv_now(a.ch, out.value, out.ok);
      out.index = o.index_of_arm(k);
    }
    complete(who, out);
  }

  void issue(int who, const op& o) {
    outcome out;
    switch (o.kind) {
      case op_kind::send:
        if (chans_[o.ch].closed) {
          out.panic = panic_kind::send_on_closed;
          complete(who, out);
        } else if (send_ready(o.ch)) {
          send_now(o.ch, o.value);
          complete(who, out);
        } else {
          block(who, o);
        }
        return;
      case op_kind::recv:
        if (recv_ready(o.ch)) {
          recv_now(o.ch, out.value, out.ok);
          complete(who, out);
        } else {
          block(who, o);
        }
        return;
      case op_kind::try_send:
        // gocxx's try_send reports closed instead of panicking (docs/differences.md).
        out.status = chans_[o.ch].cap == kNil ? status_would_block
                     : chans_[o.ch].closed    ? status_closed
                     : send_ready(o.ch)       ? status_ok
                                              : status_would_block;
        if (out.status == status_ok) send_now(o.ch, o.value);
        complete(who, out);
        return;
      case op_kind::try_recv:
        if (chans_[o.ch].cap != kNil && (!chans_[o.ch].buf.empty() || !chans_[o.ch].sendq.empty())) {
          recv_now(o.ch, out.value, out.ok);
          out.status = status_ok;
        } else {
          out.status = chans_[o.ch].cap != kNil && chans_[o.ch].closed ? status_closed : status_would_block;
        }
        complete(who, out);
        return;
      case op_kind::close: do_close(who, o.ch); return;
      case op_kind::select:
      case op_kind::select_dynamic: do_select(who, o); return;
    }
  }

  const program& p_;
  chan_state chans_[kMaxChans];
  worker_state workers_[kMaxWorkers];
  report expect_[kSlots];
  const report (*seen_)[kSlots] = nullptr;
  std::string err_;
};

}  // namespace chan_model
