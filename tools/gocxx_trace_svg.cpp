// gocxx-trace-svg: the command line. It reads a gocxx trace file (docs/trace-format.md)
// and writes an SVG timeline (trace_svg.cpp) or a text summary (trace_summary.cpp).
// Exit status: 0 done, 1 the trace could not be read or the output not written, 2 a
// usage error. Messages go to stderr, prefixed "gocxx-trace-svg: ".
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "trace_model.hpp"
#include "trace_summary.hpp"
#include "trace_svg.hpp"

namespace {

constexpr const char* usage_text =
    "usage: gocxx-trace-svg [options] trace.json\n"
    "\n"
    "Reads a gocxx trace (GOCXX_TRACE=trace.json, or gocxx::trace::start) and writes an SVG\n"
    "timeline: one lane per thread, per goroutine and per P, wake-up arrows, a legend.\n"
    "\n"
    "options:\n"
    "  -o FILE               write to FILE instead of standard output\n"
    "  --summary             print the goroutine analysis as text tables instead: per\n"
    "                        goroutine running, runnable and blocked time by wait reason,\n"
    "                        runs; per thread busy, spinning and sleeping %\n"
    "  --width PX            the SVG's width in pixels (default 1600)\n"
    "  --from US, --to US    only the window [from, to), in microseconds from the start\n"
    "  --max-goroutines N    goroutine lanes at most (default 60: those with the most\n"
    "                        running time)\n"
    "  -h, --help            this text\n";

int usage_error(const std::string& message) {
  std::fprintf(stderr, "gocxx-trace-svg: %s\ntry 'gocxx-trace-svg --help'\n", message.c_str());
  return 2;
}

std::optional<double> parse_number(const char* s) {
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(s, &end);
  if (end == s || *end != '\0' || errno != 0 || !std::isfinite(v)) return std::nullopt;
  return v;
}

bool write_output(const std::string& path, const std::string& text) {
  std::FILE* f = path.empty() || path == "-" ? stdout : std::fopen(path.c_str(), "wb");
  if (!f) {
    std::fprintf(stderr, "gocxx-trace-svg: cannot write %s: %s\n", path.c_str(), std::strerror(errno));
    return false;
  }
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  ok = (f == stdout ? std::fflush(f) == 0 : std::fclose(f) == 0) && ok;
  if (!ok)
    std::fprintf(stderr, "gocxx-trace-svg: cannot write %s: %s\n", path.empty() ? "standard output" : path.c_str(),
                 std::strerror(errno));
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  std::string input, output;
  bool summary = false;
  std::optional<double> from_us, to_us;
  trace_tool::svg_options options;

  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (a == "-h" || a == "--help") {
      std::fputs(usage_text, stdout);
      return 0;
    } else if (a == "--summary") {
      summary = true;
    } else if (a == "-o" || a == "--output") {
      const char* v = value();
      if (!v) return usage_error("-o needs a file name");
      output = v;
    } else if (a == "--width") {
      const char* v = value();
      auto n = v ? parse_number(v) : std::nullopt;
      if (!n || *n < 200 || *n > 100000 || *n != std::floor(*n))
        return usage_error("--width needs a whole number of pixels from 200 to 100000");
      options.width = static_cast<int>(*n);
    } else if (a == "--from" || a == "--to") {
      const char* v = value();
      auto n = v ? parse_number(v) : std::nullopt;
      if (!n || *n < 0) return usage_error(std::string(a) + " needs a time in microseconds (>= 0)");
      (a == "--from" ? from_us : to_us) = *n;
    } else if (a == "--max-goroutines") {
      const char* v = value();
      auto n = v ? parse_number(v) : std::nullopt;
      if (!n || *n < 0 || *n != std::floor(*n)) return usage_error("--max-goroutines needs a whole number");
      options.max_goroutine_lanes = static_cast<std::size_t>(*n);
    } else if (a.size() > 1 && a[0] == '-') {
      return usage_error("unknown option " + std::string(a));
    } else if (!input.empty()) {
      return usage_error("one trace file at a time (" + input + " and " + std::string(a) + ")");
    } else {
      input = a;
    }
  }
  if (input.empty()) return usage_error("no trace file named");

  trace_tool::trace t;
  try {
    t = trace_tool::read_trace(input);
  } catch (const trace_tool::trace_error& e) {
    std::fprintf(stderr, "gocxx-trace-svg: %s\n", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "gocxx-trace-svg: %s: out of memory reading the trace\n", input.c_str());
    return 1;
  }
  for (auto& w : t.warnings) std::fprintf(stderr, "gocxx-trace-svg: warning: %s: %s\n", input.c_str(), w.c_str());

  auto ns = [](double us) { return static_cast<trace_tool::ns_t>(std::llround(us * 1000.0)); };
  trace_tool::window span{from_us ? ns(*from_us) : 0, to_us ? ns(*to_us) : t.duration};
  if (!to_us && !from_us && span.to == 0) span.to = 1000;  // an empty trace: 1 µs of nothing
  if (span.to <= span.from)
    return usage_error(to_us ? "--to must be after --from"
                             : "--from is at or past the trace's end (" + trace_tool::format_duration(t.duration) + ")");

  std::string text;
  if (summary) {
    text = trace_tool::summarize(t, span);
  } else {
    options.span = span;
    text = trace_tool::render_svg(t, options);
  }
  return write_output(output, text) ? 0 : 1;
}
