// Internal: runs independent items (episodes) on OpenMP threads, handed out in small chunks
// (dynamic schedule), with the caller's hook polled from the calling thread only and no
// exception leaving the region.
#pragma once
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <string>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "glia/error.hpp"
#include "glia/hook.hpp"
#include "glia/network.hpp"

namespace glia {
namespace detail {

/// Calls fn(i, thread) for i in [0, n). `thread` is in [0, min(n_threads, n)) and picks the
/// caller's per-thread scratch. Which thread runs an item never changes a result: items
/// write only to their own slots. A stop request from `poller` (checked on the calling
/// thread between items) skips the remaining items and throws Cancelled(`what`); the first
/// exception thrown by an item is rethrown after the region.
template <class F>
void for_each_item(std::int64_t n, int n_threads, Poller* poller, const char* what, F&& fn) {
  if (n <= 0) return;
  int nt = n_threads < 1 ? 1 : n_threads;
  if (static_cast<std::int64_t>(nt) > n) nt = static_cast<int>(n);
  bool cancelled = false;
  if (nt == 1) {
    for (std::int64_t i = 0; i < n; ++i) {
      fn(i, 0);
      if (poller != nullptr && poller->poll()) {
        cancelled = true;
        break;
      }
    }
  } else {
    // Chunks of about 1/8 of a thread's share: a worker that wakes late (a parked thread
    // takes tens of microseconds to wake on some machines) or runs slower leaves its items
    // to the others instead of holding up the region's end, and the hand-out costs one
    // atomic per chunk. Which thread runs an item never changes a result.
    const std::int64_t chunk = std::max<std::int64_t>(1, n / (8 * static_cast<std::int64_t>(nt)));
    std::atomic<bool> stop{false};
    std::atomic<bool> stop_by_hook{false};
    std::exception_ptr first_error;
    const ActiveTeam active;  // no team runs started elsewhere meanwhile
#pragma omp parallel num_threads(nt)
    {
#ifdef _OPENMP
      const int tid = omp_get_thread_num();
#else
      const int tid = 0;
#endif
#pragma omp for schedule(dynamic, chunk)
      for (std::int64_t i = 0; i < n; ++i) {
        if (stop.load(std::memory_order_relaxed)) continue;
        try {
          fn(i, tid);
          if (tid == 0 && poller != nullptr && poller->poll()) {
            stop_by_hook.store(true);
            stop.store(true);
          }
        } catch (...) {
#pragma omp critical(glia_first_error)
          if (!first_error) first_error = std::current_exception();
          stop.store(true);
        }
      }
    }
    if (first_error) std::rethrow_exception(first_error);
    cancelled = stop_by_hook.load();
  }
  if (cancelled) throw Cancelled(std::string(what) + " interrupted");
}

}  // namespace detail
}  // namespace glia
