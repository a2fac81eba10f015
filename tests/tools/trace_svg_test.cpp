// Tests of gocxx-trace-svg (tools/), run as a user runs it: synthetic traces written
// after docs/trace-format.md to a temporary directory, the tool run on them (fork and
// exec), and its SVG checked with a strict XML reader (strict_xml.hpp), its summary
// checked to the nanosecond, its errors checked for a message and an exit status.
// The tests of suite TraceSvgBrowser render the SVG with headless Chromium and carry
// the ctest label `browser`; they are skipped where no Chromium is installed.
// The file is long because each case is spelled out with its own synthetic trace, next
// to the durations it expects.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "strict_xml.hpp"

#ifndef GOCXX_TRACE_SVG
#error "GOCXX_TRACE_SVG must name the gocxx-trace-svg executable (tools/CMakeLists.txt)"
#endif
#ifndef GOCXX_TRACE_SVG_SLOW
#define GOCXX_TRACE_SVG_SLOW 0
#endif

namespace fs = std::filesystem;
using strict_xml::read_xml;
using strict_xml::xml_doc;
using strict_xml::xml_node;

namespace {

// ---------------------------------------------------------------------------------
// Synthetic traces, in the shape docs/trace-format.md gives.

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

std::string num(double v) {
  char s[40];
  std::snprintf(s, sizeof s, "%.3f", v);
  return s;
}

class trace_builder {
 public:
  trace_builder& raw(std::string event) {
    if (!events_.empty()) events_ += ",\n";
    events_ += event;
    return *this;
  }
  trace_builder& process_names() {
    const char* names[] = {"Threads", "Goroutines", "Ps", "Regions"};
    for (int pid = 1; pid <= 4; ++pid)
      raw(R"({"ph":"M","name":"process_name","pid":)" + std::to_string(pid) + R"(,"args":{"name":")" +
          names[pid - 1] + "\"}}");
    return *this;
  }
  trace_builder& thread_name(int pid, long tid, const std::string& name) {
    return raw(R"({"ph":"M","name":"thread_name","pid":)" + std::to_string(pid) + ",\"tid\":" + std::to_string(tid) +
               ",\"args\":{\"name\":" + quote(name) + "}}");
  }
  trace_builder& slice(int pid, long tid, double ts, double dur, const std::string& name, const std::string& cat,
                       const std::string& args = "") {
    std::string e = "{\"ph\":\"X\",\"pid\":" + std::to_string(pid) + ",\"tid\":" + std::to_string(tid) +
                    ",\"ts\":" + num(ts) + ",\"dur\":" + num(dur) + ",\"name\":" + quote(name) +
                    ",\"cat\":" + quote(cat);
    if (!args.empty()) e += ",\"args\":" + args;
    return raw(e + "}");
  }
  // A goroutine run on a thread (pid 1) and its running state (pid 2).
  trace_builder& run(long tid, long g, double ts, double dur, int p, const std::string& site) {
    slice(1, tid, ts, dur, "g" + std::to_string(g), "goroutine",
          "{\"g\":" + std::to_string(g) + ",\"p\":" + std::to_string(p) + ",\"site\":" + quote(site) + "}");
    return slice(2, g, ts, dur, "running", "state",
                 "{\"thread\":" + std::to_string(tid) + ",\"p\":" + std::to_string(p) + "}");
  }
  trace_builder& runnable(long g, double ts, double dur) { return slice(2, g, ts, dur, "runnable", "state"); }
  trace_builder& blocked(long g, double ts, double dur, const std::string& reason) {
    return slice(2, g, ts, dur, reason, "blocked", "{\"reason\":" + quote(reason) + ",\"object\":\"0x55d0c0ffee00\"}");
  }
  trace_builder& flow(long id, long from_tid, double from, long to_tid, double to) {
    raw("{\"ph\":\"s\",\"id\":" + std::to_string(id) + ",\"pid\":1,\"tid\":" + std::to_string(from_tid) +
        ",\"ts\":" + num(from) + ",\"name\":\"wake\",\"cat\":\"wake\"}");
    return raw("{\"ph\":\"f\",\"bp\":\"e\",\"id\":" + std::to_string(id) + ",\"pid\":1,\"tid\":" +
               std::to_string(to_tid) + ",\"ts\":" + num(to) + ",\"name\":\"wake\",\"cat\":\"wake\"}");
  }
  trace_builder& region(long tid, double begin, double end, const std::string& name) {
    raw("{\"ph\":\"B\",\"pid\":4,\"tid\":" + std::to_string(tid) + ",\"ts\":" + num(begin) + ",\"name\":" +
        quote(name) + ",\"cat\":\"region\"}");
    return raw("{\"ph\":\"E\",\"pid\":4,\"tid\":" + std::to_string(tid) + ",\"ts\":" + num(end) + ",\"name\":" +
               quote(name) + ",\"cat\":\"region\"}");
  }

  std::string str(double duration_us, bool with_tracer = true) const {
    std::string other = with_tracer ? "\"tracer\":\"gocxx\",\"procs\":2," : "";
    return "{\"displayTimeUnit\":\"ns\",\n\"otherData\":{" + other + "\"events\":0,\"dropped_events\":0,\"duration_us\":" +
           num(duration_us) + "},\n\"traceEvents\":[\n" + events_ + "\n]}\n";
  }

 private:
  std::string events_;
};

// Two threads, three goroutines, 100 µs (times in µs):
//   M0 (tid 101): g1 5-25, g2 25-45, g3 45-70, sleeping 70-100
//   M1 (tid 102): spinning 0-40, g1 48-58, sleeping 58-100
//   g1: runnable 0-5, running 5-25, chan receive 25-45, runnable 45-48, running 48-58
//       (running 30, runnable 8, blocked 20, 2 runs); a region "decode" 6-20
//   g2: runnable 0-25, running 25-45 (running 20, runnable 25)
//   g3: created at 10; runnable 10-45, running 45-70, select 70-100
//   g2 readies g1 at 44 on M0 (flow to M1 at 48); P0 held 5-70 by M0, P1 48-58 by M1.
trace_builder small_trace(const std::string& g3_name = "g3 worker.cpp:30") {
  trace_builder b;
  b.process_names()
      .thread_name(1, 101, "M0 (tid 101)")
      .thread_name(1, 102, "M1 (tid 102)")
      .thread_name(2, 1, "g1 main.cpp:10")
      .thread_name(2, 2, "g2 worker.cpp:20")
      .thread_name(2, 3, g3_name)
      .thread_name(3, 0, "P0")
      .thread_name(3, 1, "P1");
  b.slice(1, 102, 0, 40, "spinning", "m").runnable(1, 0, 5).runnable(2, 0, 25);
  b.run(101, 1, 5, 20, 0, "main.cpp:10").slice(3, 0, 5, 65, "busy", "p", R"({"thread":101})");
  b.raw(R"({"ph":"B","pid":4,"tid":1,"ts":6.000,"name":"decode","cat":"region"})");
  b.raw(R"({"ph":"i","s":"t","pid":1,"tid":101,"ts":10.000,"name":"create",)"
        R"("args":{"g":3,"parent":1,"site":"worker.cpp:30"}})");
  b.runnable(3, 10, 35);
  b.raw(R"({"ph":"E","pid":4,"tid":1,"ts":20.000,"name":"decode","cat":"region"})");
  b.blocked(1, 25, 20, "chan receive").run(101, 2, 25, 20, 0, "worker.cpp:20");
  b.raw(R"({"ph":"i","s":"t","pid":1,"tid":101,"ts":44.000,"name":"unblock","args":{"g":1,"by":2,"thread":101}})");
  b.raw(R"({"ph":"s","id":1,"pid":1,"tid":101,"ts":44.000,"name":"wake","cat":"wake"})");
  b.runnable(1, 45, 3).run(101, 3, 45, 25, 0, "worker.cpp:30");
  b.raw(R"({"ph":"f","bp":"e","id":1,"pid":1,"tid":102,"ts":48.000,"name":"wake","cat":"wake"})");
  b.run(102, 1, 48, 10, 1, "main.cpp:10").slice(3, 1, 48, 10, "busy", "p", R"({"thread":102})");
  b.slice(1, 102, 58, 42, "sleeping", "m").slice(1, 101, 70, 30, "sleeping", "m").blocked(3, 70, 30, "select");
  return b;
}

// ---------------------------------------------------------------------------------
// Running the tool.

struct result {
  int status = -1;  // the exit status; 128 + the signal when killed
  std::string out, err;
  double seconds = 0;
};

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void write_file(const fs::path& p, const std::string& s) {
  std::ofstream f(p, std::ios::binary);
  f << s;
  ASSERT_TRUE(f.good()) << p;
}

// Runs program with args, its stdout and stderr into files in dir.
result run_program(const std::string& program, const std::vector<std::string>& args, const fs::path& dir) {
  fs::path out = dir / "stdout.txt", err = dir / "stderr.txt";
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  auto start = std::chrono::steady_clock::now();
  pid_t pid = ::fork();
  if (pid == 0) {
    int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o < 0 || e < 0) ::_exit(126);
    ::dup2(o, 1);
    ::dup2(e, 2);
    ::execvp(program.c_str(), argv.data());
    ::_exit(127);
  }
  result r;
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// The lines of a summary table (from its title line to the next blank line), each split
// into cells at runs of two or more spaces.
std::vector<std::vector<std::string>> table(const std::string& text, const std::string& title) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!inside) {
      inside = line.rfind(title, 0) == 0;
      continue;
    }
    if (line.empty()) break;
    std::vector<std::string> cells;
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && line[i] == ' ') ++i;
      std::size_t b = i;
      while (i < line.size() && !(line[i] == ' ' && (i + 1 >= line.size() || line[i + 1] == ' '))) ++i;
      if (i > b) cells.push_back(line.substr(b, i - b));
    }
    rows.push_back(cells);
  }
  return rows;
}

// The cell of a table in the row whose first cell is `key`, in the column headed `column`.
std::string cell(const std::vector<std::vector<std::string>>& t, const std::string& key, const std::string& column) {
  if (t.empty()) return "<no table>";
  auto col = std::find(t[0].begin(), t[0].end(), column);
  if (col == t[0].end()) return "<no column " + column + ">";
  auto c = static_cast<std::size_t>(col - t[0].begin());
  for (auto& row : t)
    if (!row.empty() && row[0] == key) return c < row.size() ? row[c] : "<short row>";
  return "<no row " + key + ">";
}

class TraceSvg : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "trace_svg_test.XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  fs::path write(const std::string& name, const std::string& text) {
    fs::path p = dir_ / name;
    write_file(p, text);
    return p;
  }
  result tool(const std::vector<std::string>& args) { return run_program(GOCXX_TRACE_SVG, args, dir_); }

  // Renders the trace in file `name` (with extra options) and reads the SVG back.
  xml_doc render(const fs::path& trace, std::vector<std::string> options = {}) {
    options.push_back(trace.string());
    result r = tool(options);
    EXPECT_EQ(r.status, 0) << r.err;
    last_ = r;
    xml_doc doc = read_xml(r.out);
    EXPECT_EQ(doc.error, "");
    return doc;
  }

  fs::path dir_;
  result last_;
};

std::vector<std::string> texts_with_class(const xml_doc& d, const std::string& cls) {
  std::vector<std::string> out;
  for (auto* n : d.all("text", "class", cls)) out.push_back(n->text);
  return out;
}

// ---------------------------------------------------------------------------------

TEST(XmlReader, RejectsWhatIsNotWellFormed) {
  EXPECT_EQ(read_xml("<svg a=\"1\"><g/><text>a &amp; b &#60; &#x3c;</text></svg>").error, "");
  for (const char* bad : {"<svg><g></svg></g>", "<svg a=1/>", "<svg a=\"1\" a=\"2\"/>", "<svg>a & b</svg>",
                          "<svg>&nbsp;</svg>", "<svg><g></svg>", "<svg/><svg/>", "<svg a=\"<\"/>", "text",
                          "<svg>a < b</svg>", "<svg a=\"1\"b=\"2\"/>", "<svg><!-- a -- b --></svg>"})
    EXPECT_NE(read_xml(bad).error, "") << bad;
}

TEST_F(TraceSvg, RendersTheSmallTrace) {
  xml_doc d = render(write("small.json", small_trace().str(100)));
  ASSERT_EQ(d.error, "");
  EXPECT_EQ(last_.err, "");  // no warnings for a gocxx trace
  const xml_node& svg = d.nodes[0];
  EXPECT_EQ(svg.name, "svg");
  EXPECT_EQ(svg.get("xmlns"), "http://www.w3.org/2000/svg");
  EXPECT_EQ(svg.get("width"), "1600");
  int height = std::atoi(svg.get("height").c_str());
  EXPECT_GT(height, 100);
  EXPECT_EQ(svg.get("viewBox"), "0 0 1600 " + std::to_string(height));
  EXPECT_TRUE(contains(svg.get("font-family"), "monospace"));
  // A white background under everything: the root's first rect.
  const xml_node* background = nullptr;
  for (int c : svg.children)
    if (d.nodes[static_cast<std::size_t>(c)].name == "rect") {
      background = &d.nodes[static_cast<std::size_t>(c)];
      break;
    }
  ASSERT_NE(background, nullptr);
  EXPECT_EQ(background->get("fill"), "#fff");
  EXPECT_EQ(background->get("width"), "100%");
  EXPECT_EQ(background->get("height"), "100%");

  const xml_node* title = d.by_id("title");
  ASSERT_NE(title, nullptr);
  for (const char* part : {"small.json", "100 µs", "3 goroutines", "2 threads"})
    EXPECT_TRUE(contains(title->text, part)) << title->text;

  EXPECT_EQ(texts_with_class(d, "thread-label"), (std::vector<std::string>{"M0 (tid 101)", "M1 (tid 102)"}));
  EXPECT_EQ(texts_with_class(d, "g-label"),
            (std::vector<std::string>{"g1 main.cpp:10", "g2 worker.cpp:20", "g3 worker.cpp:30"}));
  EXPECT_EQ(texts_with_class(d, "p-label"), (std::vector<std::string>{"P0", "P1"}));
  // The goroutines' names on their slices in the thread lanes (g1 ran twice).
  auto slice_texts = [&](const std::string& name) {
    int n = 0;
    for (auto* t : d.all("text"))
      if (t->text == name && t->get("class").empty()) ++n;
    return n;
  };
  EXPECT_EQ(slice_texts("g1 main.cpp:10"), 2);
  EXPECT_EQ(slice_texts("g2 worker.cpp:20"), 1);
  EXPECT_EQ(slice_texts("g3 worker.cpp:30"), 1);

  const xml_node* legend = d.by_id("legend");
  ASSERT_NE(legend, nullptr);
  auto entries = d.texts_under(*legend, "text");
  for (const char* entry : {"chan receive", "select", "runnable", "spinning", "sleeping", "user region"})
    EXPECT_NE(std::find(entries.begin(), entries.end(), entry), entries.end()) << entry;
  EXPECT_EQ(std::find(entries.begin(), entries.end(), "chan send"), entries.end());

  const xml_node* wakes = d.by_id("wakes");
  ASSERT_NE(wakes, nullptr);
  EXPECT_EQ(wakes->children.size(), 1u);
  EXPECT_EQ(wakes->get("data-drawn"), "1");
  const xml_node* notes = d.by_id("notes");
  ASSERT_NE(notes, nullptr);
  EXPECT_TRUE(contains(d.deep_text(*notes), "wake-ups: 1 of 1 arrows drawn")) << d.deep_text(*notes);
  // The arrow runs from M0's lane at 44 µs to M1's at 48 µs: right and down.
  auto& arrow = d.nodes[static_cast<std::size_t>(wakes->children[0])];
  EXPECT_LT(std::atof(arrow.get("x1").c_str()), std::atof(arrow.get("x2").c_str()));
  EXPECT_LT(std::atof(arrow.get("y1").c_str()), std::atof(arrow.get("y2").c_str()));
}

TEST_F(TraceSvg, WritesTheFileNamedWithTheWidthAsked) {
  fs::path trace = write("small.json", small_trace().str(100)), svg = dir_ / "out.svg";
  result r = tool({"-o", svg.string(), "--width", "800", trace.string()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "");
  xml_doc d = read_xml(read_file(svg));
  ASSERT_EQ(d.error, "");
  EXPECT_EQ(d.nodes[0].get("width"), "800");
  EXPECT_EQ(d.nodes[0].get("viewBox").rfind("0 0 800 ", 0), 0u);
}

TEST_F(TraceSvg, DrawsAWindow) {
  fs::path trace = write("small.json", small_trace().str(100));
  xml_doc d = render(trace, {"--from", "40", "--to", "60"});
  ASSERT_EQ(d.error, "");
  auto ticks = texts_with_class(d, "tick");
  EXPECT_NE(std::find(ticks.begin(), ticks.end(), "40 µs"), ticks.end());
  EXPECT_NE(std::find(ticks.begin(), ticks.end(), "60 µs"), ticks.end());
  EXPECT_EQ(std::find(ticks.begin(), ticks.end(), "30 µs"), ticks.end());
  EXPECT_EQ(d.by_id("wakes")->get("data-drawn"), "1");

  d = render(trace, {"--from", "50", "--to", "60"});
  ASSERT_EQ(d.error, "");
  EXPECT_EQ(d.by_id("wakes")->get("data-drawn"), "0");
  EXPECT_TRUE(contains(d.deep_text(*d.by_id("notes")), "1 outside the window"));
  // g2 ended at 45 µs: no lane for it in [50, 60).
  EXPECT_EQ(texts_with_class(d, "g-label"), (std::vector<std::string>{"g1 main.cpp:10", "g3 worker.cpp:30"}));

  // The summary of [40, 60): g1 blocked 40-45, runnable 45-48, running 48-58.
  result r = tool({"--summary", "--from", "40", "--to", "60", trace.string()});
  ASSERT_EQ(r.status, 0) << r.err;
  auto g = table(r.out, "Goroutines");
  EXPECT_EQ(cell(g, "1", "running"), "10 µs") << r.out;
  EXPECT_EQ(cell(g, "1", "runnable"), "3 µs");
  EXPECT_EQ(cell(g, "1", "chan receive"), "5 µs");
  EXPECT_EQ(cell(g, "1", "runs"), "1");
  EXPECT_EQ(cell(g, "3", "running"), "15 µs");
}

TEST_F(TraceSvg, SummaryMatchesTheDurations) {
  result r = tool({"--summary", write("small.json", small_trace().str(100)).string()});
  ASSERT_EQ(r.status, 0) << r.err;
  auto g = table(r.out, "Goroutines");
  ASSERT_EQ(g.size(), 5u) << r.out;  // header, three goroutines, totals
  EXPECT_EQ(cell(g, "1", "site"), "main.cpp:10") << r.out;
  EXPECT_EQ(cell(g, "1", "running"), "30 µs");
  EXPECT_EQ(cell(g, "1", "runnable"), "8 µs");
  EXPECT_EQ(cell(g, "1", "blocked"), "20 µs");
  EXPECT_EQ(cell(g, "1", "chan receive"), "20 µs");
  EXPECT_EQ(cell(g, "1", "select"), "-");
  EXPECT_EQ(cell(g, "1", "runs"), "2");
  EXPECT_EQ(cell(g, "2", "running"), "20 µs");
  EXPECT_EQ(cell(g, "2", "runnable"), "25 µs");
  EXPECT_EQ(cell(g, "2", "blocked"), "0");
  EXPECT_EQ(cell(g, "3", "site"), "worker.cpp:30");
  EXPECT_EQ(cell(g, "3", "runnable"), "35 µs");
  EXPECT_EQ(cell(g, "3", "select"), "30 µs");
  EXPECT_EQ(cell(g, "total", "running"), "75 µs");
  EXPECT_EQ(cell(g, "total", "runnable"), "68 µs");
  EXPECT_EQ(cell(g, "total", "blocked"), "50 µs");
  EXPECT_EQ(cell(g, "total", "runs"), "4");
  EXPECT_EQ(g[4][1], "3 goroutines");

  auto th = table(r.out, "Threads");
  EXPECT_EQ(cell(th, "101", "name"), "M0 (tid 101)") << r.out;
  EXPECT_EQ(cell(th, "101", "busy"), "65.0%");
  EXPECT_EQ(cell(th, "101", "sleeping"), "30.0%");
  EXPECT_EQ(cell(th, "101", "goroutines"), "3");
  EXPECT_EQ(cell(th, "102", "busy"), "10.0%");
  EXPECT_EQ(cell(th, "102", "spinning"), "40.0%");
  EXPECT_EQ(cell(th, "102", "sleeping"), "42.0%");
  auto ps = table(r.out, "Ps");
  EXPECT_EQ(cell(ps, "P0", "held"), "65.0%");
  auto regions = table(r.out, "User regions");
  EXPECT_EQ(cell(regions, "decode", "count"), "1");
  EXPECT_EQ(cell(regions, "decode", "total"), "14 µs");
}

TEST_F(TraceSvg, SummaryUnitsAreExact) {
  // 1.234567 ms running, 999 ns runnable, 2.5 s blocked on a mutex.
  trace_builder b;
  b.thread_name(1, 7, "M0 (tid 7)").thread_name(2, 9, "g9 a.cpp:1");
  b.runnable(9, 0, 0.999).run(7, 9, 0.999, 1234.567, 0, "a.cpp:1").blocked(9, 1235.566, 2500000, "sync.Mutex.Lock");
  result r = tool({"--summary", write("units.json", b.str(2501235.566)).string()});
  ASSERT_EQ(r.status, 0) << r.err;
  auto g = table(r.out, "Goroutines");
  EXPECT_EQ(cell(g, "9", "running"), "1.235 ms") << r.out;
  EXPECT_EQ(cell(g, "9", "runnable"), "999 ns");
  EXPECT_EQ(cell(g, "9", "sync.Mutex.Lock"), "2.5 s");
}

TEST_F(TraceSvg, EscapesText) {
  const std::string nasty = "g3 a<b>&\"c'd.cpp:1";
  fs::path trace = write("a&b <c>.json", small_trace(nasty).str(100));
  xml_doc d = render(trace);
  ASSERT_EQ(d.error, "");
  auto labels = texts_with_class(d, "g-label");
  ASSERT_EQ(labels.size(), 3u);
  EXPECT_EQ(labels[2], nasty);
  EXPECT_TRUE(contains(d.by_id("title")->text, "a&b <c>.json"));
  EXPECT_FALSE(contains(last_.out, "<b>"));
  EXPECT_FALSE(contains(last_.out, "a&b"));
}

TEST_F(TraceSvg, ErrorsAreClear) {
  auto fails = [&](const std::vector<std::string>& args, int status, const std::string& message) {
    result r = tool(args);
    EXPECT_EQ(r.status, status) << r.err;
    EXPECT_TRUE(contains(r.err, message)) << "stderr: " << r.err;
    EXPECT_TRUE(contains(r.err, "gocxx-trace-svg: ")) << r.err;
    EXPECT_EQ(r.out, "");
  };
  fails({(dir_ / "missing.json").string()}, 1, "cannot open " + (dir_ / "missing.json").string());
  fails({dir_.string()}, 1, "is a directory");
  fails({write("cut.json", R"({"traceEvents":[{"ph":"X",)").string()}, 1, "invalid JSON");
  fails({write("text.json", "hello").string()}, 1, "invalid JSON");
  fails({write("empty.json", "").string()}, 1, "invalid JSON");
  fails({write("object.json", R"({"foo":1})").string()}, 1, "not a Chrome trace");
  fails({write("number.json", "42").string()}, 1, "not a Chrome trace");
  fails({write("other.json", R"({"traceEvents":[{"ph":"X","pid":7,"tid":1,"ts":0,"dur":5,"name":"x"}]})").string()},
        1, "not a gocxx trace");
  fails({write("chrome.json", R"({"traceEvents":[],"otherData":{"tracer":"chrome"}})").string()}, 1,
        "not a gocxx trace");
  fails({}, 2, "no trace file");
  fails({"--frobnicate", "x.json"}, 2, "unknown option --frobnicate");
  fails({"--width", "wide", "x.json"}, 2, "--width");
  fails({"--from", "50", "--to", "10", write("ok.json", small_trace().str(100)).string()}, 2, "--to must be after");
  fails({"a.json", "b.json"}, 2, "one trace file");

  result help = tool({"--help"});
  EXPECT_EQ(help.status, 0);
  EXPECT_TRUE(contains(help.out, "usage: gocxx-trace-svg"));
  EXPECT_TRUE(contains(help.out, "--summary"));
}

TEST_F(TraceSvg, AcceptsAChromeTraceWithoutTracerWithAWarning) {
  // gocxx's tracks, no otherData; then the same events in the array form.
  trace_builder b = small_trace();
  std::string object = b.str(100, false);
  result r = tool({write("plain.json", object).string()});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.err, "warning")) << r.err;
  EXPECT_TRUE(contains(r.err, "no otherData.tracer")) << r.err;
  EXPECT_EQ(read_xml(r.out).error, "");

  auto begin = object.find("[\n"), end = object.rfind("\n]");
  std::string array = object.substr(begin, end + 2 - begin);
  r = tool({"--summary", write("array.json", array).string()});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(cell(table(r.out, "Goroutines"), "1", "running"), "30 µs") << r.out;
}

TEST_F(TraceSvg, DrawsAnEmptyTrace) {
  fs::path trace = write("empty.json", R"({"otherData":{"tracer":"gocxx","duration_us":0},"traceEvents":[]})");
  xml_doc d = render(trace);
  ASSERT_EQ(d.error, "");
  EXPECT_TRUE(contains(d.by_id("title")->text, "0 goroutines"));
  result r = tool({"--summary", trace.string()});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(cell(table(r.out, "Goroutines"), "total", "running"), "0") << r.out;
}

TEST_F(TraceSvg, ReadsGoroutinesKnownOnlyFromTheirThreads) {
  // A Chrome trace with gocxx's thread slices and nothing else: g5 ran 3 µs + 4 µs.
  std::string events = R"({"traceEvents":[
    {"ph":"X","pid":1,"tid":1,"ts":1,"dur":3,"name":"g5","cat":"goroutine","args":{"g":5,"site":"x.cpp:5"}},
    {"ph":"X","pid":1,"tid":1,"ts":10,"dur":4,"name":"g5"}]})";
  fs::path trace = write("threads_only.json", events);
  xml_doc d = render(trace);
  ASSERT_EQ(d.error, "");
  EXPECT_EQ(texts_with_class(d, "g-label"), (std::vector<std::string>{"g5"}));
  result r = tool({"--summary", trace.string()});
  ASSERT_EQ(r.status, 0) << r.err;
  auto g = table(r.out, "Goroutines");
  EXPECT_EQ(cell(g, "5", "running"), "7 µs") << r.out;
  EXPECT_EQ(cell(g, "5", "runs"), "2");
  EXPECT_EQ(cell(g, "5", "site"), "x.cpp:5");
}

TEST_F(TraceSvg, CapsArrowsAndSkipsShortOnes) {
  trace_builder b;
  b.thread_name(1, 101, "M0").thread_name(1, 102, "M1");
  for (int i = 0; i < 1000; ++i) {
    double t = i * 10.0;
    b.run(101, 1, t, 4, 0, "a.cpp:1").run(102, 2, t + 5, 4, 1, "b.cpp:2").flow(i + 1, 101, t + 3, 102, t + 5);
  }
  for (int i = 0; i < 10; ++i) b.flow(5000 + i, 101, 100.0 * i + 2, 101, 100.0 * i + 2.001);  // same lane, 0 px
  b.raw(R"({"ph":"s","id":9999,"pid":1,"tid":101,"ts":1.000,"name":"wake","cat":"wake"})");
  xml_doc d = render(write("flows.json", b.str(10000)));
  ASSERT_EQ(d.error, "");
  const xml_node* wakes = d.by_id("wakes");
  ASSERT_NE(wakes, nullptr);
  EXPECT_EQ(wakes->children.size(), 400u);
  EXPECT_EQ(wakes->get("data-drawn"), "400");
  std::string notes = d.deep_text(*d.by_id("notes"));
  EXPECT_TRUE(contains(notes, "400 of 1010 arrows drawn")) << notes;
  EXPECT_TRUE(contains(notes, "10 shorter than 4 px")) << notes;
  EXPECT_TRUE(contains(notes, "600 over the cap of 400")) << notes;
  EXPECT_TRUE(contains(notes, "1 flow events without their pair")) << notes;
}

TEST_F(TraceSvg, TinySlicesStayVisibleAndAreMergedPerPixel) {
  // 1 s of trace: one 1 ns slice alone at 0.5 s, and 20000 slices of 10 ns within 2 ms.
  trace_builder b;
  b.thread_name(1, 101, "M0").thread_name(1, 102, "M1");
  b.run(101, 1, 500000, 0.001, 0, "lonely.cpp:1");
  for (int i = 0; i < 20000; ++i) b.run(102, 2 + i % 3, i * 0.1, 0.01, 1, "busy.cpp:2");
  xml_doc d = render(write("tiny.json", b.str(1000000)));
  ASSERT_EQ(d.error, "");
  // M0's lane: one stroke, half a pixel wide. M1's: the 2 ms are ~2.6 px, a few strokes.
  bool half_pixel = false;
  for (auto* p : d.all("path"))
    if (p->get("stroke-width") == "16" && contains(p->get("d"), "h0.5")) half_pixel = true;
  EXPECT_TRUE(half_pixel) << "the 1 ns slice is not drawn 0.5 px wide";
  int thread_strokes = 0;
  for (auto* p : d.all("path"))
    if (p->get("stroke-width") == "16") {
      const std::string path = p->get("d");
      thread_strokes += static_cast<int>(std::count(path.begin(), path.end(), 'M'));
    }
  EXPECT_LE(thread_strokes, 8) << "20000 sub-pixel slices should merge into a few strokes";
  EXPECT_GE(thread_strokes, 2);
}

// A trace of 100k slices: 8 threads x 6250 goroutine slices, 200 goroutines x 250
// states, 5000 wake-ups, 12.5 ms. Goroutines with higher ids run more, so the lanes
// kept are g141..g200.
std::string large_trace() {
  std::string s;
  s.reserve(16 << 20);
  s += R"({"displayTimeUnit":"ns","otherData":{"tracer":"gocxx","procs":8,"events":0,)"
       R"("dropped_events":0,"duration_us":12500.000},)" "\n\"traceEvents\":[\n";
  char buf[512];
  auto add = [&](int n) { s.append(buf, static_cast<std::size_t>(n)); };
  for (int th = 0; th < 8; ++th)
    add(std::snprintf(buf, sizeof buf,
                      R"j({"ph":"M","name":"thread_name","pid":1,"tid":%d,"args":{"name":"M%d (tid %d)"}},)j" "\n",
                      5000 + th, th, 5000 + th));
  for (int g = 1; g <= 200; ++g)
    add(std::snprintf(buf, sizeof buf,
                      R"({"ph":"M","name":"thread_name","pid":2,"tid":%d,"args":{"name":"g%d pipeline.cpp:%d"}},)" "\n",
                      g, g, 40 + g % 7));
  for (int th = 0; th < 8; ++th)
    for (int i = 0; i < 6250; ++i) {
      int g = 1 + (i * 8 + th) % 200;
      add(std::snprintf(buf, sizeof buf,
                        R"({"ph":"X","pid":1,"tid":%d,"ts":%.3f,"dur":1.500,"name":"g%d","cat":"goroutine",)"
                        R"("args":{"g":%d,"p":%d,"site":"pipeline.cpp:%d"}},)" "\n",
                        5000 + th, i * 2.0, g, g, th, 40 + g % 7));
    }
  const char* reasons[] = {"chan receive", "chan send", "select", "sync.Mutex.Lock"};
  for (int g = 1; g <= 200; ++g)
    for (int i = 0; i < 250; ++i) {
      double ts = i * 50.0;
      int kind = g > 140 && i % 2 == 0 ? 0 : i % 3;
      const char* reason = reasons[(g + i) % 4];
      if (kind == 0)
        add(std::snprintf(buf, sizeof buf,
                          R"({"ph":"X","pid":2,"tid":%d,"ts":%.3f,"dur":50.000,"name":"running","cat":"state",)"
                          R"("args":{"thread":%d,"p":0}},)" "\n",
                          g, ts, 5000 + g % 8));
      else if (kind == 1)
        add(std::snprintf(buf, sizeof buf,
                          R"({"ph":"X","pid":2,"tid":%d,"ts":%.3f,"dur":50.000,"name":"runnable","cat":"state"},)" "\n",
                          g, ts));
      else
        add(std::snprintf(buf, sizeof buf,
                          R"({"ph":"X","pid":2,"tid":%d,"ts":%.3f,"dur":50.000,"name":"%s","cat":"blocked",)"
                          R"("args":{"reason":"%s","object":"0x0"}},)" "\n",
                          g, ts, reason, reason));
    }
  for (int i = 0; i < 5000; ++i) {
    add(std::snprintf(buf, sizeof buf,
                      R"({"ph":"s","id":%d,"pid":1,"tid":%d,"ts":%.3f,"name":"wake","cat":"wake"},)" "\n",
                      i + 1, 5000 + i % 8, i * 2.5 + 0.5));
    add(std::snprintf(buf, sizeof buf,
                      R"({"ph":"f","bp":"e","id":%d,"pid":1,"tid":%d,"ts":%.3f,"name":"wake","cat":"wake"},)" "\n",
                      i + 1, 5000 + (i + 3) % 8, i * 2.5 + 2.0));
  }
  s.resize(s.size() - 2);  // the last ",\n"
  s += "\n]}\n";
  return s;
}

TEST_F(TraceSvg, LargeTraceIsQuickAndSmall) {
  fs::path trace = write("large.json", large_trace());
  const double limit = GOCXX_TRACE_SVG_SLOW ? 60 : 5;
  xml_doc d = render(trace);
  ASSERT_EQ(d.error, "");
  std::printf("100k slices (%.1f MB of JSON): SVG of %.2f MB in %.2f s\n",
              static_cast<double>(fs::file_size(trace)) / 1e6, static_cast<double>(last_.out.size()) / 1e6,
              last_.seconds);
  RecordProperty("svg_bytes", static_cast<int>(last_.out.size()));
  EXPECT_LT(last_.seconds, limit);
  EXPECT_LT(last_.out.size(), 5u << 20);
  EXPECT_EQ(texts_with_class(d, "thread-label").size(), 8u);
  auto labels = texts_with_class(d, "g-label");
  ASSERT_EQ(labels.size(), 60u);
  EXPECT_EQ(labels.front(), "g141 pipeline.cpp:41");
  EXPECT_EQ(labels.back(), "g200 pipeline.cpp:44");
  std::string notes = d.deep_text(*d.by_id("notes"));
  EXPECT_TRUE(contains(notes, "140 of 200 left out")) << notes;
  EXPECT_TRUE(contains(notes, "400 of 5000 arrows drawn")) << notes;
  EXPECT_EQ(d.by_id("wakes")->children.size(), 400u);
  auto legend = d.texts_under(*d.by_id("legend"), "text");
  for (const char* reason : {"chan receive", "chan send", "select", "sync.Mutex.Lock"})
    EXPECT_NE(std::find(legend.begin(), legend.end(), reason), legend.end()) << reason;

  result r = tool({"--summary", trace.string()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_LT(r.seconds, limit);
  auto g = table(r.out, "Goroutines");
  EXPECT_EQ(g.size(), 202u);  // header, 200 goroutines, totals
  EXPECT_EQ(cell(g, "total", "running") != "0", true);
  auto th = table(r.out, "Threads");
  EXPECT_EQ(cell(th, "5000", "busy"), "75.0%") << r.out.substr(r.out.find("Threads"));
}

// ---------------------------------------------------------------------------------
// With a browser (ctest label `browser`).

std::string find_chromium() {
  const char* path = std::getenv("PATH");
  if (!path) return {};
  std::stringstream dirs(path);
  std::vector<std::string> dir_list;
  for (std::string d; std::getline(dirs, d, ':');) dir_list.push_back(d);
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"})
    for (auto& d : dir_list) {
      fs::path p = fs::path(d.empty() ? "." : d) / name;
      if (::access(p.c_str(), X_OK) == 0) return p.string();
    }
  return {};
}

class TraceSvgBrowser : public TraceSvg {};

TEST_F(TraceSvgBrowser, ChromiumRendersTheSvg) {
  std::string chromium = find_chromium();
  if (chromium.empty()) GTEST_SKIP() << "no chromium, chromium-browser or google-chrome on PATH";
  fs::path svg = dir_ / "timeline.svg", png = dir_ / "out.png";
  result r = tool({"-o", svg.string(), write("small.json", small_trace().str(100)).string()});
  ASSERT_EQ(r.status, 0) << r.err;
  r = run_program("timeout", {"120", chromium, "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars",
                              "--user-data-dir=" + (dir_ / "profile").string(), "--screenshot=" + png.string(),
                              "--window-size=1600,900", "file://" + svg.string()},
                  dir_);
  ASSERT_EQ(r.status, 0) << "chromium failed: " << r.err;
  ASSERT_TRUE(fs::exists(png)) << r.err;
  std::string bytes = read_file(png);
  ASSERT_GT(bytes.size(), 24u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  // IHDR: the width and height, big-endian, at bytes 16 and 20.
  auto be32 = [&](std::size_t at) {
    return (static_cast<unsigned>(static_cast<unsigned char>(bytes[at])) << 24) |
           (static_cast<unsigned>(static_cast<unsigned char>(bytes[at + 1])) << 16) |
           (static_cast<unsigned>(static_cast<unsigned char>(bytes[at + 2])) << 8) |
           static_cast<unsigned>(static_cast<unsigned char>(bytes[at + 3]));
  };
  EXPECT_EQ(bytes.substr(12, 4), "IHDR");
  EXPECT_EQ(be32(16), 1600u);
  EXPECT_EQ(be32(20), 900u);
  EXPECT_GT(bytes.size(), 12000u) << "a screenshot that small is blank";
}

}  // namespace
