// gocxx-http-hello: an HTTP/1.1 "hello" server with keep-alive, a goroutine per
// connection: the Go anchor's `go-net-anchors http` (../shared/anchors/go-net/main.go,
// net/http answering every path with "Hello, World!\n" as text/plain), with its interface
// (`gocxx-http-hello [--procs N] [--addr HOST:PORT]`, 127.0.0.1:8080) and its shutdown on
// SIGINT/SIGTERM.
//
// The HTTP parser is a minimal one of our own, enough for this example, not a library:
// it reads request heads up to the blank line, skips a Content-Length body, honours
// `Connection: close` and HTTP/1.0's default, answers pipelined requests in one write,
// and replies with the bytes Go's net/http writes for this handler (headers in Go's
// sorted order, the Date of the current second). No chunked request bodies (a request
// with `Transfer-Encoding` gets 501 and the connection is closed), no 100-continue.
#include <algorithm>
#include <cctype>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>

#include "server_common.hpp"

namespace {

constexpr std::string_view hello = "Hello, World!\n";

// The Date header's value for the current second (RFC 7231's IMF-fixdate, as Go's).
const std::string& http_date() {
  thread_local std::time_t cached_at = 0;
  thread_local std::string cached;
  std::time_t now = std::time(nullptr);
  if (now != cached_at) {
    char buf[64];
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached = buf;
    cached_at = now;
  }
  return cached;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return std::tolower(x) == std::tolower(y); });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

struct request_head {
  bool keep_alive = true;
  std::size_t body = 0;
  bool unsupported = false;
};

request_head parse_head(std::string_view head) {
  request_head r;
  std::size_t eol = head.find("\r\n");
  std::string_view line = head.substr(0, eol);
  r.keep_alive = line.ends_with("HTTP/1.1");  // HTTP/1.0: close unless asked to keep
  std::size_t pos = eol == std::string_view::npos ? head.size() : eol + 2;
  while (pos < head.size()) {
    std::size_t end = head.find("\r\n", pos);
    if (end == std::string_view::npos) end = head.size();
    std::string_view h = head.substr(pos, end - pos);
    pos = end + 2;
    std::size_t colon = h.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = trim(h.substr(0, colon)), value = trim(h.substr(colon + 1));
    if (iequals(name, "Connection")) {
      if (iequals(value, "close")) r.keep_alive = false;
      if (iequals(value, "keep-alive")) r.keep_alive = true;
    } else if (iequals(name, "Content-Length")) {
      r.body = static_cast<std::size_t>(std::strtoull(std::string(value).c_str(), nullptr, 10));
    } else if (iequals(name, "Transfer-Encoding")) {
      r.unsupported = true;
    }
  }
  return r;
}

void append_response(std::string& out, bool close) {
  out += "HTTP/1.1 200 OK\r\n";
  if (close) out += "Connection: close\r\n";
  out += "Content-Length: 14\r\nContent-Type: text/plain\r\nDate: ";
  out += http_date();
  out += "\r\n\r\n";
  out += hello;
}

void serve_connection(const gocxx::net::conn& c) {
  std::string in, out;
  char buf[4096];
  for (;;) {
    auto [n, err] = c.read(buf, sizeof buf);
    if (err) return;
    in.append(buf, n);
    std::size_t start = 0;
    bool close = false;
    for (;;) {
      std::size_t end = in.find("\r\n\r\n", start);
      if (end == std::string::npos) break;
      request_head r = parse_head(std::string_view(in).substr(start, end - start));
      if (r.unsupported) {
        out += "HTTP/1.1 501 Not Implemented\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
        close = true;
        break;
      }
      std::size_t next = end + 4 + r.body;
      if (next > in.size()) break;  // the body is still coming
      append_response(out, !r.keep_alive);
      start = next;
      if (!r.keep_alive) {
        close = true;
        break;
      }
    }
    in.erase(0, start);
    if (!out.empty()) {
      if (c.write(out).err) return;
      out.clear();
    }
    if (close) return;
    if (in.size() > (1 << 20)) return;  // a head that never ends
  }
}

}  // namespace

int main(int argc, char** argv) {
  server::options o = server::parse(argc, argv, "gocxx-http-hello", "127.0.0.1:8080");
  gocxx::set_max_procs(o.procs);
  return gocxx::run([&]() -> int {
    auto [ln, err] = gocxx::net::listen("tcp", o.addr);
    if (err) {
      std::fprintf(stderr, "gocxx-http-hello: listen %s: %s\n", o.addr.c_str(), err.message().c_str());
      return 1;
    }
    return server::serve(ln, "http", serve_connection);
  });
}
