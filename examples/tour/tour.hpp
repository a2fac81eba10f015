// The tour's registry and helpers, shared by gocxx-tour's examples (examples/tour/*.cpp).
//
// Each example is one file that registers itself with TOUR_EXAMPLE; adding an example is
// adding a file. The runner (main.cpp) orders examples by their file name,
// SSS_NN_name.cpp (the seed, then the example's place in it), so the names are the tour's
// order. An example prints what the Go program it
// ports prints, line for line; the durations it sleeps and waits go through tour::d(), which
// `--fast` scales down tenfold, so the whole tour runs in about 7 s rather than 67.
//
//   TOUR_EXAMPLE(basic_timer, "001", "a timer fires once: <-timer.C") {
//     gocxx::timer t(tour::d(2s));
//     t.c().recv();
//   }
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tour {

struct example {
  const char* name;         // what --only takes
  const char* seed;         // the seed (../shared/seeds/NNN_*.txt) whose Go this ports
  const char* description;  // one line, for --list
  const char* file;         // __FILE__: the tour's order
  void (*fn)();
};

// Adds e to the tour (at static initialisation; see TOUR_EXAMPLE).
bool add(example e);

// A child: what an example runs in a process of its own, for what ends a process (a fatal
// error such as Go's deadlock report) while the tour goes on. The runner runs it as
// `gocxx-tour --child NAME` (inside its own gocxx::run); see TOUR_CHILD and run_child.
struct child {
  const char* name;
  void (*fn)();
};
bool add_child(child c);

struct child_result {
  int status = -1;                  // the exit status; 128 + N when signal N ended it; -1: not started
  std::vector<std::string> output;  // what it wrote to stdout and stderr, one entry a line
};
// Runs the child NAME (this executable, /proc/self/exe, with `--child NAME`, and --fast if
// the tour runs under it) and waits for it to end. The waiting is done by a plain thread,
// so the calling goroutine parks and its thread goes on running others.
child_result run_child(const char* name);

// The factor every tour duration is multiplied by: 1 normally, smaller under --fast.
double factor() noexcept;
void set_factor(double f) noexcept;

// A duration of the Go program, scaled by factor(): `gocxx::sleep(tour::d(500ms))`.
template <class Rep, class Period>
std::chrono::nanoseconds d(std::chrono::duration<Rep, Period> x) noexcept {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(x).count();
  return std::chrono::nanoseconds(static_cast<std::int64_t>(static_cast<double>(ns) * factor()));
}

// Go's Duration.String: "2.000154s", "1.5ms", "100µs", "1m30s", "0s".
std::string go_duration(std::chrono::nanoseconds d);
// Go's time.Since(start) printed with %v.
std::string since(std::chrono::steady_clock::time_point start);
// Go's time.Now().Format("15:04:05"): the wall clock, local time.
std::string clock_hms();

// Go's defer: runs fn when the scope ends (in reverse order of declaration, as defers).
template <class F>
class defer {
 public:
  explicit defer(F fn) : fn_(std::move(fn)) {}
  defer(const defer&) = delete;
  defer& operator=(const defer&) = delete;
  ~defer() { fn_(); }

 private:
  F fn_;
};

}  // namespace tour

#define TOUR_CAT2(a, b) a##b
#define TOUR_CAT(a, b) TOUR_CAT2(a, b)
// Defines and registers the example NAME (an identifier) porting SEED, with a one-line
// description; the braces that follow are its body.
#define TOUR_EXAMPLE(NAME, SEED, DESCRIPTION)                                                         \
  static void TOUR_CAT(tour_example_, NAME)();                                                        \
  [[maybe_unused]] static const bool TOUR_CAT(tour_registered_, NAME) =                               \
      ::tour::add({#NAME, SEED, DESCRIPTION, __FILE__, &TOUR_CAT(tour_example_, NAME)});              \
  static void TOUR_CAT(tour_example_, NAME)()

// Defines and registers the child NAME (an identifier): the braces that follow are what
// `gocxx-tour --child NAME` runs, as its main goroutine's body.
//
//   TOUR_CHILD(deadlock) { gocxx::chan<int>(0).send(1); }   // exits 2: "fatal error: ..."
//   tour::child_result r = tour::run_child("deadlock");
#define TOUR_CHILD(NAME)                                                                              \
  static void TOUR_CAT(tour_child_, NAME)();                                                          \
  [[maybe_unused]] static const bool TOUR_CAT(tour_child_registered_, NAME) =                         \
      ::tour::add_child({#NAME, &TOUR_CAT(tour_child_, NAME)});                                       \
  static void TOUR_CAT(tour_child_, NAME)()
