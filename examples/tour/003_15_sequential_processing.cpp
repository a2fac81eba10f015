// Tour: sequential processing with a context. Ports seed 003 (a flow guide), "Common Flow
// Patterns", 1, "Sequential Processing Flow": Init -> Process -> Cleanup. A processor is
// created, closed by a defer on every way out, and fed the items one by one; before each
// item a select with default checks ctx.Done() without waiting.
//
//   processor := NewProcessor()            processor p;
//   defer processor.Close()                tour::defer close([&] { p.close(); });
//   select {                               if (ctx.err()) return ctx.err();   (the select's
//   case <-ctx.Done(): return ctx.Err()      default case is "go on": one non-blocking check)
//   default: ... }
//   fmt.Errorf("failed to process %s: %w", item, err)   error{"failed to process " + item, err}
//
// Go's wrapped error becomes a small struct: the text and the cause (std::error_code),
// the cause still testable as errors.Is does. The seed leaves the processor out: here it
// prints what it does and rejects an item named "bad". Three runs: every item processed;
// a bad item stops the loop (the rest are not processed); a cancelled context stops it
// before the first item. Close runs in all three.
#include <cstdio>
#include <string>
#include <system_error>
#include <vector>

#include "gocxx/gocxx.hpp"
#include "tour.hpp"

namespace {

struct error {
  std::string text;  // the wrapped message, empty when there is no error
  std::error_code cause;
  explicit operator bool() const { return cause.operator bool(); }
  std::string message() const { return text.empty() ? cause.message() : text + ": " + cause.message(); }
};

class processor {
 public:
  std::error_code process(const std::string& item) {
    if (item == "bad") return std::make_error_code(std::errc::invalid_argument);
    std::printf("  processed %s\n", item.c_str());
    return {};
  }
  void close() { std::printf("  processor closed\n"); }
};

error process_sequentially(const gocxx::context& ctx, const std::vector<std::string>& items) {
  processor p;  // Step 1: initialize resources
  tour::defer close([&] { p.close(); });
  for (const auto& item : items) {  // Step 2: process each item
    if (ctx.err()) return {{}, ctx.err()};  // select { case <-ctx.Done(): ... default: }
    if (std::error_code err = p.process(item)) return {"failed to process " + item, err};
  }
  return {};  // Step 3: cleanup happens via defer
}

void run(const char* what, const gocxx::context& ctx, const std::vector<std::string>& items) {
  std::printf("%s:\n", what);
  error err = process_sequentially(ctx, items);
  std::printf("  => %s\n", err ? err.message().c_str() : "<nil>");
}

}  // namespace

TOUR_EXAMPLE(sequential_processing, "003", "Init -> Process -> Cleanup: items one by one, ctx checked before each") {
  std::printf("\n=== Sequential processing flow ===\n");
  run("three good items", gocxx::background(), {"alpha", "beta", "gamma"});
  run("a bad item second", gocxx::background(), {"alpha", "bad", "gamma"});
  auto [ctx, cancel] = gocxx::with_cancel(gocxx::background());
  cancel();
  run("a cancelled context", ctx, {"alpha", "beta", "gamma"});
}
