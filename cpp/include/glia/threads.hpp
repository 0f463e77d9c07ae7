// How many threads a call uses: the one clamp of a requested thread count.
#pragma once
#include <cstdint>

namespace glia {

/// The threads for `n_items` independent items: `n_threads` (values below 1 mean 1), at
/// most one per item, and at least 1 (also for no items).
inline int threads_for(int n_threads, std::int64_t n_items) noexcept {
  std::int64_t nt = n_threads < 1 ? 1 : n_threads;
  if (nt > n_items) nt = n_items;
  return static_cast<int>(nt < 1 ? 1 : nt);
}

}  // namespace glia
