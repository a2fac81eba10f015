// G records: where they live, how they are reused, and when their memory goes back.
//
// Records are carved from 2 MiB slabs of the runtime's own (mmap), never from malloc: a burst of spawns grows no malloc arena and, once
// the slabs exist, takes no page fault. A free record goes to its P's list (no lock) and,
// past 128 there, half of them to the global list (gfree_lock) in one critical section.
// Records are never deleted on the spawn or exit path. The scavenger (run by sysmon,
// never on a goroutine's path) gives back whole slabs whose every record has stayed on
// the global list through a whole window: the low-water mark of that list over the last
// window is what the program did not need, so a program that bursts again and again
// stays warm while an idle one shrinks (docs/internals.md, "G records").
//
// Lock order: gfree_lock is a leaf; the scavenger's own lock is taken before it, and
// the all-G registry's lock (allg.cpp) is taken with neither held.
#pragma once

#include <cstddef>
#include <cstdint>

namespace gocxx::detail {

struct g;
struct p;

// A record for a new goroutine: from pp's free list, else a batch from the global list,
// else freshly carved (and entered in the all-G registry). pp may be null (a plain
// thread spawning).
g* galloc(p* pp);

// gp's goroutine has ended and its stack is released: the record is free for reuse.
void gfree(p* pp, g* gp);

// A retired P's free records go to the global list (caller holds sched.lock).
void gfree_flush(p* pp);

// Called by sysmon at every tick: once per window, gives back what the last window did
// not need (paced: at most a few slabs per call). Cheap when there is nothing to do.
void grecord_scavenge_tick(std::int64_t now_ns);

// Whether free records beyond the scavenger's slack exist (sysmon then sleeps timed, so
// an idle runtime still shrinks).
bool grecord_scavenge_wanted() noexcept;

// Gives back every wholly free slab now, ignoring the window (gocxx::free_os_memory).
void grecord_release_free();

struct grecord_stats {
  std::size_t slabs = 0;          // slabs mapped
  std::size_t carved = 0;         // records ever carved from the slabs now mapped
  std::size_t free_global = 0;    // records on the global free list
  std::size_t released = 0;       // slabs given back since the start
};
grecord_stats grecord_statistics();

// The scavenger's window: records free throughout one window are given back within
// about two windows of the last use (stated in docs/internals.md and tested).
constexpr std::int64_t grecord_window_ns = 1'000'000'000;

}  // namespace gocxx::detail
