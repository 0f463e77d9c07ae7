// Evolution's engine pieces: keyed mutation, ranking, parent choice, breeding, parallel scoring.
#include "glia/evolution.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "glia/config_fields.hpp"
#include "glia/error.hpp"
#include "glia/random.hpp"
#include "glia/trainer.hpp"
#include "parallel_items.hpp"

namespace glia {

std::uint64_t evolution_key(std::uint64_t seed, std::int64_t generation, std::int64_t individual,
                            Purpose purpose) noexcept {
  return stream_key(seed, static_cast<std::uint64_t>(generation),
                    static_cast<std::uint64_t>(individual), purpose);
}

// ------------------------------------------------------------------------------ mutation

namespace {

void check_sigma(const char* name, float s) {
  if (!(std::isfinite(s) && s >= 0.0f))
    throw ValueError(std::string(name) + " must be finite and >= 0, got " + std::to_string(s));
}

void check_mutation(const MutationConfig& m) {
  check_sigma("sigma_w", m.sigma_w);
  check_sigma("sigma_thr", m.sigma_thr);
  check_sigma("sigma_leak", m.sigma_leak);
}

/// mutate without the checks (the caller made them).
void mutate_checked(Network& net, const MutationConfig& m, std::uint64_t key) {
  if (m.sigma_w > 0.0f) {
    Rng rng(stream_key(key, 0));
    float* w = net.weight_data();
    const std::int64_t E = net.num_edges();
    const double s = m.sigma_w;
    for (std::int64_t e = 0; e < E; ++e) w[e] += static_cast<float>(s * rng.normal());
  }
  const std::int32_t N = net.size();
  if (m.sigma_thr > 0.0f) {
    Rng rng(stream_key(key, 1));
    float* thr = net.threshold_data();
    const double s = m.sigma_thr;
    for (std::int32_t i = 0; i < N; ++i) thr[i] += static_cast<float>(s * rng.normal());
  }
  if (m.sigma_leak > 0.0f) {
    Rng rng(stream_key(key, 2));
    float* leak = net.leak_data();
    const double s = m.sigma_leak;
    for (std::int32_t i = 0; i < N; ++i) {
      const float v = leak[i] + static_cast<float>(s * rng.normal());
      leak[i] = v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v);
    }
  }
}

}  // namespace

void mutate(Network& net, const MutationConfig& m, std::uint64_t key) {
  check_mutation(m);
  mutate_checked(net, m, key);
}

// ------------------------------------------------------------------------------ selection

std::vector<std::int64_t> rank_by_fitness(const std::vector<double>& fitness) {
  std::vector<std::int64_t> order(fitness.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::int64_t>(i);
  std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
    const double fa = fitness[static_cast<std::size_t>(a)];
    const double fb = fitness[static_cast<std::size_t>(b)];
    const bool na = std::isnan(fa), nb = std::isnan(fb);
    if (na || nb) return !na && nb;
    return fa > fb;
  });
  return order;
}

std::int64_t choose_parent(std::uint64_t seed, std::int64_t generation, std::int64_t slot,
                           std::int64_t pool) {
  if (pool < 1) throw ValueError("parents_pool must be >= 1, got " + std::to_string(pool));
  Rng rng(evolution_key(seed, generation, slot, Purpose::kParent));
  return static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(pool)));
}

// ------------------------------------------------------------------------------ breeding

namespace {

/// Below this many weight draws a generation is bred on one thread: about 5 ms of work,
/// which a team's start and closing barrier (microseconds on an idle machine, a scheduler
/// time slice on a busy one) would not repay.
constexpr std::int64_t kParallelBreedMinDraws = 100000;

void check_breed(const std::vector<const Network*>& previous, const std::vector<std::int64_t>& order,
                 const BreedConfig& cfg) {
  check_mutation(cfg.mutation);
  const auto n = static_cast<std::int64_t>(previous.size());
  if (cfg.population < 1)
    throw ValueError("population must be >= 1, got " + std::to_string(cfg.population));
  if (cfg.elite < 0 || cfg.elite > cfg.population)
    throw ValueError("elite must be in [0, population], got " + std::to_string(cfg.elite));
  if (static_cast<std::int64_t>(order.size()) != n)
    throw ValueError("order has " + std::to_string(order.size()) + " entries for " +
                     std::to_string(n) + " individuals");
  for (std::int64_t r : order)
    if (r < 0 || r >= n || previous[static_cast<std::size_t>(r)] == nullptr)
      throw ValueError("order names individual " + std::to_string(r) + ", which is not there");
  if (cfg.elite > n)
    throw ValueError("elite " + std::to_string(cfg.elite) + " exceeds the " + std::to_string(n) +
                     " individuals to keep");
  if (cfg.elite < cfg.population && (cfg.parents_pool < 1 || cfg.parents_pool > n))
    throw ValueError("parents_pool must be in [1, " + std::to_string(n) + "], got " +
                     std::to_string(cfg.parents_pool));
}

}  // namespace

Brood breed(const std::vector<const Network*>& previous, const std::vector<std::int64_t>& order,
            const BreedConfig& cfg, std::uint64_t seed, std::int64_t generation, int n_threads,
            Hook hook, void* ctx) {
  check_breed(previous, order, cfg);
  const std::int64_t P = cfg.population, E = cfg.elite;
  Brood out;
  out.parents.resize(static_cast<std::size_t>(P));
  out.train_seeds.resize(static_cast<std::size_t>(P));
  for (std::int64_t s = 0; s < P; ++s) {
    const std::int64_t rank = s < E ? s : choose_parent(seed, generation, s, cfg.parents_pool);
    out.parents[static_cast<std::size_t>(s)] = order[static_cast<std::size_t>(rank)];
    out.train_seeds[static_cast<std::size_t>(s)] = evolution_key(seed, generation, s, Purpose::kTrainSeed);
  }
  out.children.resize(static_cast<std::size_t>(P - E));
  // a team only for a generation whose mutations draw enough numbers to repay its start
  std::int64_t draws = 0;
  for (std::int64_t s = E; s < P; ++s)
    draws += previous[static_cast<std::size_t>(out.parents[static_cast<std::size_t>(s)])]->num_edges();
  const int nt = draws < kParallelBreedMinDraws ? 1 : n_threads;
  Poller poller(hook, ctx);
  detail::for_each_item(P - E, nt, &poller, "breeding", [&](std::int64_t k, int) {
    const std::int64_t s = E + k;
    Network& child = out.children[static_cast<std::size_t>(k)];
    child = *previous[static_cast<std::size_t>(out.parents[static_cast<std::size_t>(s)])];
    mutate_checked(child, cfg.mutation, evolution_key(seed, generation, s, Purpose::kMutate));
  });
  return out;
}

// ------------------------------------------------------------------------------ scoring

namespace {

void check_inputs(const std::vector<Network*>& nets, const std::vector<std::uint64_t>& seeds,
                  const std::vector<Episode>& train, const std::vector<Episode>& val,
                  const ScoreOptions& opt) {
  if (seeds.size() != nets.size())
    throw ValueError("train_seeds has " + std::to_string(seeds.size()) + " entries for " +
                     std::to_string(nets.size()) + " networks");
  if (opt.train_epochs < 0)
    throw ValueError("train_epochs must be >= 0, got " + std::to_string(opt.train_epochs));
  validate_config(opt.train_config);
  trainer_name(opt.trainer);  // an unknown kind fails here, before any work
  for (std::size_t i = 0; i < nets.size(); ++i)
    if (nets[i] == nullptr) throw ValueError("network " + std::to_string(i) + " is null");
  std::vector<Network*> sorted(nets);
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    throw ValueError("the same network appears twice in the population (pass copies)");
  const Network& first = *nets[0];
  for (std::size_t i = 1; i < nets.size(); ++i) {
    const Network& n = *nets[i];
    if (n.size() != first.size() || n.num_sensory() != first.num_sensory() ||
        n.ids() != first.ids())
      throw ValueError("network " + std::to_string(i) +
                       " does not have the same neurons (ids, in the same order) as network 0");
  }
  check_outputs(first, opt.outputs);
  const auto n_out = static_cast<std::int32_t>(opt.outputs.size());
  if (opt.train_config.detector.default_id >= n_out)
    throw ValueError("config.detector.default_id " +
                     std::to_string(opt.train_config.detector.default_id) +
                     " is not an output index");
  if (opt.train_epochs > 0)
    for (std::size_t k = 0; k < train.size(); ++k)
      check_episode(train[k], first, n_out, true, static_cast<std::int64_t>(k));
  for (std::size_t k = 0; k < val.size(); ++k)
    check_episode(val[k], first, n_out, true, static_cast<std::int64_t>(k));
}

void score_one(Network& net, std::uint64_t seed, const std::vector<Episode>& train,
               const std::vector<Episode>& val, const ScoreOptions& opt, Hook hook, void* ctx,
               IndividualScore& out) {
  TrainConfig cfg = opt.train_config;
  cfg.seed = seed;
  std::unique_ptr<Trainer> tr = make_trainer(opt.trainer, net, cfg);
  tr->set_outputs(opt.outputs);
  if (opt.train_epochs > 0 && !train.empty())
    tr->train(train, opt.train_epochs, 1, hook, ctx);
  const DatasetMetrics m = tr->evaluate_dataset(val, 1, hook, ctx);
  out.accuracy = m.accuracy;
  out.margin = m.mean_margin;
  out.correct = m.correct;
  out.total = static_cast<std::int64_t>(val.size());
  out.edges = net.num_edges();
}

}  // namespace

std::vector<IndividualScore> score_population(const std::vector<Network*>& nets,
                                              const std::vector<std::uint64_t>& train_seeds,
                                              const std::vector<Episode>& train,
                                              const std::vector<Episode>& val,
                                              const ScoreOptions& opt, int n_threads,
                                              Hook hook, void* ctx) {
  PopulationScoring run(nets, train_seeds, train, val, opt, hook, ctx);
  detail::ItemStop none(nullptr);  // the run's own hook stops it (PopulationScoring::score)
  detail::for_each_item(run.size(), n_threads, none, "evolution",
                        [&run](std::int64_t i, int) { run.score(i); });
  return run.finish();
}

PopulationScoring::PopulationScoring(const std::vector<Network*>& nets,
                                     const std::vector<std::uint64_t>& train_seeds,
                                     const std::vector<Episode>& train,
                                     const std::vector<Episode>& val, const ScoreOptions& opt,
                                     Hook hook, void* ctx)
    : nets_(nets), seeds_(train_seeds), train_(train), val_(val), opt_(opt), poller_(hook, ctx),
      has_hook_(hook != nullptr), caller_(std::this_thread::get_id()),
      scores_(nets.size()), errors_(nets.size()) {
  if (!nets.empty()) check_inputs(nets, train_seeds, train, val, opt);
}

bool PopulationScoring::ask(bool now) {
  if (!has_hook_ || std::this_thread::get_id() != caller_) return false;
  if (!(now ? poller_.force() : poller_.poll())) return false;
  by_hook_.store(true);
  stop_.store(true);
  return true;
}

int PopulationScoring::item_hook(void* ctx) {
  auto* p = static_cast<PopulationScoring*>(ctx);
  return p->stop_.load(std::memory_order_relaxed) || p->ask(true) ? 1 : 0;
}

int PopulationScoring::begin(int n_threads) noexcept {
  team_ = detail::in_parallel_region() ? 1 : threads_for(n_threads, size());
  if (team_ > 1 && !detail::parallel_allowed()) team_ = 1;
  t0_ = detail::now_ns();
  return team_;
}

void PopulationScoring::score(std::int64_t i) noexcept {
  const std::int64_t c0 = team_ > 1 ? detail::thread_cpu_ns() : -1;  // -1: not timed
  try {
    if (!(stop_.load(std::memory_order_relaxed) || ask(false))) {
      const auto k = static_cast<std::size_t>(i);
      score_one(*nets_[k], seeds_[k], train_, val_, opt_, item_hook, this, scores_[k]);
    }
  } catch (...) {
    // the others go on: every item runs, and the first error in item order is raised,
    // whichever thread met which error first
    errors_[static_cast<std::size_t>(i)] = std::current_exception();
  }
  if (c0 >= 0) cpu_.fetch_add(detail::thread_cpu_ns() - c0, std::memory_order_relaxed);
}

std::vector<IndividualScore> PopulationScoring::finish() {
  if (team_ > 1) {  // (the system tells every thread's CPU time, or none)
    detail::record_parallel_run(t0_, detail::thread_cpu_ns() < 0 ? -1 : cpu_.load());
    team_ = 1;
  }
  if (by_hook_.load()) throw Cancelled("evolution interrupted");
  for (const std::exception_ptr& e : errors_)  // in item order
    if (e) std::rethrow_exception(e);
  return std::move(scores_);
}

}  // namespace glia
