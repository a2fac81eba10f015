// gocxx/sync.hpp: Go's sync package: mutex, rw_mutex, wait_group, once, cond, pool<T>.
//
// Each blocking call parks the calling goroutine, never its thread; called from a plain
// OS thread it blocks that thread. Goroutines and threads may share one object.
//
//   Go                                gocxx
//   var mu sync.Mutex                 gocxx::mutex mu;
//   mu.Lock(); defer mu.Unlock()      std::lock_guard lock(mu);
//   var rw sync.RWMutex; rw.RLock()   gocxx::rw_mutex rw; std::shared_lock lock(rw);
//   var wg sync.WaitGroup             gocxx::wait_group wg;
//   wg.Go(f); wg.Wait()               wg.go(f); wg.wait();
//   once.Do(f)                        once.call(f);
//   sync.NewCond(&mu)                 gocxx::cond c(mu);
//   sync.Pool{New: f}                 gocxx::pool<T> p(f);
//
// Like Go's, these types must not be copied after first use; here they cannot be copied
// at all. Share them by reference (a lambda's [&wg]) or by pointer.
//
// Errors are Go's. Misusing a wait_group throws gocxx::panic_error ("sync: negative
// WaitGroup counter", ...); unlocking an unlocked mutex or rw_mutex is a fatal error:
// the process prints "fatal error: sync: unlock of unlocked mutex" and exits with
// status 2, as Go's does.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "gocxx/detail/sema.hpp"
#include "gocxx/runtime.hpp"

namespace gocxx {

namespace detail {
struct mutex_probe;
// The caller's stack pointer: one register read.
[[gnu::always_inline]] inline std::uintptr_t stack_pointer() noexcept {
  std::uintptr_t sp;
#if defined(__x86_64__)
  asm volatile("mov %%rsp, %0" : "=r"(sp));
#elif defined(__aarch64__)
  asm volatile("mov %0, sp" : "=r"(sp));
#else
  sp = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
#endif
  return sp;
}
}  // namespace detail

// A mutual exclusion lock (Go's sync.Mutex). The zero state is unlocked. It is not tied
// to a goroutine: one may lock it and another unlock it. It meets the standard Lockable
// requirements, so std::lock_guard, std::unique_lock and std::scoped_lock work.
//
// Uncontended, lock() is one CAS and unlock() one atomic subtraction. Contended, a
// locker spins briefly when the holder is running on another P, then parks. Fairness
// is Go's: normally a woken waiter competes with newly arriving lockers (which usually
// win: they are already running), but a waiter that has waited over 1 ms switches the
// mutex to starvation mode, where unlock hands it directly to the oldest waiter.
//
//   Go                                gocxx
//   var mu sync.Mutex                 gocxx::mutex mu;
//   mu.Lock()                         {
//   defer mu.Unlock()                   std::lock_guard lock(mu);
//   count++                             ++count;
//                                     }
class mutex {
 public:
  constexpr mutex() noexcept = default;
  mutex(const mutex&) = delete;
  mutex& operator=(const mutex&) = delete;

  // Locks the mutex, parking the caller until it is available (Go's Lock).
  void lock() {
    std::int32_t unlocked = 0;
    if (state_.compare_exchange_strong(unlocked, locked_bit, std::memory_order_acquire,
                                       std::memory_order_relaxed)) [[likely]] {
      note_owner();
      return;
    }
    lock_slow();
  }

  // Locks the mutex if it is free right now (Go's TryLock). Never blocks.
  bool try_lock() noexcept {
    std::int32_t old = state_.load(std::memory_order_relaxed);
    if (old & (locked_bit | starving_bit)) return false;  // a starving mutex belongs to its waiters
    if (!state_.compare_exchange_strong(old, old | locked_bit, std::memory_order_acquire, std::memory_order_relaxed)) {
      return false;
    }
    note_owner();
    return true;
  }

  // Unlocks the mutex (Go's Unlock). Unlocking an unlocked mutex is a fatal error.
  void unlock() {
    std::int32_t now = state_.fetch_sub(locked_bit, std::memory_order_release) - locked_bit;
    if (now != 0) [[unlikely]] unlock_slow(now);  // waiters to wake, or misuse
  }

 private:
  // state_: locked | woken | starving | waiter count << waiter_shift (Go's layout).
  static constexpr std::int32_t locked_bit = 1;    // held
  static constexpr std::int32_t woken_bit = 2;     // a waiter is awake: unlock need not wake one
  static constexpr std::int32_t starving_bit = 4;  // starvation mode: unlock hands off
  static constexpr int waiter_shift = 3;

  void lock_slow();
  void unlock_slow(std::int32_t now);
  friend struct detail::mutex_probe;  // the lock-cycle check reads state_ and owner_sp_

  // Who locked it last, as the locker's stack pointer: one register store, no lookup of
  // the current goroutine on the fast path. While the mutex is locked it lies in its
  // holder's stack, which is how the lock-cycle check (sysmon) finds the holder; a plain
  // thread's stack matches no goroutine. Never read on the lock's own paths.
  void note_owner() noexcept { owner_sp_.store(detail::stack_pointer(), std::memory_order_relaxed); }

  std::atomic<std::int32_t> state_{0};
  std::atomic<std::uint32_t> sema_{0};  // runtime semaphore the waiters park on
  std::atomic<std::uintptr_t> owner_sp_{0};
};

// A reader/writer mutual exclusion lock (Go's sync.RWMutex): any number of readers or
// one writer. It meets the standard Lockable and SharedLockable requirements, so
// std::unique_lock, std::shared_lock and std::scoped_lock work.
//
// A writer that is waiting gets the lock before readers that arrive after it, so
// readers cannot starve writers; it follows that a reader must not lock_shared()
// recursively (an interleaved writer would deadlock it), exactly as in Go.
//
//   Go                                gocxx
//   var rw sync.RWMutex               gocxx::rw_mutex rw;
//   rw.RLock()                        {
//   defer rw.RUnlock()                  std::shared_lock lock(rw);
//   v := m[k]                           v = m[k];
//                                     }
//   rw.Lock(); m[k] = v; rw.Unlock()  { std::lock_guard lock(rw); m[k] = v; }
class rw_mutex {
 public:
  constexpr rw_mutex() noexcept = default;
  rw_mutex(const rw_mutex&) = delete;
  rw_mutex& operator=(const rw_mutex&) = delete;

  // Write side (Go's Lock, TryLock, Unlock). unlock() of a mutex that is not write-locked
  // is a fatal error.
  void lock();
  bool try_lock() noexcept;
  void unlock();

  // Read side (Go's RLock, TryRLock, RUnlock). unlock_shared() without a reader holding
  // it is a fatal error.
  void lock_shared() {
    if (reader_count_.fetch_add(1, std::memory_order_acq_rel) + 1 < 0) [[unlikely]] lock_shared_slow();
  }
  bool try_lock_shared() noexcept {
    std::int32_t c = reader_count_.load(std::memory_order_relaxed);
    while (c >= 0) {
      if (reader_count_.compare_exchange_weak(c, c + 1, std::memory_order_acquire, std::memory_order_relaxed)) {
        return true;
      }
    }
    return false;  // a writer holds it or waits for it
  }
  void unlock_shared() {
    std::int32_t r = reader_count_.fetch_sub(1, std::memory_order_acq_rel) - 1;
    if (r < 0) [[unlikely]] unlock_shared_slow(r);  // a writer waits, or misuse
  }

 private:
  static constexpr std::int32_t max_readers = 1 << 30;

  void lock_shared_slow();
  void unlock_shared_slow(std::int32_t r);

  mutex w_;                                  // held by a writer while it holds or wants the lock
  std::atomic<std::uint32_t> writer_sem_{0};  // the writer parks here for departing readers
  std::atomic<std::uint32_t> reader_sem_{0};  // readers park here for the writer
  std::atomic<std::int32_t> reader_count_{0};  // readers; minus max_readers while a writer is in
  std::atomic<std::int32_t> reader_wait_{0};   // departing readers the writer still waits for
};

// Waits for a collection of goroutines to finish (Go's sync.WaitGroup). add(n) before
// starting work, done() when a piece finishes, wait() blocks until the counter is zero;
// or go(fn), which does all three for one function (Go 1.25's WaitGroup.Go).
//
// Misuse panics as in Go: a negative counter ("sync: negative WaitGroup counter"), an
// add() racing with a wait() on a zero counter ("sync: WaitGroup misuse: Add called
// concurrently with Wait"), and reuse before every wait() of the previous round has
// returned ("sync: WaitGroup is reused before previous Wait has returned"). done() is
// a single atomic subtraction when nobody waits.
//
//   Go                                gocxx
//   var wg sync.WaitGroup             gocxx::wait_group wg;
//   for _, u := range urls {          for (auto& u : urls) {
//     wg.Go(func() { fetch(u) })        wg.go([&u] { fetch(u); });
//   }                                 }
//   wg.Wait()                         wg.wait();
class wait_group {
 public:
  constexpr wait_group() noexcept = default;
  wait_group(const wait_group&) = delete;
  wait_group& operator=(const wait_group&) = delete;

  // Adds delta (which may be negative) to the counter; at zero, releases every waiter.
  void add(int delta) {
    std::uint64_t s = state_.fetch_add(static_cast<std::uint64_t>(static_cast<std::int64_t>(delta)) << 32,
                                       std::memory_order_acq_rel) +
                      (static_cast<std::uint64_t>(static_cast<std::int64_t>(delta)) << 32);
    // Common case: the counter stays positive and nobody waits.
    if (static_cast<std::int32_t>(s >> 32) > 0 && static_cast<std::uint32_t>(s) == 0) [[likely]] return;
    add_slow(delta, s);
  }

  // add(-1).
  void done() {
    std::uint64_t s = state_.fetch_sub(std::uint64_t{1} << 32, std::memory_order_acq_rel) - (std::uint64_t{1} << 32);
    // Still positive, or zero with nobody waiting: nothing else to do.
    if (static_cast<std::int32_t>(s >> 32) > 0 || s == 0) [[likely]] return;
    add_slow(-1, s);
  }

  // Blocks until the counter is zero.
  void wait();

  // Runs fn in a new goroutine counted by this group: add(1), then done() when fn
  // returns. If fn throws, the panic ends the program (it escapes a goroutine) and
  // done() is not called, so wait() cannot let the program exit before the report.
  template <class F>
  void go(F&& fn, const source_location& where = source_location::current()) {
    go(go_options{}, std::forward<F>(fn), where);
  }
  template <class F>
  void go(const go_options& opts, F&& fn, const source_location& where = source_location::current()) {
    add(1);
    gocxx::go(opts, [this, f = std::forward<F>(fn)]() mutable {
      f();
      done();
    }, where);
  }

 private:
  void add_slow(int delta, std::uint64_t state);

  // counter << 32 | waiters: one word, so a done() and a wait() never miss each other.
  std::atomic<std::uint64_t> state_{0};
  std::atomic<std::uint32_t> sema_{0};
};

// Performs an action exactly once (Go's sync.Once). Every call() returns only after
// the one execution of the function has finished, so what it initialised is visible.
// If the function throws, the exception propagates from that call() and the once is
// done anyway: later calls do not retry (Go's behaviour when f panics). Calling call()
// from inside the function deadlocks, as in Go.
//
//   Go                                gocxx
//   var once sync.Once                gocxx::once init;
//   once.Do(setup)                    init.call(setup);
class once {
 public:
  constexpr once() noexcept = default;
  once(const once&) = delete;
  once& operator=(const once&) = delete;

  template <class F>
  void call(F&& fn) {
    if (done_.load(std::memory_order_acquire)) [[likely]] return;
    auto run = [&fn] { std::invoke(std::forward<F>(fn)); };  // any callable, functions too
    using run_t = decltype(run);
    call_slow([](void* r) { (*static_cast<run_t*>(r))(); }, &run);
  }

 private:
  void call_slow(void (*invoke)(void*), void* fn);

  std::atomic<std::uint32_t> done_{0};
  mutex m_;
};

// A condition variable (Go's sync.Cond) over a gocxx::mutex. wait() atomically unlocks
// the mutex and suspends the caller; on wake-up it locks the mutex again before it
// returns. signal() wakes the longest-waiting waiter, broadcast() all of them; neither
// needs the mutex held. A waiter is woken only by a signal or broadcast that came after
// its wait() began (Go's ticket semantics: no spurious wake-ups, no stolen signals),
// but the condition may have changed again by the time it holds the mutex, so wait in
// a loop, or use wait(pred).
//
//   Go                                gocxx
//   c := sync.NewCond(&mu)            gocxx::cond c(mu);
//   mu.Lock()                         std::lock_guard lock(mu);
//   for !ready { c.Wait() }           c.wait([&] { return ready; });
//   ...                               ...
//   c.Broadcast()                     c.broadcast();
class cond {
 public:
  explicit cond(mutex& l) noexcept : l_(&l) {}
  cond(const cond&) = delete;
  cond& operator=(const cond&) = delete;

  // The caller must hold the mutex.
  void wait();
  template <class Pred>
  void wait(Pred stop_waiting) {
    while (!stop_waiting()) wait();
  }
  void signal();
  void broadcast();

  // The mutex (Go's c.L).
  mutex& locker() const noexcept { return *l_; }

 private:
  mutex* l_;
  // Go's notifyList: tickets are taken without the lock; the list is under lock_.
  std::atomic<std::uint32_t> wait_ticket_{0};    // the next waiter's ticket
  std::atomic<std::uint32_t> notify_ticket_{0};  // the next ticket to wake; written under lock_
  detail::runtime_lock lock_;
  detail::sema_sudog* head_ = nullptr;
  detail::sema_sudog* tail_ = nullptr;
};

namespace detail {
// The id of the P the calling goroutine runs on, or -1 on a plain thread (pool.cpp).
int pool_proc_id() noexcept;
// The current max_procs() rounded up to a power of two, at most 64 (pool.cpp).
std::size_t pool_local_count() noexcept;
}  // namespace detail

// A set of interchangeable objects to reuse (Go's sync.Pool), e.g. buffers. get()
// takes one, or makes one with the factory when the pool is empty; put() gives one
// back. Which object get() returns is unspecified, and the pool may hold any number.
//
// Each P has a small cache used by the goroutines running on it, so get and put on a
// busy runtime touch no shared line; the caches overflow into, and get() falls back
// on, a shared list. Without a GC nothing is dropped behind the user's back: objects
// live until taken or until the pool is destroyed. T must be move-constructible.
//
//   Go                                    gocxx
//   bufs := sync.Pool{New: func() any {   gocxx::pool<std::string> bufs([] {
//     return new(bytes.Buffer) }}           return std::string(); });
//   b := bufs.Get().(*bytes.Buffer)       std::string b = bufs.get();
//   b.Reset(); ...; bufs.Put(b)           b.clear(); ...; bufs.put(std::move(b));
template <class T>
class pool {
 public:
  // Without a factory, get() on an empty pool returns T{} (Go's Get returns nil).
  pool() = default;
  explicit pool(std::function<T()> factory) : factory_(std::move(factory)) {}
  pool(const pool&) = delete;
  pool& operator=(const pool&) = delete;
  ~pool() { delete locals_.load(std::memory_order_acquire); }

  T get() {
    int id = detail::pool_proc_id();
    if (id >= 0) {
      local_set* ls = locals();
      if (auto v = take_local(ls->slots[static_cast<std::size_t>(id) & ls->mask])) return std::move(*v);
    }
    {
      std::lock_guard<mutex> l(shared_mu_);
      if (!shared_.empty()) {
        T v = std::move(shared_.back());
        shared_.pop_back();
        return v;
      }
    }
    if (local_set* ls = locals_.load(std::memory_order_acquire)) {  // other Ps' caches
      for (std::size_t i = 0; i <= ls->mask; ++i) {
        if (auto v = take_local(ls->slots[i])) return std::move(*v);
      }
    }
    if (factory_) return factory_();
    if constexpr (std::is_default_constructible_v<T>) {
      return T{};
    } else {
      throw panic_error("sync: pool::get on an empty pool with no factory");
    }
  }

  void put(T x) {
    int id = detail::pool_proc_id();
    if (id >= 0) {
      local_set* ls = locals();
      local& l = ls->slots[static_cast<std::size_t>(id) & ls->mask];
      if (!l.busy.exchange(true, std::memory_order_acquire)) {
        busy_guard g{l};
        if (l.items.size() < local_capacity) {
          l.items.push_back(std::move(x));  // reserved: no allocation
          return;
        }
      }
    }
    std::lock_guard<mutex> l(shared_mu_);
    shared_.push_back(std::move(x));
  }

 private:
  static constexpr std::size_t local_capacity = 16;

  // One P's cache. `busy` is a try-lock, never waited on: the P's own goroutines are its
  // only regular users, so it fails only against a thief (get() on another P) or when
  // Ps outnumber the caches; the caller then uses the shared list instead.
  struct alignas(64) local {
    local() { items.reserve(local_capacity); }
    std::atomic<bool> busy{false};
    std::vector<T> items;
  };
  // Releases a cache's try-lock however the section ends (a T move may throw).
  struct busy_guard {
    local& l;
    ~busy_guard() { l.busy.store(false, std::memory_order_release); }
  };
  // The caches, made on first use by a goroutine: one per P (power of two, at most 64;
  // Ps beyond that, or added later, share caches by id & mask).
  struct local_set {
    explicit local_set(std::size_t n) : mask(n - 1), slots(new local[n]) {}
    std::size_t mask;
    std::unique_ptr<local[]> slots;
  };

  local_set* locals() {
    local_set* ls = locals_.load(std::memory_order_acquire);
    if (ls) [[likely]] return ls;
    auto* fresh = new local_set(detail::pool_local_count());
    if (locals_.compare_exchange_strong(ls, fresh, std::memory_order_acq_rel, std::memory_order_acquire)) return fresh;
    delete fresh;  // another goroutine installed its set first
    return ls;
  }
  static std::optional<T> take_local(local& l) {
    if (l.busy.exchange(true, std::memory_order_acquire)) return std::nullopt;
    busy_guard g{l};
    std::optional<T> v;
    if (!l.items.empty()) {
      v.emplace(std::move(l.items.back()));
      l.items.pop_back();
    }
    return v;
  }

  std::function<T()> factory_;
  std::atomic<local_set*> locals_{nullptr};
  mutex shared_mu_;
  std::vector<T> shared_;
};

}  // namespace gocxx
