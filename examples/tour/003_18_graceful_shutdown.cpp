// Tour: graceful shutdown on SIGINT/SIGTERM. Ports seed 003 (a flow guide), "Common Flow
// Patterns", 4, "Graceful Shutdown Flow": Signal -> Stop Accepting -> Drain -> Cleanup ->
// Exit. Five workers take jobs that a producer queues every 100ms; a signal stops the
// producer; the workers finish the jobs already queued; main waits for them, bounded by
// a 10s shutdown timeout.
//
//   sigChan := make(chan os.Signal, 1)                auto [sig, stop] = gocxx::signal_notify_context(
//   signal.Notify(sigChan, os.Interrupt, syscall.SIGTERM)    gocxx::background(), {SIGINT, SIGTERM});
//   <-sigChan                                         sig.done().recv();
//   shutdownCtx, shutdownCancel := context.WithTimeout(context.Background(), 10*time.Second)
//                                                     auto [shutdown_ctx, shutdown_cancel] = gocxx::with_timeout(...);
//
// Nobody presses Ctrl-C in the tour: a timer raises SIGTERM in the process after 1s
// (raise(SIGTERM), what `kill -TERM <pid>` does from outside); until stop() at the end,
// the signal only cancels sig's context (Go's signal.Notify semantics), it does not kill.
// raise rather than kill(getpid(), ...): under ThreadSanitizer a process-directed signal
// that the kernel gives to a runtime thread asleep in a raw futex call stays pending in
// TSan until that thread wakes (TSan runs handlers only at its interceptors), possibly
// never; raise() delivers to the raising thread, which TSan handles at once. If no
// signal comes within 10s the port says so and goes on, rather than hang.
//
// What the seed's code does differently from the flow it describes, and the port fixes:
// - cancel() also stops the workers (each returns on ctx.Done()), so the jobs already
//   queued are dropped, not drained. The port's cancel() stops only the producer, which
//   then closes jobs; the workers drain the queue and end with "Worker N finished".
//   (Each worker still returns on the shutdown timeout's context: the "forcing exit"
//   path.)
// - The producer's `jobs <- Job{ID: i}` sits in a select's default, a plain send: with
//   the queue full and the workers gone it blocks forever and never closes jobs. The
//   port sends in a select with ctx.Done().
// - signal.Stop is never called; the port calls stop().
// So every job produced is processed, exactly once: the last line counts both.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <optional>
#include <variant>

#include "gocxx/gocxx.hpp"
#include "gocxx/signal.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace {

struct job {
  int id;
};

std::atomic<int> produced{0}, processed{0};

void process_job(const gocxx::context& ctx, const job&) {
  gocxx::select(gocxx::case_recv(ctx.done()), gocxx::case_recv(gocxx::after(tour::d(50ms)), [] { processed.fetch_add(1); }));
}

}  // namespace

TOUR_EXAMPLE(graceful_shutdown, "003", "SIGTERM (raised in itself after 1 s): stop accepting, drain, exit cleanly") {
  std::printf("\n=== Graceful shutdown flow ===\n");
  produced = 0;
  processed = 0;
  // Step 1: signal handling.
  auto [sig, stop] = gocxx::signal_notify_context(gocxx::background(), {SIGINT, SIGTERM});
  // Step 2: the shutdown context (it stops the producer), and the force context (it stops
  // the workers, at the shutdown timeout only).
  auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());
  auto [force, force_stop] = gocxx::with_cancel(gocxx::background());

  // Step 3: start workers.
  gocxx::wait_group wg;
  gocxx::chan<job> jobs(100);
  for (int i = 0; i < 5; ++i) {
    wg.add(1);
    gocxx::go([id = i, force = force, jobs, &wg] {
      tour::defer d([&] { wg.done(); });
      for (bool quit = false; !quit;) {
        gocxx::select(gocxx::case_recv(force.done(),
                                       [&] {
                                         std::printf("Worker %d shutting down\n", id);
                                         quit = true;
                                       }),
                      gocxx::case_recv(jobs, [&](std::optional<job> j) {
                        if (!j) {
                          std::printf("Worker %d finished\n", id);
                          quit = true;
                          return;
                        }
                        process_job(force, *j);
                      }));
      }
    });
  }

  // Step 4: the main loop, producing until the shutdown.
  gocxx::go([ctx = ctx, jobs] {
    for (int i = 0;; ++i) {
      if (gocxx::select(gocxx::case_recv(ctx.done()), gocxx::case_send(jobs, job{i})) == 0) break;
      produced.fetch_add(1);
      if (gocxx::select(gocxx::case_recv(ctx.done()), gocxx::case_recv(gocxx::after(tour::d(100ms)))) == 0) break;
    }
    jobs.close();  // stop accepting: the workers drain what is queued
  });

  // Nobody presses Ctrl-C here: the process signals itself.
  std::printf("(a timer raises SIGTERM in this process after %s, as `kill -TERM <pid>` would)\n",
              tour::go_duration(tour::d(1s)).c_str());
  gocxx::after_func(tour::d(1s), [] { ::raise(SIGTERM); });

  // Step 5: wait for the shutdown signal (the seed waits without a bound).
  if (gocxx::select(gocxx::case_recv(sig.done()), gocxx::case_recv(gocxx::after(tour::d(10s)))) == 0) {
    std::printf("Shutdown signal received\n");
  } else {
    std::printf("No signal within %s: shutting down anyway\n", tour::go_duration(tour::d(10s)).c_str());
  }

  // Step 6: initiate graceful shutdown.
  cancel();

  // Step 7: wait for the workers to finish, for at most 10s.
  auto [shutdown_ctx, shutdown_cancel] = gocxx::with_timeout(gocxx::background(), tour::d(10s));
  gocxx::chan<std::monostate> done(0);
  gocxx::go([&wg, done] {
    wg.wait();
    done.close();
  });

  // Step 8: wait for completion or timeout.
  gocxx::select(gocxx::case_recv(done, [] { std::printf("Graceful shutdown completed\n"); }),
                gocxx::case_recv(shutdown_ctx.done(), [&, force_stop = force_stop] {
                  std::printf("Shutdown timeout - forcing exit\n");
                  force_stop();
                  done.recv();
                }));
  shutdown_cancel();
  force_stop();
  stop();  // signal.Stop: SIGINT and SIGTERM kill the process again from here
  std::printf("Jobs produced: %d, processed: %d\n", produced.load(), processed.load());
}
