// Episodes of one network stepped by a team (training and evaluation with fewer episodes
// than threads): Network::run with a StepIO, evaluate and the trainers, bit-identical at
// 1, 2 and 3 threads.
#include <catch2/catch.hpp>

#include <cstdint>
#include <type_traits>
#include <vector>

#include "glia/episode.hpp"
#include "glia/random.hpp"
#include "glia/trainer.hpp"
#include "helpers.hpp"

using glia::Episode;
using glia::Network;
using glia::State;
using test_helpers::MinWork;
using test_helpers::random_drive;
using test_helpers::random_net;
using test_helpers::same_bytes;

namespace {

/// An episode of `T` ticks with dense sensory input and sparse events into every kind of
/// neuron, some neurons getting two values in one tick; with `period` > 0, the input's
/// first `period` ticks repeated.
Episode mixed_episode(const Network& net, const std::vector<float>& X, std::int64_t T,
                      std::uint64_t seed, std::int32_t period = 0) {
  Episode ep;
  const std::int64_t ticks = period > 0 ? period : T;
  ep.set_dense(X.data(), ticks, net.num_sensory());
  ep.loop = period > 0;
  glia::Rng rng(seed);
  for (std::int32_t t = 0; t < ticks; ++t)
    for (int k = 0; k < 6; ++k) {
      const auto i = static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(net.size())));
      ep.add(t, i, static_cast<float>(rng.uniform() * 30.0 - 5.0));
      if (k == 0) ep.add(t, i, 0.7f);
    }
  ep.length = T;
  ep.target = 1;
  return ep;
}

/// A random network (8 sensory, `n_h` hidden, 10 outputs), T steps of drive and a mixed
/// episode on it.
struct Case {
  Network net;
  std::int64_t T;
  std::vector<float> X;
  Episode ep;
  Case(int n_h, std::int64_t steps, int seed, std::int32_t period = 0)
      : net(random_net(8, n_h, 10, seed, 0.05, 40.0)), T(steps),
        X(random_drive(steps, 8, 0.3, static_cast<std::uint64_t>(seed) + 1)),
        ep(mixed_episode(net, X, steps, static_cast<std::uint64_t>(seed) + 2, period)) {}
};

/// What a StepIO run shows its observer: every step's mask, spikes and values.
struct Seen {
  std::vector<std::uint8_t> masks;
  std::vector<std::int32_t> fired;
  std::vector<float> values;
  State end;
};

Seen run_episode(const Network& net, const Episode& ep, std::int64_t T, int nt) {
  Seen r;
  r.end.reset(net);
  auto after = [&r](std::int64_t, const State& s) {
    r.masks.insert(r.masks.end(), s.fired_mask.begin(), s.fired_mask.end());
    r.fired.insert(r.fired.end(), s.fired.begin(), s.fired.begin() + s.n_fired);
    r.fired.push_back(-1);
    r.values.insert(r.values.end(), s.value.begin(), s.value.end());
  };
  glia::EpisodeIO io(ep, 2, after);
  net.run(r.end, io, T, nt);
  return r;
}

template <class T>
std::vector<float> weights_after_one_episode(Network net, const Episode& ep, int nt,
                                             std::vector<glia::EpisodeMetrics>& metrics) {
  glia::TrainConfig cfg;
  cfg.batch_size = 1;
  cfg.warmup_ticks = 5;
  T trainer(net, cfg);
  trainer.set_outputs({net.size() - 3, net.size() - 2, net.size() - 1});
  const std::vector<Episode> batch{ep};
  trainer.train_batch(batch, nt, nullptr, nullptr, &metrics);
  trainer.train(batch, 2, nt);
  return net.weight();
}

}  // namespace

TEST_CASE("an episode run on a team sees and leaves what one thread does", "[parallel][episode]") {
  MinWork all(0);
  const Case c(600, 80, 3, 25);  // looping input: the sparse events start over
  const Network& net = c.net;
  const Episode& ep = c.ep;
  const std::int64_t T = c.T;
  REQUIRE(net.step_threads(3) == 3);
  const Seen one = run_episode(net, ep, T, 1);
  REQUIRE(one.fired.size() > static_cast<std::size_t>(2 * T));  // something fires
  for (int nt : {2, 3}) {
    const std::int64_t teams = glia::team_runs();
    const Seen other = run_episode(net, ep, T, nt);
    CHECK(glia::team_runs() == teams + 1);
    CHECK(one.masks == other.masks);
    CHECK(one.fired == other.fired);
    CHECK(same_bytes(one.values, other.values));
    CHECK(same_bytes(one.end.value, other.end.value));
    CHECK(same_bytes(one.end.input, other.end.input));
    CHECK(one.end.tick == other.end.tick);
  }
}

TEST_CASE("evaluate and one-episode training on a team equal one thread", "[parallel][episode]") {
  MinWork all(0);
  Case c(400, 60, 7);
  Network& net = c.net;
  const Episode& ep = c.ep;
  glia::TrainConfig cfg;
  const std::vector<std::int32_t> outs{net.size() - 2, net.size() - 1};
  const glia::EpisodeMetrics m1 = glia::evaluate_episode(net, ep, cfg, outs, 1);
  for (int nt : {2, 3}) {
    const std::int64_t teams = glia::team_runs();
    const glia::EpisodeMetrics m = glia::evaluate_episode(net, ep, cfg, outs, nt);
    CHECK(glia::team_runs() == teams + 1);
    CHECK(same_bytes(m.rates, m1.rates));
    CHECK(m.winner == m1.winner);
  }
  auto check = [&](auto tag) {
    using Tr = std::remove_pointer_t<decltype(tag)>;
    std::vector<glia::EpisodeMetrics> a, b;
    const std::vector<float> w1 = weights_after_one_episode<Tr>(net, ep, 1, a);
    for (int nt : {2, 3}) {
      const std::int64_t teams = glia::team_runs();
      CHECK(same_bytes(w1, weights_after_one_episode<Tr>(net, ep, nt, b)));
      // train_batch and two epochs of one batch, each on a team; the surrogate trainer runs
      // a batch as blocks of lanes, each block on one thread (one episode: one block)
      constexpr bool kBlocks = std::is_same_v<Tr, glia::SurrogateTrainer>;
      CHECK(glia::team_runs() == teams + (kBlocks ? 0 : 3));
      REQUIRE(b.size() == 1);
      CHECK(same_bytes(a[0].rates, b[0].rates));
    }
    CHECK_FALSE(same_bytes(w1, net.weight()));  // training changed something
  };
  check(static_cast<glia::HebbianTrainer*>(nullptr));
  check(static_cast<glia::RateGDTrainer*>(nullptr));
  check(static_cast<glia::SurrogateTrainer*>(nullptr));
}

TEST_CASE("an episode's injections by ranges between whole-network ones equal whole ones",
          "[parallel][episode]") {
  // what a run that falls back from its team to one thread and back feeds the network
  const Case c(200, 80, 4, 25);  // the input loops: the sparse events start over at 25, 50
  const std::int32_t n = c.net.size();
  State whole, parts;
  whole.reset(c.net);
  parts.reset(c.net);
  auto none = [](std::int64_t, const State&) {};
  glia::EpisodeIO a(c.ep, 1, none), b(c.ep, 1, none);
  for (std::int64_t t = 0; t < c.T; ++t) {
    a.inject(t, 0, n, whole);
    if ((t >= 20 && t < 30) || t >= 60) {  // across a wrap: t = 26 reads tick 0
      b.inject(t, 0, 64, parts);
      b.inject(t, 64, n, parts);
    } else {
      b.inject(t, 0, n, parts);
    }
    REQUIRE(same_bytes(whole.input, parts.input));
    std::fill(whole.input.begin(), whole.input.end(), 0.0f);
    std::fill(parts.input.begin(), parts.input.end(), 0.0f);
  }
}
