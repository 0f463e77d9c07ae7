// The reward-modulated trainer: eligibility traces x a learning signal from the reward of
// the detector's decision (a three-factor rule), through the shared optimizer.
#include <algorithm>
#include <cmath>

#include "glia/error.hpp"
#include "glia/trainer.hpp"
#include "parallel_items.hpp"

namespace glia {

namespace {

/// The target's margin: rate[target] - max(rate[others]) (0 when there are no others).
float target_margin(const float* r, std::int32_t n, std::int32_t target) noexcept {
  const float rt = (target >= 0 && target < n) ? r[target] : 0.0f;
  float other = 0.0f;
  bool init = false;
  for (std::int32_t k = 0; k < n; ++k) {
    if (k == target) continue;
    if (!init || r[k] > other) other = r[k];
    init = true;
  }
  return rt - other;
}

/// Whether the target won by at least margin_delta.
bool satisfied(const EpisodeMetrics& m, const TrainConfig& c, std::int32_t target) noexcept {
  return m.winner == target && m.margin >= c.margin_delta;
}

/// The reward of each possible outcome "output o wins" into r: binary: reward_pos for the
/// target, reward_neg for the others; the margin modes: the reward of the target's actual
/// margin for the target, of the worst margin (-1) for the others.
void outcome_rewards(const EpisodeMetrics& m, const TrainConfig& c, std::int32_t target,
                     float* r) noexcept {
  const std::int32_t n = static_cast<std::int32_t>(m.rates.size());
  auto f = [&c](float margin) {
    if (c.reward_mode == RewardMode::kMarginLinear) {
      const float x = c.reward_gain * margin;
      return x < c.reward_min ? c.reward_min : (x > c.reward_max ? c.reward_max : x);
    }
    const float x = c.reward_gain * (margin - c.margin_delta);
    return c.reward_min + (c.reward_max - c.reward_min) / (1.0f + std::exp(-x));
  };
  if (c.reward_mode == RewardMode::kBinary) {
    for (std::int32_t o = 0; o < n; ++o) r[o] = o == target ? c.reward_pos : c.reward_neg;
    return;
  }
  const float lose = f(-1.0f);
  for (std::int32_t o = 0; o < n; ++o) r[o] = lose;
  if (target >= 0 && target < n) r[target] = f(target_margin(m.rates.data(), n, target));
}

}  // namespace

void HebbianTrainer::episode(const Episode& ep, std::int64_t k, Work& w, EpisodeMetrics& m) {
  const TrainConfig& c = cfg_;
  const Network& net = net_;
  const std::int32_t N = net.size();
  const std::int64_t E = net.num_edges();
  const std::int32_t n_out = static_cast<std::int32_t>(outputs_.size());
  const std::int64_t* rp = net.row_ptr().data();
  const std::int32_t* col = net.col().data();
  const float* pw = pow_.data();
  State& st = w.state;
  const std::int64_t T = begin_episode(ep, st, m);
  w.run_rate.assign(rate_.begin(), rate_.end());
  w.psi.assign(static_cast<std::size_t>(N), 0.0f);
  w.rho.assign(static_cast<std::size_t>(N), 0.0f);
  w.last.assign(static_cast<std::size_t>(N), 0);
  w.prev_fired.resize(static_cast<std::size_t>(N));
  OutputDetector det(c, T, outputs_.data(), n_out, m.rates.data());
  float* e = elig_.data() + k * E;
  std::fill(e, e + E, 0.0f);
  float* run = w.run_rate.data();  // running EMA rate (rate_alpha), from the last batch's
  float* psi = w.psi.data();       // the post term at this step
  float* rho = w.rho.data();       // the detector-weighted rate (for the persistent rates)
  std::int32_t* last = w.last.data();
  std::int32_t* prev = w.prev_fired.data();
  std::int32_t n_prev = 0;
  const float ar = c.rate_alpha, kr = 1.0f - ar;
  const bool post_rate = c.elig_post_use_rate;
  auto after = [&](std::int64_t t, const State& s) {
    const std::uint8_t* mask = s.fired_mask.data();
    det.update(t, mask);
    if (post_rate) {  // two branch-free loops (they vectorise)
      for (std::int32_t i = 0; i < N; ++i) run[i] = kr * run[i] + ar * static_cast<float>(mask[i]);
      for (std::int32_t i = 0; i < N; ++i) psi[i] = rate_slope(run[i]);
    } else {
      for (std::int32_t i = 0; i < N; ++i) {
        const float x = static_cast<float>(mask[i]);
        run[i] = kr * run[i] + ar * x;
        psi[i] = x;
      }
    }
    det.update_all(t, mask, s.fired.data(), s.n_fired, rho, N);
    // the spikes of step t - 1 arrived in step t: pre(t-1) * post(t), decayed lazily
    for (std::int32_t p = 0; p < n_prev; ++p) {
      const std::int32_t i = prev[p];
      const float f = pw[t - last[i]];
      last[i] = static_cast<std::int32_t>(t);
      for (std::int64_t q = rp[i]; q < rp[i + 1]; ++q) e[q] = e[q] * f + psi[col[q]];
    }
    n_prev = s.n_fired;
    std::copy(s.fired.begin(), s.fired.begin() + n_prev, prev);
  };
  EpisodeIO io(ep, shift_[static_cast<std::size_t>(k)], after);
  net.run(st, io, T, team_);
  if (T > 0)
    for (std::int32_t i = 0; i < N; ++i) {
      const std::int64_t age = T - 1 - last[i];
      if (age == 0) continue;
      const float f = pw[age];
      for (std::int64_t q = rp[i]; q < rp[i + 1]; ++q) e[q] *= f;
    }
  double z = 0.0;  // sum_t lambda^t: the trace becomes a weighted mean of pre x post
  for (std::int64_t a = 0; a < T; ++a) z += pw[a];
  norm_[static_cast<std::size_t>(k)] = z > 0.0 ? static_cast<float>(1.0 / z) : 0.0f;
  det.finish();
  det.finish_all(rho, N);
  std::copy(rho, rho + N, end_rate_.begin() + k * N);
  detect_winner(m.rates.data(), n_out, c.detector, m.winner, m.margin);
  m.ticks_run = T;
}

double HebbianTrainer::run_batch(const Batch& b) {
  const int nt = begin_batch(work_, b.n, b.n_threads);
  elig_.resize(static_cast<std::size_t>(b.n * net_.num_edges()));      // n x E
  end_rate_.resize(static_cast<std::size_t>(b.n * net_.size()));       // n x N
  norm_.resize(static_cast<std::size_t>(b.n));
  detail::for_each_item(b.n, nt, b.poller, "training", [&](std::int64_t k, int tid) {
    episode(b.episode(k), k, work_[static_cast<std::size_t>(tid)], b.metrics[k]);
  });
  double sum_reward = 0.0;
  const double loss_sum = learn(b, sum_reward);
  if (cfg_.usage_boost_gain != 0.0f) usage_boost(sum_reward, b.n);
  end_batch(end_rate_, b.n, true);
  prune_inactive();
  return loss_sum;
}

double HebbianTrainer::learn(const Batch& b, double& sum_reward) {
  const std::int64_t n = b.n;
  const TrainConfig& c = cfg_;
  const std::int32_t N = net_.size();
  const std::int64_t E = net_.num_edges();
  const std::int32_t n_out = static_cast<std::int32_t>(outputs_.size());
  const std::int64_t* rp = net_.row_ptr().data();
  const std::int32_t* col = net_.col().data();
  double loss_sum = 0.0;
  // ---- combine in episode order: the reward, its class baseline, the learning signals
  grad_.assign(static_cast<std::size_t>(E), 0.0f);
  const bool use_usage = c.usage_boost_gain != 0.0f;
  if (use_usage) usage_.assign(static_cast<std::size_t>(E), 0.0f);
  sig_.resize(static_cast<std::size_t>(N));
  phi_.resize(static_cast<std::size_t>(N));
  probs_.resize(static_cast<std::size_t>(n_out));
  rew_.resize(static_cast<std::size_t>(n_out));
  for (std::int64_t k = 0; k < n; ++k) {
    const EpisodeMetrics& m = b.metrics[k];
    const std::int32_t target = b.episode(k).target;
    loss_sum += softmax_xent(m.rates.data(), n_out, target, c.grad.temperature, probs_.data());
    // the expected reward J of choosing by softmax(rates / temperature), its gradient
    // pi_o (r_o - baseline) per output: a reward-prediction baseline (J itself, or the
    // class's moving average of J), then the descent direction -gradient
    outcome_rewards(m, c, target, rew_.data());
    double J = 0.0;
    for (std::int32_t o = 0; o < n_out; ++o) J += static_cast<double>(probs_[static_cast<std::size_t>(o)]) * rew_[static_cast<std::size_t>(o)];
    const float raw = static_cast<float>(J);
    sum_reward += raw;
    float base = raw;
    if (c.use_advantage_baseline) {
      float& bl = baseline_[static_cast<std::size_t>(target)];
      bl = (1.0f - c.baseline_beta) * bl + c.baseline_beta * raw;
    } else {
      base = 0.0f;
    }
    const float* e = elig_.data() + k * E;
    const float zk = norm_[static_cast<std::size_t>(k)];
    if (use_usage)
      for (std::int64_t q = 0; q < E; ++q) usage_[static_cast<std::size_t>(q)] += e[q] * zk;
    if (c.no_update_if_satisfied && satisfied(m, c, target)) continue;
    if (!learning_signal(m, target, raw, base, end_rate_.data() + k * N)) continue;
    // grad += signal of the target x the edge's eligibility
    for (std::int32_t i = 0; i < N; ++i)
      for (std::int64_t q = rp[i]; q < rp[i + 1]; ++q) {
        const float g = sig_[static_cast<std::size_t>(col[q])];
        if (g != 0.0f) grad_[static_cast<std::size_t>(q)] += g * (e[q] * zk);
      }
  }
  optimizer_step(grad_, n);
  return loss_sum;
}

bool HebbianTrainer::learning_signal(const EpisodeMetrics& m, std::int32_t target, float raw,
                                     float base, const float* rates) {
  const TrainConfig& c = cfg_;
  const std::int32_t n_out = static_cast<std::int32_t>(outputs_.size());
  // ascend log(J - r_min) rather than J: the same direction, without J's vanishing step
  // when the rewarded outcome is unlikely (a class whose output has gone quiet)
  float r_min = rew_[0];
  for (std::int32_t o = 1; o < n_out; ++o) r_min = std::min(r_min, rew_[static_cast<std::size_t>(o)]);
  const float spread = raw - r_min;
  if (!(spread > 1e-6f)) return false;
  const float inv_spread = 1.0f / spread;
  std::fill(sig_.begin(), sig_.end(), 0.0f);
  for (std::int32_t o = 0; o < n_out; ++o) {
    if (c.update_gating == UpdateGating::kWinnerOnly && m.winner >= 0 && o != m.winner) continue;
    if (c.update_gating == UpdateGating::kTargetOnly && o != target) continue;
    sig_[static_cast<std::size_t>(outputs_[static_cast<std::size_t>(o)])] =
        -probs_[static_cast<std::size_t>(o)] * (rew_[static_cast<std::size_t>(o)] - base) * inv_spread;
  }
  if (!plan_node_.empty()) {  // hidden neurons: the outputs' signals carried back
    const std::int32_t N = net_.size();
    for (std::int32_t i = 0; i < N; ++i) phi_[static_cast<std::size_t>(i)] = rate_slope(rates[i]);
    carry_back(sig_.data(), phi_.data(), nullptr);
  }
  return true;
}

void HebbianTrainer::usage_boost(double sum_reward, std::int64_t n) noexcept {
  // edges that carried activity move with the mean reward
  const std::int64_t E = net_.num_edges();
  float* W = net_.weight_data();
  const float avg_raw = static_cast<float>(sum_reward / static_cast<double>(n));
  const float inv = 1.0f / static_cast<float>(n);
  for (std::int64_t q = 0; q < E; ++q) {
    float u = usage_[static_cast<std::size_t>(q)] * inv;
    u = u < 0.0f ? 0.0f : (u > 1.0f ? 1.0f : u);
    W[q] += cfg_.usage_boost_gain * avg_raw * u;
  }
}

}  // namespace glia
