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
// - `runnext` holds at most one G. Only the owner reads and writes it, with plain
//   (relaxed) loads and stores: a locked exchange per hand-off waits for every cache miss
//   in flight, and cost ~20% of a ring hop (docs/internals.md). A thief takes runnext
//   only from a victim stuck on one goroutine (steal_runnext), by an asymmetric Dekker
//   handshake: it sets `steal_req`, runs membarrier() (which makes every thread of the
//   process execute a full barrier), waits while `runnext_busy` is set, then exchanges.
//   The owner brackets each runnext operation with runnext_busy and checks steal_req
//   inside the bracket: seeing it set, it uses exchanges for that operation. Either the
//   owner's check comes after the barrier and sees steal_req, or its busy flag is
//   visible to the thief, which waits for it to clear. Where membarrier is unavailable
//   both sides always use exchanges (runnext_plain in proc.cpp).
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
  std::atomic<std::uint8_t> runnext_busy{0};  // owner: inside a runnext operation
  std::atomic<std::uint8_t> steal_req{0};     // a thief is taking runnext (one at a time)
  std::atomic<g*> ring[size] = {};

  bool empty() const {
    // Go's runqempty: a consistent snapshot of head, tail and runnext.
    for (;;) {
      std::uint32_t h = head.load(std::memory_order_acquire);
      std::uint32_t t = tail.load(std::memory_order_acquire);
      g* next = runnext.load(std::memory_order_acquire);
      if (tail.load(std::memory_order_acquire) == t) return h == t && next == nullptr;
    }
  }
  std::uint32_t length() const {
    return tail.load(std::memory_order_relaxed) - head.load(std::memory_order_relaxed);
  }
};

}  // namespace gocxx::detail
