// gocxx/patterns/worker_pool.hpp: a bounded worker pool with results and errors (Go's
// "Worker pools": a jobs channel, N workers, a results channel), in one handle.
//
// Owns a job queue (a channel of `queue` slots), N worker goroutines, and a results
// channel. Failures are std::error_code values, never exceptions: fn returns an
// outcome<R>, made from an R (success) or a non-empty std::error_code (failure), and
// each job's outcome, success or failure, is one job_result on results().
// Invariants:
// - Each accepted job (submit() returned no error) is run by exactly one worker, once,
//   and its job_result is sent on results() exactly once, unless the pool's context
//   ends first (jobs not finished by then are dropped, unrun or with their result).
// - results() is closed exactly once, by the last worker to end, after its last send;
//   a worker ends when the queue is closed (close()) and drained, or the context is done.
// - wait() returns once every worker has ended.
// No lock: the queue and the results are channels; the workers share an atomic count.
// Deadlock to avoid, as in Go: results() has a buffer of `results_capacity` (default:
// unbuffered); with nobody receiving from it the workers block, then submit() does.
#pragma once

#include <atomic>
#include <concepts>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

#include "gocxx/chan.hpp"
#include "gocxx/context.hpp"
#include "gocxx/patterns/channel_ops.hpp"
#include "gocxx/runtime.hpp"
#include "gocxx/select.hpp"

namespace gocxx {

// What a worker_pool's function returns: a value (success) or an error (failure).
// Implicit from either, so fn can `return value;` or `return some_error_code;`. A
// failure must carry a non-empty error_code (an empty one panics).
//
//   Go                                        gocxx
//   func parse(s string) (int, error) {       gocxx::outcome<int> parse(std::string s) {
//     if s == "" { return 0, errEmpty }         if (s.empty()) return std::errc::invalid_argument;
//     return len(s), nil                        return int(s.size());
//   }                                         }
template <class R>
class outcome {
  static_assert(!std::is_same_v<std::remove_cvref_t<R>, std::error_code>,
                "gocxx::outcome<R>: R must not be std::error_code (failure already is one)");

 public:
  outcome(R value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  outcome(std::error_code error) : error_(error) {  // NOLINT(google-explicit-constructor)
    if (!error_) throw panic_error("gocxx::outcome: a failure needs a non-empty error_code");
  }
  // Any error enum with a make_error_code (std::errc, gocxx::context_errc, your own).
  template <class E>
    requires std::is_enum_v<E> && requires(E e) {
      { make_error_code(e) } -> std::same_as<std::error_code>;
    }
  outcome(E e) : outcome(make_error_code(e)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const noexcept { return !error_; }
  explicit operator bool() const noexcept { return ok(); }
  std::error_code error() const noexcept { return error_; }
  std::optional<R>& value() & noexcept { return value_; }
  std::optional<R>&& value() && noexcept { return std::move(value_); }

 private:
  std::optional<R> value_;
  std::error_code error_;
};

// One job's outcome as the pool reports it: `value` on success, `error` on failure.
//
//   Go                                        gocxx
//   for r := range results {                  for (gocxx::job_result<int> r : pool.results()) {
//     if r.Err != nil { log(r.Err) }            if (!r) log(r.error.message());
//     else { use(r.Value) }                     else use(*r.value);
//   }                                         }
template <class R>
struct job_result {
  std::optional<R> value;
  std::error_code error;
  bool ok() const noexcept { return !error; }
  explicit operator bool() const noexcept { return ok(); }
};

// A pool of `workers` goroutines running fn(job) (or fn(ctx, job)) over jobs given to
// submit(), reporting each job's job_result<R> on results(). A cheap, copyable handle:
// copies are the same pool (capture by value). close() says no more jobs will come;
// results() closes once the last of them is reported; wait() waits for the workers.
// Once the pool's context is done, submit() returns ctx.err() and the workers stop
// (what they held is dropped). Callable from goroutines and plain threads alike.
//
//   Go                                        gocxx
//   jobs := make(chan int, 100)               gocxx::worker_pool<int, int> pool(ctx, 3,
//   results := make(chan Result, 100)             [](int j) -> gocxx::outcome<int> {
//   for w := 0; w < 3; w++ {                        if (j < 0) return std::errc::invalid_argument;
//     go worker(jobs, results)                      return j * 2;
//   }                                             });
//   for j := 0; j < 9; j++ { jobs <- j }      gocxx::go([pool] {
//   close(jobs)                                 for (int j = 0; j < 9; ++j) pool.submit(j);
//   for r := range results {                    pool.close();
//     if r.err != nil { ... }                 });
//   }                                         for (auto r : pool.results()) if (!r) ...;
template <class Job, class R>
class worker_pool {
 public:
  // Starts the workers (at least 1). `queue` is how many submitted jobs may wait
  // unclaimed (0: submit() hands each job to a worker directly); `results_capacity` the
  // results channel's buffer.
  template <class F>
    requires std::is_invocable_r_v<outcome<R>, std::decay_t<F>&, Job&&> ||
             std::is_invocable_r_v<outcome<R>, std::decay_t<F>&, const context&, Job&&>
  worker_pool(const context& ctx, int workers, F&& fn, std::size_t queue = 0, std::size_t results_capacity = 0,
              const source_location& where = source_location::current())
      : st_(std::make_shared<state>(ctx, queue, results_capacity)) {
    if (workers < 1) throw panic_error("gocxx::worker_pool: workers must be at least 1");
    st_->running.store(workers, std::memory_order_relaxed);
    for (int w = 0; w < workers; ++w) {
      gocxx::go([st = st_, f = std::decay_t<F>(fn)]() mutable { work(*st, f); }, where);
    }
  }
  // The same under a context that is never cancelled.
  template <class F>
    requires std::is_invocable_r_v<outcome<R>, std::decay_t<F>&, Job&&> ||
             std::is_invocable_r_v<outcome<R>, std::decay_t<F>&, const context&, Job&&>
  worker_pool(int workers, F&& fn, std::size_t queue = 0, std::size_t results_capacity = 0,
              const source_location& where = source_location::current())
      : worker_pool(background(), workers, std::forward<F>(fn), queue, results_capacity, where) {}

  // Queues a job, waiting while the queue is full; returns ctx.err() (the job dropped)
  // if the pool's context is done first, and nothing once the job is accepted. Panics
  // "send on closed channel" after close(), as a send on Go's closed jobs channel does.
  std::error_code submit(Job job) const {
    if (std::error_code e = st_->ctx.err()) return e;
    if (!detail::send_or_done<Job>(st_->jobs, job, st_->done)) return st_->ctx.err();
    return {};
  }

  // No more jobs: the workers finish those queued, then results() closes. Idempotent.
  void close() const {
    if (!st_->closed.exchange(true, std::memory_order_acq_rel)) st_->jobs.close();
  }

  // Every accepted job's job_result, in no promised order; closed after the last.
  const recv_chan<job_result<R>>& results() const noexcept { return st_->results_view; }

  // Waits until every worker has ended (after close() once the queue is drained, or
  // once the context is done); results still buffered stay receivable. Returns ctx.err()
  // if the context was done when a worker ended (jobs may have been dropped), nothing
  // when the workers ended because the queue was closed and drained.
  // Someone must be receiving results() meanwhile, unless its buffer holds them all.
  std::error_code wait() const {
    (void)st_->finished.recv();
    return st_->cut_short.load(std::memory_order_acquire) ? st_->ctx.err() : std::error_code{};
  }

 private:
  struct state {
    state(const context& c, std::size_t queue, std::size_t results_capacity)
        : ctx(c), done(c.done()), jobs(queue), results(results_capacity), results_view(results), finished(0) {}
    context ctx;
    done_chan done;
    chan<Job> jobs;
    chan<job_result<R>> results;
    recv_chan<job_result<R>> results_view;
    chan<std::monostate> finished;  // closed once the last worker has ended
    std::atomic<int> running{0};
    std::atomic<bool> closed{false};
    std::atomic<bool> cut_short{false};  // a worker ended because the context was done
  };

  template <class F>
  static void work(state& st, F& fn) {
    for (;;) {
      std::optional<Job> job = detail::recv_or_done<Job>(st.jobs, st.done);
      if (!job) {
        if (st.ctx.err()) st.cut_short.store(true, std::memory_order_release);
        break;
      }
      outcome<R> o = call(fn, st.ctx, std::move(*job));
      job_result<R> r{std::move(o).value(), o.error()};
      if (!detail::send_or_done<job_result<R>>(st.results, r, st.done)) {
        st.cut_short.store(true, std::memory_order_release);
        break;
      }
    }
    if (st.running.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      st.results.close();
      st.finished.close();
    }
  }

  template <class F>
  static outcome<R> call(F& fn, const context& ctx, Job&& job) {
    if constexpr (std::is_invocable_r_v<outcome<R>, F&, Job&&>) {
      return std::invoke(fn, std::move(job));
    } else {
      return std::invoke(fn, ctx, std::move(job));
    }
  }

  std::shared_ptr<state> st_;
};

}  // namespace gocxx
