// Evolution's engine pieces: keyed mutation, ranking, parent choice, the breeding of a
// generation, and the parallel training + scoring of a population (one individual per item).
//
// The generation loop itself (fitness mapping, callbacks, lineage, progress, remote
// executors) lives in Python (glia/evolution/); everything here is deterministic:
// every random draw comes from stream_key(seed, generation, individual, purpose), so a
// run is bit-identical for any thread count and on any machine that runs the same build.
#pragma once
#include <atomic>
#include <cstdint>
#include <exception>
#include <thread>
#include <vector>

#include "glia/episode.hpp"
#include "glia/hook.hpp"
#include "glia/network.hpp"
#include "glia/random.hpp"
#include "glia/train_config.hpp"
#include "glia/trainer.hpp"

namespace glia {

/// Key of individual (slot) `individual` of generation `generation` for `purpose`
/// (Purpose::kMutate, kParent or kTrainSeed).
std::uint64_t evolution_key(std::uint64_t seed, std::int64_t generation, std::int64_t individual,
                            Purpose purpose) noexcept;

/// Gaussian jitter of a genome (GliaGL's rule): every weight += N(0, sigma_w), every
/// threshold += N(0, sigma_thr), every leak += N(0, sigma_leak) then clamped to [0, 1].
struct MutationConfig {
  float sigma_w = 0.05f;
  float sigma_thr = 0.0f;
  float sigma_leak = 0.0f;
};

/// Mutates `net` in place with draws from the stream `key` only: weights in CSR order from
/// sub-stream 0, thresholds from 1, leaks from 2 (so turning one sigma on never changes the
/// others' draws). A zero sigma draws nothing. Throws ValueError for a negative or
/// non-finite sigma (before changing anything).
void mutate(Network& net, const MutationConfig& m, std::uint64_t key);

/// Indices ordered by decreasing fitness; ties keep index order (stable); NaN ranks last.
std::vector<std::int64_t> rank_by_fitness(const std::vector<double>& fitness);

/// The rank (in [0, pool)) of the parent of child slot `slot` of generation `generation`:
/// uniform, from its own stream. pool must be >= 1.
std::int64_t choose_parent(std::uint64_t seed, std::int64_t generation, std::int64_t slot,
                           std::int64_t pool);

/// How one generation is bred from the previous one (GliaGL's rule).
struct BreedConfig {
  MutationConfig mutation;
  std::int64_t population = 1;    ///< individuals in the new generation
  std::int64_t elite = 0;         ///< the best `elite` carry over unchanged
  std::int64_t parents_pool = 1;  ///< each child's parent is uniform among the best this many
};

/// A new generation: slot s < elite is the previous individual parents[s] itself (the caller
/// keeps it); slot s >= elite is children[s - elite], a mutated copy of previous individual
/// parents[s]. train_seeds[s] is slot s's trainer seed for this generation.
struct Brood {
  std::vector<std::int64_t> parents;
  std::vector<Network> children;
  std::vector<std::uint64_t> train_seeds;
};

/// Breeds generation `generation` from `previous` ranked by `order` (rank_by_fitness of its
/// fitness), keys, parent choice and mutation in one call: slot s < elite takes
/// previous[order[s]]; slot s >= elite copies previous[order[choose_parent(seed, generation,
/// s, parents_pool)]] and mutates the copy with key evolution_key(seed, generation, s,
/// kMutate); every slot's trainer seed is evolution_key(seed, generation, s, kTrainSeed).
/// Generation 0 is bred from the base network alone: previous {&base}, order {0}, elite 1,
/// parents_pool 1. The children are made in parallel (`n_threads`), each from its own
/// streams, so the result is the same for any thread count. Everything is checked before
/// any work (ValueError); `hook` is polled between children (Cancelled).
Brood breed(const std::vector<const Network*>& previous, const std::vector<std::int64_t>& order,
            const BreedConfig& cfg, std::uint64_t seed, std::int64_t generation, int n_threads,
            Hook hook = nullptr, void* ctx = nullptr);

/// What `score_population` does with each network.
struct ScoreOptions {
  TrainConfig train_config;            ///< the trainer's config (its seed is replaced per network)
  std::vector<std::int32_t> outputs;   ///< the outputs list (neuron indices); targets index it
  TrainerKind trainer = TrainerKind::kGradient;  ///< made by make_trainer
  std::int64_t train_epochs = 0;       ///< epochs of training before scoring (0: none)
};

/// One network's score on the validation episodes (with its trainer's evaluation config).
struct IndividualScore {
  double accuracy = 0.0;
  double margin = 0.0;       ///< mean margin over the validation episodes
  std::int64_t edges = 0;    ///< edges after training
  std::int64_t correct = 0;
  std::int64_t total = 0;
};

/// Trains (when train_epochs > 0 and `train` is not empty) and scores every network, in
/// parallel over networks (glia's worker threads, `n_threads`, dynamic); each network's
/// trainer and evaluation run serially on one thread, with trainer seed `train_seeds[i]`.
/// The networks are trained in place (pass copies to keep the originals) and must all have
/// the same neurons in the same order (the episodes index them). Results are by network
/// index, so identical for any thread count.
///
/// Everything is checked before any work (ValueError / KeyError). `hook` is called from the
/// calling thread only, about every 100 ms; a nonzero return stops every thread at its next
/// batch and throws Cancelled (networks then are partly trained). The error of the first
/// failing item in item order is rethrown after every item ran (PopulationScoring, on
/// glia's worker threads).
std::vector<IndividualScore> score_population(const std::vector<Network*>& nets,
                                              const std::vector<std::uint64_t>& train_seeds,
                                              const std::vector<Episode>& train,
                                              const std::vector<Episode>& val,
                                              const ScoreOptions& opt, int n_threads,
                                              Hook hook = nullptr, void* ctx = nullptr);

/// score_population for a loop over the networks that the caller runs (the bindings'
/// Cython `prange`): the constructor checks everything (as score_population), `score(i)`
/// trains and scores network i on whichever thread calls it and never throws, and
/// `finish()` (on the constructing thread, after the loop) returns the scores, or throws
/// the error of the first failing item in item order (an error does not stop the other
/// items, so which one is raised never depends on timing), or Cancelled when the hook asked
/// to stop. The hook
/// is called only from the constructing thread, between and inside its items, about every
/// 100 ms; once it says stop, items not yet started are skipped and running ones stop at
/// their next batch. Results by network index: identical for any thread count. `begin`
/// says how many threads the loop should use, as glia's own parallel runs decide it.
class PopulationScoring {
 public:
  PopulationScoring(const std::vector<Network*>& nets, const std::vector<std::uint64_t>& train_seeds,
                    const std::vector<Episode>& train, const std::vector<Episode>& val,
                    const ScoreOptions& opt, Hook hook = nullptr, void* ctx = nullptr);
  PopulationScoring(const PopulationScoring&) = delete;
  PopulationScoring& operator=(const PopulationScoring&) = delete;
  std::int64_t size() const noexcept { return static_cast<std::int64_t>(nets_.size()); }
  /// Before the loop, on the constructing thread: the threads it should run on when
  /// `n_threads` are asked for (at most one per network; one inside another parallel run,
  /// or while recent parallel runs did not pay: the RunGauge of glia's worker pool, which
  /// this loop's wall and CPU times then feed at `finish`).
  int begin(int n_threads) noexcept;
  void score(std::int64_t i) noexcept;
  std::vector<IndividualScore> finish();

 private:
  /// The Hook of the loops inside an item (ctx: this): nonzero once stopping; on the
  /// constructing thread it asks the caller's hook.
  static int item_hook(void* ctx);
  bool ask(bool now);

  std::vector<Network*> nets_;
  std::vector<std::uint64_t> seeds_;
  const std::vector<Episode>& train_;
  const std::vector<Episode>& val_;
  ScoreOptions opt_;
  Poller poller_;
  bool has_hook_;
  std::thread::id caller_;
  std::atomic<bool> stop_{false}, by_hook_{false};
  std::vector<IndividualScore> scores_;
  std::vector<std::exception_ptr> errors_;
  int team_ = 1;                       ///< begin's thread count
  std::int64_t t0_ = 0;                ///< begin's time (ns)
  std::atomic<std::int64_t> cpu_{0};   ///< CPU ns of the items (a team's only)
};

}  // namespace glia
