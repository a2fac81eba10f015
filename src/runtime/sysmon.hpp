// sysmon: the runtime's monitor thread (Go's sysmon, runtime/proc.go).
//
// It runs while goroutines run and sleeps, using no CPU, while every P has been idle
// for 50 ms. Awake it ticks every 20 µs at first, backing off (doubling after 50 quiet
// ticks, as Go's does) to every 640 µs (Go: 10 ms). Each tick it refreshes the coarse
// clock, prints GOCXX_SCHEDTRACE lines when asked, re-runs a deadlock check that plain
// threads held back (diag.cpp), and wakes an M for goroutines stranded on a P whose
// goroutine runs on without blocking (rescue_stranded_work in proc.cpp; a rescue
// restarts the backoff at 20 µs), and retakes the Ps of goroutines in gocxx::blocking
// calls that have lasted since its previous tick (blocking.cpp; a retake, or such a call
// seen, brings the next tick back to 20 µs).
//
// The coarse clock: milliseconds since the runtime started, refreshed by sysmon's
// ticks and when a P leaves the idle list; a parking goroutine stamps it (g::wait_since)
// for the dump's "N minutes" with one load, no clock read.
// Lock order: sysmon_note_busy_locked runs under sched.lock and takes nothing.
#pragma once

#include <atomic>
#include <cstdint>

namespace gocxx::detail {

extern std::atomic<std::uint32_t> g_coarse_ms;
inline std::uint32_t coarse_ms() { return g_coarse_ms.load(std::memory_order_relaxed); }
void refresh_coarse_clock();

// Starts the thread (ensure_started; a failure to start it is reported and ignored).
void sysmon_start();
// sched.lock held: a P left the idle list; wakes sysmon if it sleeps.
void sysmon_note_busy_locked();
// The deadlock check found every goroutine asleep but a plain thread that might still
// wake one: ask sysmon to check again later, backing off from 10 ms to 1 s.
void sysmon_recheck_deadlock();
// Whether `tid` is sysmon's thread (the deadlock check does not count it as a waker).
int sysmon_tid();

}  // namespace gocxx::detail
