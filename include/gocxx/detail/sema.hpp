// What the sync headers' inline code and layouts need of the sync internals, nothing
// more: the wait-queue entry (sema_sudog) they point at, and the runtime lock that guards
// wait queues (gocxx/detail/runtime_lock.hpp). The algorithms live in src/sync/.
#pragma once

#include "gocxx/detail/runtime_lock.hpp"

namespace gocxx::detail {

// A waiter's entry in a sync wait queue (a semaphore address's queue, a cond's notify
// list, a weighted semaphore's FIFO); defined in src/sync/sema.hpp. It lives on the
// waiter's own stack for as long as the waiter is parked. (Not the channels' sudog,
// detail/hchan.hpp: a different record, so a different name.)
struct sema_sudog;

}  // namespace gocxx::detail
