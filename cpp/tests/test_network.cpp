// The neuron model of DESIGN §2 pinned on hand-built networks, the separable simulation
// state, structural edits (CSR stays valid) and Network::run's recordings.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "glia/error.hpp"
#include "glia/io.hpp"
#include "glia/network.hpp"
#include "glia/random.hpp"
#include "helpers.hpp"

using glia::Network;
using glia::State;
using test_helpers::make_net;
using test_helpers::random_drive;
using test_helpers::random_net;

namespace {

/// Steps `net` `n` times; returns for each neuron (by id) the steps (1-based) it fired in.
std::vector<std::vector<int>> fire_steps(Network& net, int n) {
  std::vector<std::vector<int>> out(static_cast<std::size_t>(net.size()));
  for (int t = 1; t <= n; ++t) {
    net.step(1);
    for (std::int32_t i = 0; i < net.size(); ++i)
      if (net.state().fired_mask[static_cast<std::size_t>(i)]) out[static_cast<std::size_t>(i)].push_back(t);
  }
  return out;
}

std::vector<int> fires_of(Network& net, const std::vector<std::vector<int>>& f, const std::string& id) {
  return f[static_cast<std::size_t>(net.index(id))];
}

bool fired(const Network& net, const std::string& id) {
  return net.state().fired_mask[static_cast<std::size_t>(net.index(id))] != 0;
}

float value(const Network& net, const std::string& id) {
  return net.state().value[static_cast<std::size_t>(net.index(id))];
}

/// From the reset state, 1.0 injected into neuron `id`, then `n` steps: fire_steps.
std::vector<std::vector<int>> fire_steps_after_input(Network& net, const std::string& id, int n) {
  net.reset();
  net.inject(net.index(id), 1.0f);
  return fire_steps(net, n);
}

/// S0 -> H0 -> H1 -> O0 (however created): one spike into S0 fires each in turn, one
/// step per edge.
void check_chain_fires_one_step_per_edge(Network& net) {
  auto f = fire_steps_after_input(net, "S0", 8);
  CHECK(fires_of(net, f, "S0") == std::vector<int>{1});
  CHECK(fires_of(net, f, "H0") == std::vector<int>{2});
  CHECK(fires_of(net, f, "H1") == std::vector<int>{3});
  CHECK(fires_of(net, f, "O0") == std::vector<int>{4});
}

std::uint32_t bits(float x) {
  std::uint32_t u;
  std::memcpy(&u, &x, 4);
  return u;
}

}  // namespace

// ------------------------------------------------------------------------ delays

TEST_CASE("a spike crosses one edge per step along a chain", "[network][model]") {
  Network net = make_net({{"S0", 0.5f, 1.0f, 0.0f}, {"H0", 0.5f, 1.0f, 0.0f},
                          {"H1", 0.5f, 1.0f, 0.0f}, {"O0", 0.5f, 1.0f, 0.0f}},
                         {{"S0", "H0", 1.0f}, {"H0", "H1", 1.0f}, {"H1", "O0", 1.0f}});
  check_chain_fires_one_step_per_edge(net);
}

TEST_CASE("the delay is one step per edge whatever the creation order", "[network][model]") {
  // O0 and H1 created before H0, edges added in reverse: a sequential in-place update
  // would give some edges a delay of 2; the synchronous rule gives 1 everywhere.
  Network net = make_net({{"O0", 0.5f, 1.0f, 0.0f}, {"H1", 0.5f, 1.0f, 0.0f},
                          {"H0", 0.5f, 1.0f, 0.0f}, {"S0", 0.5f, 1.0f, 0.0f}},
                         {{"H1", "O0", 1.0f}, {"H0", "H1", 1.0f}, {"S0", "H0", 1.0f}});
  REQUIRE(net.ids() == std::vector<std::string>{"S0", "O0", "H1", "H0"});
  check_chain_fires_one_step_per_edge(net);

  SECTION("a backward edge (target before source) also takes one step") {
    net.set_edge(net.index("O0"), net.index("H0"), 1.0f);  // O0 (index 1) -> H0 (index 3)
    net.set_edge(net.index("H0"), net.index("O0"), 1.0f);  // and a forward one
    auto g = fire_steps_after_input(net, "O0", 3);
    CHECK(fires_of(net, g, "O0") == std::vector<int>{1, 3});
    CHECK(fires_of(net, g, "H0") == std::vector<int>{2});
  }
}

TEST_CASE("a leak-0 coincidence detector fires only on simultaneous inputs", "[network][model]") {
  auto make = [] {
    Network net;
    net.add_neuron("S0", 50.0f, 1.0f, 0.0f);
    net.add_neuron("S1", 50.0f, 1.0f, 0.0f);
    net.add_neuron("H0", 90.0f, 0.0f, 0.0f);
    net.set_edge(0, 2, 60.0f);
    net.set_edge(1, 2, 60.0f);
    net.reset();
    return net;
  };
  SECTION("simultaneous") {
    Network net = make();
    net.inject(0, 100.0f);
    net.inject(1, 100.0f);
    auto f = fire_steps(net, 5);
    CHECK(fires_of(net, f, "H0") == std::vector<int>{2});
  }
  SECTION("one step apart") {
    Network net = make();
    net.inject(0, 100.0f);
    net.step(1);
    net.inject(1, 100.0f);
    auto f = fire_steps(net, 5);
    CHECK(f[2].empty());
    CHECK(value(net, "H0") == 0.0f);
  }
  SECTION("one step apart with leak 1 does add up") {
    Network net = make();
    net.set_params(2, 90.0f, 1.0f, 0.0f);
    net.inject(0, 100.0f);
    net.step(1);
    net.inject(1, 100.0f);
    auto f = fire_steps(net, 5);
    CHECK(fires_of(net, f, "H0") == std::vector<int>{2});  // 60 at step 2, +60 at step 3
  }
}

// ------------------------------------------------------------------------ neuron update

TEST_CASE("the value decays as leak^k * x in float32", "[network][model]") {
  for (float leak : {0.9f, 0.5f, 0.999f, 0.1f, 1.0f}) {
    Network net;
    net.add_neuron("H0", 1e30f, leak, 0.0f);
    net.reset();
    const float x = 123.456f;
    net.inject(0, x);
    net.step(1);
    float expected = x;
    REQUIRE(bits(net.state().value[0]) == bits(expected));
    for (int k = 1; k <= 60; ++k) {
      net.step(1);
      expected = leak * expected;
      REQUIRE(bits(net.state().value[0]) == bits(expected));
    }
  }
}

TEST_CASE("the value is clamped at 0", "[network][model]") {
  Network net;
  net.add_neuron("H0", 100.0f, 1.0f, 0.0f);
  net.reset();
  net.inject(0, -5.0f);
  net.step(1);
  CHECK(net.state().value[0] == 0.0f);
  CHECK_FALSE(std::signbit(net.state().value[0]));
  net.inject(0, 30.0f);
  net.step(1);
  CHECK(net.state().value[0] == 30.0f);
  net.inject(0, -50.0f);  // 30 - 50 < 0
  net.step(1);
  CHECK(net.state().value[0] == 0.0f);
  net.inject(0, 10.0f);   // nothing negative was carried over
  net.step(1);
  CHECK(net.state().value[0] == 10.0f);
}

TEST_CASE("values start at resting, return to resting after a spike, reset() restores them",
          "[network][model]") {
  Network net;
  net.add_neuron("H0", 50.0f, 1.0f, 7.0f);
  net.add_neuron("H1", 50.0f, 0.5f, 3.0f);
  net.reset();
  CHECK(value(net, "H0") == 7.0f);
  CHECK(value(net, "H1") == 3.0f);
  net.step(1);                       // no input: H1 decays from its resting value
  CHECK(value(net, "H0") == 7.0f);
  CHECK(value(net, "H1") == 1.5f);
  net.inject(0, 100.0f);             // 7 + 100 > 50
  net.step(1);
  CHECK(fired(net, "H0"));
  CHECK(value(net, "H0") == 7.0f);   // V = resting after the spike
  net.inject(0, 20.0f);
  net.step(1);
  CHECK_FALSE(fired(net, "H0"));
  CHECK(value(net, "H0") == 27.0f);
  net.inject(0, 5.0f);               // pending input ...
  net.reset();                       // ... is dropped by reset
  CHECK(value(net, "H0") == 7.0f);
  CHECK(value(net, "H1") == 3.0f);
  CHECK(net.state().input[0] == 0.0f);
  CHECK(net.state().n_fired == 0);
  CHECK(net.state().tick == 0);
  net.step(1);
  CHECK(value(net, "H0") == 7.0f);
}

TEST_CASE("a neuron fires when V exceeds the threshold, not when it equals it", "[network][model]") {
  Network net;
  net.add_neuron("H0", 50.0f, 1.0f, 0.0f);
  net.reset();
  net.inject(0, 50.0f);
  net.step(1);
  CHECK_FALSE(fired(net, "H0"));
  CHECK(value(net, "H0") == 50.0f);
  net.inject(0, 0.5f);
  net.step(1);
  CHECK(fired(net, "H0"));
}

TEST_CASE("inject acts in the very next step", "[network][model]") {
  Network net;
  net.add_neuron("S0", 10.0f, 1.0f, 0.0f);
  net.add_neuron("H0", 10.0f, 1.0f, 0.0f);
  net.reset();
  net.inject(net.index("H0"), 20.0f);  // a hidden neuron too
  net.inject(net.index("S0"), 8.0f);
  net.inject(net.index("S0"), 8.0f);   // injections add up
  net.step(1);
  CHECK(fired(net, "H0"));
  CHECK(fired(net, "S0"));
  net.step(1);
  CHECK_FALSE(fired(net, "H0"));       // consumed: I = 0 after every step
  CHECK_THROWS_AS(net.inject(0, std::nanf("")), glia::ValueError);
  CHECK_THROWS_AS(net.inject(5, 1.0f), glia::ValueError);
}

// ------------------------------------------------------------------------ separable state

TEST_CASE("states are separable from the model", "[network][state]") {
  Network owner = random_net(8, 60, 4, 3);
  const Network& net = owner;  // read-only model
  const std::int64_t T = 200;
  const auto X = random_drive(T, 8, 0.3, 11);

  State a, b;
  a.reset(net);
  b.reset(net);
  owner.reset();
  std::int64_t total_spikes = 0;
  for (std::int64_t t = 0; t < T; ++t) {
    for (int c = 0; c < 8; ++c) {
      const float x = X[static_cast<std::size_t>(t * 8 + c)];
      a.input[static_cast<std::size_t>(c)] += x;
      b.input[static_cast<std::size_t>(c)] += x;
      owner.inject(c, x);
    }
    net.step_state(a);
    net.step_state(b);
    owner.step(1);
    REQUIRE(a.value == owner.state().value);
    REQUIRE(b.value == owner.state().value);
    REQUIRE(a.fired_mask == owner.state().fired_mask);
    REQUIRE(b.n_fired == owner.state().n_fired);
    total_spikes += a.n_fired;
  }
  CHECK(total_spikes > 100);  // the comparison saw real activity
  CHECK(a.tick == T);

  SECTION("on two threads at once") {
    State s1, s2;
    s1.reset(net);
    s2.reset(net);
    auto work = [&](State& s) {
      glia::RunOutput none;
      net.run(s, X.data(), T, none);
    };
    std::thread t1(work, std::ref(s1)), t2(work, std::ref(s2));
    t1.join();
    t2.join();
    CHECK(s1.value == a.value);
    CHECK(s2.value == a.value);
    CHECK(s2.fired_mask == a.fired_mask);
  }
}

TEST_CASE("run refuses a state sized for another network", "[network][state]") {
  Network small = random_net(2, 5, 2, 1), big = random_net(4, 40, 2, 1);
  State s;
  s.reset(small);
  glia::RunOutput none;
  CHECK_THROWS_AS(big.run(s, nullptr, 3, none), glia::ValueError);
}

// ------------------------------------------------------------------------ structure

TEST_CASE("a sensory neuron added after hidden ones keeps edges on the right neurons",
          "[network][edges]") {
  Network net;
  net.add_neuron("H0", 0.5f, 1.0f, 0.0f);
  net.add_neuron("H1", 0.5f, 1.0f, 0.0f);
  net.add_neuron("O0", 0.5f, 1.0f, 0.0f);
  net.set_edge(net.index("H0"), net.index("O0"), 2.0f);
  net.set_edge(net.index("H1"), net.index("H0"), 3.0f);
  net.set_edge(net.index("O0"), net.index("H1"), 4.0f);
  net.add_neuron("S0", 0.5f, 1.0f, 0.0f);
  net.set_edge(net.index("S0"), net.index("H1"), 5.0f);
  net.add_neuron("S1", 0.5f, 1.0f, 0.0f);
  net.add_neuron("H2", 0.5f, 1.0f, 0.0f);
  REQUIRE_NOTHROW(net.validate());
  CHECK(net.ids() == std::vector<std::string>{"S0", "S1", "H0", "H1", "O0", "H2"});
  CHECK(net.num_sensory() == 2);
  auto w = [&](const char* a, const char* b) {
    std::int64_t e = net.find_edge(net.index(a), net.index(b));
    return e < 0 ? -1.0f : net.weight()[static_cast<std::size_t>(e)];
  };
  CHECK(w("H0", "O0") == 2.0f);
  CHECK(w("H1", "H0") == 3.0f);
  CHECK(w("O0", "H1") == 4.0f);
  CHECK(w("S0", "H1") == 5.0f);
  CHECK(net.num_edges() == 4);
  CHECK(net.kind(net.index("S1")) == glia::NeuronKind::kSensory);
  CHECK(net.kind(net.index("O0")) == glia::NeuronKind::kOutput);
  CHECK(net.kind(net.index("H2")) == glia::NeuronKind::kHidden);
  // and the dynamics follow the ids: S0 -> H1 -> H0 -> O0 -> H1 ...
  auto f = fire_steps_after_input(net, "S0", 4);
  CHECK(fires_of(net, f, "H1") == std::vector<int>{2});
  CHECK(fires_of(net, f, "H0") == std::vector<int>{3});
  CHECK(fires_of(net, f, "O0") == std::vector<int>{4});
  CHECK(fires_of(net, f, "S1").empty());
}

TEST_CASE("edge edits keep CSR valid; duplicates: the last wins", "[network][edges]") {
  Network net(2, 4);  // S0 S1 N0..N3
  REQUIRE(net.size() == 6);
  std::vector<std::int32_t> s{0, 1, 2, 0, 5, 0}, d{2, 3, 4, 2, 0, 5};
  std::vector<float> w{1.0f, 2.0f, 3.0f, 9.0f, 4.0f, 5.0f};

  SECTION("set_edges") {
    net.set_edge(0, 2, -1.0f);
    net.set_edges(s.data(), d.data(), w.data(), 6);
    REQUIRE_NOTHROW(net.validate());
    CHECK(net.num_edges() == 5);
    CHECK(net.weight()[static_cast<std::size_t>(net.find_edge(0, 2))] == 9.0f);
    CHECK(net.weight()[static_cast<std::size_t>(net.find_edge(5, 0))] == 4.0f);
    // a second bulk call updates and adds
    std::vector<std::int32_t> s2{0, 3}, d2{2, 3};
    std::vector<float> w2{7.0f, 8.0f};
    net.set_edges(s2.data(), d2.data(), w2.data(), 2);
    REQUIRE_NOTHROW(net.validate());
    CHECK(net.num_edges() == 6);
    CHECK(net.weight()[static_cast<std::size_t>(net.find_edge(0, 2))] == 7.0f);
    CHECK(net.find_edge(3, 3) >= 0);  // self edges are allowed when asked for
  }
  SECTION("assign_edges replaces everything") {
    net.set_edge(1, 4, 1.0f);
    net.assign_edges(s.data(), d.data(), w.data(), 6);
    REQUIRE_NOTHROW(net.validate());
    CHECK(net.num_edges() == 5);
    CHECK(net.find_edge(1, 4) < 0);
    CHECK(net.weight()[static_cast<std::size_t>(net.find_edge(0, 2))] == 9.0f);
    CHECK(net.edge_sources() == std::vector<std::int32_t>{0, 0, 1, 2, 5});
    CHECK(net.col() == std::vector<std::int32_t>{2, 5, 3, 4, 0});
  }
  SECTION("invalid input changes nothing") {
    net.set_edges(s.data(), d.data(), w.data(), 6);
    const auto col = net.col();
    const auto wt = net.weight();
    std::vector<std::int32_t> bs{0, 0}, bd{1, 6};
    std::vector<float> bw{1.0f, 1.0f};
    CHECK_THROWS_AS(net.set_edges(bs.data(), bd.data(), bw.data(), 2), glia::ValueError);
    bd[1] = 1;
    bw[1] = std::nanf("");
    CHECK_THROWS_AS(net.set_edges(bs.data(), bd.data(), bw.data(), 2), glia::ValueError);
    CHECK_THROWS_AS(net.assign_edges(bs.data(), bd.data(), bw.data(), 2), glia::ValueError);
    CHECK_THROWS_AS(net.set_edge(-1, 0, 1.0f), glia::ValueError);
    CHECK(net.col() == col);
    CHECK(net.weight() == wt);
  }
  SECTION("remove_edge") {
    net.set_edges(s.data(), d.data(), w.data(), 6);
    CHECK(net.remove_edge(0, 2));
    CHECK_FALSE(net.remove_edge(0, 2));
    CHECK_FALSE(net.remove_edge(4, 4));
    REQUIRE_NOTHROW(net.validate());
    CHECK(net.num_edges() == 4);
    CHECK(net.find_edge(0, 5) >= 0);
    CHECK(net.row_ptr() == std::vector<std::int64_t>{0, 1, 2, 3, 3, 3, 4});
  }
  SECTION("filter_edges") {
    net.set_edges(s.data(), d.data(), w.data(), 6);  // CSR: 0->2 0->5 1->3 2->4 5->0
    std::vector<std::uint8_t> keep{0, 1, 1, 0, 1};
    CHECK(net.filter_edges(keep.data()) == 2);
    REQUIRE_NOTHROW(net.validate());
    CHECK(net.edge_sources() == std::vector<std::int32_t>{0, 1, 5});
    CHECK(net.col() == std::vector<std::int32_t>{5, 3, 0});
    CHECK(net.weight() == std::vector<float>{5.0f, 2.0f, 4.0f});
    net.clear_edges();
    REQUIRE_NOTHROW(net.validate());
    CHECK(net.num_edges() == 0);
  }
}

TEST_CASE("set_edge keeps targets ascending within a row", "[network][edges]") {
  Network net(1, 30);
  glia::Rng rng(5);
  for (int k = 0; k < 300; ++k) {
    auto a = static_cast<std::int32_t>(rng.below(31)), b = static_cast<std::int32_t>(rng.below(31));
    net.set_edge(a, b, static_cast<float>(k));
  }
  REQUIRE_NOTHROW(net.validate());
}

TEST_CASE("neuron parameters are validated before anything changes", "[network]") {
  Network net;
  net.add_neuron("H0", 1.0f, 0.5f, 0.0f);
  CHECK_THROWS_AS(net.add_neuron("H0", 1.0f, 1.5f, 0.0f), glia::ValueError);
  CHECK_THROWS_AS(net.add_neuron("H1", std::nanf(""), 0.5f, 0.0f), glia::ValueError);
  CHECK_THROWS_AS(net.add_neuron("H 2", 1.0f, 0.5f, 0.0f), glia::ValueError);
  CHECK_THROWS_AS(net.add_neuron("", 1.0f, 0.5f, 0.0f), glia::ValueError);
  CHECK(net.size() == 1);
  CHECK(net.leak()[0] == 0.5f);
  CHECK(net.add_neuron("H0", 2.0f, 0.25f, 1.0f) == 0);  // updates in place
  CHECK(net.threshold()[0] == 2.0f);
  CHECK_THROWS_AS(net.index("nope"), glia::KeyError);
}

// ------------------------------------------------------------------------ run

TEST_CASE("run: raster, events, traces and spike counts agree with step_state", "[network][run]") {
  Network net = random_net(6, 80, 5, 9);
  const std::int64_t T = 300;
  const int n = net.size(), ns = net.num_sensory();
  const auto X = random_drive(T, ns, 0.25, 4);

  // the reference: inject then step_state, recording by hand
  State ref;
  ref.reset(net);
  std::vector<std::uint8_t> raster_ref(static_cast<std::size_t>(T * n));
  std::vector<float> trace_ref;
  const std::vector<std::int32_t> traced{net.index("O0"), net.index("H3"), 0};
  std::int64_t total = 0;
  for (std::int64_t t = 0; t < T; ++t) {
    for (int c = 0; c < ns; ++c) ref.input[static_cast<std::size_t>(c)] += X[static_cast<std::size_t>(t * ns + c)];
    net.step_state(ref);
    std::memcpy(&raster_ref[static_cast<std::size_t>(t * n)], ref.fired_mask.data(), static_cast<std::size_t>(n));
    for (auto i : traced) trace_ref.push_back(ref.value[static_cast<std::size_t>(i)]);
    total += ref.n_fired;
  }
  REQUIRE(total > 200);

  State s;
  s.reset(net);
  std::vector<std::uint8_t> raster(static_cast<std::size_t>(T * n), 7);
  std::vector<std::int32_t> ev_step, ev_neuron;
  std::vector<float> traces(static_cast<std::size_t>(T) * traced.size(), -1.0f);
  std::vector<std::int64_t> counts(static_cast<std::size_t>(n), 0);
  glia::RunOutput out;
  out.raster = raster.data();
  out.event_step = &ev_step;
  out.event_neuron = &ev_neuron;
  out.trace_index = traced.data();
  out.n_trace = static_cast<std::int64_t>(traced.size());
  out.traces = traces.data();
  out.spike_count = counts.data();
  net.run(s, X.data(), T, out);

  CHECK(raster == raster_ref);
  CHECK(traces == trace_ref);
  CHECK(s.value == ref.value);
  REQUIRE(static_cast<std::int64_t>(ev_step.size()) == total);
  REQUIRE(ev_neuron.size() == ev_step.size());
  std::vector<std::int64_t> count_ref(static_cast<std::size_t>(n), 0);
  for (std::size_t k = 0; k < ev_step.size(); ++k) {
    REQUIRE(raster_ref[static_cast<std::size_t>(ev_step[k]) * static_cast<std::size_t>(n) +
                       static_cast<std::size_t>(ev_neuron[k])] == 1);
    if (k > 0) REQUIRE(std::make_pair(ev_step[k - 1], ev_neuron[k - 1]) < std::make_pair(ev_step[k], ev_neuron[k]));
    ++count_ref[static_cast<std::size_t>(ev_neuron[k])];
  }
  CHECK(counts == count_ref);

  SECTION("a run in two halves equals one run (the state carries over)") {
    State h;
    h.reset(net);
    std::vector<std::int64_t> c2(static_cast<std::size_t>(n), 0);
    glia::RunOutput o2;
    o2.spike_count = c2.data();
    net.run(h, X.data(), T / 2, o2);
    net.run(h, X.data() + (T / 2) * ns, T - T / 2, o2);
    CHECK(c2 == counts);
    CHECK(h.value == s.value);
  }
  SECTION("no input and no recording") {
    State z;
    z.reset(net);
    glia::RunOutput none;
    net.run(z, nullptr, 10, none);
    CHECK(z.tick == 10);
    CHECK(z.n_fired == 0);
  }
}

TEST_CASE("step() stops through its hook with the state of the last completed step",
          "[network][run]") {
  Network net = random_net(2, 10, 2, 1);
  int calls = 0;
  auto hook = [](void* ctx) -> int { ++*static_cast<int*>(ctx); return 1; };
  // the Poller calls the hook only after its interval; a long run reaches it
  CHECK_THROWS_AS(net.step(std::int64_t{1} << 40, 1, hook, &calls), glia::Cancelled);
  CHECK(calls == 1);
  CHECK(net.state().tick > 0);
  CHECK_THROWS_AS(net.step(-1), glia::ValueError);
}

TEST_CASE("model memory stays within 8 bytes per edge + 64 per neuron", "[network][memory]") {
  Network net = random_net(20, 400, 10, 2);
  const double per_edge = static_cast<double>(net.num_edges());
  const double bytes = static_cast<double>(net.model_bytes());
  CHECK(bytes <= 8.0 * per_edge + 64.0 * net.size());
}

TEST_CASE("while views are open a structural change throws BufferError and changes nothing",
          "[network][views]") {
  Network net = test_helpers::make_net({{"S0", 100.0f, 1.0f, 0.0f}, {"N0", 10.0f, 0.5f, 1.0f},
                                        {"O0", 20.0f, 1.0f, 0.0f}},
                                       {{"S0", "N0", 15.0f}, {"N0", "O0", 25.0f}});
  const float* w = net.weight().data();
  const float* v = net.state().value.data();
  net.pin();
  REQUIRE(net.pins() == 1);
  const std::string before = format_network(net);
  REQUIRE_THROWS_AS(net.add_neuron("H0", 1.0f, 1.0f, 0.0f), glia::BufferError);
  REQUIRE_THROWS_AS(net.set_edge(2, 0, 1.0f), glia::BufferError);
  const std::int32_t s[] = {2}, d[] = {0};
  const float x[] = {1.0f};
  REQUIRE_THROWS_AS(net.set_edges(s, d, x, 1), glia::BufferError);
  REQUIRE_THROWS_AS(net.assign_edges(s, d, x, 1), glia::BufferError);
  REQUIRE_THROWS_AS(net.remove_edge(0, 1), glia::BufferError);
  REQUIRE_THROWS_AS(net.clear_edges(), glia::BufferError);
  const std::uint8_t drop[] = {1, 0};
  REQUIRE_THROWS_AS(net.filter_edges(drop), glia::BufferError);
  Network other;
  REQUIRE_THROWS_AS(net.swap(other), glia::BufferError);
  REQUIRE_THROWS_AS(other.swap(net), glia::BufferError);
  REQUIRE(format_network(net) == before);
  // what moves nothing is allowed: existing edges and neurons in place, steps, a copy
  const std::int32_t s2[] = {0, 1, 0}, d2[] = {1, 2, 1};
  const float x2[] = {3.0f, 4.0f, 5.0f};
  net.set_edges(s2, d2, x2, 3);  // a later duplicate wins
  REQUIRE(net.weight() == std::vector<float>{5.0f, 4.0f});
  net.add_neuron("N0", 12.0f, 0.5f, 1.0f);
  const std::uint8_t keep[] = {1, 1};
  REQUIRE(net.filter_edges(keep) == 0);
  REQUIRE_FALSE(net.remove_edge(2, 0));
  net.inject(0, 150.0f);
  net.step(3);
  REQUIRE(net.weight().data() == w);
  REQUIRE(net.state().value.data() == v);
  Network twin(net);
  REQUIRE(twin.pins() == 0);
  twin.add_neuron("H0", 1.0f, 1.0f, 0.0f);
  net.unpin();
  REQUIRE(net.pins() == 0);
  net.add_neuron("H0", 1.0f, 1.0f, 0.0f);
  net.validate();
}
