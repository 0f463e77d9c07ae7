// Internal: a cache prefetch hint for the step loops (network.cpp, network_run.cpp).
#pragma once
#include <cstdint>

#if defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
#include <xmmintrin.h>
#endif

namespace glia {
namespace detail {

/// A hint to bring the cache line holding address `a` closer; never faults.
inline void prefetch(std::uintptr_t a) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  __builtin_prefetch(reinterpret_cast<const void*>(a));
#elif defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
  _mm_prefetch(reinterpret_cast<const char*>(a), _MM_HINT_T0);
#else
  (void)a;
#endif
}

}  // namespace detail
}  // namespace glia
