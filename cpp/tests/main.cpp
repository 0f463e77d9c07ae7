#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include "glia/worker_pool.hpp"

// Every engine test that asks for several threads gets them (a loaded test machine would
// otherwise send some to one thread: results are the same, but the parallel paths would go
// untested); test_worker_pool.cpp turns the adaptation back on where it tests it.
static const bool kAdaptiveOff = (glia::set_adaptive_threads(false), true);
