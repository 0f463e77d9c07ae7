// Episodes (one labelled input sequence resolved to neuron indices) and their evaluation.
#pragma once
#include <cmath>
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

/// The input's length in ticks: `length` when set, else `period()`.
inline std::int64_t input_length(const Episode& ep) noexcept {
  return ep.length > 0 ? ep.length : ep.period();
}

/// Steps of the decision window: cfg.decision_window, or (when 0) the rest of the episode's
/// input after the warm-up, at least 1.
inline std::int64_t window_steps(const TrainConfig& cfg, const Episode& ep) noexcept {
  if (cfg.decision_window > 0) return cfg.decision_window;
  const std::int64_t w = input_length(ep) - cfg.warmup_ticks;
  return w > 1 ? w : 1;
}

/// Steps an episode runs: warmup_ticks + its decision window.
inline std::int64_t episode_steps(const TrainConfig& cfg, const Episode& ep) noexcept {
  return static_cast<std::int64_t>(cfg.warmup_ticks) + window_steps(cfg, ep);
}

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

/// Winner and margin of rates under a detector: the argmax; no winner (-1, or
/// `default_id`) when the top rate is below the threshold or shared by two outputs (a tie).
void detect_winner(const float* rates, std::int32_t n, const DetectorConfig& det,
                   std::int32_t& winner, float& margin) noexcept;

/// Softmax cross-entropy of `rates / temperature` at `target` (0 for a target out of
/// range); with `probs` (may be null) also writes the softmax.
float softmax_xent(const float* rates, std::int32_t n, std::int32_t target, float temperature,
                   float* probs = nullptr) noexcept;

/// The output detector of one episode (DetectorConfig), the one place that turns spikes
/// into output rates for evaluation and for every trainer (with update_all, also every
/// neuron's rate for the trainers). Call `update` after every step t = 0 .. steps-1, then
/// `finish`.
class OutputDetector {
 public:
  OutputDetector(const TrainConfig& cfg, std::int64_t steps, const std::int32_t* outputs,
                 std::int32_t n_outputs, float* rates) noexcept
      : count_(cfg.detector.type == DetectorType::kCount), a_(cfg.detector.alpha),
        keep_(1.0f - cfg.detector.alpha), warmup_(cfg.warmup_ticks), steps_(steps),
        out_(outputs), n_(n_outputs), r_(rates) {
    for (std::int32_t o = 0; o < n_; ++o) r_[o] = 0.0f;
  }
  void update(std::int64_t t, const std::uint8_t* mask) noexcept {
    if (count_) {
      if (t < warmup_) return;
      for (std::int32_t o = 0; o < n_; ++o) r_[o] += mask[out_[o]] ? 1.0f : 0.0f;
    } else {
      for (std::int32_t o = 0; o < n_; ++o) r_[o] = keep_ * r_[o] + a_ * (mask[out_[o]] ? 1.0f : 0.0f);
    }
  }
  /// Counts become rates (spikes per window tick).
  void finish() noexcept {
    if (!count_) return;
    const float inv = 1.0f / static_cast<float>(steps_ - warmup_);
    for (std::int32_t o = 0; o < n_; ++o) r_[o] *= inv;
  }
  /// The weight a spike at step t carries in a rate measured at the end of `steps` steps
  /// (the same weighting for any neuron: 1/window inside the window, alpha (1-alpha)^age
  /// for the EMA).
  float weight(std::int64_t t) const noexcept {
    if (count_) return (t >= warmup_ && t < steps_) ? 1.0f / static_cast<float>(steps_ - warmup_) : 0.0f;
    return t < steps_ ? a_ * std::pow(keep_, static_cast<float>(steps_ - 1 - t)) : 0.0f;
  }
  bool counts() const noexcept { return count_; }
  /// The same rule for all N neurons into `rates` (N entries, zero at the start): counts
  /// follow the step's spikes `fired[0..n_fired)`, the EMA every neuron's `mask`.
  void update_all(std::int64_t t, const std::uint8_t* mask, const std::int32_t* fired,
                  std::int32_t n_fired, float* rates, std::int32_t N) const noexcept {
    if (count_) {
      if (t < warmup_) return;
      for (std::int32_t p = 0; p < n_fired; ++p) rates[fired[p]] += 1.0f;
    } else {
      for (std::int32_t i = 0; i < N; ++i) rates[i] = keep_ * rates[i] + a_ * (mask[i] ? 1.0f : 0.0f);
    }
  }
  /// `finish` for the N rates of update_all.
  void finish_all(float* rates, std::int32_t N) const noexcept {
    if (!count_) return;
    const float inv = 1.0f / static_cast<float>(steps_ - warmup_);
    for (std::int32_t i = 0; i < N; ++i) rates[i] *= inv;
  }

 private:
  bool count_;
  float a_, keep_;
  std::int64_t warmup_, steps_;
  const std::int32_t* out_;
  std::int32_t n_;
  float* r_;
};

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
  /// (The features of DESIGN §2a run on the engine's own step.)
  static bool suits(const Network& net) noexcept {
    return net.size() <= kMaxNeurons && !net.extended();
  }
  explicit DenseModel(const Network& net);
};

/// Adds the injections of tick `t` of `ep` (delayed by `shift` ticks) into `input`.
/// `cursor` walks the sparse events; start it at 0 with t = 0, and call for t = 0, 1, ...
void inject_tick(const Episode& ep, std::int64_t t, std::int64_t shift, std::int64_t period,
                 float* input, std::int64_t& cursor) noexcept;

/// The same for neurons [a, b) only: each neuron gets what `inject_tick` gives it, in the
/// same order, so ranges that partition the neurons give the one-call result bit for bit.
void inject_range(const Episode& ep, std::int64_t t, std::int64_t shift, std::int64_t period,
                  std::int32_t a, std::int32_t b, float* input) noexcept;

/// Before a step's neuron update (EpisodeIO): nothing.
struct NoRangeHook {
  void operator()(std::int32_t, std::int32_t, const State&) const noexcept {}
};

/// One episode as the StepIO of `Network::run` (the forward pass of evaluation and of
/// every trainer): tick t's input (delayed by `shift`) before step t, then
/// `range(a, b, s)` for the same neurons (a copy of what the backward pass needs from
/// before the update), and `after(t, s)` once step t is complete. On a team, `range`
/// runs on every thread for its own neurons and `after` on the calling thread.
template <class After, class Range = NoRangeHook>
class EpisodeIO final : public StepIO {
 public:
  EpisodeIO(const Episode& ep, std::int64_t shift, After after, Range range = Range())
      : ep_(ep), shift_(shift), period_(ep.period()), after_(after), range_(range) {}
  void inject(std::int64_t t, std::int32_t a, std::int32_t b, State& s) noexcept override {
    if (a == 0 && static_cast<std::size_t>(b) == s.input.size()) {
      // the whole network (one thread): the sparse cursor, which a stretch of steps on a
      // team has left behind, walks again from the start
      if (t != next_) cursor_ = 0;
      inject_tick(ep_, t, shift_, period_, s.input.data(), cursor_);
      next_ = t + 1;
    } else {
      inject_range(ep_, t, shift_, period_, a, b, s.input.data());
    }
    range_(a, b, s);
  }
  void observe(std::int64_t t, const State& s) override { after_(t, s); }

 private:
  const Episode& ep_;
  std::int64_t shift_, period_, cursor_ = 0, next_ = 0;
  After after_;
  Range range_;
};

/// Threads each of `n` episodes of `net` runs on when they share `n_threads`: with fewer
/// episodes than threads, the episodes run one after another, each on a team of
/// `net.step_threads(n_threads)` (1 below the cut-off or inside another parallel region);
/// else 1, one episode per thread. The one rule of training and evaluation.
inline int episode_team(const Network& net, std::int64_t n, int n_threads) noexcept {
  return n < n_threads ? net.step_threads(n_threads) : 1;
}

/// Runs one episode on a read-only network with the workspace's own state:
/// `episode_steps(cfg, ep)` steps from reset, the output detector updated after every
/// step. Fills `m` (rates resized to the outputs count). `n_threads` as for
/// `Network::run` (a team above the cut-off; the same result on any).
void evaluate_episode(const Network& net, const Episode& ep, const TrainConfig& cfg,
                      const std::vector<std::int32_t>& outputs, EpisodeWorkspace& ws,
                      EpisodeMetrics& m, int n_threads = 1);
/// The same on a network's dense form (see DenseModel): identical results.
void evaluate_episode(const DenseModel& dm, const Episode& ep, const TrainConfig& cfg,
                      const std::vector<std::int32_t>& outputs, EpisodeWorkspace& ws,
                      EpisodeMetrics& m);
EpisodeMetrics evaluate_episode(const Network& net, const Episode& ep, const TrainConfig& cfg,
                                const std::vector<std::int32_t>& outputs, int n_threads = 1);

/// Evaluates every episode (OpenMP over episodes in small dynamic chunks, a state per thread;
/// with fewer episodes than threads, one after another on a team: `episode_team`),
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
