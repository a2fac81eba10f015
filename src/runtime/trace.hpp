// The execution tracer's trace points (Go's runtime/trace.go, traceEvent): what the
// scheduler, the primitives and the timers tell it, and the per-thread buffers those
// events go to. The JSON writer is trace_write.cpp; the public API include/gocxx/trace.hpp.
//
// Cost. While no trace runs, a trace point is one relaxed load of g_tracing and a branch
// the predictor learns (the call is out of line). While one runs, an event is a clock
// read and a 32-byte store into the calling thread's own buffer: no lock, no syscall,
// no atomic RMW. Chunks of a buffer come prefaulted from a pool that the trace's
// background thread refills (a page fault costs ~18 us on our VMs).
//
// Stopping. A writer marks its buffer busy (a plain store and a compiler barrier), then
// checks g_tracing again; stop clears g_tracing, issues the asymmetric heavy fence
// (membarrier, allg.hpp) and waits until no buffer is busy. After that no writer is in
// a buffer and none will enter one: the same pairing as the dump's freezing.
//
// Time order. Every event of a goroutine that another thread can observe is recorded
// before it is published: create before the run-queue put, block before the primitive's
// unlock, unblock before the run-queue put. So a goroutine's events are in clock order
// whichever threads record them (CLOCK_MONOTONIC is one clock for all CPUs).
//
// Lock order: the registry lock (trace.cpp) is a leaf; it is never taken by a trace point
// except to make the calling thread's buffer, once per thread per trace, or for a new
// chunk, once per 2,047 events.
#pragma once

#include <atomic>
#include <cstdint>

#include "runtime/park.hpp"  // wait_reason

namespace gocxx::detail {

enum class trace_ev : std::uint8_t {
  g_create,    // g: new id, arg: creation file (const char*), reason|p<<8: line, u32: parent
  g_create_parent_high,  // u32: the high half of the parent id of the g_create before
  g_existing,  // at start: g, reason: its wait reason, p: its status, arg: file, u32: line
  g_start,     // g starts or resumes on this thread: p: P id, u32: the P's local queue length
  g_block,     // g parks: reason, arg: the object (channel, lock)
  g_unblock,   // g readied: arg: the readier's goroutine id (0: a plain thread), p: P id or ~0
  g_yield,     // g goes back to a run queue (gocxx::yield)
  g_end,       // g returned
  p_acquire,   // this thread takes P p; u32: idle Ps after
  p_release,   // this thread gives P p back; u32: idle Ps after
  m_spin,      // begins spinning; u32: spinning Ms after
  m_spin_end,  // stops spinning (found work or gives up); u32: spinning Ms after
  m_sleep,     // blocks in the kernel without a P
  m_wake,      // woken
  steal,       // took u32 goroutines from P p
  timer,       // a timer fired: arg: the timer, u32: how late in us
  globrunq,    // the global run queue's length is now u32
  region_begin,  // user region: u32: name string id, g
  region_end,
  log,  // u32: category string id, arg: message string id, g
};

struct trace_event {
  std::int64_t ts;  // nanotime()
  trace_ev type;
  std::uint8_t reason;
  std::uint16_t p;
  std::uint32_t u32;
  std::uint64_t g;
  std::uint64_t arg;
};
static_assert(sizeof(trace_event) == 32);

// True while a trace runs. Read relaxed: a trace point that misses the start or the
// stop by a few events is fine; stop's fence handles writers inside a buffer.
extern std::atomic<bool> g_tracing;
inline bool tracing() { return __builtin_expect(g_tracing.load(std::memory_order_relaxed), 0); }

// Records one event in the calling thread's buffer (a no-op if the trace has stopped).
[[gnu::cold]] void trace_emit(trace_ev type, std::uint8_t reason, std::uint16_t p, std::uint32_t u32, std::uint64_t g,
                              std::uint64_t arg) noexcept;

constexpr std::uint16_t trace_no_p = 0xffff;

// The trace points. Each is one branch while no trace runs, provided its arguments cost
// nothing: a call site whose arguments load an atomic (a queue's length, a count) tests
// tracing() itself first, as the compiler may not drop an atomic load it does not need.
inline void trace_g_create(std::uint64_t id, std::uint64_t parent, const char* file, std::uint32_t line) {
  if (tracing()) {
    // 32-byte events: the line in reason|p (24 bits), the parent in u32; a parent id past
    // 2^32 adds its high half in a second event.
    std::uint32_t l = line < (1u << 24) ? line : (1u << 24) - 1;
    trace_emit(trace_ev::g_create, static_cast<std::uint8_t>(l), static_cast<std::uint16_t>(l >> 8),
               static_cast<std::uint32_t>(parent), id, reinterpret_cast<std::uintptr_t>(file));
    if (parent >> 32) trace_emit(trace_ev::g_create_parent_high, 0, 0, static_cast<std::uint32_t>(parent >> 32), id, 0);
  }
}
inline void trace_g_start(std::uint64_t id, int p, std::uint32_t runq_len) {
  if (tracing()) trace_emit(trace_ev::g_start, 0, static_cast<std::uint16_t>(p), runq_len, id, 0);
}
inline void trace_g_block(std::uint64_t id, wait_reason r, const void* object) {
  if (tracing()) trace_emit(trace_ev::g_block, static_cast<std::uint8_t>(r), 0, 0, id, reinterpret_cast<std::uintptr_t>(object));
}
inline void trace_g_unblock(std::uint64_t id, std::uint64_t by, int p) {
  if (tracing()) trace_emit(trace_ev::g_unblock, 0, p < 0 ? trace_no_p : static_cast<std::uint16_t>(p), 0, id, by);
}
inline void trace_g_yield(std::uint64_t id) {
  if (tracing()) trace_emit(trace_ev::g_yield, 0, 0, 0, id, 0);
}
inline void trace_g_end(std::uint64_t id) {
  if (tracing()) trace_emit(trace_ev::g_end, 0, 0, 0, id, 0);
}
inline void trace_p(bool acquire, int p, int idle) {
  if (tracing()) {
    trace_emit(acquire ? trace_ev::p_acquire : trace_ev::p_release, 0, static_cast<std::uint16_t>(p),
               static_cast<std::uint32_t>(idle), 0, 0);
  }
}
inline void trace_spin(bool begin, int spinning) {
  if (tracing()) trace_emit(begin ? trace_ev::m_spin : trace_ev::m_spin_end, 0, 0, static_cast<std::uint32_t>(spinning), 0, 0);
}
inline void trace_m_sleep(bool sleep) {
  if (tracing()) trace_emit(sleep ? trace_ev::m_sleep : trace_ev::m_wake, 0, 0, 0, 0, 0);
}
inline void trace_steal(int victim, std::uint32_t n) {
  if (tracing()) trace_emit(trace_ev::steal, 0, static_cast<std::uint16_t>(victim), n, 0, 0);
}
inline void trace_timer(const void* t, std::int64_t late_ns) {
  if (tracing()) {
    trace_emit(trace_ev::timer, 0, 0, static_cast<std::uint32_t>(late_ns > 0 ? late_ns / 1000 : 0), 0,
               reinterpret_cast<std::uintptr_t>(t));
  }
}
inline void trace_globrunq(std::int64_t len) {
  if (tracing()) trace_emit(trace_ev::globrunq, 0, 0, static_cast<std::uint32_t>(len), 0, 0);
}

// GOCXX_TRACE: starts the process-wide trace when the runtime starts (ensure_started).
void trace_start_from_env();
// exit2's hook: a trace that runs is written before the process exits (a deadlock, a
// panic, a fatal error). Not from a signal handler (the writer allocates).
void trace_before_exit() noexcept;

}  // namespace gocxx::detail
