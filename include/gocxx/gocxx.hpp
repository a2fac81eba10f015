// gocxx/gocxx.hpp: the whole library, one include.
#pragma once

#include "gocxx/chan.hpp"
#include "gocxx/context.hpp"
#include "gocxx/errgroup.hpp"
#include "gocxx/runtime.hpp"
#include "gocxx/select.hpp"
#include "gocxx/semaphore.hpp"
#include "gocxx/signal.hpp"
#include "gocxx/sync.hpp"
#include "gocxx/time.hpp"
