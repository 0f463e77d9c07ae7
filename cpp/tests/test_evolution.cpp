#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "glia/error.hpp"
#include "glia/evolution.hpp"
#include "glia/random.hpp"

using namespace glia;

namespace {

/// S0, S1 -> H0..H3 -> O0, O1 with mixed weights: trainable, not yet solved.
Network small_net() {
  Network net;
  net.add_neuron("S0", 100.0f, 1.0f, 0.0f);
  net.add_neuron("S1", 100.0f, 1.0f, 0.0f);
  for (int h = 0; h < 4; ++h) net.add_neuron("H" + std::to_string(h), 50.0f, 0.875f, 0.0f);
  net.add_neuron("O0", 50.0f, 0.875f, 0.0f);
  net.add_neuron("O1", 50.0f, 0.875f, 0.0f);
  Rng rng(7);
  for (int s = 0; s < 2; ++s)
    for (int h = 0; h < 4; ++h) net.set_edge(s, 2 + h, 40.0f + 40.0f * static_cast<float>(rng.uniform()));
  for (int h = 0; h < 4; ++h)
    for (int o = 0; o < 2; ++o) net.set_edge(2 + h, 6 + o, 12.0f * static_cast<float>(rng.uniform()));
  return net;
}

/// Class k drives S{k} with probability 0.5 per tick, the other input with 0.1.
std::vector<Episode> episodes(int n, std::uint64_t seed) {
  std::vector<Episode> eps;
  for (int i = 0; i < n; ++i) {
    Episode ep;
    const int k = i % 2;
    Rng rng(stream_key(seed, static_cast<std::uint64_t>(i)));
    for (int t = 0; t < 60; ++t)
      for (int s = 0; s < 2; ++s)
        if (rng.uniform() < (s == k ? 0.5 : 0.1)) ep.add(t, s, 200.0f);
    ep.length = 60;
    ep.target = k;
    eps.push_back(ep);
  }
  return eps;
}

ScoreOptions options(TrainerKind kind, std::int64_t epochs) {
  ScoreOptions o;
  o.outputs = {6, 7};
  o.trainer = kind;
  o.train_epochs = epochs;
  o.train_config.lr = 0.05f;
  o.train_config.batch_size = 4;
  return o;
}

std::vector<Network> population(int n, std::uint64_t seed) {
  std::vector<Network> pop;
  Network base = small_net();
  for (int i = 0; i < n; ++i) {
    pop.push_back(base);
    if (i > 0) mutate(pop.back(), MutationConfig{2.0f, 1.0f, 0.05f}, evolution_key(seed, 0, i, Purpose::kMutate));
  }
  return pop;
}

std::vector<Network*> pointers(std::vector<Network>& pop) {
  std::vector<Network*> p;
  for (auto& n : pop) p.push_back(&n);
  return p;
}

int stop_now(void*) { return 1; }

}  // namespace

TEST_CASE("mutate draws only from its key", "[evolution]") {
  Network a = small_net(), b = small_net(), c = small_net();
  MutationConfig m{0.5f, 0.0f, 0.0f};
  mutate(a, m, 42);
  mutate(b, m, 42);
  mutate(c, m, 43);
  REQUIRE(a.weight() == b.weight());
  REQUIRE(a.weight() != c.weight());
  REQUIRE(a.threshold() == small_net().threshold());  // sigma 0: untouched
  REQUIRE(a.leak() == small_net().leak());

  // turning the threshold sigma on leaves the weight draws as they were
  Network d = small_net();
  mutate(d, MutationConfig{0.5f, 3.0f, 0.0f}, 42);
  REQUIRE(d.weight() == a.weight());
  REQUIRE(d.threshold() != a.threshold());
}

TEST_CASE("mutate keeps leaks in [0, 1] and checks sigmas first", "[evolution]") {
  Network net = small_net();
  mutate(net, MutationConfig{0.0f, 0.0f, 5.0f}, 1);
  bool clipped = false;
  for (float l : net.leak()) {
    REQUIRE(l >= 0.0f);
    REQUIRE(l <= 1.0f);
    clipped = clipped || l == 0.0f || l == 1.0f;
  }
  REQUIRE(clipped);
  Network before = small_net(), after = small_net();
  REQUIRE_THROWS_AS(mutate(after, MutationConfig{1.0f, -1.0f, 0.0f}, 1), ValueError);
  REQUIRE(after.weight() == before.weight());
  REQUIRE_THROWS_AS(mutate(after, MutationConfig{std::nanf(""), 0.0f, 0.0f}, 1), ValueError);
}

TEST_CASE("rank_by_fitness is stable, descending, NaN last", "[evolution]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> f{0.5, nan, 0.9, 0.5, -1.0, 0.9};
  REQUIRE(rank_by_fitness(f) == std::vector<std::int64_t>{2, 5, 0, 3, 4, 1});
  REQUIRE(rank_by_fitness({}).empty());
}

TEST_CASE("choose_parent is keyed and in range", "[evolution]") {
  std::vector<int> hits(4, 0);
  for (int slot = 0; slot < 400; ++slot) {
    const auto p = choose_parent(9, 3, slot, 4);
    REQUIRE(p == choose_parent(9, 3, slot, 4));
    REQUIRE(p >= 0);
    REQUIRE(p < 4);
    ++hits[static_cast<std::size_t>(p)];
  }
  for (int h : hits) REQUIRE(h > 50);
  REQUIRE(choose_parent(9, 3, 0, 1) == 0);
  REQUIRE_THROWS_AS(choose_parent(9, 3, 0, 0), ValueError);
}

TEST_CASE("breed makes generation 0 from the base network", "[evolution]") {
  const Network base = small_net();
  BreedConfig cfg;
  cfg.mutation = MutationConfig{2.0f, 1.0f, 0.05f};
  cfg.population = 5;
  cfg.elite = 1;
  cfg.parents_pool = 1;
  const Brood b = breed({&base}, {0}, cfg, 5, 0, 2);
  REQUIRE(b.parents == std::vector<std::int64_t>(5, 0));
  REQUIRE(b.children.size() == 4);
  const auto pop = population(5, 5);  // copies of the base, slot i mutated with its own key
  for (std::size_t s = 0; s < 5; ++s)
    REQUIRE(b.train_seeds[s] == evolution_key(5, 0, static_cast<std::int64_t>(s), Purpose::kTrainSeed));
  for (std::size_t k = 0; k < 4; ++k) {
    REQUIRE(b.children[k].weight() == pop[k + 1].weight());
    REQUIRE(b.children[k].threshold() == pop[k + 1].threshold());
    REQUIRE(b.children[k].leak() == pop[k + 1].leak());
  }
  REQUIRE(b.children[0].weight() != base.weight());
}

TEST_CASE("breed: elites, then mutated children of the best parents_pool", "[evolution][openmp]") {
  const auto prev = population(6, 3);
  std::vector<const Network*> ptrs;
  for (const auto& n : prev) ptrs.push_back(&n);
  const std::vector<std::int64_t> order{4, 1, 5, 0, 2, 3};
  BreedConfig cfg;
  cfg.mutation = MutationConfig{0.5f, 0.0f, 0.1f};
  cfg.population = 6;
  cfg.elite = 2;
  cfg.parents_pool = 3;
  const Brood b1 = breed(ptrs, order, cfg, 9, 4, 1);
  const Brood b2 = breed(ptrs, order, cfg, 9, 4, 2);
  REQUIRE(b1.parents[0] == 4);
  REQUIRE(b1.parents[1] == 1);
  REQUIRE(b1.children.size() == 4);
  REQUIRE(b1.parents == b2.parents);
  REQUIRE(b1.train_seeds == b2.train_seeds);
  std::vector<int> used(6, 0);
  for (std::int64_t s = 2; s < 6; ++s) {
    const auto j = order[static_cast<std::size_t>(choose_parent(9, 4, s, 3))];
    REQUIRE(b1.parents[static_cast<std::size_t>(s)] == j);
    ++used[static_cast<std::size_t>(j)];
    Network want = prev[static_cast<std::size_t>(j)];
    mutate(want, cfg.mutation, evolution_key(9, 4, s, Purpose::kMutate));
    const auto& got = b1.children[static_cast<std::size_t>(s - 2)];
    REQUIRE(got.weight() == want.weight());
    REQUIRE(got.leak() == want.leak());
    REQUIRE(got.threshold() == want.threshold());
    REQUIRE(b2.children[static_cast<std::size_t>(s - 2)].weight() == want.weight());
  }
  REQUIRE(used[0] + used[2] + used[3] == 0);  // only the best three are parents
}

TEST_CASE("breed on a team gives the children of one thread", "[evolution][openmp]") {
  Network big;
  for (int i = 0; i < 200; ++i) big.add_neuron("N" + std::to_string(i), 50.0f, 0.9f, 0.0f);
  for (int a = 0; a < 200; ++a)
    for (int b = 0; b < 200; ++b) big.set_edge(a, b, static_cast<float>((a * 7 + b) % 13) - 6.0f);
  BreedConfig cfg;
  cfg.mutation = MutationConfig{0.5f, 0.2f, 0.1f};
  cfg.population = 5;  // 4 children x 40000 weights: enough draws for a team
  cfg.elite = 1;
  cfg.parents_pool = 1;
  const Brood b1 = breed({&big}, {0}, cfg, 11, 0, 1);
  const Brood b2 = breed({&big}, {0}, cfg, 11, 0, 2);
  REQUIRE(b2.children.size() == 4);
  for (std::size_t k = 0; k < 4; ++k) {
    REQUIRE(b1.children[k].weight() == b2.children[k].weight());
    REQUIRE(b1.children[k].leak() == b2.children[k].leak());
    REQUIRE(b1.children[k].weight() != big.weight());
  }
}

TEST_CASE("breed checks its input before any work", "[evolution]") {
  const auto prev = population(3, 1);
  std::vector<const Network*> ptrs{&prev[0], &prev[1], &prev[2]};
  BreedConfig cfg;
  cfg.population = 3;
  cfg.elite = 1;
  cfg.parents_pool = 2;
  REQUIRE_NOTHROW(breed(ptrs, {2, 0, 1}, cfg, 1, 1, 1));
  REQUIRE_THROWS_AS(breed(ptrs, {2, 0}, cfg, 1, 1, 1), ValueError);
  REQUIRE_THROWS_AS(breed(ptrs, {2, 0, 3}, cfg, 1, 1, 1), ValueError);
  BreedConfig bad = cfg;
  bad.parents_pool = 4;
  REQUIRE_THROWS_AS(breed(ptrs, {2, 0, 1}, bad, 1, 1, 1), ValueError);
  bad = cfg;
  bad.elite = 4;
  REQUIRE_THROWS_AS(breed(ptrs, {2, 0, 1}, bad, 1, 1, 1), ValueError);
  bad = cfg;
  bad.mutation.sigma_thr = -1.0f;
  REQUIRE_THROWS_AS(breed(ptrs, {2, 0, 1}, bad, 1, 1, 1), ValueError);
  bad = cfg;
  bad.population = 0;
  REQUIRE_THROWS_AS(breed(ptrs, {2, 0, 1}, bad, 1, 1, 1), ValueError);
}

TEST_CASE("score_population does not depend on the thread count", "[evolution][openmp]") {
  const auto train = episodes(24, 1), val = episodes(16, 2);
  for (TrainerKind kind : {TrainerKind::kGradient, TrainerKind::kHebbian}) {
    auto p1 = population(6, 5), p2 = population(6, 5);
    std::vector<std::uint64_t> seeds;
    for (int i = 0; i < 6; ++i) seeds.push_back(evolution_key(5, 0, i, Purpose::kTrainSeed));
    const auto opt = options(kind, 2);
    const auto s1 = score_population(pointers(p1), seeds, train, val, opt, 1);
    const auto s2 = score_population(pointers(p2), seeds, train, val, opt, 2);
    REQUIRE(s1.size() == 6);
    bool trained = false;
    for (std::size_t i = 0; i < 6; ++i) {
      REQUIRE(s1[i].accuracy == s2[i].accuracy);
      REQUIRE(s1[i].margin == s2[i].margin);
      REQUIRE(s1[i].edges == s2[i].edges);
      REQUIRE(s1[i].total == 16);
      REQUIRE(p1[i].weight() == p2[i].weight());
      trained = trained || p1[i].weight() != population(6, 5)[i].weight();
    }
    REQUIRE(trained);
  }
}

TEST_CASE("score_population without training only evaluates", "[evolution]") {
  const auto val = episodes(10, 3);
  auto pop = population(3, 8);
  const auto before = pop[1].weight();
  const auto opt = options(TrainerKind::kGradient, 0);
  const auto s = score_population(pointers(pop), {1, 2, 3}, {}, val, opt, 2);
  REQUIRE(pop[1].weight() == before);
  const auto again = score_population(pointers(pop), {7, 8, 9}, {}, val, opt, 1);
  for (std::size_t i = 0; i < 3; ++i) REQUIRE(s[i].accuracy == again[i].accuracy);
}

TEST_CASE("score_population checks its input before any work", "[evolution]") {
  const auto train = episodes(4, 1), val = episodes(4, 2);
  auto pop = population(2, 1);
  const auto w0 = pop[0].weight();
  const auto opt = options(TrainerKind::kGradient, 1);
  std::vector<Network*> twice{&pop[0], &pop[0]};
  REQUIRE_THROWS_AS(score_population(twice, {1, 2}, train, val, opt, 1), ValueError);
  REQUIRE_THROWS_AS(score_population(pointers(pop), {1}, train, val, opt, 1), ValueError);
  Network other = small_net();
  other.add_neuron("X9", 1.0f, 1.0f, 0.0f);
  std::vector<Network*> mixed{&pop[0], &other};
  REQUIRE_THROWS_AS(score_population(mixed, {1, 2}, train, val, opt, 1), ValueError);
  auto bad = val;
  bad[2].target = 5;
  REQUIRE_THROWS_AS(score_population(pointers(pop), {1, 2}, train, bad, opt, 1), ValueError);
  REQUIRE(pop[0].weight() == w0);
}

TEST_CASE("score_population stops when the hook asks", "[evolution]") {
  const auto train = episodes(40, 1), val = episodes(8, 2);
  auto pop = population(4, 1);
  const auto opt = options(TrainerKind::kGradient, 5000);
  REQUIRE_THROWS_AS(score_population(pointers(pop), {1, 2, 3, 4}, train, val, opt, 2, stop_now, nullptr),
                    Cancelled);
  REQUIRE_THROWS_AS(score_population(pointers(pop), {1, 2, 3, 4}, train, val, opt, 1, stop_now, nullptr),
                    Cancelled);
}
