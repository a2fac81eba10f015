// Go's unrecoverable errors and the report of a panic that escaped a goroutine.
// Both print Go's text to stderr and end the process with exit status 2; neither
// returns. They use only write(2) after formatting, so they are safe to call with
// runtime locks held (they never take one).
#pragma once

#include <exception>

namespace gocxx::detail {

struct g;

// Prints "<detail>\n" (when given), "fatal error: <what>", the current goroutine's
// header, and exits with status 2.
[[noreturn]] void fatal_error(const char* what, const char* detail = nullptr);

// Reports the stack overflow of `gp` (its id and stack size) and exits with status 2.
// Async-signal-safe: called from the SIGSEGV handler too.
[[noreturn]] void fatal_stack_overflow(const g* gp);

// Prints "panic: <what>", the goroutine header and its creation site, exits with 2.
[[noreturn]] void report_panic(const g* gp, std::exception_ptr e);

// Installs the SIGSEGV handler (on an alternate stack per M) that turns a fault in a
// guard page into fatal_stack_overflow. Idempotent.
void install_overflow_handler();
// Gives the calling thread an alternate signal stack (each M calls it once).
void install_signal_stack();

}  // namespace gocxx::detail
