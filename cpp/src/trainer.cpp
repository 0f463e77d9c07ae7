#include "glia/trainer.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "glia/config_fields.hpp"
#include "glia/error.hpp"
#include "glia/random.hpp"
#include "parallel_items.hpp"

namespace glia {

namespace {

// Purposes of the random streams: stream_key(seed, epoch, index, purpose).
constexpr std::uint64_t kPurposeShuffle = 1;
constexpr std::uint64_t kPurposeTiming = 2;
constexpr std::uint64_t kPurposeGrow = 3;
constexpr std::uint64_t kPurposeJitter = 4;

}  // namespace

// ------------------------------------------------------------------------------------------
// Trainer (shared)

Trainer::BusyGuard::BusyGuard(std::atomic<bool>& f) : flag(f) {
  bool expected = false;
  if (!flag.compare_exchange_strong(expected, true))
    throw BusyError("trainer is already in use by another thread");
}

Trainer::Trainer(Network& net, const TrainConfig& cfg) : net_(net), cfg_(cfg) {
  validate_config(cfg_);
  outputs_ = default_outputs(net_);
  known_rp_ = net_.row_ptr();
  known_col_ = net_.col();
  prune_count_.assign(static_cast<std::size_t>(net_.num_edges()), 0);
  rate_.assign(static_cast<std::size_t>(net_.size()), 0.0f);
  inactive_count_.assign(static_cast<std::size_t>(net_.size()), 0);
  m1_.assign(static_cast<std::size_t>(net_.num_edges()), 0.0f);
  m2_.assign(static_cast<std::size_t>(net_.num_edges()), 0.0f);
  edge_arrays_.push_back(&m1_);
  edge_arrays_.push_back(&m2_);
}

Trainer::~Trainer() = default;

void Trainer::set_config(const TrainConfig& cfg) {
  validate_config(cfg);
  cfg_ = cfg;
}

void Trainer::set_lr_scale(float s) {
  if (!(std::isfinite(s) && s >= 0.0f)) throw ValueError("lr_scale must be finite and >= 0");
  lr_scale_ = s;
}

void Trainer::set_outputs(const std::vector<std::int32_t>& outputs) {
  if (outputs.empty()) {  // back to the default
    outputs_explicit_ = false;
    outputs_ = default_outputs(net_);
    plan_valid_ = false;
    return;
  }
  check_outputs(net_, outputs);
  outputs_ = outputs;
  outputs_explicit_ = true;
  plan_valid_ = false;
}

std::int32_t Trainer::n_threads_used(int n_threads, std::int64_t n) const noexcept {
  std::int64_t nt = n_threads < 1 ? 1 : n_threads;
  if (nt > n) nt = n;
  return static_cast<std::int32_t>(nt < 1 ? 1 : nt);
}

void Trainer::prepare(const std::vector<Episode>& eps, bool for_training, bool episodes_checked) {
  validate_config(cfg_);
  if (!outputs_explicit_) {
    std::vector<std::int32_t> outs = default_outputs(net_);
    if (outs != outputs_) plan_valid_ = false;
    outputs_.swap(outs);
  }
  check_outputs(net_, outputs_);
  const std::int32_t no = static_cast<std::int32_t>(outputs_.size());
  if (static_cast<std::int32_t>(baseline_.size()) != no) baseline_.assign(static_cast<std::size_t>(no), 0.0f);
  if (cfg_.detector.default_id >= no)
    throw ValueError("config.detector.default_id " + std::to_string(cfg_.detector.default_id) +
                     " is not an index into the " + std::to_string(no) + " outputs");
  if (!episodes_checked)
    for (std::size_t i = 0; i < eps.size(); ++i)
      check_episode(eps[i], net_, no, for_training, static_cast<std::int64_t>(i));
  ensure_edge_arrays();
}

void Trainer::ensure_edge_arrays() {
  const std::size_t N = static_cast<std::size_t>(net_.size());
  if (rate_.size() != N) rate_.assign(N, 0.0f);
  if (inactive_count_.size() != N) inactive_count_.assign(N, 0);
  if (known_rp_ != net_.row_ptr() || known_col_ != net_.col()) {
    // the network's edges were edited outside the trainer: follow them by (source, target)
    std::vector<std::int64_t> rp(known_rp_);
    std::vector<std::int32_t> col(known_col_);
    remap_after(rp, col);
  }
}

void Trainer::remap_after(const std::vector<std::int64_t>& old_rp,
                          const std::vector<std::int32_t>& old_col) {
  const std::int32_t N = net_.size();
  const std::int64_t E = net_.num_edges();
  const auto& rp = net_.row_ptr();
  const auto& col = net_.col();
  std::vector<std::int64_t> from(static_cast<std::size_t>(E), -1);
  if (old_rp.size() == rp.size()) {
    for (std::int32_t i = 0; i < N; ++i) {
      std::int64_t a = old_rp[static_cast<std::size_t>(i)], ae = old_rp[static_cast<std::size_t>(i) + 1];
      for (std::int64_t q = rp[static_cast<std::size_t>(i)]; q < rp[static_cast<std::size_t>(i) + 1]; ++q) {
        const std::int32_t d = col[static_cast<std::size_t>(q)];
        while (a < ae && old_col[static_cast<std::size_t>(a)] < d) ++a;
        if (a < ae && old_col[static_cast<std::size_t>(a)] == d) from[static_cast<std::size_t>(q)] = a;
      }
    }
  }  // else: neurons were added; nothing can be matched safely, every array restarts at 0
  {
    std::vector<std::int32_t> nv(static_cast<std::size_t>(E), 0);
    for (std::int64_t q = 0; q < E; ++q) {
      const std::int64_t f = from[static_cast<std::size_t>(q)];
      if (f >= 0 && f < static_cast<std::int64_t>(prune_count_.size()))
        nv[static_cast<std::size_t>(q)] = prune_count_[static_cast<std::size_t>(f)];
    }
    prune_count_.swap(nv);
  }
  for (std::vector<float>* arr : edge_arrays_) {
    std::vector<float> nv(static_cast<std::size_t>(E), 0.0f);
    for (std::int64_t q = 0; q < E; ++q) {
      const std::int64_t f = from[static_cast<std::size_t>(q)];
      if (f >= 0 && f < static_cast<std::int64_t>(arr->size()))
        nv[static_cast<std::size_t>(q)] = (*arr)[static_cast<std::size_t>(f)];
    }
    arr->swap(nv);
  }
  known_rp_ = rp;
  known_col_ = col;
  structure_changed_ = true;
}

void Trainer::filter_edges(const std::vector<std::uint8_t>& keep) {
  const std::size_t E = static_cast<std::size_t>(net_.num_edges());
  std::size_t out = 0;
  for (std::size_t q = 0; q < E; ++q) {
    if (!keep[q]) continue;
    prune_count_[out] = prune_count_[q];
    for (std::vector<float>* arr : edge_arrays_) (*arr)[out] = (*arr)[q];
    ++out;
  }
  if (out == E) return;
  net_.filter_edges(keep.data());
  prune_count_.resize(out);
  for (std::vector<float>* arr : edge_arrays_) arr->resize(out);
  known_rp_ = net_.row_ptr();
  known_col_ = net_.col();
  structure_changed_ = true;
}

void Trainer::add_edges(const std::vector<std::int32_t>& s, const std::vector<std::int32_t>& d,
                        const std::vector<float>& w) {
  if (s.empty()) return;
  std::vector<std::int64_t> rp(known_rp_);
  std::vector<std::int32_t> col(known_col_);
  net_.set_edges(s.data(), d.data(), w.data(), static_cast<std::int64_t>(s.size()));
  remap_after(rp, col);
}

void Trainer::replace_edges(const std::vector<std::int32_t>& s,
                            const std::vector<std::int32_t>& d, const std::vector<float>& w) {
  std::vector<std::int64_t> rp(known_rp_);
  std::vector<std::int32_t> col(known_col_);
  net_.assign_edges(s.data(), d.data(), w.data(), static_cast<std::int64_t>(s.size()));
  remap_after(rp, col);
}

void Trainer::set_batch_rates(const std::vector<float>& end_rate, std::int64_t n) noexcept {
  const std::int32_t N = net_.size();
  for (std::int32_t i = 0; i < N; ++i) {
    float s = 0.0f;
    for (std::int64_t k = 0; k < n; ++k) s += end_rate[static_cast<std::size_t>(k * N + i)];
    rate_[static_cast<std::size_t>(i)] = s / static_cast<float>(n);
  }
}

void Trainer::clip_weights() noexcept {
  const float c = cfg_.weight_clip;
  if (!(c > 0.0f)) return;
  float* W = net_.weight_data();
  const std::int64_t E = net_.num_edges();
  for (std::int64_t q = 0; q < E; ++q) W[q] = W[q] > c ? c : (W[q] < -c ? -c : W[q]);
}

void Trainer::prune_small(bool use_patience) {
  const std::int64_t E = net_.num_edges();
  const float* W = net_.weight().data();
  const float eps = cfg_.prune_epsilon;
  std::vector<std::uint8_t> keep(static_cast<std::size_t>(E), 1);
  bool any = false;
  for (std::int64_t q = 0; q < E; ++q) {
    if (std::fabs(W[q]) < eps) {
      std::int32_t& c = prune_count_[static_cast<std::size_t>(q)];
      ++c;
      if (!use_patience || c >= cfg_.prune_patience) {
        keep[static_cast<std::size_t>(q)] = 0;
        any = true;
      }
    } else {
      prune_count_[static_cast<std::size_t>(q)] = 0;
    }
  }
  if (any) filter_edges(keep);
}

void Trainer::grow() {
  if (cfg_.grow_edges <= 0) return;
  const std::int32_t N = net_.size();
  if (N <= 0) return;
  Rng rng(stream_key(cfg_.seed, static_cast<std::uint64_t>(epoch_),
                     static_cast<std::uint64_t>(batch_counter_), kPurposeGrow));
  std::vector<std::int32_t> S, D;
  std::vector<float> Wn;
  std::int64_t attempts = 0;
  const std::int64_t max_attempts = static_cast<std::int64_t>(cfg_.grow_edges) * 20;
  while (static_cast<std::int32_t>(S.size()) < cfg_.grow_edges && attempts < max_attempts) {
    ++attempts;
    const auto a = static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(N)));
    const auto b = static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(N)));
    const bool positive = rng.uniform() >= 0.5;
    if (a == b) continue;
    if (!edge_allowed(cfg_.topology, net_.kind(a), net_.kind(b), false)) continue;
    if (net_.find_edge(a, b) >= 0) continue;
    bool dup = false;
    for (std::size_t k = 0; k < S.size(); ++k) dup = dup || (S[k] == a && D[k] == b);
    if (dup) continue;
    S.push_back(a);
    D.push_back(b);
    Wn.push_back(positive ? cfg_.init_weight : -cfg_.init_weight);
  }
  add_edges(S, D, Wn);
}

void Trainer::intrinsic_plasticity() {
  if (cfg_.eta_theta == 0.0f && cfg_.eta_leak == 0.0f) return;
  const std::int32_t N = net_.size();
  float* thr = net_.threshold_data();
  float* lk = net_.leak_data();
  for (std::int32_t i = 0; i < N; ++i) {
    const float r = rate_[static_cast<std::size_t>(i)];
    if (cfg_.eta_theta != 0.0f) thr[i] = thr[i] + cfg_.eta_theta * (r - cfg_.r_target);
    if (cfg_.eta_leak != 0.0f) {
      float l = lk[i] + cfg_.eta_leak * (cfg_.r_target - r);
      lk[i] = l < 0.0f ? 0.0f : (l > 1.0f ? 1.0f : l);
    }
  }
}

void Trainer::prune_inactive() {
  if (!(cfg_.inactive_rate_threshold > 0.0f) || cfg_.inactive_rate_patience <= 0 ||
      cfg_.prune_inactive_max <= 0)
    return;
  const std::int32_t N = net_.size();
  const std::int64_t E = net_.num_edges();
  const auto& rp = net_.row_ptr();
  const auto& col = net_.col();
  const auto& W = net_.weight();
  std::vector<std::uint8_t> keep(static_cast<std::size_t>(E), 1);
  bool any = false;
  std::vector<std::int64_t> cand;
  auto by_abs = [&](std::int64_t a, std::int64_t b) {
    return std::fabs(W[static_cast<std::size_t>(a)]) < std::fabs(W[static_cast<std::size_t>(b)]);
  };
  for (std::int32_t i = 0; i < N; ++i) {
    std::int32_t& ctr = inactive_count_[static_cast<std::size_t>(i)];
    if (rate_[static_cast<std::size_t>(i)] < cfg_.inactive_rate_threshold) ++ctr;
    else ctr = 0;
    if (ctr < cfg_.inactive_rate_patience) continue;
    if (cfg_.prune_inactive_out) {
      cand.clear();
      for (std::int64_t q = rp[static_cast<std::size_t>(i)]; q < rp[static_cast<std::size_t>(i) + 1]; ++q)
        cand.push_back(q);
      std::stable_sort(cand.begin(), cand.end(), by_abs);
      for (std::size_t k = 0; k < cand.size() && k < static_cast<std::size_t>(cfg_.prune_inactive_max); ++k) {
        keep[static_cast<std::size_t>(cand[k])] = 0;
        any = true;
      }
    }
    if (cfg_.prune_inactive_in) {
      cand.clear();
      for (std::int64_t q = 0; q < E; ++q)
        if (col[static_cast<std::size_t>(q)] == i) cand.push_back(q);
      std::stable_sort(cand.begin(), cand.end(), by_abs);
      for (std::size_t k = 0; k < cand.size() && k < static_cast<std::size_t>(cfg_.prune_inactive_max); ++k) {
        keep[static_cast<std::size_t>(cand[k])] = 0;
        any = true;
      }
    }
    ctr = 0;
  }
  if (any) filter_edges(keep);
}

void Trainer::apply_weight_jitter() {
  if (jitter_done_) return;
  jitter_done_ = true;
  if (!(cfg_.weight_jitter_std > 0.0f)) return;
  float* W = net_.weight_data();
  const std::int64_t E = net_.num_edges();
  for (std::int64_t q = 0; q < E; ++q) {
    Rng rng(stream_key(cfg_.seed, 0, static_cast<std::uint64_t>(q), kPurposeJitter));
    W[q] = W[q] + cfg_.weight_jitter_std * static_cast<float>(rng.normal());
  }
}

// ---- the shared learning machinery

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
  const std::int64_t* rp = net_.row_ptr().data();
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
    const float mu = g.momentum;
    for (std::int32_t i = 0; i < N; ++i)
      for (std::int64_t q = rp[i]; q < rp[i + 1]; ++q) {
        const float s = sc[col[q]];
        float x = grad[static_cast<std::size_t>(q)] * inv_n * clip_scale;
        if (wd > 0.0f) x += wd * (W[q] / s);  // L2 in the gradient (coupled)
        float& v = m1_[static_cast<std::size_t>(q)];
        v = mu * v + x;
        W[q] -= s * lr * v;
      }
  } else {
    ++opt_step_;
    const float b1 = g.adam_beta1, b2 = g.adam_beta2, eps = g.adam_eps;
    const double bias1 = 1.0 - std::pow(static_cast<double>(b1), static_cast<double>(opt_step_));
    const double bias2 = 1.0 - std::pow(static_cast<double>(b2), static_cast<double>(opt_step_));
    const bool decoupled = g.optimizer == Optimizer::kAdamW;
    for (std::int32_t i = 0; i < N; ++i)
      for (std::int64_t q = rp[i]; q < rp[i + 1]; ++q) {
        const float s = sc[col[q]];
        float x = grad[static_cast<std::size_t>(q)] * inv_n * clip_scale;
        if (wd > 0.0f) {
          if (decoupled) W[q] -= lr * wd * W[q];
          else x += wd * (W[q] / s);
        }
        float& m = m1_[static_cast<std::size_t>(q)];
        float& v = m2_[static_cast<std::size_t>(q)];
        m = b1 * m + (1.0f - b1) * x;
        v = b2 * v + (1.0f - b2) * (x * x);
        const double mhat = static_cast<double>(m) / (bias1 > 1e-20 ? bias1 : 1.0);
        const double vhat = static_cast<double>(v) / (bias2 > 1e-20 ? bias2 : 1.0);
        W[q] -= s * lr * static_cast<float>(mhat / (std::sqrt(vhat) + static_cast<double>(eps)));
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

// ---- checkpoints

void Trainer::capture_checkpoint() {
  Snapshot s;
  s.threshold = net_.threshold();
  s.leak = net_.leak();
  s.src = net_.edge_sources();
  s.dst = net_.col();
  s.w = net_.weight();
  ckpt_[0].push_back(std::move(s));
  const std::int32_t cap[3] = {cfg_.ckpt_l0, cfg_.ckpt_l1, cfg_.ckpt_l2};
  for (int l = 0; l < 3; ++l) {
    if (static_cast<std::int64_t>(ckpt_[l].size()) > cap[l]) {
      if (l < 2) ckpt_[l + 1].push_back(std::move(ckpt_[l].front()));
      ckpt_[l].erase(ckpt_[l].begin());
    }
  }
}

void Trainer::restore(const Snapshot& s) {
  const std::size_t N = static_cast<std::size_t>(net_.size());
  if (s.threshold.size() != N) throw ValueError("checkpoint does not match the network's neurons");
  replace_edges(s.src, s.dst, s.w);
  std::copy(s.threshold.begin(), s.threshold.end(), net_.threshold_data());
  std::copy(s.leak.begin(), s.leak.end(), net_.leak_data());
}

bool Trainer::revert_checkpoint() {
  for (int l = 0; l < 3; ++l) {
    if (ckpt_[l].empty()) continue;
    Snapshot s = std::move(ckpt_[l].back());
    ckpt_[l].pop_back();
    restore(s);
    return true;
  }
  return false;
}

std::int64_t Trainer::num_checkpoints() const noexcept {
  return static_cast<std::int64_t>(ckpt_[0].size() + ckpt_[1].size() + ckpt_[2].size());
}

void Trainer::clear_checkpoints() noexcept {
  for (auto& l : ckpt_) l.clear();
}

void Trainer::clear_history() noexcept {
  acc_hist_.clear();
  margin_hist_.clear();
  loss_hist_.clear();
}

// ---- the training loops

void Trainer::run_one_batch(const std::vector<Episode>& eps, const std::int64_t* order,
                            std::int64_t n, int n_threads, Poller* poller, EpochMetrics& acc) {
  if (n <= 0) return;
  shift_.assign(static_cast<std::size_t>(n), 0);
  if (cfg_.timing_jitter > 0)
    for (std::int64_t k = 0; k < n; ++k) {
      Rng rng(stream_key(cfg_.seed, static_cast<std::uint64_t>(epoch_),
                         static_cast<std::uint64_t>(order[k]), kPurposeTiming));
      shift_[static_cast<std::size_t>(k)] =
          static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(cfg_.timing_jitter) + 1));
    }
  std::int64_t T = 0;
  for (std::int64_t k = 0; k < n; ++k)
    T = std::max(T, episode_steps(cfg_, eps[static_cast<std::size_t>(order[k])]));
  max_steps_ = T;
  pow_.resize(static_cast<std::size_t>(T) + 1);
  pow_[0] = 1.0f;
  for (std::int64_t k = 1; k <= T; ++k)
    pow_[static_cast<std::size_t>(k)] = pow_[static_cast<std::size_t>(k) - 1] * cfg_.elig_lambda;
  if (static_cast<std::int64_t>(batch_metrics_.size()) < n)
    batch_metrics_.resize(static_cast<std::size_t>(n));
  double loss_sum = 0.0;
  run_batch(eps, order, n, n_threads, poller, batch_metrics_.data(), loss_sum);
  ++batch_counter_;
  for (std::int64_t k = 0; k < n; ++k) {
    const EpisodeMetrics& m = batch_metrics_[static_cast<std::size_t>(k)];
    acc.total += 1;
    if (m.winner >= 0 && m.winner == eps[static_cast<std::size_t>(order[k])].target) acc.correct += 1;
    acc.mean_margin += m.margin;  // sums until the caller divides
  }
  acc.loss += loss_sum;
}

EpochMetrics Trainer::run_epoch(const std::vector<Episode>& eps, int n_threads, Poller& poller) {
  apply_weight_jitter();
  if (cfg_.checkpoints_enable) capture_checkpoint();
  const std::int64_t n = static_cast<std::int64_t>(eps.size());
  order_.resize(static_cast<std::size_t>(n));
  std::iota(order_.begin(), order_.end(), std::int64_t{0});
  if (cfg_.shuffle && n > 1) {
    Rng rng(stream_key(cfg_.seed, static_cast<std::uint64_t>(epoch_), 0, kPurposeShuffle));
    for (std::int64_t i = n - 1; i > 0; --i) {
      const auto j = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(i) + 1));
      std::swap(order_[static_cast<std::size_t>(i)], order_[static_cast<std::size_t>(j)]);
    }
  }
  EpochMetrics em;
  const std::int64_t B = cfg_.batch_size;
  for (std::int64_t i = 0; i < n; i += B) {
    if (i > 0 && poller.poll()) throw Cancelled("training interrupted");
    run_one_batch(eps, order_.data() + i, std::min(B, n - i), n_threads, &poller, em);
  }
  if (em.total > 0) {
    em.accuracy = static_cast<double>(em.correct) / static_cast<double>(em.total);
    em.mean_margin /= static_cast<double>(em.total);
    em.loss /= static_cast<double>(em.total);
  }
  acc_hist_.push_back(em.accuracy);
  margin_hist_.push_back(em.mean_margin);
  loss_hist_.push_back(em.loss);
  ++epoch_;
  if (cfg_.revert_enable) {
    const std::vector<double>& h =
        cfg_.revert_metric == RevertMetric::kAccuracy ? acc_hist_ : margin_hist_;
    const std::size_t w = static_cast<std::size_t>(std::max(1, cfg_.revert_window));
    if (h.size() > w && h[h.size() - 1 - w] - h.back() >= static_cast<double>(cfg_.revert_drop))
      em.reverted = revert_checkpoint();
  }
  return em;
}

EpochMetrics Trainer::train_epoch(const std::vector<Episode>& episodes, int n_threads, Hook hook,
                                  void* ctx, bool episodes_checked) {
  BusyGuard guard(busy_);
  prepare(episodes, true, episodes_checked);
  if (episodes.empty()) return EpochMetrics();  // nothing to learn from: nothing changes
  Poller poller(hook, ctx);
  return run_epoch(episodes, n_threads, poller);
}

std::vector<EpochMetrics> Trainer::train(const std::vector<Episode>& episodes,
                                         std::int64_t epochs, int n_threads, Hook hook,
                                         void* ctx, EpochHook epoch_hook, void* epoch_ctx) {
  if (epochs < 0) throw ValueError("epochs must be >= 0");
  BusyGuard guard(busy_);
  prepare(episodes, true);
  std::vector<EpochMetrics> out;
  if (episodes.empty()) return out;
  Poller poller(hook, ctx);
  out.reserve(static_cast<std::size_t>(epochs));
  for (std::int64_t e = 0; e < epochs; ++e) {
    out.push_back(run_epoch(episodes, n_threads, poller));
    if (epoch_hook != nullptr && epoch_hook(epoch_ctx, epoch_ - 1, out.back()) != 0)
      throw Cancelled("training stopped by the epoch callback");
    if (e + 1 < epochs && poller.poll()) throw Cancelled("training interrupted");
  }
  return out;
}

EpochMetrics Trainer::train_batch(const std::vector<Episode>& batch, int n_threads,
                                  std::vector<EpisodeMetrics>* metrics_out, Hook hook,
                                  void* ctx) {
  BusyGuard guard(busy_);
  prepare(batch, true);
  if (batch.empty()) {
    if (metrics_out != nullptr) metrics_out->clear();
    return EpochMetrics();
  }
  apply_weight_jitter();
  Poller poller(hook, ctx);
  const std::int64_t n = static_cast<std::int64_t>(batch.size());
  order_.resize(static_cast<std::size_t>(n));
  std::iota(order_.begin(), order_.end(), std::int64_t{0});
  EpochMetrics em;
  run_one_batch(batch, order_.data(), n, n_threads, &poller, em);
  if (em.total > 0) {
    em.accuracy = static_cast<double>(em.correct) / static_cast<double>(em.total);
    em.mean_margin /= static_cast<double>(em.total);
    em.loss /= static_cast<double>(em.total);
  }
  if (metrics_out != nullptr)
    metrics_out->assign(batch_metrics_.begin(), batch_metrics_.begin() + n);
  return em;
}

EpisodeMetrics Trainer::evaluate(const Episode& ep) const {
  const TrainConfig& c = cfg_;
  std::vector<std::int32_t> outs = outputs_explicit_ ? outputs_ : default_outputs(net_);
  check_outputs(net_, outs);
  return evaluate_episode(net_, ep, c, outs);
}

DatasetMetrics Trainer::evaluate_dataset(const std::vector<Episode>& episodes, int n_threads,
                                         Hook hook, void* ctx, bool episodes_checked) const {
  const TrainConfig& c = cfg_;
  std::vector<std::int32_t> outs = outputs_explicit_ ? outputs_ : default_outputs(net_);
  return glia::evaluate_dataset(net_, episodes, c, outs, n_threads, hook, ctx, episodes_checked);
}

}  // namespace glia
