// The execution tracer (include/gocxx/trace.hpp; src/runtime/trace.cpp, trace_write.cpp;
// the format: docs/trace-format.md). Every trace here is parsed with a real JSON parser
// (nlohmann-json) and checked as a whole: well formed; every B has its E on its track;
// time never goes back on a track; a thread's slices never overlap; each goroutine's
// states are back to back from its creation to its end; every unblock, start and end
// names a goroutine the trace knows; every flow's end has its start; creations match the
// goroutines spawned. The workloads are a pipeline and a worker pool at procs 1 and 2;
// also two windows in one process, regions and logs, a plain thread's wake-up,
// goroutines that existed before the trace, and the files a deadlock and a panic leave.
// Then gocxx-trace-svg (tools/) on a real trace: its SVG is well-formed XML with a lane per
// thread and per goroutine, its summary accounts for every goroutine, and headless
// Chromium renders the SVG (label `browser`, skipped without Chromium).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "gocxx/trace.hpp"
#include "test_support.hpp"
#include "tools/strict_xml.hpp"

namespace {

using json = nlohmann::json;
using ::testing::ExitedWithCode;

// In the working directory (each preset's own test directory under ctest), and the same
// in a death test's child, which is a new process.
std::string temp_path(const std::string& name) {
  return (std::filesystem::current_path() / ("trace_test_" + name)).string();
}

json load(const std::string& path) {
  std::ifstream f(path);
  EXPECT_TRUE(f.good()) << path;
  return json::parse(f);  // throws on malformed JSON: the test fails with the parser's message
}

const std::set<std::string> kReasons = {"chan receive", "chan send", "chan receive (nil chan)", "chan send (nil chan)",
                                        "select", "select (no cases)", "sync.Mutex.Lock", "sync.RWMutex.Lock",
                                        "sync.RWMutex.RLock", "sync.WaitGroup.Wait", "sync.Cond.Wait", "sync.Once.Do",
                                        "semacquire", "sleep", "run"};

struct summary {
  std::map<std::string, int> names;   // event name -> count (instants and slices)
  std::set<std::uint64_t> goroutines;  // named on pid 2
  int creates = 0;
  int unblocks = 0;
  int flows = 0;
  std::map<std::uint64_t, std::vector<std::pair<double, double>>> states;  // g -> [ts, end)
  std::map<std::uint64_t, std::vector<std::string>> state_names;
};

// Checks every rule the format promises; returns what it saw for further checks.
summary check_trace(const json& t) {
  summary s;
  EXPECT_EQ(t.at("otherData").at("tracer"), "gocxx");
  EXPECT_EQ(t.at("otherData").at("dropped_events"), 0);
  const json& evs = t.at("traceEvents");
  EXPECT_TRUE(evs.is_array());
  std::map<std::pair<int, std::int64_t>, double> last_ts;
  std::map<std::pair<int, std::int64_t>, std::vector<std::string>> open;  // B/E stacks
  std::map<std::int64_t, double> thread_slice_end;                       // pid 1: no overlap
  std::set<std::uint64_t> flow_starts;
  std::vector<std::uint64_t> named_in_events;
  bool metadata_done = false;
  for (const json& e : evs) {
    const std::string ph = e.at("ph");
    if (ph == "M") {
      EXPECT_FALSE(metadata_done) << "metadata after events: " << e.dump();
      if (e.at("name") == "thread_name" && e.at("pid") == 2) s.goroutines.insert(e.at("tid").get<std::uint64_t>());
      continue;
    }
    metadata_done = true;
    const int pid = e.at("pid");
    const std::int64_t tid = e.contains("tid") ? e.at("tid").get<std::int64_t>() : -1;
    const double ts = e.at("ts");
    EXPECT_GE(ts, 0.0);
    auto key = std::make_pair(pid, tid);
    if (ph != "C") {
      auto it = last_ts.find(key);
      if (it != last_ts.end()) EXPECT_GE(ts, it->second) << "time went back on track " << pid << "/" << tid << ": " << e.dump();
      last_ts[key] = ts;
    }
    const std::string name = e.value("name", "");
    ++s.names[name];
    if (ph == "B") {
      open[key].push_back(name);
    } else if (ph == "E") {
      auto& st = open[key];
      EXPECT_FALSE(st.empty()) << "E without B: " << e.dump();
      if (!st.empty()) {
        EXPECT_EQ(st.back(), name) << e.dump();
        st.pop_back();
      }
    } else if (ph == "X") {
      const double dur = e.at("dur");
      EXPECT_GE(dur, 0.0) << e.dump();
      if (pid == 1) {
        auto it = thread_slice_end.find(tid);
        if (it != thread_slice_end.end()) EXPECT_LE(it->second, ts + 1e-9) << "slices overlap on thread " << tid << ": " << e.dump();
        thread_slice_end[tid] = ts + dur;
      }
      if (pid == 2) {
        auto g = static_cast<std::uint64_t>(tid);
        s.states[g].push_back({ts, ts + dur});
        s.state_names[g].push_back(name);
        if (e.at("cat") == "blocked") EXPECT_TRUE(kReasons.count(name)) << "not one of Go's wait reasons: " << name;
      }
    } else if (ph == "i") {
      if (name == "create") ++s.creates;
      if (name == "unblock") ++s.unblocks;
      if (name == "create" || name == "unblock" || name == "end" || name == "block") {
        named_in_events.push_back(e.at("args").at("g").get<std::uint64_t>());
      }
    } else if (ph == "s") {
      EXPECT_TRUE(flow_starts.insert(e.at("id").get<std::uint64_t>()).second) << "flow id reused: " << e.dump();
      ++s.flows;
    } else if (ph == "f") {
      EXPECT_TRUE(flow_starts.count(e.at("id").get<std::uint64_t>())) << "flow end without its start: " << e.dump();
    }
  }
  for (const auto& [key, st] : open) EXPECT_TRUE(st.empty()) << "B without E on " << key.first << "/" << key.second;
  for (std::uint64_t g : named_in_events) EXPECT_TRUE(s.goroutines.count(g)) << "an event names unknown goroutine " << g;
  for (const auto& [g, iv] : s.states) {
    EXPECT_TRUE(s.goroutines.count(g)) << g;
    for (std::size_t i = 1; i < iv.size(); ++i) {
      EXPECT_NEAR(iv[i].first, iv[i - 1].second, 0.0011) << "goroutine " << g << "'s states are not back to back";
    }
  }
  return s;
}

// A three-stage pipeline and a four-worker pool: `spawned` counts the goroutines.
void workload(int& spawned) {
  spawned = 0;
  gocxx::run([&] {
    gocxx::chan<int> nums(0), squares(4), out(0);
    gocxx::go([=]() mutable {
      for (int i = 0; i < 300; ++i) nums.send(i);
      nums.close();
    });
    gocxx::go([=]() mutable {
      for (;;) {
        auto v = nums.recv();
        if (!v) break;
        squares.send(*v * *v);
      }
      squares.close();
    });
    gocxx::go([=]() mutable {
      long sum = 0;
      for (;;) {
        auto v = squares.recv();
        if (!v) break;
        sum += *v;
      }
      out.send(static_cast<int>(sum % 1000));
    });
    spawned += 3;
    (void)out.recv();

    gocxx::chan<int> jobs(8);
    gocxx::wait_group wg;
    gocxx::mutex mu;
    long total = 0;
    for (int w = 0; w < 4; ++w) {
      wg.add(1);
      gocxx::go([&, jobs]() mutable {
        for (;;) {
          auto j = jobs.recv();
          if (!j) break;
          std::lock_guard<gocxx::mutex> l(mu);
          total += *j;
        }
        wg.done();
      });
      ++spawned;
    }
    for (int j = 0; j < 400; ++j) jobs.send(j);
    jobs.close();
    wg.wait();
    EXPECT_EQ(total, 399 * 400 / 2);
  });
  ++spawned;  // run's main goroutine
}

class TraceWorkload : public ::testing::TestWithParam<int> {};

TEST_P(TraceWorkload, PipelineAndWorkerPoolTraceIsWellFormedAndComplete) {
  int before = gocxx::max_procs();
  gocxx::set_max_procs(GetParam());
  std::string path = temp_path("workload_" + std::to_string(GetParam()) + ".json");
  gocxx::trace::start(path);
  EXPECT_TRUE(gocxx::trace::is_enabled());
  int spawned = 0;
  workload(spawned);
  // run returns once its main goroutine readies the caller, perhaps before it and the
  // workers have ended: wait for them, so that every end is in the trace.
  while (gocxx::num_goroutine() > 0) std::this_thread::yield();
  gocxx::trace::stop();
  EXPECT_FALSE(gocxx::trace::is_enabled());
  gocxx::set_max_procs(before);
  json t = load(path);
  summary s = check_trace(t);
  EXPECT_EQ(s.creates, spawned);
  EXPECT_GT(s.unblocks, 100);
  EXPECT_EQ(s.flows, s.unblocks);
  // Which goroutine blocks where depends on the schedule; that some block on the
  // channels does not (300 values through an unbuffered one, with a receiver that
  // blocks whenever the sender is not ready).
  EXPECT_GT(s.names["chan receive"] + s.names["chan send"], 0);
  EXPECT_GT(s.names["running"], 0);
  EXPECT_GT(s.names["busy"], 0);  // P slices
  EXPECT_GT(s.names["global runq"] + s.names["P0 runq"], 0);
  // Every goroutine created in the window ran and ended.
  EXPECT_EQ(s.names["end"], spawned);
  std::remove(path.c_str());
}

INSTANTIATE_TEST_SUITE_P(Procs, TraceWorkload, ::testing::Values(1, 2));

TEST(Trace, StartAndStopTwiceInOneProcess) {
  for (int round = 0; round < 2; ++round) {
    std::string path = temp_path("twice_" + std::to_string(round) + ".json");
    gocxx::trace::start(path);
    try {
      gocxx::trace::start(path);
      ADD_FAILURE() << "a second start must panic";
    } catch (const gocxx::panic_error& e) {
      EXPECT_STREQ(e.what(), "trace: tracing is already enabled");
    }
    int spawned = 0;
    workload(spawned);
    gocxx::trace::stop();
    gocxx::trace::stop();  // a no-op, as Go's StopTrace
    summary s = check_trace(load(path));
    EXPECT_EQ(s.creates, spawned);
    std::remove(path.c_str());
  }
}

TEST(Trace, AFileThatCannotBeCreatedIsASystemError) {
  EXPECT_THROW(gocxx::trace::start("/nonexistent-dir/trace.json"), std::system_error);
  EXPECT_FALSE(gocxx::trace::is_enabled());
}

TEST(Trace, RegionsNestAndLogsCarryTheirMessage) {
  std::string path = temp_path("regions.json");
  gocxx::trace::start(path);
  gocxx::run([] {
    gocxx::chan<int> done(0);
    gocxx::go([=]() mutable {
      gocxx::trace::region outer("outer \"quoted\"");
      {
        gocxx::trace::region inner("inner");
        gocxx::trace::log("phase", "inner work\nwith a newline");
        gocxx::sleep(std::chrono::microseconds(200));
      }
      done.send(1);
    });
    (void)done.recv();
  });
  gocxx::trace::region left_open("never closed before stop");
  gocxx::trace::stop();
  json t = load(path);
  summary s = check_trace(t);
  EXPECT_EQ(s.names["outer \"quoted\""], 2);  // its B and its E
  EXPECT_EQ(s.names["inner"], 2);
  bool found_log = false;
  for (const json& e : t.at("traceEvents")) {
    if (e.at("ph") == "i" && e.at("name") == "phase") {
      EXPECT_EQ(e.at("args").at("message"), "inner work\nwith a newline");
      EXPECT_GT(e.at("args").at("g").get<std::uint64_t>(), 0u);
      found_log = true;
    }
    if (e.at("ph") == "B" && e.at("name") == "inner") EXPECT_EQ(e.at("pid"), 4);
  }
  EXPECT_TRUE(found_log);
  EXPECT_GT(s.names["sleep"], 0);  // the blocked state
  EXPECT_GT(s.names["timer"], 0);  // its timer firing
  std::remove(path.c_str());
}

TEST(Trace, APlainThreadsWakeUpIsAFlowFromItsOwnTrack) {
  std::string path = temp_path("plain.json");
  gocxx::trace::start(path);
  gocxx::chan<int> c(0);
  std::thread sender([&] { c.send(7); });
  gocxx::run([&] { EXPECT_EQ(c.recv(), 7); });
  sender.join();
  gocxx::trace::stop();
  json t = load(path);
  check_trace(t);
  // The main goroutine was readied either by the plain thread (if it parked first) or
  // found the sender waiting; run's return readies the plain thread that called run.
  int plain_unblocks = 0;
  for (const json& e : t.at("traceEvents")) {
    if (e.at("ph") == "i" && e.at("name") == "unblock" && e.at("args").at("by") == 0) ++plain_unblocks;
  }
  (void)plain_unblocks;  // either order is right; check_trace checked the shape
  std::remove(path.c_str());
}

TEST(Trace, GoroutinesThatExistedBeforeTheTraceAreNamedWithTheirState) {
  gocxx::chan<int> hold(0);
  gocxx::wait_group started;
  started.add(1);
  std::atomic<std::uint64_t> id{0};
  gocxx::go([&, hold]() mutable {
    id = gocxx::goroutine_id();
    started.done();
    (void)hold.recv();
  });
  started.wait();
  // Wait until it is parked on the channel (its state at the trace's start).
  while (gocxx::runtime::dump().find("[chan receive]") == std::string::npos) std::this_thread::yield();
  std::string path = temp_path("existing.json");
  gocxx::trace::start(path);
  hold.send(1);
  gocxx::trace::stop();
  json t = load(path);
  summary s = check_trace(t);
  ASSERT_TRUE(s.goroutines.count(id.load()));
  ASSERT_FALSE(s.state_names[id.load()].empty());
  EXPECT_EQ(s.state_names[id.load()].front(), "chan receive");
  std::remove(path.c_str());
}

#ifdef GOCXX_TRACE_SVG
// Runs a command, returns its exit status and what it printed on stdout.
int run_command(const std::string& cmd, std::string& out) {
  out.clear();
  std::FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = ::pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

std::string traced_workload(const std::string& name, int procs) {
  int before = gocxx::max_procs();
  gocxx::set_max_procs(procs);
  std::string path = temp_path(name);
  gocxx::trace::start(path);
  int spawned = 0;
  workload(spawned);
  while (gocxx::num_goroutine() > 0) std::this_thread::yield();
  gocxx::trace::stop();
  gocxx::set_max_procs(before);
  return path;
}

TEST(TraceTool, DrawsARealTraceAsWellFormedSvgWithEveryLane) {
  std::string path = traced_workload("tool.json", 2);
  summary s = check_trace(load(path));
  std::string svg;
  ASSERT_EQ(run_command(std::string(GOCXX_TRACE_SVG) + " " + path, svg), 0);
  strict_xml::xml_doc d = strict_xml::read_xml(svg);
  ASSERT_EQ(d.error, "");
  ASSERT_FALSE(d.nodes.empty());
  EXPECT_EQ(d.nodes[0].name, "svg");
  // Every goroutine's name (g<id> and its site) is written as its lane's label.
  for (std::uint64_t g : s.goroutines) {
    std::string label = "g" + std::to_string(g) + " trace_test.cpp:";
    EXPECT_NE(svg.find(label), std::string::npos) << label;
  }
  std::string text;
  ASSERT_EQ(run_command(std::string(GOCXX_TRACE_SVG) + " --summary " + path, text), 0);
  for (std::uint64_t g : s.goroutines) {
    EXPECT_NE(text.find("\n" + std::string(7 - std::min<std::size_t>(7, std::to_string(g).size()), ' ') + std::to_string(g) + "  "),
              std::string::npos)
        << "goroutine " << g << " missing from the summary:\n" << text;
  }
  EXPECT_NE(text.find("total"), std::string::npos);
  std::remove(path.c_str());
}

std::string find_chromium() {
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
    std::string out;
    if (run_command(std::string("command -v ") + name + " 2>/dev/null", out) == 0 && !out.empty()) {
      return out.substr(0, out.find('\n'));
    }
  }
  return {};
}

TEST(TraceBrowser, ChromiumRendersTheSvgOfARealTrace) {
  std::string chromium = find_chromium();
  if (chromium.empty()) GTEST_SKIP() << "no chromium, chromium-browser or google-chrome on PATH";
  std::string path = traced_workload("browser.json", 2);
  std::string svg = temp_path("browser.svg"), png = temp_path("browser.png"), profile = temp_path("chromium-profile");
  std::string out;
  ASSERT_EQ(run_command(std::string(GOCXX_TRACE_SVG) + " -o " + svg + " " + path, out), 0);
  std::remove(png.c_str());
  int st = run_command("timeout 120 " + chromium + " --headless --disable-gpu --no-sandbox --hide-scrollbars --user-data-dir=" +
                           profile + " --screenshot=" + png + " --window-size=1600,900 file://" + svg + " 2>/dev/null",
                       out);
  ASSERT_EQ(st, 0);
  std::ifstream f(png, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 4096u) << "a blank page would be smaller";
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  std::filesystem::remove_all(profile);
  std::remove(path.c_str());
  std::remove(svg.c_str());
}
#endif

class TraceDeathTest : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

TEST_F(TraceDeathTest, ADeadlockedProgramStillWritesItsTrace) {
  std::string path = temp_path("deadlock.json");
  std::remove(path.c_str());
  EXPECT_EXIT(
      {
        setenv("GOCXX_TRACE", path.c_str(), 1);
        gocxx::run([] {
          gocxx::chan<int> c(0);
          (void)c.recv();
        });
      },
      ExitedWithCode(2), "all goroutines are asleep - deadlock!");
  json t = load(path);
  summary s = check_trace(t);
  EXPECT_GT(s.names["chan receive"], 0);
  std::remove(path.c_str());
}

TEST_F(TraceDeathTest, APanickingProgramStillWritesItsTrace) {
  std::string path = temp_path("panic.json");
  std::remove(path.c_str());
  EXPECT_EXIT(
      {
        setenv("GOCXX_TRACE", path.c_str(), 1);
        gocxx::run([] {
          gocxx::chan<int> c(1);
          gocxx::go([=]() mutable {
            c.send(1);
            throw gocxx::panic_error("boom");
          });
          gocxx::sleep(std::chrono::seconds(10));
        });
      },
      ExitedWithCode(2), "panic: boom");
  json t = load(path);
  summary s = check_trace(t);
  EXPECT_GE(s.creates, 2);
  std::remove(path.c_str());
}

TEST_F(TraceDeathTest, GocxxTraceInTheEnvironmentTracesTheWholeRunUntilExit) {
  std::string path = temp_path("env.json");
  std::remove(path.c_str());
  EXPECT_EXIT(
      {
        setenv("GOCXX_TRACE", path.c_str(), 1);
        int spawned = 0;
        workload(spawned);
        std::exit(spawned == 8 ? 0 : 1);
      },
      ExitedWithCode(0), "");
  summary s = check_trace(load(path));
  EXPECT_EQ(s.creates, 8);
  std::remove(path.c_str());
}

}  // namespace
