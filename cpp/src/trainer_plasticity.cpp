// The trainers' structure policy: edge-aligned arrays that follow edits of the edges,
// pruning (small weights, inactive neurons), growth, intrinsic plasticity, weight jitter.
#include "glia/trainer.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "glia/config_fields.hpp"
#include "glia/error.hpp"
#include "glia/random.hpp"

namespace glia {

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
  if (std::find(keep.begin(), keep.begin() + static_cast<std::ptrdiff_t>(E), std::uint8_t{0}) ==
      keep.begin() + static_cast<std::ptrdiff_t>(E))
    return;
  net_.check_unpinned("prune edges");  // before the edge-aligned arrays change
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

void Trainer::end_batch(const std::vector<float>& end_rate, std::int64_t n, bool prune_patience) {
  set_batch_rates(end_rate, n);
  prune_small(prune_patience);
  grow();
  intrinsic_plasticity();
}

void Trainer::set_batch_rates(const std::vector<float>& end_rate, std::int64_t n) noexcept {
  const std::int32_t N = net_.size();
  for (std::int32_t i = 0; i < N; ++i) {
    float s = 0.0f;
    for (std::int64_t k = 0; k < n; ++k) s += end_rate[static_cast<std::size_t>(k * N + i)];
    rate_[static_cast<std::size_t>(i)] = s / static_cast<float>(n);
  }
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
                     static_cast<std::uint64_t>(batch_counter_), Purpose::kGrow));
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
    Rng rng(stream_key(cfg_.seed, 0, static_cast<std::uint64_t>(q), Purpose::kJitter));
    W[q] = W[q] + cfg_.weight_jitter_std * static_cast<float>(rng.normal());
  }
}

}  // namespace glia
