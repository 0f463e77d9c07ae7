// Internal: the instruction sets the hot training kernels are compiled for. GCC builds
// each marked function for x86-64-v4 (AVX-512), x86-64-v3 (AVX2) and the baseline, and
// the loader picks the best the CPU has; the package itself stays built for the baseline.
// Every clone computes the same bits: the kernels use only element-wise IEEE operations
// (no reassociation, no fused multiply-add: -ffp-contract=off), in the same order.
#pragma once

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__ELF__) && \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define GLIA_TARGET_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define GLIA_TARGET_CLONES
#endif

#include <cstdint>
#include <cstring>

#include "glia/lanes.hpp"

namespace glia::detail {

// always inlined, so the values never cross a call (see glia/lanes.hpp)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"
/// x[0..len) += the rows W + rp[fired[r]], r in [k0, k1), one after another (the order
/// row by row would add them in), 64 floats of x held in registers at a time.
///
/// Every element's additions form one chain, so the elements past the last whole vector
/// are not left to scalar chains (one add's latency per row each): the last vector's
/// width ending at len is summed as a window, from the values x held before the call, and
/// stored last. Where it overlaps the whole vectors it stores the very values they stored
/// (the same additions in the same order), so the result is that of the plain loop.
__attribute__((always_inline)) inline void add_rows(float* __restrict x, const float* W,
                                                    const std::int64_t* rp,
                                                    const std::int32_t* fired, std::int32_t k0,
                                                    std::int32_t k1, std::int64_t len) noexcept {
  if (len < 8) {  // a few elements: side by side, row after row
    float a[8];
    for (std::int64_t c = 0; c < len; ++c) a[c] = x[c];
    for (std::int32_t r = k0; r < k1; ++r) {
      const float* y = W + rp[fired[r]];
      for (std::int64_t c = 0; c < len; ++c) a[c] += y[c];
    }
    for (std::int64_t c = 0; c < len; ++c) x[c] = a[c];
    return;
  }
  if (len < 16) {  // one vector of 8 and a window of 8 ending at len
    Lanes8 a = loadv<Lanes8>(x), z = loadv<Lanes8>(x + len - 8);
    for (std::int32_t r = k0; r < k1; ++r) {
      const float* y = W + rp[fired[r]];
      a += loadv<Lanes8>(y);
      z += loadv<Lanes8>(y + len - 8);
    }
    storev(x, a), storev(x + len - 8, z);
    return;
  }
  const bool window = len % 16 != 0;
  Lanes16 z{};
  if (window) {  // the last 16 elements, from x's values before the call
    z = loadv<Lanes16>(x + len - 16);
    for (std::int32_t r = k0; r < k1; ++r) z += loadv<Lanes16>(W + rp[fired[r]] + len - 16);
  }
  std::int64_t c = 0;
  for (; c + 64 <= len; c += 64) {
    Lanes16 a0 = loadv<Lanes16>(x + c), a1 = loadv<Lanes16>(x + c + 16);
    Lanes16 a2 = loadv<Lanes16>(x + c + 32), a3 = loadv<Lanes16>(x + c + 48);
    for (std::int32_t r = k0; r < k1; ++r) {
      const float* y = W + rp[fired[r]] + c;
      a0 += loadv<Lanes16>(y);
      a1 += loadv<Lanes16>(y + 16);
      a2 += loadv<Lanes16>(y + 32);
      a3 += loadv<Lanes16>(y + 48);
    }
    storev(x + c, a0), storev(x + c + 16, a1), storev(x + c + 32, a2), storev(x + c + 48, a3);
  }
  for (; c + 16 <= len; c += 16) {
    Lanes16 a = loadv<Lanes16>(x + c);
    for (std::int32_t r = k0; r < k1; ++r) a += loadv<Lanes16>(W + rp[fired[r]] + c);
    storev(x + c, a);
  }
  if (window) storev(x + len - 16, z);
}
#pragma GCC diagnostic pop

}  // namespace glia::detail
