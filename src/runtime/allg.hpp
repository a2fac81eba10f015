// The all-goroutines registry (Go's allgs) and the freezing of goroutines for reading
// their stacks while the program runs (dumps, the leak check, the deadlock report).
//
// Registry. Every G record is in it from its allocation until it is deleted (records
// are recycled through free lists; only the excess of a burst is deleted, gfree in
// proc.cpp). A walk takes a snapshot of the records that hold a goroutine (status not
// idle); while a snapshot exists no record is deleted (the deleter keeps it on the free
// list instead), so a snapshot's pointers stay valid even when goroutines end.
//
// Freezing. A reader pins a batch of Gs (g::pinned = 1), then issues one asymmetric
// full fence (membarrier: every thread of the process executes a barrier). Whoever
// resumes a G stores `running` and then, after a compiler barrier only, reads `pinned`
// and waits while it is set (execute and schedule_away in proc.cpp). So after the fence,
// a G the reader sees not running cannot start running until it is unpinned; if its
// saved stack pointer is also set (park clears it before it stores `waiting`, the switch
// sets it), its saved frame and stack are stable to read.
//
// Lock order: allg lock is a leaf (gfree takes it after dropping sched.gfree_lock).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "runtime/fiber.hpp"  // GOCXX_TSAN

namespace gocxx::detail {

struct g;

// New records (galloc), a schedlink list, in one critical section.
void allg_add_list(g* head);
// Before deleting the records of a schedlink list, all in one critical section: false
// (and none removed) while a snapshot exists; then keep them.
bool allg_remove_list(g* head);

// A record and the goroutine it held when the snapshot was taken.
struct allg_entry {
  g* gp;
  std::uint64_t id;
};

class allg_snapshot {
 public:
  allg_snapshot();  // the records with a live goroutine now, by goroutine id
  ~allg_snapshot();
  allg_snapshot(const allg_snapshot&) = delete;
  allg_snapshot& operator=(const allg_snapshot&) = delete;
  const std::vector<allg_entry>& entries() const { return gs_; }

 private:
  std::vector<allg_entry> gs_;
};

// What freezing found of one G.
enum class frozen_state : unsigned char {
  saved,      // not running, context saved (or never started: no stack): readable
  running,    // running (or switching and did not finish in time): not readable
  gone,       // ended (or its record was reused by a goroutine started since)
};

// Pins the Gs of es[0..n) and reports each; a record now holding another goroutine than
// at snapshot time is `gone`. Every G stays pinned until thaw. Pins are counted: a dump
// and sysmon's lock-cycle check may hold one G at once, and the first thaw must not
// free it.
// `self` (the goroutine the dump is for, running) is never pinned.
void freeze(const allg_entry* es, std::size_t n, const g* self, frozen_state* out);
void thaw(const allg_entry* es, std::size_t n, const g* self);

// Reads of a goroutine that is not frozen (a dump's header of one seen running, sysmon's
// first look): racy by nature, as in Go's own dump, and harmless (every field read is a
// word or a pointer to static text; a torn value shows a wrong number or is re-checked
// once frozen). This scope tells ThreadSanitizer so.
struct racy_reads {
#if defined(GOCXX_TSAN)
  racy_reads() noexcept;
  ~racy_reads();
#endif
};

// Batches frozen now: while one is, Ms wait on pinned Gs without scheduling, which the
// hog report must not take for a goroutine that holds its P.
extern std::atomic<int> g_freezing;

// The heavy side of an asymmetric fence: a full barrier on every running thread of the
// process (membarrier); false where the kernel lacks it. Its light side, on the other
// thread, is a compiler barrier (freezing; the tracer's stop, trace.hpp).
bool heavy_fence_all_threads();

// Whether freezing works here (the membarrier syscall): without it dumps show only
// the calling goroutine's stack and mark the others "stack unavailable".
bool freeze_supported();

}  // namespace gocxx::detail
