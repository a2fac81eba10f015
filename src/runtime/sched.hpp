// The scheduler's data: G (goroutine), M (OS thread), P (processor) and the global
// scheduler state. The algorithms live in proc.cpp (its opening comment is the design).
//
// Ownership
// - A G is owned by whoever holds it: the M running it (m::curg), the run queue it sits
//   in, or the wait queue (sudog) or waiter that will ready it. ready() transfers it
//   from a waiter to a run queue exactly once.
// - A P is owned by one M at a time (m::pp), or sits in the idle list under sched.lock.
// - The per-P caches (stacks, free Gs) are touched only by the M owning the P.
//
// Lock order: sched.lock, then stack_pool locks; the G records' locks (grecord.hpp) are leaves. No channel
// or sync lock is ever taken under sched.lock, and ready() may be called with a channel
// lock held.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "gocxx/detail/task.hpp"
#include "gocxx/runtime.hpp"
#include "runtime/fiber.hpp"
#include "runtime/lock.hpp"
#include "runtime/park.hpp"
#include "runtime/runq.hpp"
#include "runtime/stack.hpp"
#include "runtime/timers.hpp"

namespace gocxx::detail {

struct m;
struct p;

// The C++ runtime's per-thread record of exceptions being handled (the Itanium ABI's
// __cxa_eh_globals: the caught-exception stack and std::uncaught_exceptions()). It must
// be per goroutine: a catch handler that blocks and resumes must still see its own
// exception. The scheduler swaps it at every switch (eh_swap in proc.cpp).
struct eh_state {
  void* caught = nullptr;
  unsigned int uncaught = 0;
};

// idle (free record) -> runnable (spawn) -> running -> waiting (park) -> runnable
// (ready) -> ... -> dead (exit) -> idle. ready() checks waiting -> runnable in checked
// builds (debug and sanitizer builds: GOCXX_CHECKED_BUILD).
enum class g_status : std::uint32_t { idle, runnable, running, waiting, dead };
#if !defined(NDEBUG) || defined(GOCXX_ASAN) || defined(GOCXX_TSAN)
#define GOCXX_CHECKED_BUILD 1
#else
#define GOCXX_CHECKED_BUILD 0
#endif

// Kept small: a parked goroutine costs its stack page plus this record (200 bytes, a
// 208-byte malloc chunk, with the channel sudog inside its waiter) plus, in
// parked_memory, its channel; that workload's budget is 4,500 bytes per goroutine.
struct g {
  context ctx;
  stack* stk = nullptr;          // given when the G first runs; null while only spawned
  std::uint64_t id = 0;
  std::atomic<g_status> status{g_status::idle};
  wait_reason reason = wait_reason::none;
  // 1 from just before a parking G releases its primitive's lock until its context is
  // saved (the after_switch of the switch away). Whoever switches to a G first waits for
  // 0, so a G readied at once by another P is never resumed on a half-saved stack.
  std::atomic<std::uint8_t> switching{0};
  // stk->guarded, copied when the stack is given: the switch away checks it without
  // touching the stack's descriptor (one cache line less per switch).
  bool stack_guarded = false;
  // Nonzero while a dump (or the lock-cycle check) holds this G frozen (allg.hpp: each
  // freezer adds 1): whoever would resume it waits. Read right after the resumer's
  // store of `running`, with only a compiler barrier between: the dumper's side issues
  // the full fence for both (an asymmetric fence, membarrier).
  std::atomic<std::uint8_t> pinned{0};
  std::uint32_t stack_size = 0;  // requested usable size (0: default); < 4 GiB
  std::uint32_t created_line = 0;  // creation site ("created by file:line")
  g* schedlink = nullptr;          // run-queue / free-list link
  waiter w;                        // this G as a waiter (w.gp == this); holds its chan sudog
  const char* created_file = "";
  task fn;
  std::uint64_t parent_id = 0;
  // Its eh_state, saved while not running, as two fields so that the 4 bytes of padding
  // after them hold wait_since (a 208-byte record is a 224-byte malloc chunk: one more
  // page fault per 18 goroutines, ~7% of spawn's time on the EPYC VM).
  void* eh_caught = nullptr;
  unsigned int eh_uncaught = 0;
  std::uint32_t wait_since = 0;  // coarse_ms() when it last parked (the dump's "N minutes")
  // Two fields live in the G's waiter where a goroutine leaves room (see waiter):
  // its all-G registry slot (allg.cpp) in w.wake, and the gocxx::mutex it is parked
  // locking (lockcycle.hpp) in w.chan_wait.elem.
};
static_assert(sizeof(g) - sizeof(context) <= 192, "a parked goroutine pays for every byte (parked_memory)");
static_assert(alignof(g) == alignof(void*), "no padding to a larger alignment");

// An action to run right after a switch, on the side that was switched to (never on the
// stack being left): it is how park's unlock and a G's exit run only after the old
// context is fully saved. See park() in proc.cpp.
struct after_switch {
  void (*fn)(void*) = nullptr;
  void* arg = nullptr;
};

struct p {
  int id = 0;
  runq q;
  std::atomic<std::uint32_t> schedtick{0};  // schedules so far; only the owner writes
  std::uint32_t global_check = 61; // counts down; at 0 the global queue is looked at first
  std::uint32_t ring_head_at_check = ~0u;  // q.head at the last 61st schedule
  m* owner = nullptr;
  p* link = nullptr;            // idle list
  bool retired = false;         // id >= max_procs after a shrink
  stack_cache stacks;
  g* gfree = nullptr;           // free G records
  int ngfree = 0;
  std::uint32_t rand = 0;       // fast random state (fastrand: select, timer placement)
  // The steal order's own state: an idle M spins for as long as the clock says, so its
  // draws must not move the program's stream (replayable schedules, schedseed.hpp).
  std::uint32_t steal_rand = 0;
  std::uint32_t seed_gen = 0;   // the schedule seed's generation applied (schedseed.hpp)
  std::uint64_t seed_state = 0; // the seeded run-queue draws' stream
  std::uint64_t goid_next = 0;  // ids handed out in batches (Go's goidcache): the
  std::uint64_t goid_end = 0;   // shared counter is touched once per 16 spawns
  // Goroutines started minus ended on this P. Only the owner writes it (plain
  // load+store), num_goroutine() sums all Ps: no shared counter on the spawn path.
  std::atomic<std::int64_t> live{0};
  timer_heap timers;  // timers armed on this P (timers.hpp); any M may run them
  // gocxx::blocking (blocking.cpp): the M in a blocking call with this P, or null. The M
  // stores itself on entry (release) and takes the P back with a CAS to null on exit;
  // sysmon retakes the P with a CAS of the same word, so exactly one of them gets it.
  // Its own line: sysmon reads it every tick while the owner writes it per call.
  // blocked_seq counts entries and blocked_since is the call's start (nanotime): sysmon
  // retakes a P whose current call began 20 µs or more ago.
  alignas(64) std::atomic<m*> blocked_m{nullptr};
  std::atomic<std::uint32_t> blocked_seq{0};
  std::atomic<std::int64_t> blocked_since{0};
};

struct m {
  context g0;                   // the thread's own stack: idle loop and scheduling
  g* curg = nullptr;
  // A G that schedule_away picked but left for g0 to start (it was still switching, or
  // needs a stack while the parking G is low on its own): g0 runs it before anything else.
  g* handoff = nullptr;
  p* pp = nullptr;
  p* nextp = nullptr;           // handed over by startm before wake-up
  bool spinning = false;
  // The futex word an idle M sleeps on: 0 asleep, 1 handed a P (startm), 2 kicked by
  // wake_for_timer (a timer earlier than the one it sleeps until was armed), 3 kicked by
  // netpoll_need_poller (a goroutine waits for I/O: poll instead of sleeping).
  std::atomic<std::uint32_t> note{0};
  // Set while this M (the timed sleeper) blocks in epoll_wait instead of on `note`: a
  // kick then writes the poller's eventfd (m_wake in proc.cpp).
  std::atomic<std::uint32_t> in_poll{0};
  m* link = nullptr;            // idle list
  after_switch after;
  int id = 0;
  int tid = 0;             // the OS thread's id (gettid), set when it starts
  // sysmon's request for this thread's stack (hog.cpp): 1 asked (SIGURG sent), 2 the
  // handler has put the interrupted goroutine's return addresses in sample_pcs.
  std::atomic<int> sample_state{0};
  int sample_n = 0;
  std::uintptr_t sample_pcs[64];
  m* alllink = nullptr;    // sched.allm: every M ever started, never unlinked
  // While this M runs a gocxx::blocking call: the goroutine making it (curg and pp are
  // null meanwhile, so the call's own code acts as a plain thread's) and its P.
  g* blocked_g = nullptr;
  p* blocked_p = nullptr;
  eh_state* eh = nullptr;  // this thread's live __cxa_eh_globals
  eh_state g0_eh;          // g0's, saved while a G runs
  // Each P's schedtick as this M last saw it while spinning, and when it last saw it
  // change (steal_work): a victim quiet for steal_quiet_ns runs one goroutine, so its
  // ring may be stolen; one quiet for the whole spin has a stuck runnext.
  std::uint32_t seen_tick[1024] = {};  // zeroed: a fresh M has seen no tick
  std::int64_t seen_at[1024] = {};
};

// A run of the global run queue: a chain of Gs through schedlink, head to tail (tail's
// schedlink null), n of them. A spill of a full local ring is one segment; Gs put one at
// a time (yields, readies from plain threads) share a segment until it holds seg_cap.
struct runq_seg {
  static constexpr std::int64_t cap = 129;  // a spill: half a ring (128) and the G being put
  g* head = nullptr;
  g* tail = nullptr;
  std::int64_t n = 0;
};

struct sched_t {
  runtime_lock lock;  // guards the fields up to `mcount`
  // The global run queue: the segments runq_segs[runq_seg_first ..+ runq_nsegs) (a
  // ring), FIFO. A P takes whole segments, O(1) under the lock, and links their Gs into
  // its ring after dropping it (proc.cpp, globrunqget). With every slot used, new Gs
  // extend the last segment (a take then splits it by walking, the rare slow case).
  static constexpr int max_runq_segs = 64;
  runq_seg runq_segs[max_runq_segs];
  int runq_seg_first = 0;
  int runq_nsegs = 0;
  std::atomic<std::int64_t> runq_size{0};
  p* pidle = nullptr;
  m* midle = nullptr;
  int nmidle = 0;
  int mcount = 0;

  alignas(64) std::atomic<int> npidle{0};
  std::atomic<int> nmspinning{0};
  std::atomic<int> gomaxprocs{0};
  std::vector<p*> allp;  // grows only; allp[i]->id == i
  std::atomic<int> nallp{0};
  std::atomic<m*> allm{nullptr};  // every M, newest first (Ms never exit)

  // The one idle M that sleeps with a timeout, until the earliest timer of all Ps (the
  // others sleep until woken): Go's M blocked in netpoll(delay). timed_until is its
  // deadline, 0 while there is none; see stopm and wake_for_timer in proc.cpp.
  alignas(64) std::atomic<m*> timed_m{nullptr};
  std::atomic<std::int64_t> timed_until{0};
  alignas(64) std::atomic<std::int64_t> ngoroutines{0};  // started/ended off any P
  alignas(64) std::atomic<std::uint64_t> goid_gen{0};
};

sched_t& sched();

// The M the calling code runs on, or null on a plain thread. Never inlined, and never
// cache its result across a switch: a goroutine may resume on another thread.
m* current_m();
inline g* current_g() {
  m* mp = current_m();
  return mp ? mp->curg : nullptr;
}
// The goroutine whose stack the calling code runs on: current_g(), or inside a
// gocxx::blocking call (where current_g() is null) the goroutine making it. For the
// fault handlers, which must name the goroutine a crash or an overflow happened in.
inline g* current_g_or_blocked() {
  m* mp = current_m();
  return mp ? (mp->curg ? mp->curg : mp->blocked_g) : nullptr;
}

// Starts the runtime if needed (Ps, signal handler). Idempotent and thread-safe.
void ensure_started();
// Tests only: the next new M's thread creation fails as if the kernel refused it.
void test_fail_next_thread_creation() noexcept;

// Monotonic nanoseconds (CLOCK_MONOTONIC, the clock of std::chrono::steady_clock).
std::int64_t nanotime();

// P number i (i < sched().nallp; null if not made yet). Ps are never freed.
p* allp_at(int i);

// The heap a timer armed now goes to: the calling M's P's, or some P's on a plain thread.
timer_heap* current_timer_heap();

// A timer at `when` became the earliest of its heap: make sure an M will run it in time
// (kick the timed sleeper if it sleeps longer, or wake an idle M if none sleeps timed).
void wake_for_timer(std::int64_t when);
// sysmon, each tick: when a P is idle and no M spins, wakes a spinning M for goroutines
// queued on a P that has not scheduled since the previous tick (its goroutine runs on
// without blocking). ready() does not wake an M for a hand-off (a G in runnext with
// nothing behind it), trusting the readier to block soon; this bounds the wait when it
// does not. Returns whether it woke one.
bool rescue_stranded_work();
// A waiter has just parked on a poll descriptor (netpoll.cpp): make sure some M polls,
// kicking the timed sleeper from its futex into epoll_wait, or an idle M into that role.
void netpoll_need_poller();

// gocxx::blocking's seams into the scheduler (blocking.cpp decides when):
// sysmon has taken pp from an M in a blocking call (its blocked_m CAS): hand pp to an M
// if work is queued (or none spins and none is idle to notice new work), else idle it.
void handoff_p(p* pp);
// An M back from a blocking call whose P was handed off (mp->curg == gp, mp->pp null):
// takes an idle P, or else puts gp on the global run queue from g0 and this M to sleep;
// returns when gp runs again, on whichever M.
void reacquire_p(m* mp, g* gp);
extern std::atomic<int> g_max_threads;  // gocxx::set_max_threads (blocking.cpp); startm keeps to it

}  // namespace gocxx::detail
