// Evolution's engine pieces: keyed mutation, ranking, parent choice, parallel scoring.
#include "glia/evolution.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <memory>
#include <string>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "glia/config_fields.hpp"
#include "glia/error.hpp"
#include "glia/random.hpp"
#include "glia/trainer.hpp"

namespace glia {

std::uint64_t evolution_key(std::uint64_t seed, std::int64_t generation, std::int64_t individual,
                            std::uint64_t purpose) noexcept {
  return stream_key(seed, static_cast<std::uint64_t>(generation),
                    static_cast<std::uint64_t>(individual), purpose);
}

// ------------------------------------------------------------------------------ mutation

namespace {

void check_sigma(const char* name, float s) {
  if (!(std::isfinite(s) && s >= 0.0f))
    throw ValueError(std::string(name) + " must be finite and >= 0, got " + std::to_string(s));
}

}  // namespace

void mutate(Network& net, const MutationConfig& m, std::uint64_t key) {
  check_sigma("sigma_w", m.sigma_w);
  check_sigma("sigma_thr", m.sigma_thr);
  check_sigma("sigma_leak", m.sigma_leak);
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
  Rng rng(evolution_key(seed, generation, slot, kPurposeParent));
  return static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(pool)));
}

// ------------------------------------------------------------------------------ scoring

namespace {

int thread_num() noexcept {
#ifdef _OPENMP
  return omp_get_thread_num();
#else
  return 0;
#endif
}

/// Shared by every item: the stop flag, and the caller's hook (run on thread 0 only, which
/// in a parallel region is the calling thread).
struct StopState {
  std::atomic<bool> stop{false};
  std::atomic<bool> by_hook{false};
  Poller* poller = nullptr;
};

/// The hook handed to each individual's trainer and evaluation (their own Poller already
/// calls it at most about every 100 ms).
int item_hook(void* ctx) {
  auto* s = static_cast<StopState*>(ctx);
  if (s->stop.load(std::memory_order_relaxed)) return 1;
  if (s->poller != nullptr && thread_num() == 0 && s->poller->force()) {
    s->by_hook.store(true);
    s->stop.store(true);
    return 1;
  }
  return 0;
}

void check_inputs(const std::vector<Network*>& nets, const std::vector<std::uint64_t>& seeds,
                  const std::vector<Episode>& train, const std::vector<Episode>& val,
                  const ScoreOptions& opt) {
  if (seeds.size() != nets.size())
    throw ValueError("train_seeds has " + std::to_string(seeds.size()) + " entries for " +
                     std::to_string(nets.size()) + " networks");
  if (opt.train_epochs < 0)
    throw ValueError("train_epochs must be >= 0, got " + std::to_string(opt.train_epochs));
  validate_config(opt.train_config);
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
  const auto no = static_cast<std::int32_t>(opt.outputs.size());
  if (opt.train_config.detector.default_id >= no)
    throw ValueError("config.detector.default_id " +
                     std::to_string(opt.train_config.detector.default_id) +
                     " is not an output index");
  if (opt.train_epochs > 0)
    for (std::size_t k = 0; k < train.size(); ++k)
      check_episode(train[k], first, no, true, static_cast<std::int64_t>(k));
  for (std::size_t k = 0; k < val.size(); ++k)
    check_episode(val[k], first, no, true, static_cast<std::int64_t>(k));
}

void score_one(Network& net, std::uint64_t seed, const std::vector<Episode>& train,
               const std::vector<Episode>& val, const ScoreOptions& opt, StopState& stop,
               IndividualScore& out) {
  TrainConfig cfg = opt.train_config;
  cfg.seed = seed;
  std::unique_ptr<Trainer> tr;
  if (opt.trainer == TrainerKind::kHebbian)
    tr.reset(new HebbianTrainer(net, cfg));
  else if (opt.trainer == TrainerKind::kSurrogate)
    tr.reset(new SurrogateTrainer(net, cfg));
  else
    tr.reset(new RateGDTrainer(net, cfg));
  tr->set_outputs(opt.outputs);
  if (opt.train_epochs > 0 && !train.empty())
    tr->train(train, opt.train_epochs, 1, item_hook, &stop);
  const DatasetMetrics m = tr->evaluate_dataset(val, 1, item_hook, &stop);
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
  const auto n = static_cast<std::int64_t>(nets.size());
  std::vector<IndividualScore> scores(static_cast<std::size_t>(n));
  if (n == 0) return scores;
  check_inputs(nets, train_seeds, train, val, opt);

  Poller poller(hook, ctx);
  StopState stop;
  stop.poller = hook != nullptr ? &poller : nullptr;
  std::exception_ptr first_error;
  int nt = n_threads < 1 ? 1 : n_threads;
  if (static_cast<std::int64_t>(nt) > n) nt = static_cast<int>(n);

  auto run_item = [&](std::int64_t i) {
    if (stop.stop.load(std::memory_order_relaxed)) return;
    try {
      score_one(*nets[static_cast<std::size_t>(i)], train_seeds[static_cast<std::size_t>(i)],
                train, val, opt, stop, scores[static_cast<std::size_t>(i)]);
      if (thread_num() == 0 && stop.poller != nullptr && poller.poll()) {
        stop.by_hook.store(true);
        stop.stop.store(true);
      }
    } catch (...) {
#pragma omp critical(glia_first_error)
      if (!first_error) first_error = std::current_exception();
      stop.stop.store(true);
    }
  };

  if (nt == 1) {
    for (std::int64_t i = 0; i < n; ++i) run_item(i);
  } else {
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
    for (std::int64_t i = 0; i < n; ++i) run_item(i);
  }
  // a stop asked by the hook wins over the Cancelled it caused in the items
  if (stop.by_hook.load()) throw Cancelled("evolution interrupted");
  if (first_error) std::rethrow_exception(first_error);
  return scores;
}

}  // namespace glia
