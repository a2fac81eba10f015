// Tour: an HTTP handler's timeout, without the server. Ports seed 001, program 2's
// "HTTP Request Timeout Pattern" (Part 7 of its notes): the handler derives a 5 s
// context from the request's, runs the query in a goroutine, and answers with the
// result or 504 Gateway Timeout, whichever comes first.
//
//   ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)   auto [ctx, cancel] = gocxx::with_timeout(request_ctx, 5s);
//   defer cancel()                                                   tour::defer c([&] { cancel(); });
//   select {                                                         gocxx::select(
//   case result := <-resultCh: ...                                     gocxx::case_recv(result_ch, [&](auto r) { ... }),
//   case <-ctx.Done(): http.Error(w, "Request timeout", 504)           gocxx::case_recv(ctx.done(), [&] { ... }));
//   }
//
// The handler is a function of a context and returns the response (status, body) instead
// of writing to an http.ResponseWriter. A bug in the seed: resultCh is unbuffered, so when
// the timeout wins, the query's goroutine blocks forever on its send (a goroutine leak per
// timed-out request). The port's channel holds the one result, and the query gives up
// when ctx ends (queryDatabase(ctx) is meant to). The seed's handler prints nothing; the
// port prints each request's response: a fast query, a slow one (the handler's 5 s
// timeout), and a client that hangs up after 1 s (the request's context is cancelled).
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace {

struct result {
  std::string json;
};

// Simulates a database query taking `latency`, abandoned when ctx ends.
std::optional<result> query_database(const gocxx::context& ctx, std::chrono::nanoseconds latency) {
  std::optional<result> r;
  gocxx::select(gocxx::case_recv(gocxx::after(latency), [&] { r = result{R"({"users":["ada","grace"]})"}; }),
                gocxx::case_recv(ctx.done()));
  return r;
}

struct response {
  int status = 0;
  std::string body;
};

response handle_request(const gocxx::context& request_ctx, std::chrono::nanoseconds query_latency) {
  auto [ctx, cancel] = gocxx::with_timeout(request_ctx, tour::d(5s));
  tour::defer cleanup([&, cancel = cancel] { cancel(); });  // always: it stops the context's timer

  gocxx::chan<result> result_ch(1);
  gocxx::go([ctx = ctx, result_ch, query_latency] {
    if (auto r = query_database(ctx, query_latency)) result_ch.send(std::move(*r));
  });

  response resp;
  gocxx::select(gocxx::case_recv(result_ch, [&](std::optional<result> r) { resp = {200, r->json}; }),
                gocxx::case_recv(ctx.done(), [&, ctx = ctx] {
                  resp = {504, "Request timeout (" + ctx.err().message() + ")"};
                }));
  return resp;
}

void serve(const char* what, const gocxx::context& request_ctx, std::chrono::nanoseconds query_latency) {
  response r = handle_request(request_ctx, query_latency);
  std::printf("%s: %d %s\n", what, r.status, r.body.c_str());
}

}  // namespace

TOUR_EXAMPLE(http_handler_timeout, "001", "a handler's context.WithTimeout around a query, answered 200 or 504") {
  std::printf("\n=== HTTP Request Timeout Pattern ===\n");
  serve("GET /users (query 1s)", gocxx::background(), tour::d(1s));
  serve("GET /report (query 8s)", gocxx::background(), tour::d(8s));

  auto [client, hang_up] = gocxx::with_cancel(gocxx::background());
  gocxx::after_func(tour::d(1s), [hang_up = hang_up] { hang_up(); });
  serve("GET /report (query 8s, client gone after 1s)", client, tour::d(8s));
}
