// The rate-gradient trainer: softmax cross-entropy over the detector's output rates, a
// rate-derivative heuristic carried back through the graph, the shared optimizer.
#include <algorithm>
#include <cmath>

#include "glia/error.hpp"
#include "glia/trainer.hpp"
#include "parallel_items.hpp"

namespace glia {

void RateGDTrainer::episode(const Episode& ep, std::int64_t k, Work& w, EpisodeMetrics& m) {
  const TrainConfig& c = cfg_;
  const Network& net = net_;
  const std::int32_t N = net.size();
  const std::int32_t n_out = static_cast<std::int32_t>(outputs_.size());
  const std::int32_t* out = outputs_.data();
  State& st = w.state;
  const std::int64_t T = begin_episode(ep, st, m);
  w.rho.assign(static_cast<std::size_t>(N), 0.0f);
  w.pre.assign(static_cast<std::size_t>(N), 0.0f);
  w.prev_fired.resize(static_cast<std::size_t>(N));
  OutputDetector det(c, T, out, n_out, m.rates.data());
  float* rho = w.rho.data();  // each neuron's rate (the detector's weighting)
  float* pre = w.pre.data();  // the same of its spikes one step later (when they arrive)
  std::int32_t* prev = w.prev_fired.data();
  std::int32_t n_prev = 0;
  const bool counts = det.counts();
  const float keep = 1.0f - c.detector.alpha, a = c.detector.alpha;
  const std::int64_t U = c.warmup_ticks;
  auto after = [&](std::int64_t t, const State& s) {
    const std::uint8_t* mask = s.fired_mask.data();
    const std::int32_t* fired = s.fired.data();
    det.update(t, mask);
    det.update_all(t, mask, fired, s.n_fired, rho, N);
    if (counts) {  // spikes x 1: window counts, scaled at the end
      if (t + 1 >= U && t + 1 < T)
        for (std::int32_t p = 0; p < s.n_fired; ++p) pre[fired[p]] += 1.0f;
    } else {
      for (std::int32_t i = 0; i < N; ++i) pre[i] *= keep;
      for (std::int32_t p = 0; p < n_prev; ++p) pre[prev[p]] += a;
      n_prev = s.n_fired;
      std::copy(fired, fired + n_prev, prev);
    }
  };
  EpisodeIO io(ep, shift_[static_cast<std::size_t>(k)], after);
  net.run(st, io, T, team_);
  det.finish();
  det.finish_all(rho, N);
  if (counts) {
    const float inv = 1.0f / static_cast<float>(T - U);
    for (std::int32_t i = 0; i < N; ++i) pre[i] *= inv;
  }
  detect_winner(m.rates.data(), n_out, c.detector, m.winner, m.margin);
  m.ticks_run = T;
  // dL/dr_o = (softmax(r / T) - onehot) / T, then through each neuron's slope
  const float temp = c.grad.temperature;
  w.probs.resize(static_cast<std::size_t>(n_out));
  losses_[static_cast<std::size_t>(k)] = softmax_xent(m.rates.data(), n_out, ep.target, temp, w.probs.data());
  w.phi.resize(static_cast<std::size_t>(N));
  float* phi = w.phi.data();
  for (std::int32_t i = 0; i < N; ++i) phi[i] = rate_slope(rho[i]);
  float* cf = coef_.data() + k * N;
  std::fill(cf, cf + N, 0.0f);
  for (std::int32_t o = 0; o < n_out; ++o) {
    float p = w.probs[static_cast<std::size_t>(o)];
    if (o == ep.target) p -= 1.0f;
    cf[out[o]] = (p / temp) * phi[out[o]];
  }
  carry_back(cf, nullptr, phi);
  std::copy(pre, pre + N, pres_.begin() + k * N);
  std::copy(rho, rho + N, end_rate_.begin() + k * N);
}

double RateGDTrainer::run_batch(const Batch& b) {
  const int nt = begin_batch(work_, b.n, b.n_threads);
  const auto rows = static_cast<std::size_t>(b.n * net_.size());  // n x N
  coef_.resize(rows);
  pres_.resize(rows);
  end_rate_.resize(rows);
  losses_.assign(static_cast<std::size_t>(b.n), 0.0f);
  detail::for_each_item(b.n, nt, b.poller, "training", [&](std::int64_t k, int tid) {
    episode(b.episode(k), k, work_[static_cast<std::size_t>(tid)], b.metrics[k]);
  });
  const double loss_sum = sum_gradient(b.n);
  optimizer_step(grad_, b.n);
  end_batch(end_rate_, b.n, false);
  return loss_sum;
}

double RateGDTrainer::sum_gradient(std::int64_t n) {
  // in episode order: dL/du(j->k) = cf_k R_j
  const std::int32_t N = net_.size();
  const std::int64_t E = net_.num_edges();
  double loss_sum = 0.0;
  grad_.assign(static_cast<std::size_t>(E), 0.0f);
  const std::int64_t* rp = net_.row_ptr().data();
  const std::int32_t* col = net_.col().data();
  for (std::int64_t k = 0; k < n; ++k) {
    loss_sum += losses_[static_cast<std::size_t>(k)];
    const float* cf = coef_.data() + k * N;
    const float* pr = pres_.data() + k * N;
    for (std::int32_t i = 0; i < N; ++i) {
      const float Ri = pr[i];
      if (Ri == 0.0f) continue;
      for (std::int64_t q = rp[i]; q < rp[i + 1]; ++q) grad_[static_cast<std::size_t>(q)] += cf[col[q]] * Ri;
    }
  }
  return loss_sum;
}

}  // namespace glia
