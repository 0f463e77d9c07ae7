#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "glia/config_fields.hpp"
#include "glia/episode.hpp"
#include "glia/error.hpp"
#include "glia/random.hpp"
#include "glia/trainer.hpp"
#include "helpers.hpp"

using namespace glia;

namespace {

/// S0 -> O0 and S1 -> O1, each strong enough that one spike makes the output fire.
Network two_channel_net() {
  return test_helpers::make_net({{"S0", 100.0f, 1.0f, 0.0f}, {"S1", 100.0f, 1.0f, 0.0f},
                                 {"O0", 0.5f, 1.0f, 0.0f}, {"O1", 0.5f, 1.0f, 0.0f}},
                                {{"S0", "O0", 1.0f}, {"S1", "O1", 1.0f}});
}

/// The detector's EMA over T ticks of a spike train given as a predicate.
template <class F>
float ema(float alpha, std::int64_t T, F fired) {
  const float keep = 1.0f - alpha;
  float r = 0.0f;
  for (std::int64_t t = 0; t < T; ++t) r = keep * r + alpha * (fired(t) ? 1.0f : 0.0f);
  return r;
}

// ---- the 3-class task: sensory k driven with p = 0.5 per tick (value 200), the others
// with noise p in [0.05, 0.2] (drawn per episode), 70 ticks; target k.
struct Task {
  std::vector<std::vector<float>> X;  // each ticks x 3, row-major
  std::vector<Episode> eps;
};

Task make_task(int n, std::uint64_t seed, int ticks = 70) {
  Task t;
  t.X.resize(static_cast<std::size_t>(n));
  Rng rng(stream_key(seed, 99));
  for (int i = 0; i < n; ++i) {
    const int cls = i % 3;
    const double noise = 0.05 + 0.15 * rng.uniform();
    auto& x = t.X[static_cast<std::size_t>(i)];
    x.assign(static_cast<std::size_t>(ticks) * 3, 0.0f);
    for (int k = 0; k < ticks; ++k)
      for (int c = 0; c < 3; ++c)
        if (rng.uniform() < (c == cls ? 0.5 : noise)) x[static_cast<std::size_t>(k * 3 + c)] = 200.0f;
  }
  t.eps.resize(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    Episode& ep = t.eps[static_cast<std::size_t>(i)];
    ep.set_dense(t.X[static_cast<std::size_t>(i)].data(), ticks, 3);
    ep.length = ticks;
    ep.target = i % 3;
  }
  return t;
}

/// 3 sensory (threshold 100), 12 hidden (threshold 1, leak 0.5), 3 outputs (threshold 1,
/// leak 0.5); S->H, H->O and S->O all-to-all with uniform random weights: S->H in
/// +-1.5, H->O in `ob` +- 1, S->O in +-`so`.
Network make_3class_net(std::uint64_t seed, float ob = 0.0f, float so = 0.0f) {
  Network net;
  const int H = 12;
  for (int i = 0; i < 3; ++i) net.add_neuron("S" + std::to_string(i), 100.0f, 1.0f, 0.0f);
  for (int i = 0; i < H; ++i) net.add_neuron("H" + std::to_string(i), 1.0f, 0.5f, 0.0f);
  for (int i = 0; i < 3; ++i) net.add_neuron("O" + std::to_string(i), 1.0f, 0.5f, 0.0f);
  Rng rng(stream_key(seed, 7));
  for (int s = 0; s < 3; ++s)
    for (int h = 0; h < H; ++h) net.set_edge(s, 3 + h, 1.5f * static_cast<float>(2 * rng.uniform() - 1));
  for (int h = 0; h < H; ++h)
    for (int o = 0; o < 3; ++o)
      net.set_edge(3 + h, 3 + H + o, ob + static_cast<float>(2 * rng.uniform() - 1));
  if (so > 0.0f)
    for (int s = 0; s < 3; ++s)
      for (int o = 0; o < 3; ++o) net.set_edge(s, 3 + H + o, so * static_cast<float>(2 * rng.uniform() - 1));
  return net;
}

void require_same_network(const Network& a, const Network& b) {
  REQUIRE(a.row_ptr() == b.row_ptr());
  REQUIRE(a.col() == b.col());
  REQUIRE(a.weight().size() == b.weight().size());
  for (std::size_t q = 0; q < a.weight().size(); ++q) REQUIRE(a.weight()[q] == b.weight()[q]);
  for (std::int32_t i = 0; i < a.size(); ++i) {
    REQUIRE(a.threshold()[static_cast<std::size_t>(i)] == b.threshold()[static_cast<std::size_t>(i)]);
    REQUIRE(a.leak()[static_cast<std::size_t>(i)] == b.leak()[static_cast<std::size_t>(i)]);
  }
}

}  // namespace

// ------------------------------------------------------------------------------------------
// episodes and evaluation

TEST_CASE("a tie at the top is no winner", "[trainer][eval]") {
  DetectorConfig d;
  std::int32_t w = 7;
  float m = 1.0f;
  const float tied[3] = {0.2f, 0.2f, 0.1f};
  detect_winner(tied, 3, d, w, m);
  REQUIRE(w == -1);
  REQUIRE(m == 0.0f);
  const float silent[2] = {0.0f, 0.0f};
  detect_winner(silent, 2, d, w, m);
  REQUIRE(w == -1);
  const float later[3] = {0.1f, 0.3f, 0.3f};
  d.default_id = 0;  // no decision gives the default output, as below the threshold
  detect_winner(later, 3, d, w, m);
  REQUIRE(w == 0);
  const float clear[3] = {0.1f, 0.3f, 0.2f};
  detect_winner(clear, 3, d, w, m);
  REQUIRE(w == 1);
  REQUIRE(m == Approx(0.1f));
}

TEST_CASE("evaluation gives the exact detector rates, winner and margin", "[trainer][eval]") {
  Network net = two_channel_net();
  TrainConfig cfg;  // GliaGL's detector: EMA alpha 0.05 over warmup 20 + window 50
  cfg.detector.type = DetectorType::kEma;
  cfg.warmup_ticks = 20;
  cfg.decision_window = 50;
  Episode ep;
  for (int t = 0; t < 70; ++t) ep.add(t, 0, 200.0f);  // S0 fires in every step ...
  ep.target = 0;
  const auto outs = default_outputs(net);
  REQUIRE(outs == std::vector<std::int32_t>{2, 3});
  EpisodeMetrics m = evaluate_episode(net, ep, cfg, outs);
  // ... so O0 fires from step 1 on (one step per edge), O1 never
  const float r0 = ema(0.05f, 70, [](std::int64_t t) { return t >= 1; });
  REQUIRE(m.ticks_run == 70);
  REQUIRE(m.winner == 0);
  REQUIRE(m.rates.size() == 2);
  REQUIRE(m.rates[0] == r0);
  REQUIRE(m.rates[1] == 0.0f);
  REQUIRE(m.margin == r0);

  // S1 every third tick: O1 fires one step after each of those
  Episode ep1;
  for (int t = 0; t < 70; t += 3) ep1.add(t, 1, 150.0f);
  EpisodeMetrics m1 = evaluate_episode(net, ep1, cfg, outs);
  const float r1 = ema(0.05f, 70, [](std::int64_t t) { return t % 3 == 1; });
  REQUIRE(m1.winner == 1);
  REQUIRE(m1.rates[0] == 0.0f);
  REQUIRE(m1.rates[1] == r1);

  // no input: nothing reaches the threshold, no winner; or the default output
  Episode empty;
  EpisodeMetrics m2 = evaluate_episode(net, empty, cfg, outs);
  REQUIRE(m2.winner == -1);
  REQUIRE(m2.margin == 0.0f);
  cfg.detector.default_id = 1;
  REQUIRE(evaluate_episode(net, empty, cfg, outs).winner == 1);

  // the default detector: spikes per tick over a window that runs to the input's end
  TrainConfig dflt;
  EpisodeMetrics c = evaluate_episode(net, ep, dflt, outs);
  REQUIRE(c.ticks_run == 70);
  REQUIRE(c.rates[0] == 69.0f * (1.0f / 70.0f));
  REQUIRE(c.rates[1] == 0.0f);
  dflt.warmup_ticks = 10;  // the warm-up is not counted; the window is what is left
  c = evaluate_episode(net, ep, dflt, outs);
  REQUIRE(c.ticks_run == 70);
  REQUIRE(c.rates[0] == 60.0f * (1.0f / 60.0f));
  dflt.decision_window = 100;  // an explicit window runs past the input's end
  c = evaluate_episode(net, ep, dflt, outs);
  REQUIRE(c.ticks_run == 110);
  REQUIRE(c.rates[0] == 61.0f * (1.0f / 100.0f));
}

TEST_CASE("dense, sparse and looped inputs inject before the step", "[trainer][eval]") {
  Network net = two_channel_net();
  TrainConfig cfg;
  cfg.detector.type = DetectorType::kEma;
  cfg.warmup_ticks = 0;
  cfg.decision_window = 30;
  const auto outs = default_outputs(net);
  // sparse: S1 at ticks 0 and 4, looped with period 5
  Episode sp;
  sp.add(0, 1, 200.0f);
  sp.add(4, 1, 200.0f);
  sp.loop = true;
  // dense: the same 5-tick pattern, looped
  std::vector<float> X(5 * 2, 0.0f);
  X[0 * 2 + 1] = 200.0f;
  X[4 * 2 + 1] = 200.0f;
  Episode de;
  de.set_dense(X.data(), 5, 2);
  de.loop = true;
  EpisodeMetrics a = evaluate_episode(net, sp, cfg, outs);
  EpisodeMetrics b = evaluate_episode(net, de, cfg, outs);
  // S1 fires at t with t % 5 in {0, 4}; O1 one step later
  const float r = ema(0.05f, 30, [](std::int64_t t) { return t >= 1 && ((t - 1) % 5 == 0 || (t - 1) % 5 == 4); });
  REQUIRE(a.rates[1] == r);
  REQUIRE(b.rates[1] == r);
  REQUIRE(a.winner == 1);
  // without loop only the first 5 ticks inject
  sp.loop = false;
  const float r_once = ema(0.05f, 30, [](std::int64_t t) { return t == 1 || t == 5; });
  REQUIRE(evaluate_episode(net, sp, cfg, outs).rates[1] == r_once);
}

TEST_CASE("episodes from sequences resolve ids; unknown ids are KeyErrors", "[trainer][eval]") {
  Network net = two_channel_net();
  Sequence seq;
  seq.add_event(3, "S1", 200.0f);
  seq.add_event(1, "S0", 200.0f);
  Episode ep = episode_from_sequence(seq, net, 1);
  REQUIRE(ep.tick == std::vector<std::int32_t>{1, 3});
  REQUIRE(ep.neuron == std::vector<std::int32_t>{0, 1});
  REQUIRE(ep.target == 1);
  seq.add_event(5, "H9", 1.0f);
  try {
    episode_from_sequence(seq, net, 0);
    FAIL("expected KeyError");
  } catch (const KeyError& e) {
    REQUIRE(std::string(e.what()).find("H9") != std::string::npos);
  }
}

TEST_CASE("evaluate_dataset is the same for 1 and 2 threads and counts correct", "[trainer][eval]") {
  Network net = make_3class_net(1);
  Task te = make_task(30, 5);
  TrainConfig cfg;
  const auto outs = default_outputs(net);
  DatasetMetrics a = evaluate_dataset(net, te.eps, cfg, outs, 1);
  DatasetMetrics b = evaluate_dataset(net, te.eps, cfg, outs, 2);
  REQUIRE(a.winners == b.winners);
  REQUIRE(a.margins == b.margins);
  REQUIRE(a.rates == b.rates);
  std::int64_t correct = 0;
  for (std::size_t i = 0; i < te.eps.size(); ++i) {
    EpisodeMetrics m = evaluate_episode(net, te.eps[i], cfg, outs);
    REQUIRE(m.winner == a.winners[i]);
    REQUIRE(m.margin == a.margins[i]);
    correct += m.winner == te.eps[i].target;
  }
  REQUIRE(a.correct == correct);
  REQUIRE(a.accuracy == Approx(static_cast<double>(correct) / 30.0));
}

TEST_CASE("the dense evaluation of small networks is bit-identical to the sparse one",
          "[trainer][eval][dense]") {
  // random networks around the dense form's padding and size limits, with negative
  // weights and thresholds, leaks in [0, 1], nonzero resting values; every neuron is an
  // output so every spike train is compared, and the final membrane values too
  for (const int n : {3, 8, 9, 18, 40, DenseModel::kMaxNeurons}) {
    for (int seed = 0; seed < 4; ++seed) {
      Rng rng(stream_key(static_cast<std::uint64_t>(seed), static_cast<std::uint64_t>(n), 11));
      Network net;
      const int ns = std::max(1, n / 4);
      for (int i = 0; i < n; ++i) {
        const float thr = static_cast<float>(i < ns ? 1.0 + rng.uniform() : -0.5 + 3.0 * rng.uniform());
        const float rest = static_cast<float>(rng.uniform() < 0.3 ? 0.5 * rng.uniform() : 0.0);
        net.add_neuron((i < ns ? "S" : "H") + std::to_string(i), thr,
                       static_cast<float>(rng.uniform()), rest);
      }
      for (int s = 0; s < n; ++s)
        for (int d = 0; d < n; ++d)
          if (s != d && rng.uniform() < 0.3)
            net.set_edge(s, d, static_cast<float>(2.5 * rng.uniform() - 1.0));
      for (int d = ns; d < n; ++d) net.set_edge(d % ns, d, 2.0f);  // every neuron is driven
      REQUIRE(DenseModel::suits(net));
      const DenseModel dm(net);
      REQUIRE(dm.stride % 8 == 0);
      REQUIRE(dm.stride >= n);

      // inputs: sparse events (some ticks with two values for one neuron, some zero
      // values), a dense block overlapping them, looping or not
      std::vector<float> X(static_cast<std::size_t>(37 * ns), 0.0f);
      for (auto& x : X)
        if (rng.uniform() < 0.2) x = static_cast<float>(3.0 * rng.uniform());
      std::vector<Episode> eps(6);
      for (std::size_t e = 0; e < eps.size(); ++e) {
        Episode& ep = eps[e];
        for (int t = 0; t < 45; ++t)
          for (int c = 0; c < ns; ++c) {
            const double u = rng.uniform();
            if (u < 0.15) ep.add(t, c, static_cast<float>(3.0 * rng.uniform()));
            if (u < 0.03) ep.add(t, c, static_cast<float>(rng.uniform()));  // same tick again
            if (u > 0.97) ep.add(t, c, 0.0f);
          }
        if (e % 2 == 1 || e == 4) ep.set_dense(X.data(), 37, ns);
        if (e == 4) ep.tick.clear(), ep.neuron.clear(), ep.value.clear();
        ep.loop = e >= 3;
      }
      TrainConfig cfg;
      cfg.warmup_ticks = 7;
      cfg.decision_window = 90;  // several input blocks, and past the loop period
      cfg.detector.alpha = 0.1f;
      std::vector<std::int32_t> outs(static_cast<std::size_t>(n));
      for (int i = 0; i < n; ++i) outs[static_cast<std::size_t>(i)] = i;
      for (const Episode& ep : eps) {
        INFO("n " << n << ", seed " << seed << ", episode " << (&ep - eps.data()));
        EpisodeWorkspace wd, ws;
        EpisodeMetrics md, ms;
        evaluate_episode(dm, ep, cfg, outs, wd, md);
        evaluate_episode(net, ep, cfg, outs, ws, ms);
        REQUIRE(md.rates == ms.rates);
        REQUIRE(md.winner == ms.winner);
        REQUIRE(md.margin == ms.margin);
        for (int i = 0; i < n; ++i)
          REQUIRE(wd.state.value[static_cast<std::size_t>(i)] == ws.state.value[static_cast<std::size_t>(i)]);
        // something happened: a comparison of silent networks would prove nothing
        REQUIRE(std::any_of(ms.rates.begin() + ns, ms.rates.end(), [](float r) { return r > 0.0f; }));
      }
      // and evaluate_dataset (which takes the dense form here) matches episode by episode
      DatasetMetrics dd = evaluate_dataset(net, eps, cfg, outs, 2);
      for (std::size_t e = 0; e < eps.size(); ++e) {
        EpisodeMetrics m = evaluate_episode(net, eps[e], cfg, outs);
        for (int i = 0; i < n; ++i)
          REQUIRE(dd.rates[e * static_cast<std::size_t>(n) + static_cast<std::size_t>(i)] ==
                  m.rates[static_cast<std::size_t>(i)]);
      }
    }
  }
}

TEST_CASE("bad configurations and episodes are refused with ValueError", "[trainer]") {
  Network net = two_channel_net();
  TrainConfig cfg;
  cfg.detector.alpha = 0.0f;
  REQUIRE_THROWS_AS(validate_config(cfg), ValueError);
  cfg = TrainConfig();
  cfg.batch_size = 0;
  REQUIRE_THROWS_AS(HebbianTrainer(net, cfg), ValueError);
  cfg = TrainConfig();
  HebbianTrainer tr(net, cfg);
  std::vector<Episode> eps(1);
  eps[0].add(0, 7, 1.0f);  // no neuron 7
  eps[0].target = 0;
  REQUIRE_THROWS_AS(tr.train_epoch(eps, 1), ValueError);
  eps[0] = Episode();
  eps[0].target = 2;  // only 2 outputs
  REQUIRE_THROWS_AS(tr.train_epoch(eps, 1), ValueError);
  std::vector<float> X(10 * 3);
  eps[0].target = 0;
  eps[0].set_dense(X.data(), 10, 3);  // 2 sensory neurons, not 3
  REQUIRE_THROWS_AS(tr.train_epoch(eps, 1), ValueError);
}

// ------------------------------------------------------------------------------------------
// determinism

namespace {

/// A configuration that exercises every random and structural path.
TrainConfig busy_config() {
  TrainConfig cfg;
  cfg.batch_size = 6;
  cfg.shuffle = true;
  cfg.timing_jitter = 3;
  cfg.weight_jitter_std = 0.05f;
  cfg.grow_edges = 2;
  cfg.prune_epsilon = 0.05f;
  cfg.prune_patience = 1;
  cfg.eta_theta = 0.01f;
  cfg.eta_leak = 0.01f;
  cfg.usage_boost_gain = 0.1f;
  cfg.inactive_rate_threshold = 0.02f;
  cfg.inactive_rate_patience = 2;
  cfg.prune_inactive_max = 1;
  cfg.prune_inactive_in = true;
  cfg.weight_clip = 2.0f;
  cfg.lr = 0.02f;
  cfg.grad.optimizer = Optimizer::kAdamW;
  cfg.grad.clip_grad_norm = 0.5f;
  cfg.grad.temperature = 0.2f;
  cfg.weight_decay = 0.001f;
  return cfg;
}

template <class T>
Network train_copy(const TrainConfig& cfg, int n_threads, const Task& task, int epochs) {
  Network net = make_3class_net(3, 0.5f, 1.0f);
  T tr(net, cfg);
  for (int e = 0; e < epochs; ++e) tr.train_epoch(task.eps, n_threads);
  net.validate();
  return net;
}

}  // namespace

TEMPLATE_TEST_CASE("training is bit-identical for 1 and 2 threads and per seed", "[trainer][openmp]",
                   HebbianTrainer, RateGDTrainer, SurrogateTrainer) {
  Task task = make_task(36, 11);
  TrainConfig cfg = busy_config();
  Network a = train_copy<TestType>(cfg, 1, task, 6);
  Network b = train_copy<TestType>(cfg, 2, task, 6);
  Network c = train_copy<TestType>(cfg, 2, task, 6);
  require_same_network(a, b);
  require_same_network(b, c);
  // the structure really changed (growth and pruning ran) and a new seed gives a new result
  Network fresh = make_3class_net(3, 0.5f, 1.0f);
  REQUIRE(a.col() != fresh.col());
  cfg.seed = 99;
  Network d = train_copy<TestType>(cfg, 2, task, 6);
  REQUIRE(d.weight() != a.weight());
}

TEST_CASE("growth follows the topology policy", "[trainer]") {
  Network net = make_3class_net(2);
  TrainConfig cfg;
  cfg.grow_edges = 5;
  cfg.init_weight = 0.25f;
  Task task = make_task(12, 3);
  const std::int64_t before = net.num_edges();
  HebbianTrainer tr(net, cfg);
  tr.train_epoch(task.eps, 1);
  REQUIRE(net.num_edges() > before);
  for (std::int32_t i = 0; i < net.size(); ++i)
    for (std::int64_t q = net.row_ptr()[static_cast<std::size_t>(i)]; q < net.row_ptr()[static_cast<std::size_t>(i) + 1]; ++q) {
      const std::int32_t d = net.col()[static_cast<std::size_t>(q)];
      REQUIRE(d != i);
      REQUIRE(net.kind(d) != NeuronKind::kSensory);
      // no edge into an output was grown: the outputs' inputs are still the initial ones
      if (net.kind(d) == NeuronKind::kOutput) REQUIRE(net.kind(i) != NeuronKind::kOutput);
    }
  std::int64_t into_outputs = 0;
  for (std::int32_t d : net.col()) into_outputs += net.kind(d) == NeuronKind::kOutput;
  REQUIRE(into_outputs == 12 * 3);
  net.validate();
}

// ------------------------------------------------------------------------------------------
// learning

// The configurations below are the documented examples for this task. Network: 3 sensory,
// 12 hidden (threshold 1, leak 0.5), 3 outputs (threshold 1, leak 0.5), all-to-all
// S->H (+-1.5), H->O (0.5 +- 1: outputs fire from the start) and S->O (+-1).
//
// Rate-gradient trainer: grad.optimizer = adam, lr = 0.01 (steps in |threshold|, as
// glia.datasets' THREE_CLASS_GRADIENT_CONFIG), grad.temperature = 0.1, batch_size 1, other
// fields default; 30 epochs of 60 episodes.
TEST_CASE("the rate-gradient trainer learns the 3-class task", "[trainer][learn]") {
  Task train = make_task(60, 1), test = make_task(90, 1001);
  Network net = make_3class_net(1, 0.5f, 1.0f);
  TrainConfig cfg;
  cfg.grad.optimizer = Optimizer::kAdam;
  cfg.grad.adam_unit = AdamUnit::kThreshold;
  cfg.lr = 0.01f;
  cfg.grad.temperature = 0.1f;
  RateGDTrainer tr(net, cfg);
  const double before = tr.evaluate_dataset(test.eps, 2).accuracy;
  auto hist = tr.train(train.eps, 30, 2);
  REQUIRE(hist.size() == 30);
  REQUIRE(tr.acc_history().size() == 30);
  REQUIRE(tr.loss_history().back() < tr.loss_history().front());
  const double after = tr.evaluate_dataset(test.eps, 2).accuracy;
  INFO("before " << before << " after " << after);
  REQUIRE(after >= 0.95);
}

// Reward-modulated trainer: reward_mode = margin_linear, reward_gain = 10, update_gating =
// winner_only, no_update_if_satisfied = true, use_advantage_baseline = false,
// weight_decay = 0, lr = 0.02 with a cosine lr_scale from 1 to 0.01 over 60 epochs,
// batch_size 1, other fields default. (Reward = how far the target leads; only the
// winner's input edges change: reinforced when it is right, weakened when it is wrong.)
TEST_CASE("the reward-modulated trainer learns the 3-class task", "[trainer][learn]") {
  Task train = make_task(60, 1), test = make_task(90, 1001);
  Network net = make_3class_net(1, 0.5f, 1.0f);
  TrainConfig cfg;
  cfg.reward_mode = RewardMode::kMarginLinear;
  cfg.reward_gain = 10.0f;
  cfg.update_gating = UpdateGating::kWinnerOnly;
  cfg.no_update_if_satisfied = true;
  cfg.use_advantage_baseline = false;
  cfg.weight_decay = 0.0f;
  cfg.lr = 0.02f;
  HebbianTrainer tr(net, cfg);
  const double before = tr.evaluate_dataset(test.eps, 2).accuracy;
  const int epochs = 60;
  for (int e = 0; e < epochs; ++e) {
    tr.set_lr_scale(0.01f + 0.99f * 0.5f * (1.0f + std::cos(3.14159265f * static_cast<float>(e) / epochs)));
    tr.train_epoch(train.eps, 2);
  }
  const double after = tr.evaluate_dataset(test.eps, 2).accuracy;
  INFO("before " << before << " after " << after);
  REQUIRE(after >= 0.90);
}

namespace {

/// XOR: S0, S1, a tonic neuron B (resting 1 > threshold 0.5: fires every step), 6 hidden,
/// O0 (even parity) and O1 (odd); S/B -> H and H/B -> O all-to-all, random.
Network xor_net(std::uint64_t seed) {
  Network net;
  net.add_neuron("S0", 100.0f, 1.0f, 0.0f);
  net.add_neuron("S1", 100.0f, 1.0f, 0.0f);
  net.add_neuron("B", 0.5f, 1.0f, 1.0f);
  const int H = 6;
  for (int h = 0; h < H; ++h) net.add_neuron("H" + std::to_string(h), 1.0f, 0.5f, 0.0f);
  net.add_neuron("O0", 1.0f, 0.5f, 0.0f);
  net.add_neuron("O1", 1.0f, 0.5f, 0.0f);
  Rng rng(stream_key(seed, 3));
  for (int s = 0; s < 3; ++s)
    for (int h = 0; h < H; ++h) net.set_edge(s, 3 + h, 1.5f * static_cast<float>(2 * rng.uniform() - 1));
  for (int h = 0; h <= H; ++h)
    for (int o = 0; o < 2; ++o)
      net.set_edge(h == H ? 2 : 3 + h, 3 + H + o, static_cast<float>(2 * rng.uniform() - 1));
  return net;
}

std::vector<Episode> xor_episodes() {
  std::vector<Episode> eps(4);
  for (int p = 0; p < 4; ++p) {
    const int a = p & 1, b = (p >> 1) & 1;
    for (int t = 0; t < 70; ++t) {
      if (a) eps[static_cast<std::size_t>(p)].add(t, 0, 200.0f);
      if (b) eps[static_cast<std::size_t>(p)].add(t, 1, 200.0f);
    }
    eps[static_cast<std::size_t>(p)].target = a ^ b;
  }
  return eps;
}

}  // namespace

// XOR with the rate-gradient trainer: adam (steps in |threshold|), lr 0.05, temperature 0.1,
// batch_size 4 (glia.datasets' XOR_CONFIG).
TEST_CASE("XOR trains to 4/4", "[trainer][learn]") {
  Network net = xor_net(1);
  std::vector<Episode> eps = xor_episodes();
  TrainConfig cfg;
  cfg.grad.optimizer = Optimizer::kAdam;
  cfg.grad.adam_unit = AdamUnit::kThreshold;
  cfg.lr = 0.05f;
  cfg.grad.temperature = 0.1f;
  cfg.batch_size = 4;
  cfg.warmup_ticks = 20;
  RateGDTrainer tr(net, cfg);
  REQUIRE(tr.evaluate_dataset(eps, 1).correct < 4);
  tr.train(eps, 100, 1);
  REQUIRE(tr.evaluate_dataset(eps, 1).correct == 4);
}

// ------------------------------------------------------------------------------------------
// stopping, checkpoints

namespace {

struct StopCtx {
  const Network* net = nullptr;
  std::vector<float> weights_at_stop;
  int calls = 0;
};

int stop_now(void* p) {
  auto* c = static_cast<StopCtx*>(p);
  ++c->calls;
  c->weights_at_stop = c->net->weight();  // the network as the hook sees it
  return 1;
}

}  // namespace

TEMPLATE_TEST_CASE("a hook stops training with Cancelled, weights as of the last finished batch",
                   "[trainer][hook]", HebbianTrainer, RateGDTrainer, SurrogateTrainer) {
  Task task = make_task(30, 4);
  Network net = make_3class_net(1, 0.5f, 1.0f);
  TrainConfig cfg;
  cfg.lr = 0.05f;
  TestType tr(net, cfg);
  StopCtx ctx;
  ctx.net = &net;
  // the hook is polled about every 100 ms: ask for far more epochs than that takes
  REQUIRE_THROWS_AS(tr.train(task.eps, 1000000, 2, stop_now, &ctx), Cancelled);
  REQUIRE(ctx.calls == 1);
  REQUIRE(net.weight() == ctx.weights_at_stop);
  REQUIRE(tr.epochs_done() > 0);
  net.validate();
}

TEST_CASE("revert_checkpoint undoes the last epoch; revert on drop", "[trainer][checkpoint]") {
  Task task = make_task(30, 4);
  Network net = make_3class_net(1, 0.5f, 1.0f);
  TrainConfig cfg;
  cfg.lr = 0.05f;
  cfg.grow_edges = 1;
  HebbianTrainer tr(net, cfg);
  tr.train_epoch(task.eps, 1);
  const auto w1 = net.weight();
  const auto c1 = net.col();
  const auto t1 = net.threshold();
  tr.train_epoch(task.eps, 1);
  REQUIRE(net.col() != c1);  // an edge grew
  REQUIRE(tr.num_checkpoints() == 2);
  REQUIRE(tr.revert_checkpoint());
  REQUIRE(net.weight() == w1);
  REQUIRE(net.col() == c1);
  REQUIRE(net.threshold() == t1);
  REQUIRE(tr.num_checkpoints() == 1);
  REQUIRE(tr.revert_checkpoint());
  REQUIRE_FALSE(tr.revert_checkpoint());
  net.validate();

  // rolling levels: at most ckpt_l0 + ckpt_l1 + ckpt_l2 kept
  for (int e = 0; e < 10; ++e) tr.train_epoch(task.eps, 1);
  REQUIRE(tr.num_checkpoints() == 4 + 2 + 1);

  // revert on drop: with lr 0 the accuracy cannot rise, so with revert_drop 0 every epoch
  // counts as a drop and is undone (weight decay still moved the weights)
  TrainConfig rc = cfg;
  rc.grow_edges = 0;
  rc.lr = 0.0f;
  rc.revert_enable = true;
  rc.revert_drop = 0.0f;
  Network net2 = make_3class_net(1, 0.5f, 1.0f);
  HebbianTrainer tr2(net2, rc);
  tr2.train_epoch(task.eps, 1);
  const auto w = net2.weight();
  EpochMetrics m = tr2.train_epoch(task.eps, 1);
  REQUIRE(m.reverted);
  REQUIRE(net2.weight() == w);
}

TEST_CASE("the one trainer factory makes each kind and refuses unknown ones", "[trainer]") {
  REQUIRE(trainer_names() == std::vector<std::string>{"gradient", "hebbian", "surrogate"});
  Network net = two_channel_net();
  for (std::size_t k = 0; k < trainer_names().size(); ++k) {
    const TrainerKind kind = trainer_kind(trainer_names()[k]);
    REQUIRE(static_cast<std::size_t>(kind) == k);
    REQUIRE(trainer_name(kind) == trainer_names()[k]);
    std::unique_ptr<Trainer> tr = make_trainer(kind, net);
    REQUIRE(tr != nullptr);
    REQUIRE((dynamic_cast<SurrogateTrainer*>(tr.get()) != nullptr) == (kind == TrainerKind::kSurrogate));
    REQUIRE((dynamic_cast<HebbianTrainer*>(tr.get()) != nullptr) == (kind == TrainerKind::kHebbian));
  }
  REQUIRE_THROWS_AS(trainer_kind("genetic"), ValueError);
  REQUIRE_THROWS_WITH(trainer_kind("genetic"),
                      "trainer must be one of 'gradient', 'hebbian', 'surrogate', got 'genetic'");
  REQUIRE_THROWS_AS(make_trainer(static_cast<TrainerKind>(7), net), ValueError);
  TrainConfig bad;
  bad.batch_size = 0;
  REQUIRE_THROWS_AS(make_trainer(TrainerKind::kGradient, net, bad), ValueError);
}

TEST_CASE("BusyFlag: one owner, re-entry only when asked, BusyScope throws BusyError", "[trainer]") {
  BusyFlag flag;
  const std::uint64_t me = this_thread_token();
  REQUIRE(me != 0);
  REQUIRE(flag.enter(me, false) == BusyFlag::kEntered);
  REQUIRE(flag.enter(me, false) == BusyFlag::kSameThread);
  REQUIRE(flag.enter(me + 1, true) == BusyFlag::kOtherThread);
  REQUIRE(flag.enter(me, true) == BusyFlag::kEntered);
  flag.leave();
  REQUIRE(flag.busy());
  flag.leave();
  REQUIRE_FALSE(flag.busy());
  {
    BusyScope held(flag, "trainer");
    REQUIRE_THROWS_WITH(BusyScope(flag, "trainer"),
                        "trainer is already in use by a call under way in this thread");
    std::uint64_t other = 0;
    std::thread t([&] { other = this_thread_token(); });
    t.join();
    REQUIRE(other != me);
    REQUIRE(flag.enter(other, true) == BusyFlag::kOtherThread);
  }
  REQUIRE_FALSE(flag.busy());
}

TEST_CASE("check_episode names the first bad event's problem", "[trainer][episode]") {
  Network net = two_channel_net();
  auto with = [](std::vector<std::int32_t> t, std::vector<std::int32_t> n, std::vector<float> v) {
    Episode ep;
    for (std::size_t k = 0; k < t.size(); ++k) ep.add(t[k], n[k], v[k]);
    ep.target = 0;
    return ep;
  };
  const float inf = std::numeric_limits<float>::infinity();
  REQUIRE_NOTHROW(check_episode(with({0, 0, 3}, {0, 1, 0}, {1.0f, -2.0f, 3.0f}), net, 2, true, 0));
  REQUIRE_THROWS_WITH(check_episode(with({0, -1}, {0, 0}, {1.0f, 1.0f}), net, 2, true, 4),
                      "episode 4: negative tick");
  REQUIRE_THROWS_WITH(check_episode(with({2, 1}, {0, 0}, {1.0f, 1.0f}), net, 2, true, 0),
                      "episode 0: events not sorted by tick");
  REQUIRE_THROWS_WITH(check_episode(with({0, 1}, {0, 4}, {1.0f, 1.0f}), net, 2, true, 0),
                      "episode 0: neuron index 4 out of range");
  REQUIRE_THROWS_WITH(check_episode(with({0, 1}, {0, 0}, {1.0f, inf}), net, 2, true, 0),
                      "episode 0: non-finite event value");
  REQUIRE_THROWS_WITH(check_episode(with({0, 1}, {0, 0}, {1.0f, std::nanf("")}), net, 2, true, 0),
                      "episode 0: non-finite event value");
  // the first bad event decides, and within it the order above
  REQUIRE_THROWS_WITH(check_episode(with({0, 5, -1}, {9, 0, 0}, {inf, 1.0f, 1.0f}), net, 2, true, 0),
                      "episode 0: neuron index 9 out of range");
}
