// The network poller (netpoll.hpp: the protocol, its invariants and lock order).
//
// One epoll instance for the process, made on the first netpoll_open, with an eventfd in
// it (data.ptr null) that netpoll_break writes to end a blocked epoll_wait. fds are
// registered edge-triggered for EPOLLIN | EPOLLOUT | EPOLLRDHUP once, as Go does: an
// edge is never lost, because it is either handed to the side's waiter or kept in the
// side's `ready` bit under the poll_desc's lock, and a waiter takes the lock before it
// looks at the bit.
#include "runtime/netpoll.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <mutex>

#include "gocxx/time.hpp"
#include "runtime/fatal.hpp"
#include "runtime/fiber.hpp"  // GOCXX_TSAN
#include "runtime/lock.hpp"
#include "runtime/park.hpp"
#include "runtime/sched.hpp"

#if defined(GOCXX_TSAN)
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#endif

namespace gocxx::detail {

// A poll_desc reaches the poller through the kernel (epoll's data.ptr), an edge TSan
// cannot see: the registration releases it, each event acquires it.
inline void publish_to_poller([[maybe_unused]] void* pd) {
#if defined(GOCXX_TSAN)
  __tsan_release(pd);
#endif
}
inline void receive_from_poller([[maybe_unused]] void* pd) {
#if defined(GOCXX_TSAN)
  __tsan_acquire(pd);
#endif
}

struct poll_side {
  waiter* w = nullptr;         // the parked reader (or writer); at most one
  bool ready = false;          // an edge arrived while nobody waited
  std::int64_t deadline = 0;   // 0 none, -1 passed, else when (ns)
  std::uint64_t seq = 0;       // bumped by every deadline change and reuse
  gocxx::timer timer;          // the deadline's timer (an after_func), if one is armed
  bool timer_armed = false;
};

struct poll_desc {
  runtime_lock lock;           // guards fd, closing and both sides but their timers
  runtime_lock deadline_lock;  // serialises deadline changes (the timers' handles)
  int fd = -1;
  bool closing = false;
  poll_side r, w;
  poll_desc* next_free = nullptr;
};

namespace {

int g_epfd = -1;
int g_eventfd = -1;
std::once_flag g_init_once;
// Set (release) once g_epfd and g_eventfd hold their descriptors: the Ms that poll or
// break without having opened a descriptor (sysmon, findrunnable) read them only after
// seeing it (acquire), so the ints need no atomics of their own.
std::atomic<bool> g_initialised{false};
std::atomic<int> g_waiters{0};
std::atomic<int> g_blocked{0};               // threads in an epoll_wait with a timeout
std::atomic<std::uint32_t> g_break_pending{0};
std::atomic<std::int64_t> g_last_poll{0};    // when anyone last polled (sysmon's backstop)
std::atomic<bool> g_no_pwait2{false};        // the kernel lacks epoll_pwait2: ms timeouts

runtime_lock g_free_lock;
poll_desc* g_free = nullptr;

void init() {
  g_epfd = epoll_create1(EPOLL_CLOEXEC);
  if (g_epfd < 0) fatal_error("netpollinit", "runtime: netpollinit failed (epoll_create1)");
  g_eventfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (g_eventfd < 0) fatal_error("netpollinit", "runtime: netpollinit failed (eventfd)");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;
  if (epoll_ctl(g_epfd, EPOLL_CTL_ADD, g_eventfd, &ev) != 0) {
    fatal_error("netpollinit", "runtime: netpollinit failed (epoll_ctl of the eventfd)");
  }
  g_initialised.store(true, std::memory_order_release);
}

poll_side& side_of(poll_desc* pd, poll_mode mode) { return mode == poll_mode::read ? pd->r : pd->w; }

// pd->lock held: takes the side's waiter, if any, for the caller to ready after unlocking.
waiter* take_waiter(poll_side& s) {
  waiter* w = s.w;
  if (w) {
    s.w = nullptr;
    g_waiters.fetch_sub(1, std::memory_order_relaxed);
  }
  return w;
}

// Run as park's before_switch unlock: the waiter is published, so the lock can go, and
// some M must be polling for it to be woken.
void unlock_and_need_poller(void* arg) {
  static_cast<poll_desc*>(arg)->lock.unlock();
  netpoll_need_poller();
}

// A deadline timer fired (in a goroutine of its own): the side's deadline has passed,
// unless it was changed since the timer was armed.
void expire(poll_desc* pd, poll_mode mode, std::uint64_t seq) {
  waiter* w = nullptr;
  {
    std::lock_guard<runtime_lock> l(pd->lock);
    poll_side& s = side_of(pd, mode);
    if (s.seq != seq) return;
    s.deadline = -1;
    w = take_waiter(s);
  }
  if (w) ready(w);
}

std::int64_t epoll_wait_ns(epoll_event* evs, int max, std::int64_t timeout_ns) {
  if (timeout_ns == 0) return epoll_wait(g_epfd, evs, max, 0);
  if (!g_no_pwait2.load(std::memory_order_relaxed)) {
    timespec ts{};
    timespec* tsp = nullptr;
    if (timeout_ns > 0) {
      ts.tv_sec = timeout_ns / 1'000'000'000;
      ts.tv_nsec = timeout_ns % 1'000'000'000;
      tsp = &ts;
    }
#ifdef SYS_epoll_pwait2
    long n = syscall(SYS_epoll_pwait2, g_epfd, evs, max, tsp, nullptr, 0);
    if (n >= 0 || errno != ENOSYS) return n;
#endif
    g_no_pwait2.store(true, std::memory_order_relaxed);
  }
  // Milliseconds, rounded up so a wait never ends early (the caller spins the rest).
  int ms = timeout_ns < 0 ? -1 : static_cast<int>(std::min<std::int64_t>((timeout_ns + 999'999) / 1'000'000, 3'600'000));
  return epoll_wait(g_epfd, evs, max, ms);
}

}  // namespace

poll_desc* netpoll_open(int fd) {
  std::call_once(g_init_once, init);
  poll_desc* pd = nullptr;
  {
    std::lock_guard<runtime_lock> l(g_free_lock);
    pd = g_free;
    if (pd) g_free = pd->next_free;
  }
  if (!pd) pd = new poll_desc;  // never freed: see netpoll.hpp
  {
    std::lock_guard<runtime_lock> l(pd->lock);
    pd->fd = fd;
    pd->closing = false;
    pd->next_free = nullptr;
    for (poll_side* s : {&pd->r, &pd->w}) {
      s->ready = false;
      s->deadline = 0;
      ++s->seq;
    }
  }
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = pd;
  publish_to_poller(pd);
  if (epoll_ctl(g_epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
    int err = errno;
    netpoll_close(pd);
    throw std::system_error(err, std::system_category(), "epoll_ctl");
  }
  return pd;
}

void netpoll_evict(poll_desc* pd) {
  waiter* rw;
  waiter* ww;
  {
    std::lock_guard<runtime_lock> l(pd->lock);
    pd->closing = true;
    rw = take_waiter(pd->r);
    ww = take_waiter(pd->w);
  }
  if (rw) ready(rw);
  if (ww) ready(ww);
}

void netpoll_close(poll_desc* pd) {
  netpoll_set_deadline(pd, poll_mode::both, 0);  // stops the timers
  {
    std::lock_guard<runtime_lock> l(pd->lock);
    if (pd->fd >= 0) {
      epoll_event ev{};
      epoll_ctl(g_epfd, EPOLL_CTL_DEL, pd->fd, &ev);
    }
    pd->fd = -1;
    pd->closing = true;
    ++pd->r.seq;
    ++pd->w.seq;
  }
  std::lock_guard<runtime_lock> l(g_free_lock);
  pd->next_free = g_free;
  g_free = pd;
}

poll_status netpoll_check(poll_desc* pd, poll_mode mode) {
  std::lock_guard<runtime_lock> l(pd->lock);
  if (pd->closing) return poll_status::closed;
  return side_of(pd, mode).deadline < 0 ? poll_status::timeout : poll_status::ready;
}

poll_status netpoll_wait(poll_desc* pd, poll_mode mode) {
  pd->lock.lock();
  poll_side& s = side_of(pd, mode);
  if (pd->closing) {
    pd->lock.unlock();
    return poll_status::closed;
  }
  if (s.deadline < 0) {
    pd->lock.unlock();
    return poll_status::timeout;
  }
  if (s.ready) {
    s.ready = false;
    pd->lock.unlock();
    return poll_status::ready;
  }
  if (s.w) {
    pd->lock.unlock();
    fatal_error("netpoll", "runtime: two waiters on one side of a poll descriptor (concurrent reads or writes?)");
  }
  s.w = current_waiter();
  g_waiters.fetch_add(1, std::memory_order_seq_cst);
  park(wait_reason::io_wait, &unlock_and_need_poller, pd, unlock_at::before_switch);
  // Woken by an edge, the deadline, or close: the caller's retry (or the checks above,
  // on its next wait) tells which.
  std::lock_guard<runtime_lock> l(pd->lock);
  if (pd->closing) return poll_status::closed;
  return s.deadline < 0 ? poll_status::timeout : poll_status::ready;
}

void netpoll_set_deadline(poll_desc* pd, poll_mode mode, std::int64_t when) {
  std::lock_guard<runtime_lock> dl(pd->deadline_lock);
  std::int64_t now = nanotime();
  for (poll_mode m : {poll_mode::read, poll_mode::write}) {
    if ((static_cast<int>(mode) & static_cast<int>(m)) == 0) continue;
    poll_side& s = side_of(pd, m);
    waiter* w = nullptr;
    std::uint64_t seq;
    std::int64_t deadline = when <= 0 ? 0 : when <= now ? -1 : when;
    {
      std::lock_guard<runtime_lock> l(pd->lock);
      seq = ++s.seq;
      s.deadline = deadline;
      if (deadline < 0) w = take_waiter(s);
    }
    if (w) ready(w);
    if (s.timer_armed) {
      s.timer.stop();
      s.timer = gocxx::timer();
      s.timer_armed = false;
    }
    if (deadline > 0) {
      s.timer = gocxx::after_func(std::chrono::nanoseconds(deadline - now), [pd, m, seq] { expire(pd, m, seq); });
      s.timer_armed = true;
    }
  }
}

int netpoll_waiters() noexcept { return g_waiters.load(std::memory_order_seq_cst); }

bool netpoll_blocked() noexcept { return g_blocked.load(std::memory_order_seq_cst) > 0; }

int netpoll_poll(std::int64_t timeout_ns, waiter** out, int max) {
  if (!g_initialised.load(std::memory_order_acquire)) return 0;
  epoll_event evs[64];
  int cap = std::min(64, max / 2);  // each event may free two waiters
  if (timeout_ns != 0) g_blocked.fetch_add(1, std::memory_order_seq_cst);
  std::int64_t n = epoll_wait_ns(evs, cap, timeout_ns);
  if (timeout_ns != 0) g_blocked.fetch_sub(1, std::memory_order_seq_cst);
  g_last_poll.store(nanotime(), std::memory_order_relaxed);
  int readied = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    auto* pd = static_cast<poll_desc*>(evs[i].data.ptr);
    if (!pd) {
      std::uint64_t v;
      [[maybe_unused]] ssize_t r = ::read(g_eventfd, &v, sizeof v);
      g_break_pending.store(0, std::memory_order_release);
      continue;
    }
    receive_from_poller(pd);
    std::uint32_t e = evs[i].events;
    bool rd = e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR);
    bool wr = e & (EPOLLOUT | EPOLLHUP | EPOLLERR);
    waiter* rw = nullptr;
    waiter* ww = nullptr;
    {
      std::lock_guard<runtime_lock> l(pd->lock);
      if (rd) {
        rw = take_waiter(pd->r);
        if (!rw) pd->r.ready = true;
      }
      if (wr) {
        ww = take_waiter(pd->w);
        if (!ww) pd->w.ready = true;
      }
    }
    if (rw) out[readied++] = rw;
    if (ww) out[readied++] = ww;
  }
  return readied;
}

int netpoll_poll_ready() {
  waiter* ws[128];
  int n = netpoll_poll(0, ws, 128);
  for (int i = 0; i < n; ++i) ready(ws[i]);
  return n;
}

void netpoll_break() noexcept {
  if (!g_initialised.load(std::memory_order_acquire)) return;
  if (g_break_pending.exchange(1, std::memory_order_acq_rel) != 0) return;
  std::uint64_t one = 1;
  [[maybe_unused]] ssize_t r = ::write(g_eventfd, &one, sizeof one);
}

void netpoll_sysmon_tick(std::int64_t now) noexcept {
  if (g_waiters.load(std::memory_order_relaxed) == 0 || netpoll_blocked()) return;
  if (now - g_last_poll.load(std::memory_order_relaxed) < 10'000'000) return;
  netpoll_poll_ready();
}

}  // namespace gocxx::detail
