// Fiber contexts: laying out a fresh context and describing a thread's own stack.
// The switch itself is context_switch_<arch>.S, wrapped by switch_context (fiber.hpp).
#include "runtime/fiber.hpp"

#include <pthread.h>

#include <cstdint>
#include <cstring>

#if defined(GOCXX_ASAN)
#include <sanitizer/asan_interface.h>
#endif

extern "C" void gocxx_context_entry();

namespace gocxx::detail {

void make_context(context& c, [[maybe_unused]] void* bottom, void* top, void (*entry)(void*)) {
  auto t = reinterpret_cast<std::uintptr_t>(top) & ~std::uintptr_t{15};
#if defined(GOCXX_ASAN)
  // A reused stack still carries the poisoned redzones of the goroutine that ran on it.
  ASAN_UNPOISON_MEMORY_REGION(bottom, static_cast<char*>(top) - static_cast<char*>(bottom));
#endif
#if defined(__x86_64__)
  // From sp upward: [unused][r12 = entry][r13][r14][r15][rbx][rbp = 0][return address =
  // entry trampoline], then 8 bytes of padding so the trampoline's call sees a 16-byte
  // aligned rsp.
  auto* sp = reinterpret_cast<std::uint64_t*>(t - 80);
  std::memset(sp, 0, 80);
  sp[1] = reinterpret_cast<std::uint64_t>(entry);                // r12
  sp[7] = reinterpret_cast<std::uint64_t>(&gocxx_context_entry);  // return address
#elif defined(__aarch64__)
  auto* sp = reinterpret_cast<std::uint64_t*>(t - 0xb0);
  std::memset(sp, 0, 0xb0);
  sp[0x40 / 8] = reinterpret_cast<std::uint64_t>(entry);                // x19
  sp[0x98 / 8] = reinterpret_cast<std::uint64_t>(&gocxx_context_entry);  // x30
#else
#error "gocxx: unsupported architecture"
#endif
  c.sp = sp;
#if defined(GOCXX_ASAN)
  c.stack_bottom = bottom;
  c.stack_size = static_cast<std::size_t>(reinterpret_cast<char*>(top) - static_cast<char*>(bottom));
#endif
#if defined(GOCXX_TSAN)
  if (!c.tsan_fiber) c.tsan_fiber = __tsan_create_fiber(0);
#endif
}

void destroy_context(context& c) {
#if defined(GOCXX_TSAN)
  if (c.tsan_fiber) __tsan_destroy_fiber(c.tsan_fiber);
  c.tsan_fiber = nullptr;
#else
  (void)c;
#endif
}

void init_thread_context([[maybe_unused]] context& c) {
#if defined(GOCXX_ASAN)
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    void* addr = nullptr;
    std::size_t size = 0;
    pthread_attr_getstack(&attr, &addr, &size);
    pthread_attr_destroy(&attr);
    c.stack_bottom = addr;
    c.stack_size = size;
  }
#endif
#if defined(GOCXX_TSAN)
  c.tsan_fiber = __tsan_get_current_fiber();
#endif
}

}  // namespace gocxx::detail
