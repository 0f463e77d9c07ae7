// The surrogate-gradient trainer: exact back-propagation through time of the engine's own
// step with a fast-sigmoid surrogate for the spike, the shared optimizer and batching.
// The episodes of a batch run in blocks whose episodes (lanes) advance together: the
// record and dL/du are neuron-major with the lanes inner, so the backward pass reads each
// weight once per step for the whole block and works on the lanes with vector operations.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <type_traits>

#include "glia/error.hpp"
#include "glia/trainer.hpp"
#include "parallel_items.hpp"
#include "simd.hpp"

namespace glia {

namespace {

/// Floats of per-block gradient rows held at once: a batch's blocks run in waves of at
/// least one block per thread and at most this many gradient floats, each wave's rows
/// added into the batch gradient in block order.
constexpr std::int64_t kRowBudget = std::int64_t{1} << 21;

inline std::int64_t words_of(std::int32_t n) noexcept { return (static_cast<std::int64_t>(n) + 63) / 64; }

/// g[q] += d[q] for q < n (vectorises: the arrays cannot overlap).
GLIA_TARGET_CLONES
void add_run(float* __restrict g, const float* __restrict d, std::int64_t n) noexcept {
  for (std::int64_t q = 0; q < n; ++q) g[q] += d[q];
}

/// What the backward kernel reads of the network and the block.
struct Model {
  std::int32_t N, G, L;
  const float *lk, *thr, *W;
  const std::int64_t* rp;
  const std::int32_t* col;
  const std::int32_t* gs;
  const std::int32_t* opos;
  const std::uint8_t* run;     ///< per row: 1 when it is stored as runs of consecutive targets
  const std::int64_t* seg_ptr; ///< per row: its runs are seg[seg_ptr[j] .. seg_ptr[j + 1])
  const std::int64_t* seg;     ///< a run's first edge (it ends at the next run's or the row's end)
  float k;
  float beta;                  ///< grad.floor_gradient: dv/du = [u > 0] + beta [u <= 0]
  NeuronParams prm;            ///< the step's parameters (DESIGN §2a features included)
  const std::int32_t* gpos;    ///< per neuron: its index in the gradient set, or -1
  bool syn;                    ///< some neuron keeps synaptic current (alpha > 0)
};

/// Calls f(q0, q1) for each run of consecutive targets of row j (run[j] set).
template <class F>
__attribute__((always_inline)) inline void for_each_run(const Model& md, std::int32_t j, F&& f) noexcept {
  const std::int64_t s0 = md.seg_ptr[j], s1 = md.seg_ptr[j + 1], end = md.rp[j + 1];
  for (std::int64_t s = s0; s < s1; ++s) f(md.seg[s], s + 1 < s1 ? md.seg[s + 1] : end);
}

using detail::Lanes16;
using detail::Lanes8;
using detail::Ints8;
using detail::blend;
using detail::loadv;
using detail::storev;

// (the pragma below covers the vector values of signal_step_t)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"

/// The extended step of one lane (not inlined into the kernels below: GCC 12 fails on the
/// vector masks inside a target_clones function).
__attribute__((noinline)) void extended_lane_update(std::int32_t n, float* V, float* I,
                                                    std::uint8_t* mask, const NeuronParams& p,
                                                    float* vx) noexcept {
  detail::update_neurons_extended<false>(n, V, I, nullptr, mask, p, vx);
}

/// One lane's step of the engine (Network::step_state, the same operations in the same
/// order), recording v_t = max(0, u_t) of the gradient set first (vt: lane b's slot of
/// step t, stride L); returns the number of neurons fired (in `fired`, ascending). `mask`
/// holds the lane's previous spikes on entry.
GLIA_TARGET_CLONES
std::int32_t lane_step(const Model& md, float* __restrict V, float* __restrict I,
                       const float* __restrict rest, float* __restrict vt,
                       std::uint8_t* __restrict mask, std::int32_t* __restrict fired,
                       float* __restrict vx) noexcept {
  const std::int32_t L = md.L;
  // the engine's step, v = max(0, u) kept on the way (DESIGN §2a: the extended step)
  if (md.prm.extended) {
    extended_lane_update(md.N, V, I, mask, md.prm, vx);
  } else {
    detail::update_neurons<false, true>(md.N, V, I, nullptr, mask, md.thr, md.lk, rest, vx);
  }
  for (std::int32_t g = 0; g < md.G; ++g) vt[static_cast<std::int64_t>(g) * L] = vx[md.gs[g]];
  const std::int32_t nf = collect_fired(mask, md.N, fired);
  // one run of consecutive targets: (first target, length); two rows with the same pair
  // add into the same targets
  auto single = [&md](std::int32_t j, std::int32_t& i0, std::int64_t& len) {
    if (!md.run[j] || md.seg_ptr[j + 1] - md.seg_ptr[j] != 1) return false;
    i0 = md.col[md.rp[j]];
    len = md.rp[j + 1] - md.rp[j];
    return true;
  };
  for (std::int32_t p = 0; p < nf; ++p) {  // rows in ascending source order, as the engine
    const std::int32_t j = fired[p];
    const std::int64_t b0 = md.rp[j], e0 = md.rp[j + 1];
    if (b0 == e0) continue;
    const float* __restrict w = md.W + b0;
    std::int32_t i0, i1;
    std::int64_t len, len1;
    if (single(j, i0, len) && p + 1 < nf && single(fired[p + 1], i1, len1) && i1 == i0 &&
        len1 == len) {
      // a group of consecutive fired rows over the same targets: each chunk of the targets
      // is held in registers while the rows are added into it, in the same order as row by row
      std::int32_t q = p + 2;
      while (q < nf && single(fired[q], i1, len1) && i1 == i0 && len1 == len) ++q;
      detail::add_rows(I + i0, md.W, md.rp, fired, p, q, len);
      p = q - 1;
      continue;
    }
    if (md.run[j]) {  // runs of consecutive targets: plain vector adds
      for_each_run(md, j, [&](std::int64_t q0, std::int64_t q1) {
        float* __restrict x = I + md.col[q0];
        const float* __restrict y = md.W + q0;
        for (std::int64_t q = 0; q < q1 - q0; ++q) x[q] += y[q];
      });
    } else {
      const std::int32_t* __restrict c = md.col + b0;
      for (std::int64_t q = 0; q < e0 - b0; ++q) I[c[q]] += w[q];
    }
  }
  return nf;
}

/// dL/dw of one step t: for every lane b < m and every j with s_t[j] = 1 in it,
/// grad[j->i] += dL/du_{t+1}[i] of lane b (dt: lane-major, N per lane; dn: the same
/// neuron-major, lanes inner). Source by source: a row of the gradient is read and written
/// once per step for all the lanes j fired in, its additions made in ascending lane order
/// (the order of a loop over lanes, so the bits do not depend on the blocking). lm: N
/// words of scratch, all zero on entry and on return; any: `words` words of scratch.
GLIA_TARGET_CLONES
void weight_gradient(const Model& md, std::int32_t m, std::int64_t words, const std::uint64_t* bt,
                     const float* __restrict dt, const float* __restrict dn,
                     float* __restrict grad, std::uint64_t* __restrict lm,
                     std::uint64_t* __restrict any) noexcept {
  const std::int32_t L = md.L, N = md.N;
  std::fill(any, any + words, std::uint64_t{0});
  for (std::int32_t b = 0; b < m; ++b) {  // the lanes each source fired in
    const std::uint64_t* lane = bt + b * words;
    for (std::int64_t u = 0; u < words; ++u) {
      std::uint64_t x = lane[u];
      any[u] |= x;
      while (x != 0) {
        lm[u * 64 + __builtin_ctzll(x)] |= std::uint64_t{1} << b;
        x &= x - 1;
      }
    }
  }
  constexpr std::int64_t kChunk = 32;  // gradient floats held in registers at a time
  for (std::int64_t u = 0; u < words; ++u) {
    std::uint64_t x = any[u];
    while (x != 0) {
      const std::int32_t j = static_cast<std::int32_t>(u * 64 + __builtin_ctzll(x));
      x &= x - 1;
      const std::uint64_t mask = lm[j];
      lm[j] = 0;
      const std::int64_t b0 = md.rp[j], e0 = md.rp[j + 1];
      if (b0 == e0) continue;
      if (md.run[j]) {  // runs of consecutive targets: chunks of the row in registers
        // out[0..n) = g[0..n) + each lane's d[0..n) in lane order, held in registers (n a
        // constant, so the loops unroll and vectorise)
        auto sum_lanes = [&](const float* g, std::int64_t col0, auto n, float* out) {
          float acc[kChunk];
          for (std::int64_t k = 0; k < n; ++k) acc[k] = g[k];
          for (std::uint64_t mm = mask; mm != 0; mm &= mm - 1) {
            const float* __restrict d = dt + static_cast<std::int64_t>(__builtin_ctzll(mm)) * N + col0;
            for (std::int64_t k = 0; k < n; ++k) acc[k] += d[k];
          }
          for (std::int64_t k = 0; k < n; ++k) out[k] = acc[k];
        };
        // whole chunks of width w, and past them a window of w ending at the run's end,
        // summed from the row's values before the chunks and stored last (where it
        // overlaps a chunk it stores that chunk's own values: the same additions in the
        // same order), so no element is left to a loop of unknown length
        auto chunks = [&](std::int64_t q0, std::int64_t i0, std::int64_t n, auto w) {
          float z[kChunk];
          const bool window = n % w != 0;
          if (window) sum_lanes(grad + q0 + n - w, i0 + n - w, w, z);
          for (std::int64_t c = 0; c + w <= n; c += w) sum_lanes(grad + q0 + c, i0 + c, w, grad + q0 + c);
          if (window) std::copy(z, z + w, grad + q0 + n - w);
        };
        for_each_run(md, j, [&](std::int64_t q0, std::int64_t q1) {
          const std::int64_t i0 = md.col[q0], n = q1 - q0;
          if (n >= kChunk) {
            chunks(q0, i0, n, std::integral_constant<std::int64_t, kChunk>{});
          } else if (n >= 8) {
            chunks(q0, i0, n, std::integral_constant<std::int64_t, 8>{});
          } else {
            sum_lanes(grad + q0, i0, n, grad + q0);
          }
        });
      } else {  // scattered targets: each target's lanes are side by side in dn
        for (std::int64_t q = b0; q < e0; ++q) {
          const float* __restrict d = dn + static_cast<std::int64_t>(md.col[q]) * L;
          float acc = grad[q];
          for (std::uint64_t mm = mask; mm != 0; mm &= mm - 1) acc += d[__builtin_ctzll(mm)];
          grad[q] = acc;
        }
      }
    }
  }
}


/// out = |x| for one lane (a float) or eight (a Lanes8: the sign bits cleared).
__attribute__((always_inline)) inline void absolute(float& out, float x) noexcept { out = std::fabs(x); }
__attribute__((always_inline)) inline void absolute(Lanes8& out, const Lanes8& x) noexcept {
  out = reinterpret_cast<Lanes8>(reinterpret_cast<Ints8>(x) & 0x7fffffff);
}

/// dL/du_t of one lane (F = float) or eight (F = Lanes8), the one formula both loops of
/// finish_signal use: x = v_t, ds = dL/ds_t, self = dL/du_{t+1}, th the threshold. V_t = v_t
/// carries self back (times the leak) unless a reset to resting cut it (detached; the
/// subtractions of DESIGN §2a keep it: dV/dv = 1); under the floor dv/du = [u > 0]
/// (+ beta [u <= 0]), without it 1.
template <class F>
__attribute__((always_inline)) inline void lane_signal(F& dv, const F& x, const F& ds, const F& self,
                                                       const F& th, bool later, bool to_rest,
                                                       bool floor, float lk, float k,
                                                       float beta) noexcept {
  const F zero = F{};
  F a;
  absolute(a, x - th);
  const F d = 1.0f + k * a;
  dv = ds / (d * d);
  if (later) {
    const F carried = dv + lk * self;
    if (to_rest) {
      blend(dv, x > th, dv, carried);
    } else {
      dv = carried;
    }
  }
  if (floor) blend(dv, x > zero, dv, beta * dv);  // beta = 0: exactly 0 (dv is finite)
}

/// The rest of a neuron's signal from dL/ds_t[j] (ds) into out (dL/du_t, lane_signal per
/// lane, eight at a time where the lanes allow); returns whether any lane is nonzero.
/// self: dL/du_{t+1}.
__attribute__((always_inline)) inline int finish_signal(const Model& md, std::int32_t j, bool later,
                                                        std::int32_t L, const float* __restrict v,
                                                        const float* __restrict ds,
                                                        const float* __restrict self,
                                                        float* __restrict out) noexcept {
  const float th = md.thr[j], lk = md.lk[j], k = md.k;
  const std::uint8_t fl = md.prm.extended ? md.prm.flags[j] : 0;
  const bool to_rest = (fl >> kResetShift) == static_cast<int>(ResetMode::kResting);
  const bool floor = (fl & kNoFloor) == 0;
  int nz = 0;
  std::int32_t b = 0;
  if (L % 8 == 0) {
    const Lanes8 thv = {th, th, th, th, th, th, th, th}, zero = {};
    Ints8 any = {};
    for (; b < L; b += 8) {
      Lanes8 dv;
      lane_signal(dv, loadv<Lanes8>(v + b), loadv<Lanes8>(ds + b), loadv<Lanes8>(self + b), thv,
                  later, to_rest, floor, lk, k, md.beta);
      storev(out + b, dv);
      any |= dv != zero;
    }
    for (int c = 0; c < 8; ++c) nz |= any[c] != 0;
  }
  for (; b < L; ++b) {
    lane_signal(out[b], v[b], ds[b], self[b], th, later, to_rest, floor, lk, k, md.beta);
    nz |= out[b] != 0.0f;
  }
  return nz;
}

/// dL/du_t of the gradient set from dL/du_{t+1} (dn, N x L) into dc, and the rows' nonzero
/// flags; vt: v_t of the gradient set (G x L); ell: dL/dr per output (outputs x L). kL: the
/// lane count when known at compile time (a multiple of 8: the signal into a spike then
/// stays in registers while the edges stream past), 0 for md.L.
template <int kL>
__attribute__((always_inline)) inline void signal_step_t(
    const Model& md, bool later, float wgt, const float* __restrict vt, const float* __restrict ell,
    const float* __restrict dn, const std::uint8_t* __restrict nzn, float* __restrict dc,
    std::uint8_t* __restrict nzc, const float* __restrict un, float* __restrict uc) noexcept {
  const std::int32_t L = kL > 0 ? kL : md.L;
  // vectors of sixteen lanes where the block has them, else eight
  using Vec = std::conditional_t<(kL >= 16), Lanes16, Lanes8>;
  constexpr int kW = kL >= 16 ? 16 : 8;
  constexpr int kV = kL > 0 ? kL / kW : 1;
  alignas(32) float ds[kL > 0 ? kL : 64];
  for (std::int32_t g = 0; g < md.G; ++g) {
    const std::int32_t j = md.gs[g];
    const float* v = vt + static_cast<std::int64_t>(g) * L;
    float* out = dc + static_cast<std::int64_t>(j) * L;
    int any = md.beta != 0.0f;
    if (md.prm.extended)  // no floor: dv/du = 1; a kept current: dL/dc_t = alpha dL/dc_{t+1} + ...
      any |= (md.prm.flags[j] & kNoFloor) != 0 || md.prm.alpha[j] != 0.0f;
    for (std::int32_t b = 0; b < L; ++b) any |= v[b] > 0.0f;
    if (!any) {  // dv/du = [u > 0] is zero in every lane
      if (nzc[j]) std::fill(out, out + L, 0.0f);
      if (md.syn) std::fill(uc + static_cast<std::int64_t>(j) * L, uc + static_cast<std::int64_t>(j + 1) * L, 0.0f);
      nzc[j] = 0;
      continue;
    }
    // dL/ds_t[j]: the loss, then every edge j->i, one weight read for all lanes, in two
    // partial sums (the row's even and odd edges) added at the end: two independent
    // chains of additions per lane
    const float* e = md.opos[j] >= 0 ? ell + static_cast<std::int64_t>(md.opos[j]) * L : nullptr;
    const std::int64_t q0 = md.rp[j], q1 = later ? md.rp[j + 1] : q0;
    if constexpr (kL > 0) {
      Vec even[kV], odd[kV];
      for (int c = 0; c < kV; ++c) {
        even[c] = e != nullptr ? wgt * loadv<Vec>(e + kW * c) : Vec{};
        odd[c] = Vec{};
      }
      std::int64_t q = q0;
      for (; q + 1 < q1; q += 2) {
        const std::int32_t i0 = md.col[q], i1 = md.col[q + 1];
        const float w0 = md.W[q], w1 = md.W[q + 1];  // a zero row adds zeros
        const float* d0 = dn + static_cast<std::int64_t>(i0) * kL;
        const float* d1 = dn + static_cast<std::int64_t>(i1) * kL;
        for (int c = 0; c < kV; ++c) even[c] += w0 * loadv<Vec>(d0 + kW * c);
        for (int c = 0; c < kV; ++c) odd[c] += w1 * loadv<Vec>(d1 + kW * c);
      }
      if (q < q1) {
        const std::int32_t i0 = md.col[q];
        const float w0 = md.W[q];
        const float* d0 = dn + static_cast<std::int64_t>(i0) * kL;
        for (int c = 0; c < kV; ++c) even[c] += w0 * loadv<Vec>(d0 + kW * c);
      }
      for (int c = 0; c < kV; ++c) storev<Vec>(ds + kW * c, even[c] + odd[c]);
    } else {
      float odd[64];
      for (std::int32_t b = 0; b < L; ++b) {
        ds[b] = e != nullptr ? wgt * e[b] : 0.0f;
        odd[b] = 0.0f;
      }
      std::int64_t q = q0;
      for (; q + 1 < q1; q += 2) {
        const std::int32_t i0 = md.col[q], i1 = md.col[q + 1];
        const float w0 = nzn[i0] ? md.W[q] : 0.0f, w1 = nzn[i1] ? md.W[q + 1] : 0.0f;
        const float* d0 = dn + static_cast<std::int64_t>(i0) * L;
        const float* d1 = dn + static_cast<std::int64_t>(i1) * L;
        for (std::int32_t b = 0; b < L; ++b) ds[b] += w0 * d0[b];
        for (std::int32_t b = 0; b < L; ++b) odd[b] += w1 * d1[b];
      }
      if (q < q1) {
        const std::int32_t i0 = md.col[q];
        const float w0 = nzn[i0] ? md.W[q] : 0.0f;
        const float* d0 = dn + static_cast<std::int64_t>(i0) * L;
        for (std::int32_t b = 0; b < L; ++b) ds[b] += w0 * d0[b];
      }
      for (std::int32_t b = 0; b < L; ++b) ds[b] += odd[b];
    }
    if (!md.syn) {
      nzc[j] = static_cast<std::uint8_t>(
          finish_signal(md, j, later, L, v, ds, dn + static_cast<std::int64_t>(j) * L, out));
      continue;
    }
    // a kept synaptic current: dL/du_t into uc, then dL/dc_t = dL/du_t + alpha dL/dc_{t+1}
    float* ou = uc + static_cast<std::int64_t>(j) * L;
    finish_signal(md, j, later, L, v, ds, un + static_cast<std::int64_t>(j) * L, ou);
    const float a = md.prm.alpha[j];
    const float* cn = dn + static_cast<std::int64_t>(j) * L;
    int nz = 0;
    for (std::int32_t b = 0; b < L; ++b) {
      out[b] = ou[b] + a * cn[b];
      nz |= out[b] != 0.0f;
    }
    nzc[j] = static_cast<std::uint8_t>(nz);
  }
}

GLIA_TARGET_CLONES
void signal_step(const Model& md, bool later, float wgt, const float* vt, const float* ell,
                 const float* dn, const std::uint8_t* nzn, float* dc, std::uint8_t* nzc,
                 const float* un, float* uc) noexcept {
  switch (md.L) {
    case 8: signal_step_t<8>(md, later, wgt, vt, ell, dn, nzn, dc, nzc, un, uc); break;
    case 16: signal_step_t<16>(md, later, wgt, vt, ell, dn, nzn, dc, nzc, un, uc); break;
    case 32: signal_step_t<32>(md, later, wgt, vt, ell, dn, nzn, dc, nzc, un, uc); break;
    case 64: signal_step_t<64>(md, later, wgt, vt, ell, dn, nzn, dc, nzc, un, uc); break;
    default: signal_step_t<0>(md, later, wgt, vt, ell, dn, nzn, dc, nzc, un, uc); break;
  }
}

#pragma GCC diagnostic pop

}  // namespace

std::int32_t SurrogateTrainer::block_lanes(std::int64_t n, std::int64_t T, std::int64_t G,
                                           std::int32_t N) noexcept {
  std::int64_t lanes = 8;  // a power of two: the kernels have these lane counts built in
  while (lanes < 64 && 4 * lanes < n) lanes *= 2;
  const std::int64_t per_lane = std::max<std::int64_t>(1, T) * (4 * G + 8 * words_of(N));
  const std::int64_t fit = std::max<std::int64_t>(1, kBlockBytes / per_lane);
  while (lanes > fit && lanes > 1) lanes /= 2;
  return static_cast<std::int32_t>(lanes);
}

void SurrogateTrainer::run_block(const Batch& bt, const Block& blk, Work& w, float* grad_row) {
  const TrainConfig& c = cfg_;
  const std::int32_t N = net_.size();
  const std::int32_t L = lanes_;
  const std::int32_t m = blk.m;
  const std::int64_t T = blk.T;
  const std::int32_t G = static_cast<std::int32_t>(grad_set_.size());
  const std::int32_t no = static_cast<std::int32_t>(outputs_.size());
  const std::int64_t words = words_of(N);
  const auto uN = static_cast<std::size_t>(N);
  const float* lk = net_.leak().data();
  const float* thr = net_.threshold().data();
  const float* rest = net_.resting().data();
  const std::int64_t* rp = net_.row_ptr().data();
  const std::int32_t* col = net_.col().data();
  const float* W = net_.weight().data();
  const std::int32_t* gs = grad_set_.data();

  const NeuronParams prm = net_.params();
  bool syn = false;
  if (prm.extended)
    for (std::int32_t i = 0; i < N; ++i) syn |= prm.alpha[i] != 0.0f;
  const Model md{N, G, L, lk, thr, W, rp, col, gs, out_pos_.data(), run_.data(), seg_ptr_.data(),
                 seg_.data(), c.grad.surrogate_slope, c.grad.floor_gradient, prm, gpos_.data(), syn};

  // ---- forward: each lane the engine's step from the reset state
  w.V.resize(static_cast<std::size_t>(L) * uN);
  w.I.resize(static_cast<std::size_t>(L) * uN);
  w.mask.assign(static_cast<std::size_t>(L) * uN, 0);  // no spikes before the first step
  w.fired.resize(uN);
  w.vx.resize(uN);
  w.vs.resize(static_cast<std::size_t>(T * G * L));
  if (m < L) std::fill(w.vs.begin(), w.vs.end(), 0.0f);  // idle lanes: u <= 0, no signal
  w.bits.assign(static_cast<std::size_t>(T * L * words), 0);
  w.cursor.assign(static_cast<std::size_t>(L), 0);
  w.period.resize(static_cast<std::size_t>(L));
  w.wt.resize(static_cast<std::size_t>(T));
  std::vector<OutputDetector> det;
  det.reserve(static_cast<std::size_t>(m));
  const Episode* eps[64];
  std::int64_t shift[64], pos[64];
  for (std::int32_t b = 0; b < m; ++b) {
    const std::int64_t k = border_[static_cast<std::size_t>(blk.first + b)];
    pos[b] = k;
    eps[b] = &bt.episode(k);
    shift[b] = shift_[static_cast<std::size_t>(k)];
    w.period[static_cast<std::size_t>(b)] = eps[b]->period();
    EpisodeMetrics& mk = bt.metrics[k];
    mk.rates.resize(static_cast<std::size_t>(no));
    det.emplace_back(c, T, outputs_.data(), no, mk.rates.data());
    std::copy(rest, rest + N, w.V.data() + b * uN);
    std::fill(w.I.data() + b * uN, w.I.data() + (b + 1) * uN, 0.0f);
    std::fill(end_rate_.data() + k * N, end_rate_.data() + (k + 1) * N, 0.0f);
  }
  for (std::int64_t t = 0; t < T; ++t) w.wt[static_cast<std::size_t>(t)] = det[0].weight(t);
  std::int32_t* fired = w.fired.data();
  for (std::int64_t t = 0; t < T; ++t) {
    const float wgt = w.wt[static_cast<std::size_t>(t)];
    float* vst = w.vs.data() + t * G * L;
    for (std::int32_t b = 0; b < m; ++b) {
      float* V = w.V.data() + b * uN;
      float* I = w.I.data() + b * uN;
      inject_tick(*eps[b], t, shift[b], w.period[static_cast<std::size_t>(b)], I,
                  w.cursor[static_cast<std::size_t>(b)]);
      std::uint8_t* mask = w.mask.data() + b * uN;
      const std::int32_t nf = lane_step(md, V, I, rest, vst + b, mask, fired, w.vx.data());
      det[static_cast<std::size_t>(b)].update(t, mask);
      std::uint64_t* bits = w.bits.data() + (t * L + b) * words;
      float* rho = end_rate_.data() + pos[b] * N;
      for (std::int32_t p = 0; p < nf; ++p) {
        const std::int32_t j = fired[p];
        bits[j >> 6] |= std::uint64_t{1} << (j & 63);
        rho[j] += wgt;
      }
    }
  }
  // metrics, loss and dL/dr per lane
  const float temp = c.grad.temperature;
  w.ell.assign(static_cast<std::size_t>(no) * static_cast<std::size_t>(L), 0.0f);
  w.probs.resize(static_cast<std::size_t>(no));
  for (std::int32_t b = 0; b < m; ++b) {
    const std::int64_t k = pos[b];
    EpisodeMetrics& mk = bt.metrics[k];
    det[static_cast<std::size_t>(b)].finish();
    detect_winner(mk.rates.data(), no, c.detector, mk.winner, mk.margin);
    mk.ticks_run = T;
    const std::int32_t target = eps[b]->target;
    losses_[static_cast<std::size_t>(k)] = softmax_xent(mk.rates.data(), no, target, temp, w.probs.data());
    for (std::int32_t o = 0; o < no; ++o)
      w.ell[static_cast<std::size_t>(o * L + b)] = (w.probs[static_cast<std::size_t>(o)] - (o == target ? 1.0f : 0.0f)) / temp;
  }

  // ---- backward: dn = dL/du_{t+1}, dc = dL/du_t, neuron-major with the lanes inner
  w.dn.assign(uN * static_cast<std::size_t>(L), 0.0f);
  w.dc.assign(uN * static_cast<std::size_t>(L), 0.0f);
  w.dt.assign(uN * static_cast<std::size_t>(L), 0.0f);
  w.nzn.assign(uN, 0);
  w.nzc.assign(uN, 0);
  w.lm.assign(uN, 0);
  w.any.resize(static_cast<std::size_t>(words));
  w.un.assign(syn ? uN * static_cast<std::size_t>(L) : 0, 0.0f);
  w.uc.assign(syn ? uN * static_cast<std::size_t>(L) : 0, 0.0f);
  float* un = w.un.data();
  float* uc = w.uc.data();
  float* dn = w.dn.data();
  float* dc = w.dc.data();
  std::uint8_t* nzn = w.nzn.data();
  std::uint8_t* nzc = w.nzc.data();
  float* dt = w.dt.data();
  bool any_next = false;
  for (std::int64_t t = T - 1; t >= 0; --t) {
    const bool later = t + 1 < T;  // dL/du_{t+1} is not all zero
    if (later && any_next) {  // dL/dw(j->i) += s_t[j] dL/du_{t+1}[i]: spikes x fan-out
      for (std::int32_t g = 0; g < G; ++g) {
        const std::int32_t i = gs[g];
        const float* d = dn + static_cast<std::int64_t>(i) * L;
        for (std::int32_t b = 0; b < L; ++b) dt[static_cast<std::int64_t>(b) * N + i] = d[b];
      }
      weight_gradient(md, m, words, w.bits.data() + t * L * words, dt, dn, grad_row, w.lm.data(),
                      w.any.data());
    }
    signal_step(md, later, w.wt[static_cast<std::size_t>(t)], w.vs.data() + t * G * L, w.ell.data(),
                dn, nzn, dc, nzc, un, uc);
    std::swap(dn, dc);
    std::swap(nzn, nzc);
    std::swap(un, uc);
    any_next = false;
    for (std::int32_t g = 0; g < G; ++g) any_next |= nzn[gs[g]] != 0;
  }
}

double SurrogateTrainer::accumulate(const Batch& b) {
  const std::int64_t n = b.n;
  ensure_backprop_plan();
  compute_weight_scale();
  team_ = 1;
  const std::int32_t N = net_.size();
  const std::int64_t E = net_.num_edges();
  // the neurons whose dL/du is needed: outputs and the neurons that reach one, with
  // inbound edges (dL/du of a neuron without any reaches no weight)
  {
    std::vector<std::uint8_t> has_in(static_cast<std::size_t>(N), 0);
    for (std::int32_t d : net_.col()) has_in[static_cast<std::size_t>(d)] = 1;
    out_pos_.assign(static_cast<std::size_t>(N), -1);
    for (std::size_t o = 0; o < outputs_.size(); ++o)
      out_pos_[static_cast<std::size_t>(outputs_[o])] = static_cast<std::int32_t>(o);
    grad_set_.clear();
    for (std::int32_t o : outputs_) grad_set_.push_back(o);
    for (std::int32_t j : plan_node_) grad_set_.push_back(j);
    grad_set_.erase(std::remove_if(grad_set_.begin(), grad_set_.end(),
                                   [&](std::int32_t j) { return !has_in[static_cast<std::size_t>(j)]; }),
                    grad_set_.end());
    std::sort(grad_set_.begin(), grad_set_.end());
    grad_set_.erase(std::unique(grad_set_.begin(), grad_set_.end()), grad_set_.end());
    gpos_.assign(static_cast<std::size_t>(N), -1);
    for (std::size_t g = 0; g < grad_set_.size(); ++g)
      gpos_[static_cast<std::size_t>(grad_set_[g])] = static_cast<std::int32_t>(g);
    const std::int64_t* rp = net_.row_ptr().data();
    const std::int32_t* col = net_.col().data();
    // rows as runs of consecutive targets where the runs average 4 edges or more
    run_.assign(static_cast<std::size_t>(N), 0);
    seg_ptr_.assign(static_cast<std::size_t>(N) + 1, 0);
    seg_.clear();
    for (std::int32_t j = 0; j < N; ++j) {
      const std::int64_t s = rp[j], e = rp[j + 1];
      const auto first = static_cast<std::int64_t>(seg_.size());
      for (std::int64_t q = s; q < e; ++q)
        if (q == s || col[q] != col[q - 1] + 1) seg_.push_back(q);
      const auto runs = static_cast<std::int64_t>(seg_.size()) - first;
      if (runs > 0 && 4 * runs <= e - s) {
        run_[static_cast<std::size_t>(j)] = 1;
      } else {
        seg_.resize(static_cast<std::size_t>(first));
      }
      seg_ptr_[static_cast<std::size_t>(j) + 1] = static_cast<std::int64_t>(seg_.size());
    }
  }
  // blocks: the batch positions sorted by step count, cut into runs of equal T
  steps_.resize(static_cast<std::size_t>(n));
  std::int64_t T_max = 1;
  for (std::int64_t k = 0; k < n; ++k) {
    steps_[static_cast<std::size_t>(k)] = episode_steps(cfg_, b.episode(k));
    T_max = std::max(T_max, steps_[static_cast<std::size_t>(k)]);
  }
  border_.resize(static_cast<std::size_t>(n));
  std::iota(border_.begin(), border_.end(), std::int64_t{0});
  std::stable_sort(border_.begin(), border_.end(), [this](std::int64_t x, std::int64_t y) {
    return steps_[static_cast<std::size_t>(x)] < steps_[static_cast<std::size_t>(y)];
  });
  lanes_ = block_lanes(n, T_max, static_cast<std::int64_t>(grad_set_.size()), N);
  blocks_.clear();
  for (std::int64_t s = 0; s < n;) {
    const std::int64_t T = steps_[static_cast<std::size_t>(border_[static_cast<std::size_t>(s)])];
    std::int64_t e = s;
    while (e < n && e - s < lanes_ && steps_[static_cast<std::size_t>(border_[static_cast<std::size_t>(e)])] == T) ++e;
    blocks_.push_back(Block{s, static_cast<std::int32_t>(e - s), T});
    s = e;
  }
  const auto nb = static_cast<std::int64_t>(blocks_.size());
  const int nt = threads_for(b.n_threads, nb);
  if (work_.size() < static_cast<std::size_t>(nt)) work_.resize(static_cast<std::size_t>(nt));
  const std::int64_t wave = std::min<std::int64_t>(
      nb, std::max<std::int64_t>(nt, kRowBudget / std::max<std::int64_t>(E, 1)));
  // the first block writes its gradient straight into grad_ (0 + x == x), the others into
  // rows_, added in block order after their wave
  rows_.resize(static_cast<std::size_t>((nb <= wave ? wave - 1 : wave) * E));
  end_rate_.resize(static_cast<std::size_t>(n * N));
  losses_.assign(static_cast<std::size_t>(n), 0.0f);
  grad_.assign(static_cast<std::size_t>(E), 0.0f);
  auto row_of = [&](std::int64_t k, std::int64_t k0) {
    return k == 0 ? grad_.data() : rows_.data() + (k - k0 - (k0 == 0 ? 1 : 0)) * E;
  };
  for (std::int64_t k0 = 0; k0 < nb; k0 += wave) {
    const std::int64_t cnt = std::min(wave, nb - k0);
    detail::for_each_item(cnt, nt, b.poller, "training", [&](std::int64_t r, int tid) {
      const std::int64_t k = k0 + r;
      float* row = row_of(k, k0);
      if (k > 0) std::fill(row, row + E, 0.0f);
      run_block(b, blocks_[static_cast<std::size_t>(k)], work_[static_cast<std::size_t>(tid)], row);
    });
    for (std::int64_t k = std::max<std::int64_t>(k0, 1); k < k0 + cnt; ++k)  // in block order
      add_run(grad_.data(), row_of(k, k0), E);
  }
  double loss_sum = 0.0;
  for (std::int64_t k = 0; k < n; ++k) loss_sum += losses_[static_cast<std::size_t>(k)];
  return loss_sum;
}

double SurrogateTrainer::run_batch(const Batch& b) {
  const double loss_sum = accumulate(b);
  const std::int64_t n = b.n;
  // the optimizer steps on w / scale: dL/d(w / scale_i) = scale_i dL/dw (scale_ as of
  // the batch start: accumulate)
  const std::int64_t E = net_.num_edges();
  const std::int32_t* col = net_.col().data();
  for (std::int64_t q = 0; q < E; ++q) grad_[static_cast<std::size_t>(q)] *= scale_[static_cast<std::size_t>(col[q])];
  optimizer_step(grad_, n);
  end_batch(end_rate_, n, false);
  return loss_sum;
}

std::vector<float> SurrogateTrainer::gradients(const std::vector<Episode>& episodes, int n_threads,
                                               Hook hook, void* ctx) {
  BusyGuard guard(busy_);
  prepare(episodes, true);
  const std::int64_t n = static_cast<std::int64_t>(episodes.size());
  const std::int64_t E = net_.num_edges();
  if (n == 0) return std::vector<float>(static_cast<std::size_t>(E), 0.0f);
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), std::int64_t{0});
  shift_.assign(static_cast<std::size_t>(n), 0);
  std::vector<EpisodeMetrics> metrics(static_cast<std::size_t>(n));
  Poller poller(hook, ctx);
  accumulate(Batch{episodes, order.data(), n, n_threads, &poller, metrics.data()});
  std::vector<float> out(grad_);
  const float inv = 1.0f / static_cast<float>(n);
  for (float& g : out) g *= inv;
  return out;
}

std::size_t SurrogateTrainer::scratch_bytes() const noexcept {
  std::size_t b = 0;
  auto f = [&b](const auto& v) { b += v.capacity() * sizeof(v[0]); };
  for (const Work& w : work_) {
    f(w.V), f(w.I), f(w.mask), f(w.fired), f(w.vx), f(w.vs), f(w.bits), f(w.dn), f(w.dc), f(w.nzn), f(w.nzc);
    f(w.un), f(w.uc), f(w.lm), f(w.any);
    f(w.dt), f(w.ell), f(w.wt), f(w.probs), f(w.cursor), f(w.period);
  }
  f(grad_set_), f(gpos_), f(out_pos_), f(run_), f(seg_ptr_), f(seg_), f(steps_), f(border_), f(blocks_), f(rows_), f(grad_), f(end_rate_), f(losses_);
  return b;
}

}  // namespace glia
