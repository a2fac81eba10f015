// gocxx-tour: the tour's runner. Runs the examples of examples/tour/ (each file registers
// one with TOUR_EXAMPLE) in the order of their file names, inside one gocxx::run.
//
//   gocxx-tour                       every example, in order, at the Go programs' speed
//   gocxx-tour --list                names, seeds and one-line descriptions
//   gocxx-tour --only NAME[,NAME]    those examples (the flag may be repeated), in that order
//   gocxx-tour --fast                every duration the examples use scaled by 1/10
//
// Internal: `gocxx-tour [--fast] --child NAME` runs the child NAME (TOUR_CHILD, tour.hpp) in
// its own gocxx::run and nothing else; tour::run_child starts it, for an example that shows
// what ends a process (a deadlock's fatal error) while the tour goes on.
//
// Exit status: 0 when every example ran; 1 when one threw (the runner names it); 2 on a
// bad command line. Before each example it prints "[tour] NAME (seed SEED)", and at the
// end "[tour] N examples in DURATION".
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <exception>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

namespace tour {
namespace {

std::vector<example>& registry() {
  static std::vector<example> r;  // built before main, read-only after
  return r;
}

std::vector<child>& children() {
  static std::vector<child> c;  // built before main, read-only after
  return c;
}

double g_factor = 1.0;  // written before gocxx::run starts, read-only after

std::string_view base_name(std::string_view path) {
  auto slash = path.find_last_of('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// "1.500" -> "1.5", "2.000" -> "2": Go prints a duration's fraction without trailing zeros.
std::string trim_fraction(std::string s) {
  if (s.find('.') == std::string::npos) return s;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return trim_fraction(buf);
}

// Starts `/proc/self/exe [--fast] --child NAME` with its stdout and stderr on one pipe,
// reads the pipe to its end and reaps the child. Blocks the calling thread throughout.
child_result spawn_child(const std::string& name) {
  child_result r;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return r;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);  // dup2 clears O_CLOEXEC
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  std::vector<std::string> args = {"gocxx-tour"};
  if (factor() < 1.0) args.emplace_back("--fast");
  args.emplace_back("--child");
  args.push_back(name);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // The tour's environment, less GOCXX_TRACE: a child must not write over the tour's trace.
  std::vector<char*> envp;
  for (char** e = environ; *e; ++e) {
    if (!std::string_view(*e).starts_with("GOCXX_TRACE=")) envp.push_back(*e);
  }
  envp.push_back(nullptr);
  pid_t pid = -1;
  int err = ::posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (err != 0) {
    ::close(fds[0]);
    return r;
  }
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(fds[0]);
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) r.output.push_back(line);
  return r;
}

}  // namespace

bool add(example e) {
  registry().push_back(e);
  return true;
}

bool add_child(child c) {
  children().push_back(c);
  return true;
}

child_result run_child(const char* name) {
  // A plain thread waits for the child and hands the result over a channel: the calling
  // goroutine parks on the receive, and its thread runs other goroutines meanwhile.
  gocxx::chan<child_result> result(1);
  std::thread waiter([result, n = std::string(name)] { result.send(spawn_child(n)); });
  child_result r = std::move(*result.recv());
  waiter.join();  // it has sent: it is ending
  return r;
}

double factor() noexcept { return g_factor; }
void set_factor(double f) noexcept { g_factor = f; }

std::string go_duration(std::chrono::nanoseconds d) {
  std::int64_t ns = d.count();
  if (ns == 0) return "0s";
  std::string sign = ns < 0 ? "-" : "";
  std::uint64_t u = ns < 0 ? 0 - static_cast<std::uint64_t>(ns) : static_cast<std::uint64_t>(ns);
  if (u < 1'000) return sign + std::to_string(u) + "ns";
  if (u < 1'000'000) return sign + fixed(static_cast<double>(u) / 1e3, 3) + "\xc2\xb5s";  // µs
  if (u < 1'000'000'000) return sign + fixed(static_cast<double>(u) / 1e6, 6) + "ms";
  std::uint64_t h = u / 3'600'000'000'000, m = u / 60'000'000'000 % 60;
  std::string s = fixed(static_cast<double>(u % 60'000'000'000) / 1e9, 9) + "s";
  if (h > 0) return sign + std::to_string(h) + "h" + std::to_string(m) + "m" + s;
  if (m > 0) return sign + std::to_string(m) + "m" + s;
  return sign + s;
}

std::string since(std::chrono::steady_clock::time_point start) {
  return go_duration(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start));
}

std::string clock_hms() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  return buf;
}

}  // namespace tour

namespace {

int usage(const char* argv0) {
  std::fprintf(stderr, "usage: %s [--list] [--fast] [--only NAME[,NAME...]]...\n", argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<tour::example> all = tour::registry();
  std::stable_sort(all.begin(), all.end(), [](const tour::example& a, const tour::example& b) {
    return tour::base_name(a.file) < tour::base_name(b.file);
  });

  bool list = false;
  const char* child = nullptr;
  std::vector<std::string> only;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view names;
    if (arg == "--list") {
      list = true;
      continue;
    } else if (arg == "--fast") {
      tour::set_factor(0.1);
      continue;
    } else if (arg == "--child" && i + 1 < argc) {
      child = argv[++i];
      continue;
    } else if (arg == "--only" && i + 1 < argc) {
      names = argv[++i];
    } else if (arg.starts_with("--only=")) {
      names = arg.substr(7);
    } else if (arg == "--help" || arg == "-h") {
      usage(argv[0]);
      return 0;
    } else {
      std::fprintf(stderr, "gocxx-tour: unknown argument '%s'\n", argv[i]);
      return usage(argv[0]);
    }
    while (!names.empty()) {
      auto comma = names.find(',');
      std::string_view name = names.substr(0, comma);
      if (!name.empty()) only.emplace_back(name);
      names = comma == std::string_view::npos ? std::string_view{} : names.substr(comma + 1);
    }
  }

  if (child) {
    const auto& cs = tour::children();
    auto it = std::find_if(cs.begin(), cs.end(), [&](const tour::child& c) { return std::strcmp(c.name, child) == 0; });
    if (it == cs.end()) {
      std::fprintf(stderr, "gocxx-tour: no child named '%s'\n", child);
      return 2;
    }
    // Go's os.Stdout is unbuffered: each Println is one write(2). A buffered stdout would
    // let exit()'s flush, which glibc does without the stream's lock, race a goroutine
    // still flushing the same buffer, and print its line twice (CI saw it).
    std::setvbuf(stdout, nullptr, _IONBF, 0);
    return gocxx::run([fn = it->fn] { fn(); });
  }

  if (list) {
    for (const auto& e : all) std::printf("%-24s seed %s  %s\n", e.name, e.seed, e.description);
    return 0;
  }

  std::vector<tour::example> chosen;
  if (only.empty()) {
    chosen = all;
  } else {
    for (const auto& name : only) {
      auto it = std::find_if(all.begin(), all.end(), [&](const tour::example& e) { return name == e.name; });
      if (it == all.end()) {
        std::fprintf(stderr, "gocxx-tour: no example named '%s' (--list lists them)\n", name.c_str());
        return 2;
      }
      chosen.push_back(*it);
    }
  }

  return gocxx::run([&]() -> int {
    auto start = std::chrono::steady_clock::now();
    for (const auto& e : chosen) {
      std::printf("[tour] %s (seed %s)\n", e.name, e.seed);
      std::fflush(stdout);
      try {
        e.fn();
      } catch (const std::exception& ex) {
        std::fflush(stdout);
        std::fprintf(stderr, "gocxx-tour: example %s threw: %s\n", e.name, ex.what());
        return 1;
      }
      std::fflush(stdout);
    }
    std::printf("[tour] %zu examples in %s\n", chosen.size(), tour::since(start).c_str());
    return 0;
  });
}
