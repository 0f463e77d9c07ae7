#include <algorithm>
#include <cmath>

#include "glia/error.hpp"
#include "glia/trainer.hpp"
#include "parallel_items.hpp"

namespace glia {

RateGDTrainer::RateGDTrainer(Network& net, const TrainConfig& cfg) : Trainer(net, cfg) {
  m1_.assign(static_cast<std::size_t>(net.num_edges()), 0.0f);
  m2_.assign(static_cast<std::size_t>(net.num_edges()), 0.0f);
  edge_arrays_.push_back(&m1_);
  edge_arrays_.push_back(&m2_);
}

TrainConfig RateGDTrainer::eval_config() const {
  // GliaGL's gradient trainer judged episodes by the rate_alpha EMA of the outputs, with a
  // plain argmax (no abstention); evaluation here does the same.
  TrainConfig c = cfg_;
  c.detector.alpha = cfg_.rate_alpha;
  c.detector.threshold = -INFINITY;
  c.detector.default_id = -1;
  return c;
}

void RateGDTrainer::build_backprop_plan() {
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
  // BFS order is already by increasing distance; a neuron reads only nearer neurons
  plan_node_.clear();
  plan_ptr_.assign(1, 0);
  plan_edge_.clear();
  reachable_.assign(static_cast<std::size_t>(N), 0);
  for (std::int32_t u : queue) reachable_[static_cast<std::size_t>(u)] = 1;
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
}

void RateGDTrainer::run_batch(const std::vector<Episode>& eps, const std::int64_t* order,
                              std::int64_t n, int n_threads, Poller* poller,
                              EpisodeMetrics* metrics, double& loss_sum) {
  if (structure_changed_ || static_cast<std::int64_t>(reachable_.size()) != net_.size())
    build_backprop_plan();
  const std::int32_t N = net_.size();
  const std::int64_t E = net_.num_edges();
  const std::int32_t no = static_cast<std::int32_t>(outputs_.size());
  const std::int64_t T = episode_steps(cfg_);
  const std::int32_t nt = n_threads_used(n_threads, n);
  if (static_cast<std::int32_t>(work_.size()) < nt) work_.resize(static_cast<std::size_t>(nt));
  coef_.resize(static_cast<std::size_t>(n * N));
  eligs_.resize(static_cast<std::size_t>(n * N));
  end_rate_.resize(static_cast<std::size_t>(n * N));

  const TrainConfig& c = cfg_;
  const DetectorConfig det{DetectorType::kEma, c.rate_alpha, -INFINITY, -1};
  const std::int32_t* out = outputs_.data();
  const std::int32_t* col = net_.col().data();
  const float* W = net_.weight().data();
  const Network& net = net_;
  const std::int64_t n_plan = static_cast<std::int64_t>(plan_node_.size());
  const float temp = c.grad.temperature;
  losses_.assign(static_cast<std::size_t>(n), 0.0f);
  float* losses = losses_.data();

  detail::for_each_item(n, nt, poller, "training", [&](std::int64_t k, int tid) {
    Work& w = work_[static_cast<std::size_t>(tid)];
    const Episode& ep = eps[static_cast<std::size_t>(order[k])];
    State& st = w.state;
    st.reset(net);
    w.rate.assign(static_cast<std::size_t>(N), 0.0f);
    w.elig.assign(static_cast<std::size_t>(N), 0.0f);
    float* rate = w.rate.data();
    float* el = w.elig.data();
    const float a = c.rate_alpha, ka = 1.0f - a, lam = c.elig_lambda;
    const std::int64_t period = ep.period();
    const std::int64_t shift = shift_[static_cast<std::size_t>(k)];
    std::int64_t cursor = 0;
    for (std::int64_t t = 0; t < T; ++t) {
      inject_tick(ep, t, shift, period, st.input.data(), cursor);
      net.step_state(st);
      const std::uint8_t* mask = st.fired_mask.data();
      for (std::int32_t i = 0; i < N; ++i) {
        const float r = ka * rate[i] + a * (mask[i] ? 1.0f : 0.0f);
        rate[i] = r;
        el[i] = lam * el[i] + r;
      }
    }
    // metrics: argmax of the outputs' rates
    EpisodeMetrics& m = metrics[k];
    m.rates.resize(static_cast<std::size_t>(no));
    for (std::int32_t o = 0; o < no; ++o) m.rates[static_cast<std::size_t>(o)] = rate[out[o]];
    detect_winner(m.rates.data(), no, det, m.winner, m.margin);
    m.ticks_run = T;
    // loss gradient at the outputs: (softmax(r / T) - onehot) / T
    const std::int32_t target = ep.target;
    float mx = m.rates[0] / temp;
    for (std::int32_t o = 1; o < no; ++o) mx = std::max(mx, m.rates[static_cast<std::size_t>(o)] / temp);
    float sum = 0.0f;
    w.g.resize(static_cast<std::size_t>(no));
    for (std::int32_t o = 0; o < no; ++o) {
      const float ex = std::exp(m.rates[static_cast<std::size_t>(o)] / temp - mx);
      w.g[static_cast<std::size_t>(o)] = ex;
      sum += ex;
    }
    losses[k] =
        -(m.rates[static_cast<std::size_t>(target)] / temp - mx - std::log(sum));
    // phi'(r) = c (1 - c), c = clamp(r, 0.05, 0.95)
    w.phi.resize(static_cast<std::size_t>(N));
    float* phi = w.phi.data();
    for (std::int32_t i = 0; i < N; ++i) {
      float r = rate[i];
      r = r < 0.05f ? 0.05f : (r > 0.95f ? 0.95f : r);
      phi[i] = r * (1.0f - r);
    }
    float* cf = coef_.data() + k * N;
    std::fill(cf, cf + N, 0.0f);
    for (std::int32_t o = 0; o < no; ++o) {
      float p = w.g[static_cast<std::size_t>(o)] / sum;
      if (o == target) p -= 1.0f;
      cf[out[o]] = (p / temp) * phi[out[o]];
    }
    // carry back: g_j = sum over j->k (k nearer the outputs) of w * phi'(k) g_k
    for (std::int64_t s = 0; s < n_plan; ++s) {
      const std::int32_t j = plan_node_[static_cast<std::size_t>(s)];
      float g = 0.0f;
      for (std::int64_t p = plan_ptr_[static_cast<std::size_t>(s)]; p < plan_ptr_[static_cast<std::size_t>(s) + 1]; ++p) {
        const std::int64_t q = plan_edge_[static_cast<std::size_t>(p)];
        g += W[q] * cf[col[q]];
      }
      cf[j] = g * phi[j];
    }
    std::copy(el, el + N, eligs_.begin() + k * N);
    std::copy(rate, rate + N, end_rate_.begin() + k * N);
  });

  // ---- the batch gradient, summed in episode order: dL/dw(j->k) = g_k phi'(k) E_j
  grad_.assign(static_cast<std::size_t>(E), 0.0f);
  const std::int64_t* rp = net_.row_ptr().data();
  for (std::int64_t k = 0; k < n; ++k) {
    loss_sum += losses[k];
    const float* cf = coef_.data() + k * N;
    const float* el = eligs_.data() + k * N;
    for (std::int32_t i = 0; i < N; ++i) {
      const float Ei = el[i];
      if (Ei == 0.0f) continue;
      for (std::int64_t q = rp[i]; q < rp[i + 1]; ++q) grad_[static_cast<std::size_t>(q)] += cf[col[q]] * Ei;
    }
  }
  const float inv_n = 1.0f / static_cast<float>(n);
  float clip_scale = 1.0f;
  if (c.grad.clip_grad_norm > 0.0f) {
    double ss = 0.0;
    for (std::int64_t q = 0; q < E; ++q) {
      const double g = static_cast<double>(grad_[static_cast<std::size_t>(q)] * inv_n);
      ss += g * g;
    }
    const double norm = std::sqrt(std::max(1e-30, ss));
    if (norm > static_cast<double>(c.grad.clip_grad_norm))
      clip_scale = static_cast<float>(static_cast<double>(c.grad.clip_grad_norm) / norm);
  }

  // ---- optimizer step
  float* Wm = net_.weight_data();
  const float lr = c.lr * lr_scale_;
  const float wd = c.weight_decay;
  const Optimizer opt = c.grad.optimizer;
  if (opt == Optimizer::kSgd) {
    const float mu = c.grad.momentum;
    for (std::int64_t q = 0; q < E; ++q) {
      float g = grad_[static_cast<std::size_t>(q)] * inv_n * clip_scale;
      if (wd > 0.0f) g += wd * Wm[q];  // L2 in the gradient (coupled)
      float& v = m1_[static_cast<std::size_t>(q)];
      v = mu * v + g;
      Wm[q] -= lr * v;
    }
  } else {
    ++adam_step_;
    const float b1 = c.grad.adam_beta1, b2 = c.grad.adam_beta2, eps = c.grad.adam_eps;
    const double bias1 = 1.0 - std::pow(static_cast<double>(b1), static_cast<double>(adam_step_));
    const double bias2 = 1.0 - std::pow(static_cast<double>(b2), static_cast<double>(adam_step_));
    const bool decoupled = opt == Optimizer::kAdamW;
    for (std::int64_t q = 0; q < E; ++q) {
      float g = grad_[static_cast<std::size_t>(q)] * inv_n * clip_scale;
      if (wd > 0.0f) {
        if (decoupled) Wm[q] -= lr * wd * Wm[q];
        else g += wd * Wm[q];
      }
      float& m = m1_[static_cast<std::size_t>(q)];
      float& v = m2_[static_cast<std::size_t>(q)];
      m = b1 * m + (1.0f - b1) * g;
      v = b2 * v + (1.0f - b2) * (g * g);
      const double mhat = static_cast<double>(m) / (bias1 > 1e-20 ? bias1 : 1.0);
      const double vhat = static_cast<double>(v) / (bias2 > 1e-20 ? bias2 : 1.0);
      Wm[q] -= lr * static_cast<float>(mhat / (std::sqrt(vhat) + static_cast<double>(eps)));
    }
  }
  clip_weights();

  for (std::int32_t i = 0; i < N; ++i) {
    float s = 0.0f;
    for (std::int64_t k = 0; k < n; ++k) s += end_rate_[static_cast<std::size_t>(k * N + i)];
    rate_[static_cast<std::size_t>(i)] = s / static_cast<float>(n);
  }
  prune_small(false);
  grow();
  intrinsic_plasticity();
}

}  // namespace glia
