#include "glia/episode.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

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
  const std::string where = "episode " + std::to_string(index) + ": ";
  const std::size_t n = ep.tick.size();
  if (ep.neuron.size() != n || ep.value.size() != n)
    throw ValueError(where + "tick, neuron and value arrays differ in length");
  for (std::size_t k = 0; k < n; ++k) {
    if (ep.tick[k] < 0) throw ValueError(where + "negative tick");
    if (k > 0 && ep.tick[k] < ep.tick[k - 1]) throw ValueError(where + "events not sorted by tick");
    if (ep.neuron[k] < 0 || ep.neuron[k] >= net.size())
      throw ValueError(where + "neuron index " + std::to_string(ep.neuron[k]) + " out of range");
    if (!std::isfinite(ep.value[k])) throw ValueError(where + "non-finite event value");
  }
  if (ep.dense != nullptr) {
    if (ep.dense_ticks < 0) throw ValueError(where + "negative dense tick count");
    if (ep.dense_width != net.num_sensory())
      throw ValueError(where + "dense input has " + std::to_string(ep.dense_width) +
                       " columns, the network has " + std::to_string(net.num_sensory()) +
                       " sensory neurons");
  }
  if (require_target && (ep.target < 0 || ep.target >= n_outputs))
    throw ValueError(where + "target " + std::to_string(ep.target) + " is not an index into the " +
                     std::to_string(n_outputs) + " outputs");
  if (!require_target && (ep.target < -1 || ep.target >= n_outputs))
    throw ValueError(where + "target " + std::to_string(ep.target) + " out of range");
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
  winner = top < det.threshold ? det.default_id : best;
  if (n >= 2) margin = top - second;
}

void inject_tick(const Episode& ep, std::int64_t t, std::int64_t shift, std::int64_t period,
                 float* input, std::int64_t& cursor) noexcept {
  std::int64_t s = t - shift;
  if (s < 0) return;
  if (ep.loop && period > 0) s %= period;
  // sparse events: the cursor only moves forward, except when the input starts over
  const std::int64_t n = static_cast<std::int64_t>(ep.tick.size());
  if (n > 0) {
    if (s == 0) cursor = 0;
    const std::int32_t* tk = ep.tick.data();
    while (cursor < n && tk[cursor] < s) ++cursor;
    while (cursor < n && tk[cursor] == s) {
      input[ep.neuron[static_cast<std::size_t>(cursor)]] += ep.value[static_cast<std::size_t>(cursor)];
      ++cursor;
    }
  }
  if (ep.dense != nullptr && s < ep.dense_ticks) {
    const float* x = ep.dense + s * ep.dense_width;
    for (std::int32_t c = 0; c < ep.dense_width; ++c)
      if (x[c] != 0.0f) input[c] += x[c];
  }
}

void evaluate_episode(const Network& net, const Episode& ep, const TrainConfig& cfg,
                      const std::vector<std::int32_t>& outputs, EpisodeWorkspace& ws,
                      EpisodeMetrics& m) {
  State& st = ws.state;
  st.reset(net);
  const std::int32_t no = static_cast<std::int32_t>(outputs.size());
  ws.det.assign(static_cast<std::size_t>(no), 0.0f);
  float* det = ws.det.data();
  const std::int32_t* out = outputs.data();
  const float a = cfg.detector.alpha, keep = 1.0f - a;
  const std::int64_t T = static_cast<std::int64_t>(cfg.warmup_ticks) + cfg.decision_window;
  const std::int64_t period = ep.period();
  std::int64_t cursor = 0;
  for (std::int64_t t = 0; t < T; ++t) {
    inject_tick(ep, t, 0, period, st.input.data(), cursor);
    net.step_state(st);
    const std::uint8_t* mask = st.fired_mask.data();
    for (std::int32_t o = 0; o < no; ++o) det[o] = keep * det[o] + a * (mask[out[o]] ? 1.0f : 0.0f);
  }
  m.rates.assign(ws.det.begin(), ws.det.end());
  detect_winner(det, no, cfg.detector, m.winner, m.margin);
  m.ticks_run = T;
}

EpisodeMetrics evaluate_episode(const Network& net, const Episode& ep, const TrainConfig& cfg,
                                const std::vector<std::int32_t>& outputs) {
  validate_config(cfg);
  check_outputs(net, outputs);
  check_episode(ep, net, static_cast<std::int32_t>(outputs.size()), false, 0);
  EpisodeWorkspace ws;
  EpisodeMetrics m;
  evaluate_episode(net, ep, cfg, outputs, ws, m);
  return m;
}

DatasetMetrics evaluate_dataset(const Network& net, const std::vector<Episode>& episodes,
                                const TrainConfig& cfg,
                                const std::vector<std::int32_t>& outputs, int n_threads,
                                Hook hook, void* ctx, bool episodes_checked) {
  validate_config(cfg);
  check_outputs(net, outputs);
  const std::int32_t no = static_cast<std::int32_t>(outputs.size());
  const std::int64_t n = static_cast<std::int64_t>(episodes.size());
  if (!episodes_checked)
    for (std::int64_t i = 0; i < n; ++i)
      check_episode(episodes[static_cast<std::size_t>(i)], net, no, false, i);
  DatasetMetrics r;
  r.winners.assign(static_cast<std::size_t>(n), -1);
  r.margins.assign(static_cast<std::size_t>(n), 0.0f);
  r.rates.assign(static_cast<std::size_t>(n * no), 0.0f);
  const int nt = static_cast<int>(std::max<std::int64_t>(1, std::min<std::int64_t>(n_threads < 1 ? 1 : n_threads, n)));
  std::vector<EpisodeWorkspace> ws(static_cast<std::size_t>(nt));
  struct alignas(64) Slot { EpisodeMetrics m; };   // one cache line or more per thread
  std::vector<Slot> ms(static_cast<std::size_t>(nt));
  Poller poller(hook, ctx);
  detail::for_each_item(n, nt, &poller, "evaluate_dataset", [&](std::int64_t i, int tid) {
    EpisodeMetrics& m = ms[static_cast<std::size_t>(tid)].m;
    evaluate_episode(net, episodes[static_cast<std::size_t>(i)], cfg, outputs,
                     ws[static_cast<std::size_t>(tid)], m);
    r.winners[static_cast<std::size_t>(i)] = m.winner;
    r.margins[static_cast<std::size_t>(i)] = m.margin;
    std::copy(m.rates.begin(), m.rates.end(), r.rates.begin() + i * no);
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
