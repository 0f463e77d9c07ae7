// The optional neuron features of DESIGN §2a: each pinned on one neuron, the team step
// against the one-thread step with every feature mixed in, and the .net round trip.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "glia/error.hpp"
#include "glia/io.hpp"
#include "glia/network.hpp"
#include "glia/random.hpp"
#include "helpers.hpp"

using glia::Network;
using glia::NeuronFeatures;
using glia::ResetMode;
using glia::State;

namespace {

/// H0 (threshold 1, leak `leak`) with features `f`, injected `x[t]` before step t: its
/// values after each step.
std::vector<float> values_of(const NeuronFeatures& f, float leak, const std::vector<float>& x,
                             std::vector<int>* fired = nullptr) {
  Network net;
  net.set_features(net.add_neuron("H0", 1.0f, leak, 0.0f), f);
  std::vector<float> out;
  for (float v : x) {
    if (v != 0.0f) net.inject(0, v);
    net.step(1);
    out.push_back(net.state().value[0]);
    if (fired != nullptr) fired->push_back(net.state().fired_mask[0]);
  }
  return out;
}

}  // namespace

TEST_CASE("each feature on one neuron", "[features]") {
  NeuronFeatures f;
  f.floor = false;
  CHECK(values_of(f, 0.5f, {-2.0f, 0.0f, 0.0f}) == std::vector<float>{-2.0f, -1.0f, -0.5f});
  f = NeuronFeatures{};
  f.reset = ResetMode::kSubtract;
  std::vector<int> fired;
  CHECK(values_of(f, 1.0f, {0.75f, 0.75f, 0.75f, 0.75f}, &fired) ==
        std::vector<float>{0.75f, 0.5f, 0.25f, 1.0f});
  CHECK(fired == std::vector<int>{0, 1, 1, 0});
  f.reset = ResetMode::kSubtractDelayed;
  fired.clear();
  CHECK(values_of(f, 1.0f, {0.75f, 0.75f, 0.75f, 0.75f}, &fired) ==
        std::vector<float>{0.75f, 1.5f, 1.25f, 1.0f});
  CHECK(fired == std::vector<int>{0, 1, 1, 0});
  f = NeuronFeatures{};
  f.alpha = 0.5f;
  CHECK(values_of(f, 0.0f, {0.5f, 0.0f, 0.0f}) == std::vector<float>{0.5f, 0.25f, 0.125f});
  f = NeuronFeatures{};
  f.bias = 0.25f;
  CHECK(values_of(f, 1.0f, {0, 0, 0, 0, 0}) == std::vector<float>{0.25f, 0.5f, 0.75f, 1.0f, 0.0f});
}

TEST_CASE("features are checked and counted", "[features]") {
  Network net;
  const auto i = net.add_neuron("H0", 1.0f, 1.0f, 0.0f);
  CHECK_FALSE(net.extended());
  NeuronFeatures f;
  f.alpha = 1.5f;
  CHECK_THROWS_AS(net.set_features(i, f), glia::ValueError);
  CHECK_THROWS_WITH(glia::reset_mode_of("zero"), Catch::Contains("'subtract_delayed'"));
  f.alpha = 0.5f;
  net.set_features(i, f);
  CHECK(net.extended());
  net.set_features(i, NeuronFeatures{});
  CHECK_FALSE(net.extended());
  net.validate();
}

TEST_CASE("a team steps the extended model as one thread does", "[features]") {
  Network net = test_helpers::random_net(8, 300, 10, 3, 0.05, 30.0);
  glia::Rng rng(9);
  for (std::int32_t i = 8; i < net.size(); ++i) {
    NeuronFeatures f;
    f.floor = rng.uniform() < 0.5;
    f.reset = static_cast<ResetMode>(static_cast<int>(rng.uniform() * 3) % 3);
    f.alpha = rng.uniform() < 0.5 ? 0.0f : 0.5f;
    f.bias = rng.uniform() < 0.5 ? 0.0f : 0.25f;
    net.set_features(i, f);
  }
  const std::int64_t T = 200;
  const auto X = test_helpers::random_drive(T, 8, 0.3, 5);
  const auto old = glia::set_parallel_step_min_work(0);
  std::vector<std::vector<std::uint8_t>> rasters;
  std::vector<std::vector<float>> values;
  for (int nt : {1, 2, 3}) {
    State s;
    s.reset(net);
    std::vector<std::uint8_t> raster(static_cast<std::size_t>(T * net.size()));
    glia::RunOutput out;
    out.raster = raster.data();
    net.run(s, X.data(), T, out, nt);
    rasters.push_back(raster);
    values.push_back(s.value);
  }
  glia::set_parallel_step_min_work(old);
  std::int64_t spikes = 0;
  for (auto b : rasters[0]) spikes += b;
  CHECK(spikes > 100);
  CHECK(rasters[0] == rasters[1]);
  CHECK(rasters[0] == rasters[2]);
  CHECK(test_helpers::same_bytes(values[0], values[1]));
  CHECK(test_helpers::same_bytes(values[0], values[2]));
}

TEST_CASE(".net files carry the features", "[features][io]") {
  Network net;
  glia::parse_network(net,
                      "NEURON S0 1 1 0\nNEURON H0 1 0.5 0 floor=0 reset=subtract_delayed "
                      "alpha=0.25 bias=-0.125\nCONNECTION S0 H0 2\n",
                      "f.net");
  const NeuronFeatures f = net.features(1);
  CHECK_FALSE(f.floor);
  CHECK(f.reset == ResetMode::kSubtractDelayed);
  CHECK(f.alpha == 0.25f);
  CHECK(f.bias == -0.125f);
  const std::string text = glia::format_network(net);
  Network back;
  glia::parse_network(back, text, "back.net");
  CHECK(glia::format_network(back) == text);
  CHECK_THROWS_WITH(glia::parse_network(back, "NEURON H0 1 1 0 tau=2\n", "g.net"),
                    Catch::Contains("g.net:1") && Catch::Contains("unknown NEURON feature 'tau'"));
}
