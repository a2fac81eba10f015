// gocxx-echo: a TCP echo server, a goroutine per connection writing back what it reads:
// the Go anchor's `go-net-anchors echo` (../shared/anchors/go-net/main.go, io.Copy(c, c)),
// with its interface: `gocxx-echo [--procs N] [--addr HOST:PORT]` (127.0.0.1:9090), and
// its shutdown on SIGINT/SIGTERM (stop accepting, finish the connections, exit 0).
#include <memory>

#include "server_common.hpp"

int main(int argc, char** argv) {
  server::options o = server::parse(argc, argv, "gocxx-echo", "127.0.0.1:9090");
  gocxx::set_max_procs(o.procs);
  return gocxx::run([&]() -> int {
    auto [ln, err] = gocxx::net::listen("tcp", o.addr);
    if (err) {
      std::fprintf(stderr, "gocxx-echo: listen %s: %s\n", o.addr.c_str(), err.message().c_str());
      return 1;
    }
    return server::serve(ln, "echo", [](const gocxx::net::conn& c) {
      // io.Copy's 32 KiB buffer, on the heap as Go's: a small message touches one page
      // of it, and the goroutine's stack stays one page deep.
      std::unique_ptr<char[]> buf(new char[32 * 1024]);
      for (;;) {
        auto [n, rerr] = c.read(buf.get(), 32 * 1024);
        if (rerr) return;
        if (c.write(buf.get(), n).err) return;
      }
    });
  });
}
