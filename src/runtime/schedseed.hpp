// Replayable schedules (issue 25 part 5): with a schedule seed set (env GOCXX_SCHED_SEED
// at start, or gocxx::testing::set_schedule_seed), the choices Go leaves to the scheduler
// come from that seed, so one seed replays one interleaving exactly at procs 1:
//   - which runnable goroutine of a P's local queue runs next (runnext and the ring are
//     one pool; find_runnable_local draws its position: seeded_front in proc.cpp);
//   - select's poll order (fastrand draws from the P's rand, reseeded from the seed);
//   - the order in which the goroutines a close or a broadcast wakes get to run (they
//     are readied in Go's queue order and then picked from the run queue as above).
// Channel and semaphore waiter queues stay FIFO in both modes: that is Go's
// implementation, and users' fairness relies on it.
//
// Exactness holds for a program whose goroutines depend on nothing outside the scheduler:
// no timer or sleep (their firing depends on the clock), no plain thread readying
// goroutines once it has started, and nothing left runnable from before the seed was set.
// Without a seed nothing changes: find_runnable_local and fastrand read one word
// (sched_seed_gen) and go on.
//
// Invariants: sched_seed_gen is 0 when no seed is set and changes at every set or clear.
// A P applies a new generation at its first seeded choice (two or more runnable
// goroutines) or fastrand draw, on its owner's M: its draw stream, its fastrand state and
// its fairness countdown restart from the seed. Those are points the program decides;
// the first schedule is not (an idle M retries for as long as the clock lets it spin). So
// two runs started the same way with the same seed see the same draws. The steal order
// has its own state (p::steal_rand), and while seeded only schedules that find work move
// the fairness countdown, for the same reason.
#pragma once

#include <atomic>
#include <cstdint>

namespace gocxx::detail {

struct p;

extern std::atomic<std::uint32_t> sched_seed_gen;

// Reads GOCXX_SCHED_SEED (a decimal or 0x-hex 64-bit number) once, at runtime start.
void sched_seed_from_env();
void sched_seed_set(std::uint64_t seed);
void sched_seed_clear();
bool sched_seed_get(std::uint64_t* seed);

// Owner of pp, at each schedule while a seed is set (gen: sched_seed_gen's value): a new
// generation reseeds pp.
void sched_seed_apply(p* pp, std::uint32_t gen);
// Owner of pp, after sched_seed_apply: a draw in [0, n) from pp's seeded stream (n > 0).
std::uint32_t seeded_draw(p* pp, std::uint32_t n);

}  // namespace gocxx::detail
