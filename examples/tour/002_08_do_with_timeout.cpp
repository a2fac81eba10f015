// Tour: the timeout pattern. Ports seed 002 (a Go patterns sheet), pattern "timeout":
// DoWithTimeout(ctx, timeout) runs doWork in a goroutine that answers on a result
// channel or an error channel (each of capacity 1, so it never blocks), and selects on
// those and on the timeout context's Done.
//
//   ctx, cancel := context.WithTimeout(ctx, timeout)   auto [tctx, cancel] = gocxx::with_timeout(ctx, timeout);
//   defer cancel()                                     tour::defer c(...);
//   select {                                           gocxx::select(
//   case result := <-resultCh: return result, nil        gocxx::case_recv(result_ch, ...),
//   case err := <-errCh: return Result{}, err            gocxx::case_recv(err_ch, ...),
//   case <-ctx.Done(): return Result{}, ctx.Err()        gocxx::case_recv(tctx.done(), ...));
//   }
//
// C++ cannot redeclare ctx in the same scope, so the timeout context is tctx. The sheet's
// doWork is left out; here it takes a given time, honours ctx, and may fail. Three calls:
// work that finishes in time, work too slow for its timeout, and work that fails. (The
// timeouts are far from the work's times: if both were due when the select ran, it would
// pick either, in Go as here.)
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <system_error>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace {

struct result {
  std::string value;
};

struct outcome {
  result r;
  std::error_code err;
};

// The work: `takes` long, then `fails` or returns a result; gives up when ctx is done.
outcome do_work(const gocxx::context& ctx, std::chrono::nanoseconds takes, std::error_code fails) {
  if (gocxx::select(gocxx::case_recv(gocxx::after(takes)), gocxx::case_recv(ctx.done())) == 1) return {{}, ctx.err()};
  if (fails) return {{}, fails};
  return {{"done"}, {}};
}

outcome do_with_timeout(const gocxx::context& ctx, std::chrono::nanoseconds timeout, std::chrono::nanoseconds takes,
                        std::error_code fails = {}) {
  auto [tctx, cancel] = gocxx::with_timeout(ctx, timeout);
  tour::defer c([cancel = cancel] { cancel(); });

  gocxx::chan<result> result_ch(1);
  gocxx::chan<std::error_code> err_ch(1);
  gocxx::go([tctx = tctx, result_ch, err_ch, takes, fails] {
    outcome o = do_work(tctx, takes, fails);
    if (o.err) {
      err_ch.send(o.err);
      return;
    }
    result_ch.send(o.r);
  });

  outcome out;
  gocxx::select(gocxx::case_recv(result_ch, [&](std::optional<result> r) { out = {*r, {}}; }),
                gocxx::case_recv(err_ch, [&](std::optional<std::error_code> e) { out = {{}, *e}; }),
                gocxx::case_recv(tctx.done(), [&, tctx = tctx] { out = {{}, tctx.err()}; }));
  return out;
}

void show(const char* what, const outcome& o) {
  std::printf("%s: result \"%s\", err %s\n", what, o.r.value.c_str(), o.err ? o.err.message().c_str() : "<nil>");
}

}  // namespace

TOUR_EXAMPLE(do_with_timeout, "002", "DoWithTimeout: a result, an error or ctx.Err(), whichever comes first") {
  std::printf("\n=== Timeout Pattern ===\n");
  auto ctx = gocxx::background();
  show("work of 50ms, timeout 5s", do_with_timeout(ctx, tour::d(5s), tour::d(50ms)));
  show("work of 2s, timeout 200ms", do_with_timeout(ctx, tour::d(200ms), tour::d(2s)));
  show("failing work of 50ms, timeout 5s",
       do_with_timeout(ctx, tour::d(5s), tour::d(50ms), std::make_error_code(std::errc::connection_refused)));
}
