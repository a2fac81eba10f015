// gocxx/detail/hchan.hpp: the type-erased channel core under gocxx::chan<T> and
// gocxx::select. Users never name anything here.
//
// One hchan serves every element type: it moves elements through an elem_ops table
// (move-construct into a slot, deliver into a receiver's std::optional<T>, destroy), so
// all of the channel and select algorithms are compiled once, in src/chan.cpp and
// src/select.cpp, and chan<T> is a thin typed handle over an hchan*.
//
// What is here, and why it is in a header:
// - elem_ops and the entry points (chan_make, chan_send, ..., select_go): what the
//   templates in chan.hpp and select.hpp call.
// - The layout of hchan: the templates read `refs` (handles are intrusively counted),
//   `qcount` and `dataqsiz` (size() and capacity() are inline loads, as Go's len and cap).
// - sudog, waitq and chan_lock: src/chan.cpp and src/select.cpp both work on them. They
//   name the runtime's `waiter` only by pointer, so this header needs nothing from src/.
// The invariants of hchan and its lock's rules are at the top of src/chan.cpp.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>

namespace gocxx {

// What a non-blocking channel operation did: chan<T>::try_send and try_recv. (Declared
// here because the core returns it; it is part of gocxx/chan.hpp's interface.)
//
//   Go                                     gocxx
//   select {                               if (ch.try_send(v) == gocxx::chan_status::would_block)
//   case ch <- v:                            busy();
//   default:
//     busy()
//   }
enum class chan_status : std::uint8_t {
  ok,           // the value was sent, or received
  would_block,  // the operation would have blocked: nothing was sent or received
  closed,       // the channel is closed (for a receive: closed and drained)
};

namespace detail {

struct waiter;  // runtime/park.hpp: a parked goroutine or thread
struct hchan;

// How the core handles elements of one type T without knowing T. Every function runs
// under the channel lock and is noexcept: a move constructor that throws there ends the
// program (std::terminate), since half a hand-off cannot be undone.
struct elem_ops {
  std::size_t size;
  std::size_t align;
  void (*construct)(void* slot, void* src) noexcept;  // ::new (slot) T(std::move(*src))
  void (*deliver)(void* dst, void* src) noexcept;     // dst: std::optional<T>*; emplace(std::move(*src))
  void (*destroy)(void* slot) noexcept;               // slot->~T()
  void (*reset)(void* dst) noexcept;                  // dst: std::optional<T>*; reset()
  // A timer's or ticker's channel (gocxx/time.hpp): it holds at most one value in a
  // one-slot buffer that its timer drains on stop and reset, so that, as in Go 1.23, it
  // behaves as unbuffered (size() and capacity() are 0); and its last handle stops the
  // timer (timer_chan_freed).
  bool timer_chan = false;
};

template <class T>
struct elem_ops_of {
  static void construct(void* slot, void* src) noexcept {
    ::new (slot) T(std::move(*static_cast<T*>(src)));
  }
  static void deliver(void* dst, void* src) noexcept {
    static_cast<std::optional<T>*>(dst)->emplace(std::move(*static_cast<T*>(src)));
  }
  static void destroy(void* slot) noexcept { static_cast<T*>(slot)->~T(); }
  static void reset(void* dst) noexcept { static_cast<std::optional<T>*>(dst)->reset(); }
  static constexpr elem_ops value{sizeof(T), alignof(T), &construct, &deliver, &destroy, &reset};
};

// The channel lock: a test-and-test-and-set spinlock. It must be a lock that one
// context may take and another context on the same thread may release: park() releases
// it on the stack switched to (after the parking goroutine's registers are saved), and
// a std::mutex would be "unlocked by the wrong thread" to ThreadSanitizer, which sees
// each goroutine as a thread. Critical sections are a few dozen instructions and never
// block, so waiters spin with `pause`, then yield the thread to a holder the OS
// preempted (chan_lock::lock_slow in src/chan.cpp). Measured against std::mutex on the
// 2-core box (ns per item, best of 3, procs 1 / 2): spsc 35 / 47 vs 62 / 120,
// chan_counter 25 / 26 vs 43 / 48, pingpong 203 / 392 vs 271 / 462 per round trip,
// select4 62 / 98 vs 75 / 107.
class chan_lock {
 public:
  void lock() noexcept {
    // Read first: an exchange on a held lock would steal the line from the holder.
    if (word_.load(std::memory_order_relaxed) != 0 || word_.exchange(1, std::memory_order_acquire) != 0) lock_slow();
  }
  void unlock() noexcept { word_.store(0, std::memory_order_release); }

 private:
  void lock_slow() noexcept;
  std::atomic<std::uint32_t> word_{0};
};

// A waiter's entry in one channel's sendq or recvq (Go's sudog). A send or receive uses
// the one in its waiter (runtime/park.hpp), a select one per case on its stack; either
// stays put while the waiter is parked.
// Fields other than `w` and `is_select` are guarded by the lock of the channel whose
// queue holds the sudog; the waker writes `state` (and the value) before ready(w), and
// the woken waiter reads them after it resumes.
struct sudog {
  enum state_t : std::uint8_t { waiting, done, closed };
  waiter* w = nullptr;
  sudog* next = nullptr;
  sudog* prev = nullptr;
  void* elem = nullptr;  // send: the T to move from; recv: std::optional<T>* to fill, or null
  state_t state = waiting;  // done: the value moved; closed: woken by close
  bool is_select = false;   // part of a select: a waker must win w->select_done first
};

// A FIFO of sudogs, doubly linked so select can unlink from the middle.
// Guarded by the owning channel's lock. `first` is atomic only so the lock-free
// emptiness checks of try_send / try_recv may read it; it is written under the lock.
struct waitq {
  std::atomic<sudog*> first{nullptr};
  sudog* last = nullptr;

  void enqueue(sudog* sg) noexcept;
  // Takes the first sudog whose waiter this caller may wake: a select's sudog is taken
  // only by the waker that wins the CAS 0 -> 1 on its waiter's select_done; losers are
  // unlinked and skipped. Null when none.
  sudog* dequeue() noexcept;
  // Unlinks sg if it is still queued here (a select cleaning up after it woke).
  void remove(sudog* sg) noexcept;
  bool empty() const noexcept { return first.load(std::memory_order_relaxed) == nullptr; }
};

// The channel. Invariants and lock rules: src/chan.cpp.
struct hchan {
  std::atomic<std::uint32_t> refs{1};       // handles alive; the last one frees the channel
  chan_lock lock;                           // guards everything below except the immutables
  std::atomic<std::size_t> qcount{0};       // elements in the buffer; written under lock
  std::size_t dataqsiz = 0;                 // capacity; immutable
  std::size_t sendx = 0;                    // next slot to fill
  std::size_t recvx = 0;                    // next slot to take
  const elem_ops* ops = nullptr;            // immutable
  waitq recvq;                              // blocked receivers
  waitq sendq;                              // blocked senders
  std::atomic<std::uint32_t> closed{0};     // 1 once closed; written under lock (release)
  // The buffer (dataqsiz slots of ops->size bytes) starts this many bytes after the
  // hchan, in the same allocation; immutable. An offset, not a pointer, so the hchan
  // fits 88 bytes (a parked goroutine per channel pays for every byte: parked_memory).
  std::uint32_t buf_offset = 0;
};

// ---- entry points for chan.hpp ----

// make(chan T, capacity). Panics "makechan: size out of range" when capacity < 0 or the
// buffer would be absurdly large.
hchan* chan_make(const elem_ops* ops, std::int64_t capacity);
// Frees c: destroys the values left in its buffer. Called by the last handle.
void chan_free(hchan* c) noexcept;
// A timer channel: chan_make with capacity 1 and room after the buffer for its timer
// (`owner`, an opaque pointer handed back to timer_chan_freed when the channel goes).
hchan* chan_make_timer(const elem_ops* ops, void* owner);
void timer_chan_freed(void* owner) noexcept;  // src/time.cpp
inline void chan_retain(hchan* c) noexcept { c->refs.fetch_add(1, std::memory_order_relaxed); }
inline void chan_release(hchan* c) noexcept {
  if (c->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) chan_free(c);
}

// ch <- *src: moves *src into the channel, blocking until there is room or a receiver.
// Nil c blocks forever. Panics "send on closed channel".
void chan_send(hchan* c, void* src);
// The non-blocking form: moves from *src only when it returns ok.
chan_status chan_try_send(hchan* c, void* src);
// v, ok := <-ch into the std::optional<T> at dst (empty on entry; null discards). Returns
// false when the channel is closed and drained. Nil c blocks forever.
bool chan_recv(hchan* c, void* dst);
chan_status chan_try_recv(hchan* c, void* dst);
// close(ch). Panics "close of nil channel" / "close of closed channel".
void chan_close(hchan* c);

// ---- entry points for select.hpp ----

enum class case_kind : std::uint8_t { recv, send, dflt };

// One case of a select. A null c is a nil channel: never chosen.
struct scase {
  hchan* c = nullptr;
  void* elem = nullptr;  // send: the T to move from; recv: std::optional<T>* or null
  case_kind kind = case_kind::dflt;
};

struct select_result {
  int index;     // the case taken; -1 when !block and none was ready
  bool recv_ok;  // for a receive case: a value arrived (false: the channel is closed)
};

// Go's selectgo over cases[0..n). Default cases in the array are ignored; `block` false
// means there was one. Panics "send on closed channel" for a send case that hits a closed
// channel.
select_result select_go(scase* cases, std::size_t n, bool block);

// A select with no cases: parks forever.
[[noreturn]] void select_block_forever();

// ---- internals shared by src/chan.cpp and src/select.cpp (c locked on entry) ----

// sg was dequeued from c->recvq: moves *src to its receiver and marks it done.
// Returns the waiter to ready() once c is unlocked (never touch sg after that).
waiter* send_to_waiter(hchan* c, sudog* sg, void* src) noexcept;
// sg was dequeued from c->sendq (so the buffer is full or absent): the receiver at dst
// gets the head of the buffer and sg's value goes to the tail, or, unbuffered, dst gets
// sg's value. Marks sg done and returns the waiter to ready() once c is unlocked.
waiter* recv_from_waiter(hchan* c, sudog* sg, void* dst) noexcept;
// qcount < dataqsiz: moves *src into the tail of the buffer.
void buffer_put(hchan* c, void* src) noexcept;
// qcount > 0: delivers the head of the buffer into dst (or drops it when dst is null).
void buffer_take(hchan* c, void* dst) noexcept;

}  // namespace detail
}  // namespace gocxx
