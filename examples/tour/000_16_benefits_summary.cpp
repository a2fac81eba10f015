// Tour: the guide's summary, and its closing line. Ports seed 000, program 1, part 6,
// benefitsSummary, and the last line of its main ("Guide completed successfully!").
//
// A bug in the seed, fixed here: `"=" * 70` does not compile in Go (a string cannot be
// multiplied; the guide means strings.Repeat("=", 70)). The port prints what it means, a
// line of 70 '=' (std::string(70, '=')).
#include <cstdio>
#include <string>

#include "tour.hpp"

TOUR_EXAMPLE(benefits_summary, "000", "what channels give, channels versus mutexes, and when to use which") {
  const std::string rule(70, '=');  // Go: strings.Repeat("=", 70)
  auto line = [](const char* s) { std::printf("%s\n", s); };
  auto ruled = [&](const char* title) {
    std::printf("\n%s\n%s\n%s\n", rule.c_str(), title, rule.c_str());
  };

  ruled("BENEFITS OF CHANNEL SYNCHRONIZATION:");
  line("1. Type Safety: Channels are typed, preventing wrong data types");
  line("2. Memory Safety: No data races when using channels correctly");
  line("3. Deadlock Detection: Go runtime detects some deadlock scenarios");
  line("4. CSP Model: Clean communication pattern (Communicating Sequential Processes)");
  line("5. Built-in Blocking: Natural flow control without explicit locks");
  line("6. Composability: Easy to combine channels in complex patterns");
  line("7. Cancellation: Context-based cancellation via select");
  line("8. Buffering: Control memory and flow with buffered channels");

  ruled("CONTROL COMPARISON:");

  line("\nWITHOUT CHANNELS:");
  line("❌ Manual mutex locks/unlocks (error-prone)");
  line("❌ Risk of forgetting to unlock (deadlock)");
  line("❌ No built-in signaling mechanism");
  line("❌ Complex coordination logic");
  line("❌ Harder to compose concurrent operations");

  line("\nWITH CHANNELS:");
  line("✅ Automatic blocking/unblocking");
  line("✅ Clear ownership model (sender/receiver)");
  line("✅ Natural producer-consumer pattern");
  line("✅ Easy timeout and cancellation");
  line("✅ Composable concurrent patterns");
  line("✅ Idiomatic Go style");

  ruled("WHEN TO USE WHAT:");
  line("Use CHANNELS when:");
  line("  • Passing data between goroutines");
  line("  • Coordinating goroutine execution");
  line("  • Implementing pipelines or workflows");
  line("  • Building producer-consumer patterns");

  line("\nUse MUTEXES when:");
  line("  • Protecting shared state (counters, caches)");
  line("  • Need very low-level synchronization");
  line("  • Performance-critical sections");
  line("  • Simple locks around data structures");

  std::printf("\n%s\n", rule.c_str());
  line("Go Proverb: 'Don't communicate by sharing memory;");
  line("            share memory by communicating.'");
  std::printf("%s\n", rule.c_str());

  // main's last line.
  std::printf("\n✅ Guide completed successfully!\n");
}
