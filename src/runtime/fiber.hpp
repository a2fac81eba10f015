// Fiber contexts: the saved state of a goroutine (or of an M's own thread stack, g0) and
// the one function that switches between two of them.
//
// Invariants
// - A context is either running on exactly one thread or suspended with `sp` pointing at
//   its saved registers; switch_context is the only way between the two states.
// - A switch is annotated for the sanitizers: AddressSanitizer learns the target stack's
//   bounds (start/finish_switch_fiber) and ThreadSanitizer switches its fiber, so both
//   stay exact across goroutine switches.
// - Code that resumes after a switch may be on another OS thread than before it: never
//   keep a thread_local's address across switch_context (see current_m() in sched.hpp).
#pragma once

#include <cstddef>

// Which sanitizer instruments this translation unit, derived from the compiler so that
// every user of these structs (the library and white-box tests) agrees on their layout.
#if !defined(GOCXX_ASAN) && defined(__SANITIZE_ADDRESS__)
#define GOCXX_ASAN 1
#endif
#if !defined(GOCXX_TSAN) && defined(__SANITIZE_THREAD__)
#define GOCXX_TSAN 1
#endif
#if defined(__has_feature)
#if !defined(GOCXX_ASAN) && __has_feature(address_sanitizer)
#define GOCXX_ASAN 1
#endif
#if !defined(GOCXX_TSAN) && __has_feature(thread_sanitizer)
#define GOCXX_TSAN 1
#endif
#endif

#if defined(GOCXX_ASAN)
#include <sanitizer/common_interface_defs.h>
#endif
#if defined(GOCXX_TSAN)
extern "C" {
void* __tsan_get_current_fiber(void);
void* __tsan_create_fiber(unsigned flags);
void __tsan_destroy_fiber(void* fiber);
void __tsan_switch_to_fiber(void* fiber, unsigned flags);
}
#endif

extern "C" void* gocxx_context_switch(void** save_sp, void* target_sp, void* arg);

namespace gocxx::detail {

struct context {
  void* sp = nullptr;            // saved stack pointer while suspended
#if defined(GOCXX_ASAN)
  void* stack_bottom = nullptr;  // lowest usable address (ASan needs the bounds)
  std::size_t stack_size = 0;
#endif
#if defined(GOCXX_TSAN)
  void* tsan_fiber = nullptr;
#endif
};

// Lays out a fresh context on [bottom, top) that, when first switched to, calls
// entry(arg) with arg the value passed to that switch. entry must never return.
void make_context(context& c, void* bottom, void* top, void (*entry)(void*));

// Releases what make_context acquired beyond the stack (the TSan fiber). `c` must not
// be running.
void destroy_context(context& c);

// Makes `c` describe the calling thread's own stack (an M's g0, or a plain thread).
void init_thread_context(context& c);

// Called first thing on a fresh context (completes the sanitizer hand-over).
inline void context_entered() {
#if defined(GOCXX_ASAN)
  __sanitizer_finish_switch_fiber(nullptr, nullptr, nullptr);
#endif
}

// Suspends `from` and resumes `to`, handing it `arg`. Returns, once something switches
// back to `from`, the arg of that switch. `from_exiting` tells the sanitizers that
// `from` will never run again (its fake stack can be freed).
inline void* switch_context(context& from, context& to, void* arg, bool from_exiting = false) {
#if defined(GOCXX_ASAN)
  void* fake_stack = nullptr;
  __sanitizer_start_switch_fiber(from_exiting ? nullptr : &fake_stack, to.stack_bottom, to.stack_size);
#else
  (void)from_exiting;
#endif
#if defined(GOCXX_TSAN)
  __tsan_switch_to_fiber(to.tsan_fiber, 0);
#endif
  void* r = gocxx_context_switch(&from.sp, to.sp, arg);
#if defined(GOCXX_ASAN)
  __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#endif
  return r;
}

}  // namespace gocxx::detail
