// Call stacks of goroutines: unwinding a parked goroutine from its saved context, or the
// calling thread from where it is, and turning the return addresses into Go-shaped text.
//
// Libraries (docs/internals.md, "Tracebacks"): elfutils' libdwfl (Debian libdw-dev)
// both walks a parked goroutine's frames, from a register set built out of the context
// switch's saved frame and with every memory read checked against the goroutine's stack,
// and maps each address to its function, its inlined callers and file:line. The calling
// thread's own stack is walked by libgcc's _Unwind_Backtrace. None of it runs on a hot
// path: a dump is a rare, slow operation.
//
// Invariants
// - Unwinding never leaves [lo, hi), the stack it was given: a frame whose stack pointer
//   falls outside ends the walk, so a stack without frame information (or a corrupt one)
//   yields a short trace, never a wild read.
// - format_frames may allocate and takes the symbolizer's lock; it must not be called
//   from a signal handler that interrupted the allocator (the crash report accepts that
//   risk, as Go's does, because the process is about to die anyway).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace gocxx::detail {

constexpr int max_frames = 64;

// Return addresses of a context suspended by gocxx_context_switch whose saved stack
// pointer is `sp`, innermost first, staying within the stack [lo, hi). Returns the count.
int unwind_saved(const void* sp, std::uintptr_t lo, std::uintptr_t hi, std::uintptr_t* pcs, int max);

// The calling thread's return addresses, innermost first (this function's caller is
// the first), staying within [lo, hi) when hi != 0.
int unwind_here(std::uintptr_t lo, std::uintptr_t hi, std::uintptr_t* pcs, int max);

// From a signal handler's ucontext: the interrupted pc first, then its callers.
int unwind_signal(void* ucontext, std::uintptr_t lo, std::uintptr_t hi, std::uintptr_t* pcs, int max);

// Appends one line per frame ("function at file:line", the innermost first; inlined calls
// get a line each). Unless `all_frames` (GOCXX_TRACEBACK=system), the runtime's own frames
// are left out: those inside gocxx::detail at the top (park, the channel code) and the
// goroutine's entry at the bottom, as Go hides runtime.gopark and runtime.goexit.
// `first_is_pc`: pcs[0] is an interrupted instruction, not a return address.
void format_frames(std::string& out, const std::uintptr_t* pcs, int n, bool all_frames, bool first_is_pc = false);

// "0x55d0c0 (name)" when a data symbol holds `p` (a global mutex), else "0x55d0c0".
std::string describe_address(const void* p);

// GOCXX_TRACEBACK=system: show the runtime's frames too.
bool traceback_all_frames();

}  // namespace gocxx::detail
