#include "glia/episode.hpp"
#include "glia/threads.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <numeric>
#include <string>

#include "glia/config_fields.hpp"
#include "glia/error.hpp"
#include "parallel_items.hpp"

namespace glia {

void Episode::sort() {
  const std::size_t n = tick.size();
  if (std::is_sorted(tick.begin(), tick.end())) return;
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return tick[a] < tick[b]; });
  std::vector<std::int32_t> t2(n), n2(n);
  std::vector<float> v2(n);
  for (std::size_t k = 0; k < n; ++k) {
    t2[k] = tick[order[k]];
    n2[k] = neuron[order[k]];
    v2[k] = value[order[k]];
  }
  tick.swap(t2);
  neuron.swap(n2);
  value.swap(v2);
}

std::int64_t Episode::period() const noexcept {
  std::int64_t p = tick.empty() ? 0 : static_cast<std::int64_t>(tick.back()) + 1;
  return std::max(p, dense != nullptr ? dense_ticks : std::int64_t{0});
}

Episode episode_from_sequence(const Sequence& seq, const Network& net, std::int32_t target) {
  Episode ep;
  const auto& names = seq.names();
  std::vector<std::int32_t> idx(names.size());
  for (std::size_t k = 0; k < names.size(); ++k) idx[k] = net.index(names[k]);  // KeyError
  const auto& ev = seq.events();
  ep.tick.reserve(ev.size());
  ep.neuron.reserve(ev.size());
  ep.value.reserve(ev.size());
  for (const auto& e : ev) {
    if (e.tick > kMaxTick) throw ValueError("sequence tick out of range");
    ep.add(static_cast<std::int32_t>(e.tick), idx[static_cast<std::size_t>(e.name)], e.value);
  }
  ep.length = seq.length();
  ep.loop = seq.loop;
  ep.target = target;
  return ep;
}

void check_episode(const Episode& ep, const Network& net, std::int32_t n_outputs,
                   bool require_target, std::int64_t index) {
  auto where = [index] { return "episode " + std::to_string(index) + ": "; };
  const std::size_t n = ep.tick.size();
  if (ep.neuron.size() != n || ep.value.size() != n)
    throw ValueError(where() + "tick, neuron and value arrays differ in length");
  // each event's problems as bits (the rules written once), or-ed over the events in one
  // pass without branches; the first bad event is looked for only when there is one
  const std::int32_t* tk = ep.tick.data();
  const std::int32_t* nr = ep.neuron.data();
  const float* vl = ep.value.data();
  const std::int32_t N = net.size();
  enum : int { kNegativeTick = 1, kUnsorted = 2, kNeuronRange = 4, kNonFinite = 8 };
  auto problems = [&](std::size_t k) {
    return (tk[k] < 0 ? kNegativeTick : 0) | (k > 0 && tk[k] < tk[k - 1] ? kUnsorted : 0) |
           (nr[k] < 0 || nr[k] >= N ? kNeuronRange : 0) |
           (std::fabs(vl[k]) <= std::numeric_limits<float>::max() ? 0 : kNonFinite);
  };
  int bad = 0;
  for (std::size_t k = 0; k < n; ++k) bad |= problems(k);
  for (std::size_t k = 0; bad && k < n; ++k) {
    const int p = problems(k);
    if (p & kNegativeTick) throw ValueError(where() + "negative tick");
    if (p & kUnsorted) throw ValueError(where() + "events not sorted by tick");
    if (p & kNeuronRange)
      throw ValueError(where() + "neuron index " + std::to_string(nr[k]) + " out of range");
    if (p & kNonFinite) throw ValueError(where() + "non-finite event value");
  }
  if (ep.dense != nullptr) {
    if (ep.dense_ticks < 0) throw ValueError(where() + "negative dense tick count");
    if (ep.dense_width != net.num_sensory())
      throw ValueError(where() + "dense input has " + std::to_string(ep.dense_width) +
                       " columns, the network has " + std::to_string(net.num_sensory()) +
                       " sensory neurons");
  }
  if (require_target && (ep.target < 0 || ep.target >= n_outputs))
    throw ValueError(where() + "target " + std::to_string(ep.target) + " is not an index into the " +
                     std::to_string(n_outputs) + " outputs");
  if (!require_target && (ep.target < -1 || ep.target >= n_outputs))
    throw ValueError(where() + "target " + std::to_string(ep.target) + " out of range");
}

std::vector<std::int32_t> default_outputs(const Network& net) {
  std::vector<std::int32_t> out;
  for (std::int32_t i = 0; i < net.size(); ++i)
    if (net.kind(i) == NeuronKind::kOutput) out.push_back(i);
  return out;
}

void check_outputs(const Network& net, const std::vector<std::int32_t>& outputs) {
  if (outputs.empty()) throw ValueError("outputs: the network has no output (O) neurons and none were given");
  std::vector<std::int32_t> s(outputs);
  std::sort(s.begin(), s.end());
  for (std::size_t k = 0; k < s.size(); ++k) {
    if (s[k] < 0 || s[k] >= net.size())
      throw ValueError("outputs: neuron index " + std::to_string(s[k]) + " out of range");
    if (k > 0 && s[k] == s[k - 1])
      throw ValueError("outputs: neuron index " + std::to_string(s[k]) + " listed twice");
  }
}

void detect_winner(const float* rates, std::int32_t n, const DetectorConfig& det,
                   std::int32_t& winner, float& margin) noexcept {
  winner = -1;
  margin = 0.0f;
  if (n <= 0) return;
  std::int32_t best = 0;
  float top = rates[0], second = -INFINITY;
  for (std::int32_t k = 1; k < n; ++k) {
    const float r = rates[k];
    if (r > top) {
      second = top;
      top = r;
      best = k;
    } else if (r > second) {
      second = r;
    }
  }
  // a tie at the top is no decision: counting it for the first output would score a
  // network whose outputs are all silent (or all equal) as right on that class
  const bool tie = n >= 2 && second == top;
  winner = (top < det.threshold || tie) ? det.default_id : best;
  if (n >= 2) margin = top - second;
}

namespace {

/// input[c] += x[c] for every column, zeros included: adding +0.0 changes at most the sign
/// of a zero accumulator, which the clamp V = max(0, ...) removes, and without a branch per
/// column the loop vectorises (a branch on Poisson-coded input mispredicts often).
void add_dense_row(float* __restrict input, const float* __restrict x, std::int32_t width) noexcept {
  for (std::int32_t c = 0; c < width; ++c) input[c] += x[c];
}

/// The input tick that step `t` reads (delayed by `shift`, wrapped when looping), or -1.
std::int64_t input_tick(const Episode& ep, std::int64_t t, std::int64_t shift,
                        std::int64_t period) noexcept {
  std::int64_t s = t - shift;
  if (s < 0) return -1;
  if (ep.loop && period > 0) s %= period;
  return s;
}

/// Calls fn(neuron, value) for the sparse events of input tick `s`, in order. The cursor
/// only moves forward, except when the input starts over (s == 0).
template <class F>
void sparse_events_at(const Episode& ep, std::int64_t s, std::int64_t& cursor, F&& fn) {
  const std::int64_t n = static_cast<std::int64_t>(ep.tick.size());
  if (n == 0) return;
  if (s == 0) cursor = 0;
  const std::int32_t* tk = ep.tick.data();
  while (cursor < n && tk[cursor] < s) ++cursor;
  for (; cursor < n && tk[cursor] == s; ++cursor)
    fn(ep.neuron[static_cast<std::size_t>(cursor)], ep.value[static_cast<std::size_t>(cursor)]);
}

}  // namespace

float softmax_xent(const float* r, std::int32_t n, std::int32_t target, float temperature,
                   float* probs) noexcept {
  if (n <= 0) return 0.0f;
  const double T = temperature > 0.0f ? temperature : 1.0;
  double mx = r[0] / T;
  for (std::int32_t k = 1; k < n; ++k) mx = std::max(mx, r[k] / T);
  double s = 0.0;
  for (std::int32_t k = 0; k < n; ++k) s += std::exp(r[k] / T - mx);
  if (probs != nullptr)
    for (std::int32_t k = 0; k < n; ++k) probs[k] = static_cast<float>(std::exp(r[k] / T - mx) / s);
  if (target < 0 || target >= n) return 0.0f;
  return static_cast<float>(-(r[target] / T - mx - std::log(s)));
}

namespace {

/// Rates, winner and margin of a finished detector into `m`.
void finish_metrics(OutputDetector& det, const TrainConfig& cfg, const std::vector<float>& rates,
                    std::int64_t ticks, EpisodeMetrics& m) {
  det.finish();
  m.rates.assign(rates.begin(), rates.end());
  detect_winner(m.rates.data(), static_cast<std::int32_t>(m.rates.size()), cfg.detector,
                m.winner, m.margin);
  m.ticks_run = ticks;
}

}  // namespace

void inject_tick(const Episode& ep, std::int64_t t, std::int64_t shift, std::int64_t period,
                 float* input, std::int64_t& cursor) noexcept {
  const std::int64_t s = input_tick(ep, t, shift, period);
  if (s < 0) return;
  sparse_events_at(ep, s, cursor, [input](std::int32_t c, float v) { input[c] += v; });
  if (ep.dense != nullptr && s < ep.dense_ticks)
    add_dense_row(input, ep.dense + s * ep.dense_width, ep.dense_width);
}

void inject_range(const Episode& ep, std::int64_t t, std::int64_t shift, std::int64_t period,
                  std::int32_t a, std::int32_t b, float* input) noexcept {
  const std::int64_t s = input_tick(ep, t, shift, period);
  if (s < 0) return;
  // the events of tick s, in order (ticks are sorted: check_episode)
  const auto first = std::lower_bound(ep.tick.begin(), ep.tick.end(), s,
                                      [](std::int32_t x, std::int64_t v) { return x < v; });
  for (auto k = static_cast<std::size_t>(first - ep.tick.begin()); k < ep.tick.size() && ep.tick[k] == s; ++k) {
    const std::int32_t c = ep.neuron[k];
    if (c >= a && c < b) input[c] += ep.value[k];
  }
  if (ep.dense != nullptr && s < ep.dense_ticks) {
    const std::int32_t end = std::min(b, ep.dense_width);
    if (end > a) add_dense_row(input + a, ep.dense + s * ep.dense_width + a, end - a);
  }
}

void evaluate_episode(const Network& net, const Episode& ep, const TrainConfig& cfg,
                      const std::vector<std::int32_t>& outputs, EpisodeWorkspace& ws,
                      EpisodeMetrics& m, int n_threads) {
  State& st = ws.state;
  st.reset(net);
  const std::int64_t T = episode_steps(cfg, ep);
  ws.det.resize(outputs.size());
  OutputDetector det(cfg, T, outputs.data(), static_cast<std::int32_t>(outputs.size()), ws.det.data());
  EpisodeIO io(ep, 0, [&det](std::int64_t t, const State& s) { det.update(t, s.fired_mask.data()); });
  net.run(st, io, T, n_threads);
  finish_metrics(det, cfg, ws.det, T, m);
}

DenseModel::DenseModel(const Network& net) : n(net.size()), stride((net.size() + 7) / 8 * 8) {
  const auto un = static_cast<std::size_t>(n), us = static_cast<std::size_t>(stride);
  w.assign(un * us, 0.0f);
  const auto& rp = net.row_ptr();
  const auto& col = net.col();
  const auto& wt = net.weight();
  for (std::size_t j = 0; j < un; ++j)
    for (std::int64_t q = rp[j]; q < rp[j + 1]; ++q)
      w[j * us + static_cast<std::size_t>(col[static_cast<std::size_t>(q)])] = wt[static_cast<std::size_t>(q)];
  // padding neurons: V stays 0 and never exceeds an infinite threshold
  threshold.assign(us, INFINITY);
  leak.assign(us, 0.0f);
  resting.assign(us, 0.0f);
  std::copy(net.threshold().begin(), net.threshold().end(), threshold.begin());
  std::copy(net.leak().begin(), net.leak().end(), leak.begin());
  std::copy(net.resting().begin(), net.resting().end(), resting.begin());
}

namespace {

/// Input rows for ticks [t0, t0 + rows) of `ep`, each `stride` wide, into `x` (zeroed
/// first), the injections of a tick summed as `inject_tick` would. A row where some neuron
/// gets two nonzero values cannot be added as one sum with the exact result of adding them
/// one by one into the accumulator: it is left zero and `row_cursor[r]` keeps the sparse
/// cursor to replay it with `inject_tick`; every other row gets -1.
void input_rows(const Episode& ep, std::int64_t t0, std::int64_t rows, std::int64_t period,
                std::int32_t stride, float* x, std::int64_t* row_cursor,
                std::int64_t& cursor) noexcept {
  std::fill(x, x + rows * stride, 0.0f);
  for (std::int64_t r = 0; r < rows; ++r) {
    float* row = x + r * stride;
    row_cursor[r] = -1;
    const std::int64_t s = input_tick(ep, t0 + r, 0, period);
    const std::int64_t before = cursor;
    bool exact = true;
    auto add = [&](std::int32_t c, float v) {
      if (v == 0.0f) return;
      if (row[c] != 0.0f) exact = false;
      row[c] += v;
    };
    sparse_events_at(ep, s, cursor, add);
    if (ep.dense != nullptr && s < ep.dense_ticks) {
      const float* d = ep.dense + s * ep.dense_width;
      for (std::int32_t c = 0; c < ep.dense_width; ++c) add(c, d[c]);
    }
    if (!exact) {
      std::fill(row, row + stride, 0.0f);
      row_cursor[r] = before;
    }
  }
}

/// I[b..b+8) = the sum, in order, of the rows of the `nf` fired neurons over the block:
/// eight accumulators held in registers, one whole-vector store per block.
void deliver_dense(float* __restrict I, const float* __restrict W, std::int32_t stride,
                   const std::int32_t* __restrict fired, std::int32_t nf) noexcept {
  for (std::int32_t b = 0; b < stride; b += 8) {
    float acc[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
    for (std::int32_t k = 0; k < nf; ++k) {
      const float* row = W + static_cast<std::size_t>(fired[k]) * static_cast<std::size_t>(stride) + b;
      for (int l = 0; l < 8; ++l) acc[l] += row[l];
    }
    for (int l = 0; l < 8; ++l) I[b + l] = acc[l];
  }
}

/// Rows of input prepared at a time (a block stays in L1 and its stores have left the
/// store buffer by the time a row is read).
constexpr std::int64_t kInputRows = 32;

}  // namespace

void evaluate_episode(const DenseModel& dm, const Episode& ep, const TrainConfig& cfg,
                      const std::vector<std::int32_t>& outputs, EpisodeWorkspace& ws,
                      EpisodeMetrics& m) {
  State& st = ws.state;
  const std::int32_t S = dm.stride;
  const auto us = static_cast<std::size_t>(S);
  st.value.assign(dm.resting.begin(), dm.resting.end());
  st.input.assign(us, 0.0f);
  st.fired_mask.assign(us, 0);
  st.fired.assign(us, 0);
  ws.x.resize(static_cast<std::size_t>(kInputRows) * us);
  ws.x_cursor.resize(static_cast<std::size_t>(kInputRows));
  float* V = st.value.data();
  float* I = st.input.data();
  std::uint8_t* mask = st.fired_mask.data();
  std::int32_t* fired = st.fired.data();
  const std::int64_t T = episode_steps(cfg, ep);
  ws.det.resize(outputs.size());
  OutputDetector det(cfg, T, outputs.data(), static_cast<std::int32_t>(outputs.size()), ws.det.data());
  const std::int64_t period = ep.period();
  const float* W = dm.w.data();
  std::int64_t cursor = 0;
  for (std::int64_t t0 = 0; t0 < T; t0 += kInputRows) {
    const std::int64_t rows = std::min(kInputRows, T - t0);
    input_rows(ep, t0, rows, period, S, ws.x.data(), ws.x_cursor.data(), cursor);
    for (std::int64_t r = 0; r < rows; ++r) {
      if (ws.x_cursor[static_cast<std::size_t>(r)] >= 0) {
        std::int64_t c = ws.x_cursor[static_cast<std::size_t>(r)];
        inject_tick(ep, t0 + r, 0, period, I, c);
      }
      // I + x is the accumulator after the injections, bit for bit (see input_rows)
      update_neurons(S, V, I, ws.x.data() + r * S, mask, dm.threshold.data(), dm.leak.data(),
                     dm.resting.data());
      deliver_dense(I, W, S, fired, collect_fired(mask, S, fired));
      det.update(t0 + r, mask);
    }
  }
  finish_metrics(det, cfg, ws.det, T, m);
}

EpisodeMetrics evaluate_episode(const Network& net, const Episode& ep, const TrainConfig& cfg,
                                const std::vector<std::int32_t>& outputs, int n_threads) {
  validate_config(cfg);
  check_outputs(net, outputs);
  check_episode(ep, net, static_cast<std::int32_t>(outputs.size()), false, 0);
  EpisodeWorkspace ws;
  EpisodeMetrics m;
  evaluate_episode(net, ep, cfg, outputs, ws, m, n_threads);
  return m;
}

namespace {

/// Each thread's scratch for evaluate_dataset, kept between calls (per thread, so never
/// shared). Buffers made afresh on every call were allocated by the pool's threads and
/// freed by the caller's; with glibc's per-thread caches that hands memory back and forth
/// between cores and made two threads slower than one on short evaluations. It holds one
/// network state per thread, sized for the largest network the thread has evaluated.
struct alignas(64) EvalScratch {
  EpisodeWorkspace ws;
  EpisodeMetrics m;
};

EvalScratch& eval_scratch() {
  static thread_local EvalScratch s;
  return s;
}

}  // namespace

DatasetMetrics evaluate_dataset(const Network& net, const std::vector<Episode>& episodes,
                                const TrainConfig& cfg,
                                const std::vector<std::int32_t>& outputs, int n_threads,
                                Hook hook, void* ctx, bool episodes_checked) {
  validate_config(cfg);
  check_outputs(net, outputs);
  const std::int32_t n_out = static_cast<std::int32_t>(outputs.size());
  const std::int64_t n = static_cast<std::int64_t>(episodes.size());
  if (!episodes_checked)
    for (std::int64_t i = 0; i < n; ++i)
      check_episode(episodes[static_cast<std::size_t>(i)], net, n_out, false, i);
  DatasetMetrics r;
  r.winners.assign(static_cast<std::size_t>(n), -1);
  r.margins.assign(static_cast<std::size_t>(n), 0.0f);
  r.rates.assign(static_cast<std::size_t>(n * n_out), 0.0f);
  std::unique_ptr<const DenseModel> dense;
  if (DenseModel::suits(net)) dense = std::make_unique<const DenseModel>(net);
  const int team = dense ? 1 : episode_team(net, n, n_threads);
  const int nt = team > 1 ? 1 : threads_for(n_threads, n);
  Poller poller(hook, ctx);
  detail::for_each_item(n, nt, &poller, "evaluate_dataset", [&](std::int64_t i, int) {
    EvalScratch& sc = eval_scratch();
    EpisodeMetrics& m = sc.m;
    const Episode& ep = episodes[static_cast<std::size_t>(i)];
    if (dense)
      evaluate_episode(*dense, ep, cfg, outputs, sc.ws, m);
    else
      evaluate_episode(net, ep, cfg, outputs, sc.ws, m, team);
    r.winners[static_cast<std::size_t>(i)] = m.winner;
    r.margins[static_cast<std::size_t>(i)] = m.margin;
    std::copy(m.rates.begin(), m.rates.end(), r.rates.begin() + i * n_out);
  });
  double msum = 0.0;
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int32_t t = episodes[static_cast<std::size_t>(i)].target;
    if (t >= 0 && r.winners[static_cast<std::size_t>(i)] == t) ++r.correct;
    msum += r.margins[static_cast<std::size_t>(i)];
  }
  if (n > 0) {
    r.accuracy = static_cast<double>(r.correct) / static_cast<double>(n);
    r.mean_margin = msum / static_cast<double>(n);
  }
  return r;
}

}  // namespace glia
