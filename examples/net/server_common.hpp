// What gocxx-echo and gocxx-http-hello share: the Go anchor's command line
// (../shared/anchors/go-net: `[--procs N] [--addr HOST:PORT]`) and graceful shutdown on
// SIGINT/SIGTERM: stop accepting, let the connections in flight finish, exit 0.
#pragma once

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>

#include "gocxx/gocxx.hpp"
#include "gocxx/net.hpp"
#include "gocxx/signal.hpp"

namespace server {

struct options {
  int procs = static_cast<int>(std::thread::hardware_concurrency());
  std::string addr;
};

inline options parse(int argc, char** argv, const char* name, const char* default_addr) {
  options o;
  o.addr = default_addr;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const std::string& flag) -> const char* {
      if (a == flag || a == std::string_view(flag).substr(1)) {  // --procs or -procs, as Go's flag
        if (i + 1 >= argc) return nullptr;
        return argv[++i];
      }
      std::string eq = flag + "=";
      if (a.rfind(eq, 0) == 0) return argv[i] + eq.size();
      return nullptr;
    };
    if (const char* v = value("--procs")) {
      o.procs = std::atoi(v);
    } else if (const char* v2 = value("--addr")) {
      o.addr = v2;
    } else {
      std::fprintf(stderr, "usage: %s [--procs N] [--addr HOST:PORT]\n", name);
      std::exit(2);
    }
  }
  if (o.procs < 1) o.procs = 1;
  return o;
}

// Serves `ln` with handle(conn) in a goroutine per connection until SIGINT/SIGTERM, then
// closes the listener and waits for the connections in flight. Returns the exit code.
// The "# <kind> listening on ADDR" line comes once SIGINT/SIGTERM are caught, so that
// whoever waits for it (tests, scripts) may signal at once: a signal before that line
// would kill the process instead of shutting it down.
template <class Handler>
int serve(const gocxx::net::listener& ln, const char* kind, Handler handle) {
  auto [ctx, stop] = gocxx::signal_notify_context(gocxx::background(), {SIGINT, SIGTERM});
  std::fprintf(stderr, "# %s listening on %s, procs=%d\n", kind, ln.address().string().c_str(), gocxx::max_procs());
  gocxx::wait_group inflight;
  gocxx::go([ctx = ctx, ln] {
    ctx.done().recv();
    ln.close();  // wakes accept
  });
  int code = 0;
  for (;;) {
    auto [c, err] = ln.accept();
    if (err) {
      if (!ctx.err()) {
        std::fprintf(stderr, "accept: %s\n", err.message().c_str());
        code = 1;
      }
      break;
    }
    inflight.add(1);
    gocxx::go([c, &inflight, &handle] {
      handle(c);
      c.close();
      inflight.done();
    });
  }
  inflight.wait();
  stop();
  return code;
}

}  // namespace server
