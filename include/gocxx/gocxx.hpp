// gocxx/gocxx.hpp: the whole library, one include.
#pragma once

#include "gocxx/runtime.hpp"
