// Internal: vectors of eight or sixteen floats (GCC/Clang vector extensions), shared by the
// engine's extended step (network.hpp) and the training kernels (cpp/src/simd.hpp).
#pragma once

#include <cstdint>
#include <cstring>

namespace glia::detail {

/// Eight or sixteen floats as one value (GCC/Clang vector extension: one AVX or AVX-512
/// register, or several narrower ones on the other builds); element-wise IEEE operations
/// only, so every build computes the same bits whatever the width.
typedef float Lanes8 __attribute__((vector_size(32)));
typedef float Lanes16 __attribute__((vector_size(64)));
/// Eight int32 (what comparing two Lanes8 gives: -1 where true, 0 where false).
typedef std::int32_t Ints8 __attribute__((vector_size(32)));

// always inlined, so the values never cross a call: GCC's -Wpsabi note (passing them by
// value without AVX changes the calling convention) concerns calls only
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"
template <class V>
__attribute__((always_inline)) inline V loadv(const float* p) noexcept {
  V x;
  std::memcpy(&x, p, sizeof x);
  return x;
}
template <class V>
__attribute__((always_inline)) inline void storev(float* p, const V& x) noexcept {
  std::memcpy(p, &x, sizeof x);
}

/// out = m ? a : b element-wise, for masks m of all ones or all zeros per element (what
/// comparisons give): a bitwise blend, the bits of a or of b unchanged. (The result is
/// written, not returned: a vector returned by value draws GCC's -Wpsabi note in builds
/// without AVX.)
__attribute__((always_inline)) inline void blend(Lanes8& out, const Ints8& m, const Lanes8& a,
                                                 const Lanes8& b) noexcept {
  out = reinterpret_cast<Lanes8>((reinterpret_cast<Ints8>(a) & m) | (reinterpret_cast<Ints8>(b) & ~m));
}

#pragma GCC diagnostic pop

}  // namespace glia::detail
