// The trainers' shared learning step: the weight scale, the backward plan and carry-back,
// the optimizers (SGD with momentum, Adam, AdamW; weight decay, norm clipping), weight clipping.
#include "glia/trainer.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "glia/config_fields.hpp"
#include "glia/error.hpp"
#include "glia/random.hpp"
#include "simd.hpp"

namespace glia {

namespace {

/// SGD with momentum over every edge q (target col[q]), on u = w / sc[target]:
/// x = dL/du / n (clipped) + wd u, v = mu v + x, w -= sc lr v. Edge by edge, each edge's
/// own operations only, so the loop vectorises and every instruction set gives the same bits.
GLIA_TARGET_CLONES
void sgd_edges(std::int64_t E, const std::int32_t* __restrict col, const float* __restrict sc,
               const float* __restrict grad, float* __restrict W, float* __restrict m1,
               float inv_n, float clip_scale, float lr, float wd, float mu) noexcept {
  for (std::int64_t q = 0; q < E; ++q) {
    const float s = sc[col[q]];
    float x = grad[q] * inv_n * clip_scale;
    if (wd > 0.0f) x += wd * (W[q] / s);  // L2 in the gradient (coupled)
    m1[q] = mu * m1[q] + x;
    W[q] -= s * lr * m1[q];
  }
}

/// One Adam step's constants (bias1, bias2: the bias corrections, 1 where they underflow).
struct AdamStep {
  float inv_n, clip_scale, lr, wd, b1, b2;
  double eps, bias1, bias2;
};

/// Adam (kDecoupled: AdamW) over every edge q, on u = w / sc[target], steps in units of
/// us[target]; the moments in float, the bias-corrected ratio in double. Edge by edge, as
/// sgd_edges.
template <bool kDecoupled>
GLIA_TARGET_CLONES
void adam_edges(std::int64_t E, const std::int32_t* __restrict col, const float* __restrict sc,
                const float* __restrict us, const float* __restrict grad, float* __restrict W,
                float* __restrict m1, float* __restrict m2, const AdamStep a) noexcept {
  for (std::int64_t q = 0; q < E; ++q) {
    const std::int32_t k = col[q];
    float x = grad[q] * a.inv_n * a.clip_scale;
    float w = W[q];
    if (a.wd > 0.0f) {
      if (kDecoupled) w -= a.lr * a.wd * w;
      else x += a.wd * (w / sc[k]);
    }
    const float m = a.b1 * m1[q] + (1.0f - a.b1) * x;
    const float v = a.b2 * m2[q] + (1.0f - a.b2) * (x * x);
    m1[q] = m;
    m2[q] = v;
    const double mhat = static_cast<double>(m) / a.bias1;
    const double vhat = static_cast<double>(v) / a.bias2;
    W[q] = w - us[k] * a.lr * static_cast<float>(mhat / (std::sqrt(vhat) + a.eps));
  }
}

}  // namespace

void Trainer::compute_weight_scale() {
  const std::int32_t N = net_.size();
  scale_.resize(static_cast<std::size_t>(N));
  const float* thr = net_.threshold().data();
  for (std::int32_t i = 0; i < N; ++i) {
    const float a = std::fabs(thr[i]);
    scale_[static_cast<std::size_t>(i)] = (a > 0.0f && std::isfinite(a)) ? a : 1.0f;
  }
}

void Trainer::optimizer_step(const std::vector<float>& grad, std::int64_t n) {
  const std::int64_t E = net_.num_edges();
  const std::int32_t N = net_.size();
  const std::int32_t* col = net_.col().data();
  const float* sc = scale_.data();
  const float inv_n = 1.0f / static_cast<float>(n);
  const GradConfig& g = cfg_.grad;
  float clip_scale = 1.0f;
  if (g.clip_grad_norm > 0.0f) {
    double ss = 0.0;
    for (std::int64_t q = 0; q < E; ++q) {
      const double x = static_cast<double>(grad[static_cast<std::size_t>(q)] * inv_n);
      ss += x * x;
    }
    const double norm = std::sqrt(std::max(1e-30, ss));
    if (norm > static_cast<double>(g.clip_grad_norm))
      clip_scale = static_cast<float>(static_cast<double>(g.clip_grad_norm) / norm);
  }
  float* W = net_.weight_data();
  const float lr = effective_lr(cfg_) * lr_scale_;
  const float wd = cfg_.weight_decay;
  // the step is taken on u = w / scale[target]: w -= scale * lr * step(dL/du)
  if (g.optimizer == Optimizer::kSgd) {
    sgd_edges(E, col, sc, grad.data(), W, m1_.data(), inv_n, clip_scale, lr, wd, g.momentum);
  } else {
    // the unit of each target's steps: |threshold| (sc) or its inbound weights' RMS
    std::vector<float> unit;
    const float* us = sc;
    if (g.adam_unit == AdamUnit::kWeights) {
      std::vector<double> ss(static_cast<std::size_t>(N), 0.0);
      std::vector<std::int64_t> cnt(static_cast<std::size_t>(N), 0);
      for (std::int64_t q = 0; q < E; ++q) {
        const auto k = static_cast<std::size_t>(col[q]);
        ss[k] += static_cast<double>(W[q]) * static_cast<double>(W[q]);
        ++cnt[k];
      }
      unit.resize(static_cast<std::size_t>(N));
      for (std::int32_t i = 0; i < N; ++i) {
        const auto k = static_cast<std::size_t>(i);
        const double rms = cnt[k] > 0 ? std::sqrt(ss[k] / static_cast<double>(cnt[k])) : 0.0;
        // never below 1e-6 |threshold|: a neuron whose weights all reached 0 still moves
        unit[k] = static_cast<float>(std::max(rms, 1e-6 * static_cast<double>(sc[k])));
      }
      us = unit.data();
    }
    ++opt_step_;
    const float b1 = g.adam_beta1, b2 = g.adam_beta2;
    const double bias1 = 1.0 - std::pow(static_cast<double>(b1), static_cast<double>(opt_step_));
    const double bias2 = 1.0 - std::pow(static_cast<double>(b2), static_cast<double>(opt_step_));
    const AdamStep a{inv_n, clip_scale, lr, wd, b1, b2, static_cast<double>(g.adam_eps),
                     bias1 > 1e-20 ? bias1 : 1.0, bias2 > 1e-20 ? bias2 : 1.0};
    if (g.optimizer == Optimizer::kAdamW) {
      adam_edges<true>(E, col, sc, us, grad.data(), W, m1_.data(), m2_.data(), a);
    } else {
      adam_edges<false>(E, col, sc, us, grad.data(), W, m1_.data(), m2_.data(), a);
    }
  }
  clip_weights();
}

void Trainer::ensure_backprop_plan() {
  if (plan_valid_ && !structure_changed_) return;
  const std::int32_t N = net_.size();
  const std::int64_t E = net_.num_edges();
  const auto& rp = net_.row_ptr();
  const auto& col = net_.col();
  // inbound lists (CSC), sources ascending
  std::vector<std::int64_t> in_ptr(static_cast<std::size_t>(N) + 1, 0);
  for (std::int64_t q = 0; q < E; ++q) ++in_ptr[static_cast<std::size_t>(col[static_cast<std::size_t>(q)]) + 1];
  for (std::int32_t i = 0; i < N; ++i) in_ptr[static_cast<std::size_t>(i) + 1] += in_ptr[static_cast<std::size_t>(i)];
  std::vector<std::int32_t> in_src(static_cast<std::size_t>(E));
  {
    std::vector<std::int64_t> fill(in_ptr.begin(), in_ptr.end() - 1);
    for (std::int32_t i = 0; i < N; ++i)
      for (std::int64_t q = rp[static_cast<std::size_t>(i)]; q < rp[static_cast<std::size_t>(i) + 1]; ++q)
        in_src[static_cast<std::size_t>(fill[static_cast<std::size_t>(col[static_cast<std::size_t>(q)])]++)] = i;
  }
  // breadth-first distance from the outputs along inbound edges
  std::vector<std::int32_t> dist(static_cast<std::size_t>(N), -1);
  std::vector<std::int32_t> queue;
  queue.reserve(static_cast<std::size_t>(N));
  for (std::int32_t o : outputs_) {
    if (dist[static_cast<std::size_t>(o)] >= 0) continue;
    dist[static_cast<std::size_t>(o)] = 0;
    queue.push_back(o);
  }
  for (std::size_t h = 0; h < queue.size(); ++h) {
    const std::int32_t u = queue[h];
    for (std::int64_t q = in_ptr[static_cast<std::size_t>(u)]; q < in_ptr[static_cast<std::size_t>(u) + 1]; ++q) {
      const std::int32_t p = in_src[static_cast<std::size_t>(q)];
      if (dist[static_cast<std::size_t>(p)] >= 0) continue;
      dist[static_cast<std::size_t>(p)] = dist[static_cast<std::size_t>(u)] + 1;
      queue.push_back(p);
    }
  }
  // BFS order is by increasing distance; a neuron reads only nearer neurons
  plan_node_.clear();
  plan_ptr_.assign(1, 0);
  plan_edge_.clear();
  for (std::int32_t j : queue) {
    const std::int32_t dj = dist[static_cast<std::size_t>(j)];
    if (dj == 0) continue;
    plan_node_.push_back(j);
    for (std::int64_t q = rp[static_cast<std::size_t>(j)]; q < rp[static_cast<std::size_t>(j) + 1]; ++q) {
      const std::int32_t dk = dist[static_cast<std::size_t>(col[static_cast<std::size_t>(q)])];
      if (dk >= 0 && dk < dj) plan_edge_.push_back(q);
    }
    plan_ptr_.push_back(static_cast<std::int64_t>(plan_edge_.size()));
  }
  structure_changed_ = false;
  plan_valid_ = true;
}

void Trainer::carry_back(float* sig, const float* pre, const float* post) const noexcept {
  const std::int32_t* col = net_.col().data();
  const float* W = net_.weight().data();
  const float* sc = scale_.data();
  const std::int64_t n_plan = static_cast<std::int64_t>(plan_node_.size());
  for (std::int64_t s = 0; s < n_plan; ++s) {
    const std::int32_t j = plan_node_[static_cast<std::size_t>(s)];
    float g = 0.0f;
    for (std::int64_t p = plan_ptr_[static_cast<std::size_t>(s)]; p < plan_ptr_[static_cast<std::size_t>(s) + 1]; ++p) {
      const std::int64_t q = plan_edge_[static_cast<std::size_t>(p)];
      const std::int32_t k = col[q];
      const float x = (W[q] / sc[k]) * sig[k];
      g += pre != nullptr ? x * pre[k] : x;
    }
    sig[j] = post != nullptr ? g * post[j] : g;
  }
}

void Trainer::clip_weights() noexcept {
  const float c = cfg_.weight_clip;
  if (!(c > 0.0f)) return;
  float* W = net_.weight_data();
  const std::int64_t E = net_.num_edges();
  for (std::int64_t q = 0; q < E; ++q) W[q] = W[q] > c ? c : (W[q] < -c ? -c : W[q]);
}

}  // namespace glia
