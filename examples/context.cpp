// The tour: context and errgroup. A request with a deadline that a slow backend misses
// (Go's "context with timeout" pattern), a cancellation tree with a value carried
// through it, parallel fetches with errgroup where the first failure cancels the rest,
// and graceful shutdown on SIGTERM (which the program sends itself).
//
//   ctx, cancel := context.WithTimeout(ctx, d)      auto [ctx, cancel] = gocxx::with_timeout(parent, d);
//   defer cancel()                                  ... cancel();
//   select {                                        gocxx::select(
//   case r := <-result: ...                           gocxx::case_recv(result, [&](auto r) { ... }),
//   case <-ctx.Done(): return ctx.Err()               gocxx::case_recv(ctx.done(), [&] { ... }));
//   }
//   g, ctx := errgroup.WithContext(ctx)             auto [g, gctx] = gocxx::errgroup::with_context(ctx);
//   g.Go(func() error { ... }); err := g.Wait()     g.go([=]() -> std::error_code { ... }); auto err = g.wait();
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <system_error>

#include "gocxx/gocxx.hpp"

using namespace std::chrono_literals;

namespace {

const gocxx::context_key<std::string> request_id{"request_id"};

// A backend call that takes `latency` unless ctx ends first.
std::error_code call_backend(const gocxx::context& ctx, std::chrono::milliseconds latency, std::string* out) {
  std::error_code err;
  gocxx::select(gocxx::case_recv(gocxx::after(latency), [&] { *out = "reply for " + *ctx.value(request_id); }),
                gocxx::case_recv(ctx.done(), [&] { err = ctx.err(); }));
  return err;
}

}  // namespace

int main() {
  return gocxx::run([] {
    gocxx::context root = gocxx::with_value(gocxx::background(), request_id, std::string("req-42"));

    // A deadline: 20 ms for a backend that needs 200.
    {
      auto [ctx, cancel] = gocxx::with_timeout(root, 20ms);
      std::string reply;
      std::error_code err = call_backend(ctx, 200ms, &reply);
      std::printf("slow backend: %s\n", err ? err.message().c_str() : reply.c_str());
      err = call_backend(root, 1ms, &reply);
      std::printf("fast backend: %s\n", err ? err.message().c_str() : reply.c_str());
      cancel();
    }

    // A tree: cancelling the parent reaches every child, and after_func runs after it.
    {
      auto [parent, cancel] = gocxx::with_cancel(root);
      gocxx::wait_group wg;
      for (int i = 0; i < 3; ++i) {
        auto [child, child_cancel] = gocxx::with_cancel(parent);
        wg.add(1);
        gocxx::go([child = child, i, &wg] {
          child.done().recv();
          std::printf("worker %d stopped: %s (%s)\n", i, child.err().message().c_str(), child.value(request_id)->c_str());
          wg.done();
        });
      }
      gocxx::chan<int> cleaned(1);
      auto stop_cleanup = gocxx::after_func(parent, [cleaned] { cleaned.send(1); });
      cancel();
      wg.wait();
      cleaned.recv();
      std::printf("cleanup ran after the cancel\n");
    }

    // errgroup: three fetches, one fails; the others see the group's context end.
    {
      auto [g, ctx] = gocxx::errgroup::with_context(root);
      for (int i = 0; i < 3; ++i) {
        g.go([ctx = ctx, i]() -> std::error_code {
          if (i == 1) return std::make_error_code(std::errc::connection_refused);
          std::string reply;
          return call_backend(ctx, 10s, &reply);  // cancelled by the failure
        });
      }
      std::error_code err = g.wait();
      std::printf("errgroup: first error: %s; cause of the context: %s\n", err.message().c_str(),
                  gocxx::cause(ctx).message().c_str());
    }

    // Graceful shutdown: a producer feeds workers until SIGTERM, then everything drains.
    {
      auto [ctx, stop] = gocxx::signal_notify_context(root, {SIGINT, SIGTERM});
      gocxx::chan<int> jobs(8);
      std::atomic<int> done{0};
      gocxx::wait_group workers;
      for (int w = 0; w < 2; ++w) {
        workers.add(1);
        gocxx::go([jobs, &done, &workers] {
          for (int j : jobs) done += j > 0 ? 1 : 0;
          workers.done();
        });
      }
      int produced = 0;
      for (bool stopping = false; !stopping;) {
        gocxx::select(gocxx::case_recv(ctx.done(), [&] { stopping = true; }),
                      gocxx::case_send(jobs, produced + 1, [&] {
                        if (++produced == 100) raise(SIGTERM);  // as if the operator sent it
                      }));
      }
      jobs.close();
      workers.wait();
      stop();
      std::printf("shutdown on SIGTERM: %s; every job produced was done: %s\n", ctx.err().message().c_str(),
                  produced == done.load() ? "yes" : "NO");
    }
  });
}
