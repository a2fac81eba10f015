// The context package's internal seam: the entry of a cancellable context's children
// list, and the hook that lets a blocking primitive (semaphore::acquire(ctx, n)) be
// woken by a cancellation without a goroutine or a channel. Algorithms: context.cpp.
#pragma once

#include <cstdint>

#include "gocxx/context.hpp"

namespace gocxx::detail {

// An entry in a cancellable context's children list: a child context, an after_func
// registration, or a watch. prev/next/linked/orphan are guarded by the mu of the
// context whose list holds the entry.
struct ctx_link {
  enum kind_t : std::uint8_t { child, after, watch };
  ctx_link* prev = nullptr;
  ctx_link* next = nullptr;
  kind_t lkind = child;
  bool linked = false;  // in its owner's list
  bool orphan = false;  // child: its handles are gone and the list owns it
};

// A hook run once when the context it is added to is cancelled: `fire` runs under that
// context's lock, so it must not block, run user code or touch a context; it may take
// a leaf lock (the semaphore's) and ready() a waiter.
struct ctx_watch : ctx_link {
  void (*fire)(ctx_watch* self) noexcept = nullptr;
};

// Hooks w into the nearest cancellable context at or above n. False (not hooked) when
// that context is already done; true otherwise, also when n can never be cancelled
// (then w never fires).
bool ctx_watch_add(ctx_node* n, ctx_watch* w) noexcept;
// Unhooks w if it is still hooked. Once this returns, w->fire is not running and will
// not run, so w may be destroyed.
void ctx_watch_remove(ctx_node* n, ctx_watch* w) noexcept;

}  // namespace gocxx::detail
