// The surrogate-gradient trainer: exact back-propagation through time of the engine's own
// step with a fast-sigmoid surrogate for the spike, the shared optimizer and batching.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "glia/error.hpp"
#include "glia/trainer.hpp"
#include "parallel_items.hpp"

namespace glia {

namespace {

/// Floats of per-episode gradient rows held at once: a batch's episodes run in waves of
/// at least one episode per thread and at most this many gradient floats, each wave's
/// rows added into the batch gradient in episode order.
constexpr std::int64_t kRowBudget = std::int64_t{1} << 21;

/// g[q] += d[q] for q < n (vectorises: the arrays cannot overlap).
void add_run(float* __restrict g, const float* __restrict d, std::int64_t n) noexcept {
  for (std::int64_t q = 0; q < n; ++q) g[q] += d[q];
}

inline std::int64_t words_of(std::int32_t n) noexcept { return (static_cast<std::int64_t>(n) + 63) / 64; }

}  // namespace

void SurrogateTrainer::episode(const Episode& ep, std::int64_t shift, Work& w, EpisodeMetrics& m,
                               float& loss, float* grad_row, float* rates) const {
  const std::int64_t T = forward(ep, shift, w, m, rates);
  // the loss: dL/dr_o = (softmax(r / temp) - onehot) / temp
  const float temp = cfg_.grad.temperature;
  const std::int32_t no = static_cast<std::int32_t>(outputs_.size());
  w.ell.resize(static_cast<std::size_t>(no));
  float* ell = w.ell.data();
  loss = softmax_xent(m.rates.data(), no, ep.target, temp, ell);
  for (std::int32_t o = 0; o < no; ++o) ell[o] = (ell[o] - (o == ep.target ? 1.0f : 0.0f)) / temp;
  backward(T, w, grad_row);
}

std::int64_t SurrogateTrainer::forward(const Episode& ep, std::int64_t shift, Work& w,
                                       EpisodeMetrics& m, float* rates) const {
  const TrainConfig& c = cfg_;
  const std::int32_t N = net_.size();
  const auto uN = static_cast<std::size_t>(N);
  const std::int32_t no = static_cast<std::int32_t>(outputs_.size());
  State& st = w.state;
  const std::int64_t T = begin_episode(ep, st, m);
  const std::int64_t words = words_of(N);
  const float* lk = net_.leak().data();
  // the engine's step (on team_ threads), keeping v_t and s_t
  w.v.resize(static_cast<std::size_t>(T) * uN);
  w.bits.assign(static_cast<std::size_t>(T * words), 0);
  w.vprev.resize(uN);
  w.acc.resize(uN);
  w.rho.assign(uN, 0.0f);
  w.wt.resize(static_cast<std::size_t>(T));
  OutputDetector det(c, T, outputs_.data(), no, m.rates.data());
  for (std::int64_t t = 0; t < T; ++t) w.wt[static_cast<std::size_t>(t)] = det.weight(t);
  float* rho = w.rho.data();
  float* vprev = w.vprev.data();
  float* acc = w.acc.data();
  auto before = [vprev, acc](std::int32_t a, std::int32_t b, const State& s) {
    const auto n = static_cast<std::size_t>(b - a) * sizeof(float);
    std::memcpy(vprev + a, s.value.data() + a, n);
    std::memcpy(acc + a, s.input.data() + a, n);
  };
  auto after = [&](std::int64_t t, const State& s) {
    float* vt = w.v.data() + t * N;
    std::memcpy(vt, s.value.data(), uN * sizeof(float));  // v_t where nothing fired
    std::uint64_t* bt = w.bits.data() + t * words;
    const float wgt = w.wt[static_cast<std::size_t>(t)];
    for (std::int32_t p = 0; p < s.n_fired; ++p) {
      const std::int32_t i = s.fired[static_cast<std::size_t>(p)];
      const float u = lk[i] * vprev[i] + acc[i];
      vt[i] = u > 0.0f ? u : 0.0f;  // before the reset
      bt[i >> 6] |= std::uint64_t{1} << (i & 63);
      rho[i] += wgt;
    }
    det.update(t, s.fired_mask.data());
  };
  EpisodeIO io(ep, shift, after, before);
  net_.run(st, io, T, nullptr, team_);
  det.finish();
  detect_winner(m.rates.data(), no, c.detector, m.winner, m.margin);
  m.ticks_run = T;
  std::copy(rho, rho + N, rates);
  return T;
}

void SurrogateTrainer::backward(std::int64_t T, Work& w, float* grad_row) const {
  // dnext = dL/du_{t+1}, dcur = dL/du_t
  const std::int32_t N = net_.size();
  const auto uN = static_cast<std::size_t>(N);
  const std::int64_t words = words_of(N);
  const float* lk = net_.leak().data();
  const float* thr = net_.threshold().data();
  const std::int64_t* rp = net_.row_ptr().data();
  const std::int32_t* col = net_.col().data();
  const float* W = net_.weight().data();
  const float* ell = w.ell.data();
  const float k = cfg_.grad.surrogate_slope;
  w.dnext.assign(uN, 0.0f);
  w.dcur.assign(uN, 0.0f);
  float* dnext = w.dnext.data();
  float* dcur = w.dcur.data();
  const std::int32_t* gs_list = grad_set_.data();
  const std::int64_t n_gs = static_cast<std::int64_t>(grad_set_.size());
  const std::int32_t* opos = out_pos_.data();
  const std::uint8_t* run = run_.data();
  for (std::int64_t t = T - 1; t >= 0; --t) {
    const float* vt = w.v.data() + t * N;
    const std::uint64_t* bt = w.bits.data() + t * words;
    const bool later = t + 1 < T;  // dL/du_{t+1} is not all zero
    if (later) {  // dL/dw(j->i) += s_t[j] dL/du_{t+1}[i]: spikes x fan-out
      for (std::int64_t b = 0; b < words; ++b) {
        std::uint64_t x = bt[b];
        while (x != 0) {
          const std::int32_t j = static_cast<std::int32_t>(b * 64 + __builtin_ctzll(x));
          x &= x - 1;
          const std::int64_t b0 = rp[j], e0 = rp[j + 1];
          if (b0 == e0) continue;
          if (run[j])  // targets col[b0] .. col[b0] + (e0 - b0) - 1: a plain vector add
            add_run(grad_row + b0, dnext + col[b0], e0 - b0);
          else
            for (std::int64_t q = b0; q < e0; ++q) grad_row[q] += dnext[col[q]];
        }
      }
    }
    const float wgt = w.wt[static_cast<std::size_t>(t)];
    for (std::int64_t g = 0; g < n_gs; ++g) {
      const std::int32_t j = gs_list[g];
      const float v = vt[j];
      if (!(v > 0.0f)) {  // dv/du = [u > 0]
        dcur[j] = 0.0f;
        continue;
      }
      const bool s = ((bt[j >> 6] >> (j & 63)) & 1u) != 0;
      float ds = 0.0f;  // dL/ds_t[j]: the loss, then every edge j->i
      if (opos[j] >= 0) ds = wgt * ell[opos[j]];
      if (later)
        for (std::int64_t q = rp[j]; q < rp[j + 1]; ++q) ds += W[q] * dnext[col[q]];
      const float d = 1.0f + k * std::fabs(v - thr[j]);
      float dv = ds / (d * d);
      if (!s && later) dv += lk[j] * dnext[j];  // through V_t = v_t (reset detached)
      dcur[j] = dv;
    }
    std::swap(dnext, dcur);
  }
}

double SurrogateTrainer::accumulate(const Batch& b) {
  const std::int64_t n = b.n;
  const int nt = begin_batch(work_, n, b.n_threads);
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
    const std::int64_t* rp = net_.row_ptr().data();
    const std::int32_t* col = net_.col().data();
    run_.assign(static_cast<std::size_t>(N), 0);
    for (std::int32_t j = 0; j < N; ++j) {
      const std::int64_t b = rp[j], e = rp[j + 1];
      run_[static_cast<std::size_t>(j)] = e > b && col[e - 1] - col[b] == e - b - 1;
    }
  }
  const std::int64_t wave = std::min<std::int64_t>(
      n, std::max<std::int64_t>(nt, kRowBudget / std::max<std::int64_t>(E, 1)));
  // the batch's first episode writes its gradient straight into grad_ (0 + x == x), the
  // others into rows_, added in episode order after their wave
  rows_.resize(static_cast<std::size_t>((n <= wave ? wave - 1 : wave) * E));
  end_rate_.resize(static_cast<std::size_t>(n * N));
  losses_.assign(static_cast<std::size_t>(n), 0.0f);
  grad_.assign(static_cast<std::size_t>(E), 0.0f);
  auto row_of = [&](std::int64_t k, std::int64_t k0) {
    return k == 0 ? grad_.data() : rows_.data() + (k - k0 - (k0 == 0 ? 1 : 0)) * E;
  };
  for (std::int64_t k0 = 0; k0 < n; k0 += wave) {
    const std::int64_t m = std::min(wave, n - k0);
    detail::for_each_item(m, nt, b.poller, "training", [&](std::int64_t r, int tid) {
      const std::int64_t k = k0 + r;
      float* row = row_of(k, k0);
      if (k > 0) std::fill(row, row + E, 0.0f);
      episode(b.episode(k), shift_[static_cast<std::size_t>(k)],
              work_[static_cast<std::size_t>(tid)], b.metrics[k], losses_[static_cast<std::size_t>(k)],
              row, end_rate_.data() + k * N);
    });
    for (std::int64_t k = std::max<std::int64_t>(k0, 1); k < k0 + m; ++k) {  // in episode order
      const float* row = row_of(k, k0);
      for (std::int64_t q = 0; q < E; ++q) grad_[static_cast<std::size_t>(q)] += row[q];
    }
  }
  double loss_sum = 0.0;
  for (std::int64_t k = 0; k < n; ++k) loss_sum += losses_[static_cast<std::size_t>(k)];
  return loss_sum;
}

double SurrogateTrainer::run_batch(const Batch& b) {
  const double loss_sum = accumulate(b);
  const std::int64_t n = b.n;
  // the optimizer steps on w / scale: dL/d(w / scale_i) = scale_i dL/dw (scale_ as of
  // the batch start: begin_batch)
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
    f(w.state.value), f(w.state.input), f(w.state.fired_mask), f(w.state.fired);
    f(w.v), f(w.bits), f(w.vprev), f(w.acc), f(w.dnext), f(w.dcur), f(w.wt), f(w.ell), f(w.rho);
  }
  f(grad_set_), f(out_pos_), f(run_), f(rows_), f(grad_), f(end_rate_), f(losses_);
  return b;
}

}  // namespace glia
