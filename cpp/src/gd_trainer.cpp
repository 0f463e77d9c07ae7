// The rate-gradient trainer: softmax cross-entropy over the detector's output rates, a
// rate-derivative heuristic carried back through the graph, the shared optimizer.
#include <algorithm>
#include <cmath>

#include "glia/error.hpp"
#include "glia/trainer.hpp"
#include "parallel_items.hpp"

namespace glia {

RateGDTrainer::RateGDTrainer(Network& net, const TrainConfig& cfg) : Trainer(net, cfg) {}

void RateGDTrainer::run_batch(const std::vector<Episode>& eps, const std::int64_t* order,
                              std::int64_t n, int n_threads, Poller* poller,
                              EpisodeMetrics* metrics, double& loss_sum) {
  ensure_backprop_plan();
  compute_weight_scale();
  const std::int32_t N = net_.size();
  const std::int64_t E = net_.num_edges();
  const std::int32_t no = static_cast<std::int32_t>(outputs_.size());
  const std::int32_t nt = n_threads_used(n_threads, n);
  if (static_cast<std::int32_t>(work_.size()) < nt) work_.resize(static_cast<std::size_t>(nt));
  coef_.resize(static_cast<std::size_t>(n * N));
  pres_.resize(static_cast<std::size_t>(n * N));
  end_rate_.resize(static_cast<std::size_t>(n * N));

  const TrainConfig& c = cfg_;
  const std::int32_t* out = outputs_.data();
  const Network& net = net_;
  const float temp = c.grad.temperature;
  losses_.assign(static_cast<std::size_t>(n), 0.0f);
  float* losses = losses_.data();

  detail::for_each_item(n, nt, poller, "training", [&](std::int64_t k, int tid) {
    Work& w = work_[static_cast<std::size_t>(tid)];
    const Episode& ep = eps[static_cast<std::size_t>(order[k])];
    const std::int64_t T = episode_steps(c, ep);
    State& st = w.state;
    st.reset(net);
    w.rho.assign(static_cast<std::size_t>(N), 0.0f);
    w.pre.assign(static_cast<std::size_t>(N), 0.0f);
    w.prev_fired.resize(static_cast<std::size_t>(N));
    EpisodeMetrics& m = metrics[k];
    m.rates.resize(static_cast<std::size_t>(no));
    OutputDetector det(c, T, out, no, m.rates.data());
    float* rho = w.rho.data();  // each neuron's rate (the detector's weighting)
    float* pre = w.pre.data();  // the same of its spikes one step later (when they arrive)
    std::int32_t* prev = w.prev_fired.data();
    std::int32_t n_prev = 0;
    const bool counts = det.counts();
    const float a = c.detector.alpha, keep = 1.0f - a;
    const std::int64_t U = c.warmup_ticks;
    const std::int64_t period = ep.period();
    const std::int64_t shift = shift_[static_cast<std::size_t>(k)];
    std::int64_t cursor = 0;
    for (std::int64_t t = 0; t < T; ++t) {
      inject_tick(ep, t, shift, period, st.input.data(), cursor);
      net.step_state(st);
      const std::uint8_t* mask = st.fired_mask.data();
      det.update(t, mask);
      if (counts) {  // spikes x 1: window counts, scaled at the end
        for (std::int32_t p = 0; p < st.n_fired; ++p) {
          const std::int32_t i = st.fired[static_cast<std::size_t>(p)];
          if (t >= U) rho[i] += 1.0f;
          if (t + 1 >= U && t + 1 < T) pre[i] += 1.0f;
        }
      } else {
        for (std::int32_t i = 0; i < N; ++i) {
          rho[i] = keep * rho[i] + a * (mask[i] ? 1.0f : 0.0f);
          pre[i] *= keep;
        }
        for (std::int32_t p = 0; p < n_prev; ++p) pre[prev[p]] += a;
        n_prev = st.n_fired;
        std::copy(st.fired.begin(), st.fired.begin() + n_prev, prev);
      }
    }
    det.finish();
    if (counts) {
      const float inv = 1.0f / static_cast<float>(T - U);
      for (std::int32_t i = 0; i < N; ++i) {
        rho[i] *= inv;
        pre[i] *= inv;
      }
    }
    detect_winner(m.rates.data(), no, c.detector, m.winner, m.margin);
    m.ticks_run = T;
    // dL/dr_o = (softmax(r / T) - onehot) / T, then through each neuron's slope
    w.probs.resize(static_cast<std::size_t>(no));
    losses[k] = softmax_xent(m.rates.data(), no, ep.target, temp, w.probs.data());
    w.phi.resize(static_cast<std::size_t>(N));
    float* phi = w.phi.data();
    for (std::int32_t i = 0; i < N; ++i) phi[i] = rate_slope(rho[i]);
    float* cf = coef_.data() + k * N;
    std::fill(cf, cf + N, 0.0f);
    for (std::int32_t o = 0; o < no; ++o) {
      float p = w.probs[static_cast<std::size_t>(o)];
      if (o == ep.target) p -= 1.0f;
      cf[out[o]] = (p / temp) * phi[out[o]];
    }
    carry_back(cf, nullptr, phi);
    std::copy(pre, pre + N, pres_.begin() + k * N);
    std::copy(rho, rho + N, end_rate_.begin() + k * N);
  });

  // ---- the batch gradient, summed in episode order: dL/du(j->k) = cf_k R_j
  grad_.assign(static_cast<std::size_t>(E), 0.0f);
  const std::int64_t* rp = net_.row_ptr().data();
  const std::int32_t* col = net_.col().data();
  for (std::int64_t k = 0; k < n; ++k) {
    loss_sum += losses[k];
    const float* cf = coef_.data() + k * N;
    const float* pr = pres_.data() + k * N;
    for (std::int32_t i = 0; i < N; ++i) {
      const float Ri = pr[i];
      if (Ri == 0.0f) continue;
      for (std::int64_t q = rp[i]; q < rp[i + 1]; ++q) grad_[static_cast<std::size_t>(q)] += cf[col[q]] * Ri;
    }
  }
  optimizer_step(grad_, n);

  set_batch_rates(end_rate_, n);
  prune_small(false);
  grow();
  intrinsic_plasticity();
}

}  // namespace glia
