// A single network stepped by a team of threads (Network::run / step with n_threads > 1):
// bit-identical to one thread, the cut-off and the nesting rules, stops and edits.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "glia/error.hpp"
#include "glia/io.hpp"
#include "glia/network.hpp"
#include "glia/random.hpp"
#include "helpers.hpp"

using glia::Network;
using glia::State;
using test_helpers::MinWork;
using test_helpers::random_drive;
using test_helpers::random_net;
using test_helpers::same_bytes;

namespace {

/// Everything a run records and leaves behind.
struct Recorded {
  std::vector<std::uint8_t> raster;
  std::vector<std::int32_t> ev_step, ev_neuron;
  std::vector<float> traces;
  std::vector<std::int64_t> counts;
  State state;
};

Recorded record_run(const Network& net, const std::vector<float>& X, std::int64_t T, int nt) {
  const int n = net.size();
  Recorded r;
  r.state.reset(net);
  r.raster.assign(static_cast<std::size_t>(T * n), 7);
  const std::vector<std::int32_t> traced{0, n / 3, n / 2, n - 1};
  r.traces.assign(static_cast<std::size_t>(T) * traced.size(), -1.0f);
  r.counts.assign(static_cast<std::size_t>(n), 0);
  glia::RunOutput out;
  out.raster = r.raster.data();
  out.event_step = &r.ev_step;
  out.event_neuron = &r.ev_neuron;
  out.trace_index = traced.data();
  out.n_trace = static_cast<std::int64_t>(traced.size());
  out.traces = r.traces.data();
  out.spike_count = r.counts.data();
  net.run(r.state, X.data(), T, out, nt);
  return r;
}

void require_same(const Recorded& a, const Recorded& b) {
  REQUIRE(a.raster == b.raster);
  REQUIRE(a.ev_step == b.ev_step);
  REQUIRE(a.ev_neuron == b.ev_neuron);
  REQUIRE(same_bytes(a.traces, b.traces));
  REQUIRE(a.counts == b.counts);
  REQUIRE(same_bytes(a.state.value, b.state.value));
  REQUIRE(same_bytes(a.state.input, b.state.input));
  REQUIRE(a.state.fired_mask == b.state.fired_mask);
  REQUIRE(a.state.n_fired == b.state.n_fired);
  REQUIRE(std::vector<std::int32_t>(a.state.fired.begin(), a.state.fired.begin() + a.state.n_fired) ==
          std::vector<std::int32_t>(b.state.fired.begin(), b.state.fired.begin() + b.state.n_fired));
  REQUIRE(a.state.tick == b.state.tick);
}

}  // namespace

TEST_CASE("a team gives bit-identical runs at 1, 2 and 3 threads", "[network][parallel]") {
  MinWork all(0);
  struct Case { int ns, nh, no; double p_hh, w_scale; };
  // dense and sparse activity, from one 64-neuron range per thread to many
  const Case cases[] = {{4, 180, 8, 0.2, 40.0}, {8, 600, 10, 0.05, 40.0},
                        {16, 2000, 10, 0.02, 25.0}, {16, 2000, 10, 0.02, 8.0}};
  int seed = 0;
  for (const Case& c : cases) {
    Network net = random_net(c.ns, c.nh, c.no, ++seed, c.p_hh, c.w_scale);
    const std::int64_t T = 150;
    const auto X = random_drive(T, c.ns, 0.3, static_cast<std::uint64_t>(seed));
    REQUIRE(net.step_threads(3) == 3);
    const Recorded one = record_run(net, X, T, 1);
    std::int64_t spikes = 0;
    for (auto k : one.counts) spikes += k;
    INFO("network " << net.size() << " neurons, " << net.num_edges() << " edges, "
                    << spikes / T << " spikes per step");
    REQUIRE(spikes > T);  // something happens
    require_same(one, record_run(net, X, T, 2));
    require_same(one, record_run(net, X, T, 3));
  }
}

TEST_CASE("step(n) on a team equals step(n) on one thread, and continues a run", "[network][parallel]") {
  MinWork all(0);
  Network a = random_net(8, 500, 10, 7, 0.05, 40.0);
  const auto X = random_drive(40, 8, 0.4, 3);
  Network b = a;
  glia::RunOutput none;
  a.run(a.state(), X.data(), 40, none, 1);
  b.run(b.state(), X.data(), 40, none, 2);
  a.step(60, 1);
  b.step(60, 3);
  CHECK(a.state().tick == 100);
  CHECK(b.state().tick == 100);
  CHECK(same_bytes(a.state().value, b.state().value));
  CHECK(same_bytes(a.state().input, b.state().input));
  CHECK(a.state().n_fired == b.state().n_fired);
  CHECK(std::equal(a.state().fired.begin(), a.state().fired.begin() + a.state().n_fired,
                   b.state().fired.begin()));
}

TEST_CASE("edits after a team run re-plan the split (the plan follows the structure)",
          "[network][parallel]") {
  MinWork all(0);
  Network net = random_net(8, 400, 10, 11, 0.05, 40.0);
  const auto X = random_drive(60, 8, 0.3, 5);
  const Recorded before = record_run(net, X, 60, 2);  // builds and caches a 2-thread plan
  // new edges from every hidden neuron into the first range's last targets and the
  // second range's first ones, and one removed
  for (std::int32_t j = 8; j < net.size(); j += 3) net.set_edge(j, 70, 3.0f);
  net.set_edge(9, 300, -7.0f);
  net.remove_edge(9, 300);
  net.set_edge(12, 130, 9.0f);
  const Recorded one = record_run(net, X, 60, 1);
  require_same(one, record_run(net, X, 60, 2));
  CHECK(one.raster != before.raster);
  net.add_neuron("H_new", 10.0f, 0.5f, 0.0f);
  net.set_edge(0, net.size() - 1, 50.0f);
  net.set_edge(net.size() - 1, 9, 50.0f);
  require_same(record_run(net, X, 60, 1), record_run(net, X, 60, 2));
  std::vector<std::uint8_t> keep(static_cast<std::size_t>(net.num_edges()), 1);
  for (std::size_t e = 0; e < keep.size(); e += 2) keep[e] = 0;
  net.filter_edges(keep.data());
  require_same(record_run(net, X, 60, 1), record_run(net, X, 60, 2));
}

TEST_CASE("weight changes after a team run reach the team's copies of the edges",
          "[network][parallel]") {
  MinWork all(0);
  Network net = random_net(8, 400, 10, 13, 0.05, 40.0);
  const auto X = random_drive(60, 8, 0.3, 9);
  const Recorded before = record_run(net, X, 60, 2);  // caches a plan with these weights
  // in place, as training does: every weight halved, then one existing edge set anew
  float* w = net.weight_data();
  for (std::int64_t q = 0; q < net.num_edges(); ++q) w[q] *= 0.5f;
  const Recorded halved = record_run(net, X, 60, 1);
  CHECK(halved.raster != before.raster);
  require_same(halved, record_run(net, X, 60, 2));
  const std::int32_t j = 20, d = net.col()[static_cast<std::size_t>(net.row_ptr()[20])];
  net.set_edge(j, d, 60.0f);  // an existing edge: its weight only
  const Recorded one = record_run(net, X, 60, 1);
  CHECK(one.raster != halved.raster);
  require_same(one, record_run(net, X, 60, 2));
  require_same(one, record_run(net, X, 60, 3));
  // a copy keeps its own weights: changing it leaves the original's plan right
  Network other = net;
  other.weight_data()[0] += 100.0f;
  require_same(one, record_run(net, X, 60, 2));
  require_same(record_run(other, X, 60, 1), record_run(other, X, 60, 2));
}

TEST_CASE("a stop ends a team run with the state of a completed step", "[network][parallel]") {
  MinWork all(0);
  Network net = random_net(8, 500, 10, 5, 0.05, 40.0);
  const std::int64_t T = 20000;
  const auto X = random_drive(T, 8, 0.3, 9);
  int calls = 0;
  auto hook = [](void* ctx) -> int { return ++*static_cast<int*>(ctx) >= 3 ? 1 : 0; };
  glia::Poller poller(hook, &calls, 0.0);
  State s;
  s.reset(net);
  std::vector<std::int64_t> counts(static_cast<std::size_t>(net.size()), 0);
  glia::RunOutput out;
  out.spike_count = counts.data();
  CHECK_THROWS_AS(net.run(s, X.data(), T, out, 2, &poller), glia::Cancelled);
  CHECK(calls == 3);
  REQUIRE(s.tick > 0);
  REQUIRE(s.tick < T);
  // the same number of steps on one thread
  const Recorded ref = record_run(net, X, s.tick, 1);
  CHECK(same_bytes(s.value, ref.state.value));
  CHECK(same_bytes(s.input, ref.state.input));
  CHECK(s.fired_mask == ref.state.fired_mask);
  CHECK(s.n_fired == ref.state.n_fired);
  CHECK(counts == ref.counts);
  CHECK(std::equal(s.fired.begin(), s.fired.begin() + s.n_fired, ref.state.fired.begin()));
}

TEST_CASE("one thread below the cut-off and inside another parallel region", "[network][parallel]") {
  Network small = random_net(8, 300, 10, 1, 0.05, 40.0);
  REQUIRE(static_cast<std::int64_t>(small.size()) + small.num_edges() < glia::kParallelStepMinWork);
  CHECK(glia::parallel_step_min_work() == glia::kParallelStepMinWork);
  CHECK(small.step_threads(2) == 1);
  {
    MinWork all(0);
    CHECK(small.step_threads(1) == 1);
#ifdef _OPENMP
    CHECK(small.step_threads(2) == 2);
    CHECK(small.step_threads(64) == (small.size() + 63) / 64);  // one 64-neuron range per thread at most
    int inside[2] = {-1, -1};
#pragma omp parallel num_threads(2)
    inside[omp_get_thread_num()] = small.step_threads(2);
    CHECK(inside[0] == 1);
    CHECK((inside[1] == 1 || inside[1] == -1));
#endif
  }
}

TEST_CASE("no team while another of glia's parallel regions is under way", "[network][parallel]") {
  MinWork all(0);
  Network net = random_net(8, 300, 10, 1, 0.05, 40.0);
  REQUIRE(net.step_threads(2) == 2);
  {
    const glia::detail::ActiveTeam elsewhere;  // what a parallel evaluation holds meanwhile
    CHECK(net.step_threads(2) == 1);
    const auto X = random_drive(30, 8, 0.3, 1);
    require_same(record_run(net, X, 30, 1), record_run(net, X, 30, 2));
  }
  CHECK(net.step_threads(2) == 2);
}
