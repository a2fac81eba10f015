// gocxx/patterns.hpp: the concurrency patterns Go guides write by hand, done once
// (docs/patterns.md): merge (fan-in), fan_out, stage (pipelines), worker_pool,
// broadcaster (pub/sub), rate::limiter (golang.org/x/time/rate) and retry (backoff).
// Header-only, built on the public API alone; not included by gocxx.hpp.
#pragma once

#include "gocxx/patterns/broadcaster.hpp"
#include "gocxx/patterns/fan_out.hpp"
#include "gocxx/patterns/merge.hpp"
#include "gocxx/patterns/rate.hpp"
#include "gocxx/patterns/retry.hpp"
#include "gocxx/patterns/stage.hpp"
#include "gocxx/patterns/worker_pool.hpp"
