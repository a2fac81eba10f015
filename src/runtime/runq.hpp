// A P's local run queue: a bounded ring of 256 Gs plus the `runnext` slot, after Go's
// runqput/runqget/runqgrab (runtime/proc.go).
//
// Invariants and the lock-free argument
// - Only the owning P pushes (writes `tail`); the owner and thieves pop by CAS on `head`.
// - A pusher writes the slot, then publishes it with a release store of `tail`; a
//   consumer loads `tail` with acquire before reading slots, so it sees every slot it
//   is allowed to take. A consumer takes slots [head, head+n) by CAS(head, head+n):
//   the CAS is the commit, the slots were read before it, and a slot is only rewritten
//   by the owner after `head` moved past it, so a failed CAS discards stale reads.
// - tail - head <= 256 always (the owner checks against a fresh `head` before writing).
// - `runnext` holds at most one G; it is taken by exchange, so exactly one side gets it.
//   Thieves take it only when asked (steal_runnext), so a hand-off normally runs on the
//   P that made it, hot in cache.
// - While `runnext_private` is set, no thief touches `runnext` and the owner uses plain
//   loads and stores on it (two locked instructions less per hand-off). Only the owner
//   writes it: it sets it at procs 1 when no thief is stealing a runnext, and clears it
//   (release) when procs grows; a thief reads it (acquire) before it touches `runnext`.
//   The handshake that makes this safe is in proc.cpp, runnext_owned.
// - The publication stores are seq_cst: a reader that publishes work and then checks
//   for spinning Ms (wakep) must not have the check reordered before the publication
//   (Go's "spinning M" protocol, see proc.cpp).
#pragma once

#include <atomic>
#include <cstdint>

namespace gocxx::detail {

struct g;

struct runq {
  static constexpr std::uint32_t size = 256;
  alignas(64) std::atomic<std::uint32_t> head{0};
  alignas(64) std::atomic<std::uint32_t> tail{0};
  std::atomic<g*> runnext{nullptr};
  std::atomic<bool> runnext_private{false};
  std::atomic<g*> ring[size] = {};

  bool empty() const { return snapshot_empty(false); }
  // As empty(), but as a thief sees it: a private runnext cannot be stolen (its owner is
  // running and will pick it up), so it does not count.
  bool empty_for_thieves() const { return snapshot_empty(true); }
  std::uint32_t length() const {
    return tail.load(std::memory_order_relaxed) - head.load(std::memory_order_relaxed);
  }

 private:
  // Go's runqempty: a consistent snapshot of head, tail and runnext.
  bool snapshot_empty(bool ignore_private_runnext) const {
    for (;;) {
      std::uint32_t h = head.load(std::memory_order_acquire);
      std::uint32_t t = tail.load(std::memory_order_acquire);
      g* next = runnext.load(std::memory_order_acquire);
      if (ignore_private_runnext && runnext_private.load(std::memory_order_acquire)) next = nullptr;
      if (tail.load(std::memory_order_acquire) == t) return h == t && next == nullptr;
    }
  }
};

}  // namespace gocxx::detail
