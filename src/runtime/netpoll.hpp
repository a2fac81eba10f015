// The network poller: one epoll instance that the scheduler polls for readiness of the
// runtime's non-blocking file descriptors (Go's runtime/netpoll.go and netpoll_epoll.go,
// the idea). gocxx::net (src/net.cpp) is its user; the scheduler (proc.cpp) and sysmon
// poll it.
//
// A poll_desc is registered once per fd, edge-triggered for reading and writing. Each of
// its two sides (read, write) holds at most one waiter, a `ready` bit for an edge that
// arrived while nobody waited, and a deadline. An operation tries its system call first;
// on EAGAIN it waits (netpoll_wait): consumes a pending edge at once, or parks with wait
// reason "IO wait" until the poller sees an edge, the deadline passes, or the fd is
// closed. Who polls: the idle M that holds the timed sleeper's role blocks in epoll_wait
// instead of its futex while any waiter exists (stopm), an M about to give up its P polls
// without blocking (findrunnable), and sysmon polls when nobody has for 10 ms.
//
// Invariants
// - A side's waiter is set and cleared under the poll_desc's lock, and whoever clears it
//   readies it, exactly once; netpoll_waiters() counts the set ones (the deadlock check:
//   a goroutine in IO wait can be woken from outside).
// - A poll_desc is never freed, only reused (its events may still be in flight in
//   another thread's epoll_wait when its fd is closed): a stale edge on a reused one can
//   only make its next wait return early, and every caller retries its system call.
// - Deadline timers carry their side's sequence number; a stale one changes nothing.
//
// Lock order: poll_desc::deadline_lock -> a timer's locks; poll_desc::lock is a leaf but
// for ready() (sched.lock) and the poller kick (sched.lock) under it.
#pragma once

#include <atomic>
#include <cstdint>
#include <system_error>

namespace gocxx::detail {

struct poll_desc;
struct waiter;

enum class poll_mode : std::uint8_t { read = 1, write = 2, both = 3 };

enum class poll_status : std::uint8_t {
  ready,    // try the system call again
  closed,   // netpoll_evict was called: "use of closed network connection"
  timeout,  // the side's deadline has passed: os.ErrDeadlineExceeded
};

// Registers fd (already O_NONBLOCK) with the poller. Throws std::system_error if epoll
// refuses it.
poll_desc* netpoll_open(int fd);
// Wakes every waiter of pd with `closed`, and makes every later wait return it.
void netpoll_evict(poll_desc* pd);
// Unregisters pd's fd (before the caller closes it) and returns pd for reuse.
void netpoll_close(poll_desc* pd);

// Before an operation: closed or timeout if the side is, else ready (no waiting).
poll_status netpoll_check(poll_desc* pd, poll_mode mode);
// After the operation's system call said EAGAIN: returns once it may be tried again.
poll_status netpoll_wait(poll_desc* pd, poll_mode mode);
// Sets the deadline of one side or both: `when` in nanoseconds of CLOCK_MONOTONIC (the
// steady clock), 0 for none. A deadline at or before now expires at once.
void netpoll_set_deadline(poll_desc* pd, poll_mode mode, std::int64_t when);

// For the scheduler.
// How many waiters are parked on poll_descs.
int netpoll_waiters() noexcept;
// Whether some thread is blocked in epoll_wait with a timeout other than zero.
bool netpoll_blocked() noexcept;
// Polls once and takes the waiters of every side that got an edge: up to `max` into
// `out`, for the caller to ready (it chooses where they run); returns how many.
// timeout_ns: 0 returns at once, < 0 blocks until an event or netpoll_break(). max >= 2.
int netpoll_poll(std::int64_t timeout_ns, waiter** out, int max);
// netpoll_poll(0) readying what it finds; returns how many.
int netpoll_poll_ready();
// Makes a blocked netpoll_poll return (an eventfd write; coalesced).
void netpoll_break() noexcept;
// sysmon's tick: polls if waiters exist and nobody has polled for 10 ms.
void netpoll_sysmon_tick(std::int64_t now) noexcept;

}  // namespace gocxx::detail
