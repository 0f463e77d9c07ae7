// Episodes (one labelled input sequence resolved to neuron indices) and their evaluation.
#pragma once
#include <cstdint>
#include <vector>

#include "glia/hook.hpp"
#include "glia/network.hpp"
#include "glia/sequence.hpp"
#include "glia/train_config.hpp"

namespace glia {

/// One episode: timed injections by neuron index and the target output.
///
/// Two input forms, which may be combined:
/// - sparse events `tick/neuron/value`, sorted by tick (`add` keeps them sorted when
///   events arrive in tick order; call `sort()` otherwise);
/// - a dense block `dense`: row-major float32 `dense_ticks x dense_width` (width = the
///   network's sensory count), not owned: read in place (zero-copy from NumPy). A nonzero
///   X[t, c] is injected into sensory neuron c before step t.
///
/// Injections happen before the step, as in `Network::run`: a value for tick t is seen by
/// the neuron in step t. With `loop`, the input repeats with period `period()` (the last
/// sparse tick + 1, or the dense row count if larger). Every run of an episode starts from
/// `State::reset` (DESIGN §2).
struct Episode {
  std::vector<std::int32_t> tick;
  std::vector<std::int32_t> neuron;
  std::vector<float> value;
  const float* dense = nullptr;
  std::int64_t dense_ticks = 0;
  std::int32_t dense_width = 0;
  std::int64_t length = 0;  ///< nominal length in ticks (informational)
  bool loop = false;
  std::int32_t target = -1;  ///< index into the trainer's outputs list (-1: unlabelled)

  void add(std::int32_t t, std::int32_t n, float v) {
    tick.push_back(t);
    neuron.push_back(n);
    value.push_back(v);
  }
  /// Stable sort of the sparse events by tick.
  void sort();
  void set_dense(const float* X, std::int64_t T, std::int32_t width) noexcept {
    dense = X;
    dense_ticks = T;
    dense_width = width;
  }
  /// Loop period: max(last sparse tick + 1, dense_ticks); 0 without input.
  std::int64_t period() const noexcept;
};

/// Builds an episode from a sequence (ids resolved on `net`; an unknown id throws KeyError
/// naming it). `target` is an index into the outputs list.
Episode episode_from_sequence(const Sequence& seq, const Network& net, std::int32_t target);

/// Checks an episode against a network and an outputs count (neuron indices, sorted ticks,
/// finite values, dense width, target range when `require_target`); throws ValueError
/// naming episode `index`.
void check_episode(const Episode& ep, const Network& net, std::int32_t n_outputs,
                   bool require_target, std::int64_t index);

/// The outputs of a network: its O neurons in index order.
std::vector<std::int32_t> default_outputs(const Network& net);
/// Checks an outputs list (indices in range, no duplicates, not empty): ValueError.
void check_outputs(const Network& net, const std::vector<std::int32_t>& outputs);

/// What one evaluated episode gives.
struct EpisodeMetrics {
  std::int32_t winner = -1;   ///< index into the outputs list, -1: no winner
  float margin = 0.0f;        ///< top rate - second rate (0 with fewer than 2 outputs)
  std::vector<float> rates;   ///< the detector's rate of every output
  std::int64_t ticks_run = 0;
};

/// A whole data set's evaluation; per-episode arrays in episode order.
struct DatasetMetrics {
  std::vector<std::int32_t> winners;
  std::vector<float> margins;
  std::vector<float> rates;   ///< n_episodes x n_outputs, row-major
  std::int64_t correct = 0;   ///< episodes whose winner is their target
  double accuracy = 0.0;
  double mean_margin = 0.0;
};

/// Winner and margin of rates under a detector: argmax (the first on ties); no winner
/// (-1, or `default_id`) when the top rate is below the threshold.
void detect_winner(const float* rates, std::int32_t n, const DetectorConfig& det,
                   std::int32_t& winner, float& margin) noexcept;

/// Scratch space for running episodes; reuse it: nothing is allocated once it is sized.
struct alignas(64) EpisodeWorkspace {
  State state;
  std::vector<float> det;  ///< detector rate per output
  // dense-form runs (DenseModel): a block of input rows and the ticks needing exact order
  std::vector<float> x;
  std::vector<std::int64_t> x_cursor;  ///< sparse-event cursor before each row, -1: row ok
};

/// A small network's model in dense form for evaluation: weights as an n x stride matrix
/// (row = source, zero where there is no edge) and parameters padded to `stride` (a
/// multiple of 8) with neurons that never fire. A fired neuron then adds a whole row with
/// vector operations, and no accumulator is written one float at a time between two
/// vectorised neuron updates; on small networks the scalar scatter chains into the same
/// few targets and the store-forwarding stalls they cause dominate a step.
///
/// Its runs are bit-identical to `Network::step_state`: each accumulator receives the same
/// nonzero weights in the same (ascending source) order, and adding +0.0 changes at most
/// the sign of a zero accumulator, which the clamp V = max(0, ...) removes.
struct DenseModel {
  std::int32_t n = 0;       ///< neurons
  std::int32_t stride = 0;  ///< padded row length
  std::vector<float> w;     ///< n x stride
  std::vector<float> threshold, leak, resting;  ///< stride each

  /// Largest network (in neurons) stored densely by `evaluate_dataset`.
  static constexpr std::int32_t kMaxNeurons = 64;
  /// Whether `evaluate_dataset` uses the dense form for `net`.
  static bool suits(const Network& net) noexcept { return net.size() <= kMaxNeurons; }
  explicit DenseModel(const Network& net);
};

/// Adds the injections of tick `t` of `ep` (delayed by `shift` ticks) into `input`.
/// `cursor` walks the sparse events; start it at 0 with t = 0, and call for t = 0, 1, ...
void inject_tick(const Episode& ep, std::int64_t t, std::int64_t shift, std::int64_t period,
                 float* input, std::int64_t& cursor) noexcept;

/// Runs one episode on a read-only network with the workspace's own state: warmup_ticks +
/// decision_window steps from reset, the EMA detector of the outputs updated after every
/// step. Fills `m` (rates resized to the outputs count).
void evaluate_episode(const Network& net, const Episode& ep, const TrainConfig& cfg,
                      const std::vector<std::int32_t>& outputs, EpisodeWorkspace& ws,
                      EpisodeMetrics& m);
/// The same on a network's dense form (see DenseModel): identical results.
void evaluate_episode(const DenseModel& dm, const Episode& ep, const TrainConfig& cfg,
                      const std::vector<std::int32_t>& outputs, EpisodeWorkspace& ws,
                      EpisodeMetrics& m);
EpisodeMetrics evaluate_episode(const Network& net, const Episode& ep, const TrainConfig& cfg,
                                const std::vector<std::int32_t>& outputs);

/// Evaluates every episode (OpenMP over episodes in small dynamic chunks, a state per thread),
/// results by episode index, so identical for any thread count. `hook` is called from the
/// calling thread about every 100 ms; a nonzero return stops and throws Cancelled.
/// Episodes are checked first (ValueError); targets may be -1 (never correct).
/// `episodes_checked`: the very vector went through an earlier call unchanged, so the
/// per-episode checks are skipped.
DatasetMetrics evaluate_dataset(const Network& net, const std::vector<Episode>& episodes,
                                const TrainConfig& cfg,
                                const std::vector<std::int32_t>& outputs, int n_threads,
                                Hook hook = nullptr, void* ctx = nullptr,
                                bool episodes_checked = false);

}  // namespace glia
