// The time package over the runtime's timers (runtime/timers.hpp): sleep, timer and
// ticker channels, after_func. Semantics: gocxx/time.hpp.
//
// Ownership. A chan timer's record is owned by its channel (one reference, dropped by
// timer_chan_freed when the channel's last handle goes, which also disarms it) plus one
// per heap entry; a timer or ticker handle holds the channel and one more reference. So
// dropping every handle of an unstopped timer frees it, and nothing is sent after. A func
// timer's record is held by its handles, its entries and the goroutines running its
// function: it stays armed without handles.
//
// Go 1.23's synchronous channels: a fire sends into the channel's one-slot buffer under
// the timer's mu; stop and reset take the same mu and drain that slot, so once they
// return no value from before them can be received, and a drained value counts as "not
// fired yet" (stop returns true).
//
// Lock order: timer_rec::mu -> the timer channel's lock (drain) -> nothing (timers.hpp).
#include "gocxx/time.hpp"

#include <time.h>

#include <cerrno>

#include "runtime/park.hpp"
#include "runtime/sched.hpp"
#include "runtime/timers.hpp"

namespace gocxx::detail {

namespace {

constexpr elem_ops timer_chan_ops = [] {
  elem_ops ops = elem_ops_of<std::chrono::steady_clock::time_point>::value;
  ops.timer_chan = true;
  return ops;
}();

// t->mu held: discards an unreceived value. True if there was one.
bool drain_locked(timer_rec* t) {
  return t->ch && chan_try_recv(t->ch, nullptr) == chan_status::ok;
}

// park's unlock for sleep: arms the goroutine's sleep timer once its context is saved,
// so its fire (on any M) can never ready it before it has parked.
void arm_sleep(void* arg) {
  auto* t = static_cast<timer_rec*>(arg);
  timer_sweeps sweeps;
  t->mu.lock();
  timer_arm_locked(t, t->when, sweeps);
  t->mu.unlock();  // t may be gone from here on (the goroutine may have woken)
  sweeps.run();
}

}  // namespace

std::int64_t deadline_after(std::int64_t ns) noexcept {
  std::int64_t now = nanotime();
  if (ns > 0 && now > when_never - ns) return when_never;
  return now + ns;
}

void sleep_until_ns(std::int64_t when) {
  ensure_started();
  g* gp = current_g();
  if (!gp) {
    // A plain thread blocks itself, on the same clock.
    timespec ts{};
    if (when == when_never) when = when_never - 1;
    ts.tv_sec = static_cast<time_t>(when / 1'000'000'000);
    ts.tv_nsec = static_cast<long>(when % 1'000'000'000);
    while (nanotime() < when) {
      if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) != 0 && errno != EINTR) break;
    }
    return;
  }
  if (when <= nanotime()) {
    gocxx::yield();
    return;
  }
  timer_rec t;
  t.kind = timer_rec::sleep_timer;
  t.sleeper = &gp->w;
  t.when = when;
  park(wait_reason::sleep, &arm_sleep, &t);
}

hchan* timer_make_chan(std::int64_t when, std::int64_t period, timer_rec** rec) {
  ensure_started();
  auto* t = new timer_rec;  // refs 1: the channel's
  t->kind = timer_rec::chan_timer;
  t->period = period;
  try {
    t->ch = chan_make_timer(&timer_chan_ops, t);
  } catch (...) {
    delete t;
    throw;
  }
  timer_sweeps sweeps;
  t->mu.lock();
  timer_arm_locked(t, when, sweeps);
  t->mu.unlock();
  sweeps.run();
  if (rec) {
    timer_retain(t);  // the handle's
    *rec = t;
  }
  return t->ch;
}

timer_rec* timer_make_func(std::int64_t when, task fn, const source_location& where) {
  ensure_started();
  auto* t = new timer_rec;  // refs 1: the handle's
  t->kind = timer_rec::func_timer;
  t->fn = new func_timer_body{std::move(fn), where.file_name(), where.line()};
  timer_sweeps sweeps;
  t->mu.lock();
  timer_arm_locked(t, when, sweeps);
  t->mu.unlock();
  sweeps.run();
  return t;
}

bool timer_stop(timer_rec* t) {
  timer_sweeps sweeps;
  t->mu.lock();
  bool pending = timer_disarm_locked(t, sweeps);
  if (drain_locked(t)) pending = true;
  t->mu.unlock();
  sweeps.run();
  return pending;
}

bool timer_reset(timer_rec* t, std::int64_t when, std::int64_t period) {
  timer_sweeps sweeps;
  t->mu.lock();
  bool pending = t->when != 0;
  if (drain_locked(t)) pending = true;
  if (period > 0) t->period = period;
  timer_arm_locked(t, when, sweeps);
  t->mu.unlock();
  sweeps.run();
  return pending;
}

void timer_chan_freed(void* owner) noexcept {
  auto* t = static_cast<timer_rec*>(owner);
  timer_sweeps sweeps;
  t->mu.lock();
  timer_disarm_locked(t, sweeps);
  t->ch = nullptr;  // a fire that reaches the lock after us sends nothing
  t->mu.unlock();
  sweeps.run();
  timer_release(t);  // the channel's reference
}

}  // namespace gocxx::detail
