// tour_support: what every tour test file (tests/tour*_test.cpp) needs to run gocxx-tour
// as a user runs it and check its lines: run_tour (any arguments), run_example (one
// example under --fast, the runner's header and footer lines checked), expect_lines
// (whole-line regexes, as many lines as patterns), count, go_seconds (Go's
// Duration.String back to seconds). GOCXX_TOUR is the binary's path (tests/CMakeLists.txt
// defines it for every tour*_test target); without it run_tour returns no lines.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace tour_support {

struct tour_run {
  int status = -1;                 // exit status; -1: did not exit normally
  std::vector<std::string> lines;  // stdout, one entry a line
  double seconds = 0;              // wall time
};

inline tour_run run_tour(const std::string& args) {
  tour_run r;
#ifdef GOCXX_TOUR
  auto start = std::chrono::steady_clock::now();
  std::FILE* p = ::popen((std::string(GOCXX_TOUR) + " " + args).c_str(), "r");
  if (!p) return r;
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = ::pclose(p);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) r.lines.push_back(line);
#else
  (void)args;
#endif
  return r;
}

inline std::string joined(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += "  | " + l + "\n";
  return s;
}

// Runs one example under --fast and returns the lines it printed, between the runner's
// "[tour] NAME (seed SEED)" and "[tour] 1 examples in ..." (both checked).
inline std::vector<std::string> run_example(const std::string& name, const std::string& seed = "001") {
  tour_run r = run_tour("--fast --only " + name);
  EXPECT_EQ(r.status, 0) << joined(r.lines);
  if (r.lines.size() < 2) {
    ADD_FAILURE() << "no output from " << name;
    return {};
  }
  EXPECT_EQ(r.lines.front(), "[tour] " + name + " (seed " + seed + ")");
  EXPECT_TRUE(std::regex_match(r.lines.back(), std::regex(R"(\[tour\] 1 examples in \S+)"))) << r.lines.back();
  return {r.lines.begin() + 1, r.lines.end() - 1};
}

// Each line matches its pattern (ECMAScript regex, whole line), and there are as many.
inline void expect_lines(const std::vector<std::string>& lines, const std::vector<std::string>& patterns) {
  EXPECT_EQ(lines.size(), patterns.size()) << joined(lines);
  for (std::size_t i = 0; i < std::min(lines.size(), patterns.size()); ++i) {
    EXPECT_TRUE(std::regex_match(lines[i], std::regex(patterns[i]))) << "line " << i << ": '" << lines[i]
                                                                      << "' does not match '" << patterns[i] << "'\n"
                                                                      << joined(lines);
  }
}

inline std::size_t count(const std::vector<std::string>& lines, const std::string& pattern) {
  std::size_t n = 0;
  for (const auto& l : lines) n += std::regex_match(l, std::regex(pattern)) ? 1 : 0;
  return n;
}

// Go's Duration.String back to seconds ("1.5ms", "2.000154s", "1m2s", "100µs").
inline double go_seconds(const std::string& s) {
  static const std::regex part(R"(([0-9.]+)(ms|µs|ns|h|m|s))");
  double total = 0;
  std::size_t consumed = 0;
  for (std::sregex_iterator it(s.begin(), s.end(), part), end; it != end; ++it) {
    double v = std::stod((*it)[1]);
    std::string u = (*it)[2];
    total += v * (u == "h" ? 3600 : u == "m" ? 60 : u == "s" ? 1 : u == "ms" ? 1e-3 : u == "µs" ? 1e-6 : 1e-9);
    consumed += static_cast<std::size_t>(it->length());
  }
  EXPECT_EQ(consumed, s.size()) << "not a Go duration: " << s;
  return total;
}

}  // namespace tour_support
