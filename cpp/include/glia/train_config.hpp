// Training configuration: every knob of the trainers as a struct of numbers, bools and enums,
// with its defaults. Ranges, choices and meanings are in the one field table
// (config_fields.hpp), which the Python layer reads too.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>

#include "glia/network.hpp"

namespace glia {

/// How the reward-modulated trainer turns an episode's outcome into a reward.
enum class RewardMode : std::int32_t {
  kBinary = 0,          ///< reward_pos if winner == target and margin >= margin_delta, else reward_neg
  kMarginLinear = 1,    ///< clamp(reward_gain * target_margin, reward_min, reward_max)
  /// reward_min + (reward_max - reward_min) * sigmoid(reward_gain * (target_margin -
  /// margin_delta)): high when the target leads (GliaGL's had the sign the other way round)
  kSoftplusMargin = 2,
};

/// Which edges an episode's reward may change.
enum class UpdateGating : std::int32_t {
  kNone = 0,        ///< every edge
  kWinnerOnly = 1,  ///< edges into the winning output (every edge when nothing won)
  kTargetOnly = 2,  ///< edges into the target output
};

enum class RevertMetric : std::int32_t { kAccuracy = 0, kMargin = 1 };
/// How an episode's output rates are measured.
enum class DetectorType : std::int32_t {
  kEma = 0,    ///< GliaGL's: rate = (1 - alpha) * rate + alpha * spike after every step
  kCount = 1,  ///< spikes in the decision window / its length (spikes per tick, in [0, 1])
};
enum class LossType : std::int32_t { kSoftmaxXent = 0 };
enum class Optimizer : std::int32_t { kSgd = 0, kAdam = 1, kAdamW = 2 };
/// What an Adam / AdamW step of size lr is measured in, per target neuron i.
enum class AdamUnit : std::int32_t {
  kThreshold = 0,  ///< |threshold_i| (a step moves each weight by about lr |threshold_i|)
  /// the root mean square of i's inbound weights as the batch starts (about lr times their
  /// size: the step keeps its proportion to the weights whatever the fan-in)
  kWeights = 1,
};

/// The output detector. Default: each output's spike count over the decision window
/// divided by the window's length. `kEma` is GliaGL's moving average over every step.
struct DetectorConfig {
  DetectorType type = DetectorType::kCount;
  float alpha = 0.05f;      ///< kEma's factor: rate = (1 - alpha) * rate + alpha * spike
  float threshold = 0.01f;  ///< below this top rate there is no winner ...
  std::int32_t default_id = -1;  ///< ... but this output index instead (-1: none)
};

/// The rate-gradient trainer's loss and optimizer.
struct GradConfig {
  LossType loss = LossType::kSoftmaxXent;
  float temperature = 0.2f;  ///< softmax over rate / temperature (rates in spikes per tick)
  Optimizer optimizer = Optimizer::kSgd;
  float momentum = 0.0f;     ///< SGD heavy-ball momentum (0 = plain SGD, as GliaGL ran)
  float adam_beta1 = 0.9f;
  float adam_beta2 = 0.999f;
  float adam_eps = 1e-8f;
  float clip_grad_norm = 0.0f;  ///< global L2 norm clip of the batch gradient (0 = off)
  /// Adam / AdamW: the unit of each neuron's inbound steps (SGD always steps on w / |threshold|)
  AdamUnit adam_unit = AdamUnit::kWeights;
  /// SurrogateTrainer: k of the fast-sigmoid surrogate ds/dv = 1 / (1 + k |v - threshold|)^2
  /// (finite, > 0; in 1 / units of V)
  float surrogate_slope = 5.0f;
  /// SurrogateTrainer: beta of the floor's derivative dv/du = [u > 0] + beta [u <= 0], in
  /// [0, 1]. 0 is the exact contract (no gradient reaches a neuron below 0, so an output
  /// pushed there stays silent for good); 1 passes the gradient through the floor.
  float floor_gradient = 0.0f;
};

/// Which edges structural growth may create (GliaGL's TopologyPolicy).
struct TopologyPolicy {
  bool allow_inbound_to_sensory = false;   ///< edges into S neurons
  bool allow_feedback_to_outputs = false;  ///< edges into O neurons
  bool allow_self_loops = false;           ///< growth never makes self loops in any case
};

/// `lr` left unset: each optimizer's own default learning rate applies (default_lr).
inline constexpr float kOptimizerLr = std::numeric_limits<float>::quiet_NaN();

/// Each optimizer's default learning rate. SGD steps on w / |threshold| (its step is the
/// gradient's size); Adam's step is about lr on every weight whatever the gradient, in
/// the unit grad.adam_unit names (default: the RMS of the target's inbound weights).
constexpr float default_lr(Optimizer o) noexcept { return o == Optimizer::kSgd ? 0.05f : 0.003f; }

/// Every training knob. Defaults are GliaGL's except where GliaGL's stopped learning
/// (episode timing, detector, temperature, reward sign: see the README).
struct TrainConfig {
  // ---- episode timing
  std::int32_t warmup_ticks = 0;     ///< U: ticks before the decision window
  std::int32_t decision_window = 0;  ///< W: an episode runs U + W ticks; 0: to its end

  DetectorConfig detector;
  TopologyPolicy topology;

  // ---- learning
  float lr = kOptimizerLr;       ///< kOptimizerLr (NaN): the optimizer's default_lr()
  float elig_lambda = 0.95f;     ///< per-tick decay of eligibility traces
  float weight_decay = 0.0001f;
  float margin_delta = 0.05f;    ///< the margin that counts as "satisfied"
  float reward_pos = 1.2f;
  float reward_neg = -0.8f;
  RewardMode reward_mode = RewardMode::kBinary;
  float reward_gain = 1.0f;
  float reward_min = -1.0f;
  float reward_max = 1.0f;
  UpdateGating update_gating = UpdateGating::kNone;
  bool no_update_if_satisfied = true;  ///< reward 0 when the target won by >= margin_delta
  bool use_advantage_baseline = true;  ///< reward minus an EMA of past rewards
  float baseline_beta = 0.1f;
  float r_target = 0.05f;        ///< intrinsic plasticity's target rate
  float rate_alpha = 0.05f;      ///< EMA factor of every neuron's rate
  bool elig_post_use_rate = true;  ///< post term of the trace: the target's rate, else its spike
  float eta_theta = 0.0f;        ///< threshold += eta_theta * (rate - r_target)
  float eta_leak = 0.0f;         ///< leak += eta_leak * (r_target - rate), kept in [0, 1]
  float prune_epsilon = 1e-4f;   ///< |w| below this counts towards pruning
  std::int32_t prune_patience = 3;  ///< batches in a row below prune_epsilon (reward trainer)
  std::int32_t grow_edges = 0;   ///< edges to try to grow after every batch
  float init_weight = 0.01f;     ///< |w| of a grown edge (random sign)
  float weight_clip = 0.0f;      ///< clamp weights to [-clip, clip] (0 = off)

  // ---- batches and epochs
  std::int32_t batch_size = 1;
  bool shuffle = true;

  // ---- reproducibility
  std::uint64_t seed = 123456u;
  float weight_jitter_std = 0.0f; ///< one-time N(0, std) added to every weight at train start
  std::int32_t timing_jitter = 0; ///< training episodes start 0..timing_jitter ticks late

  // ---- usage-based modulation
  float usage_boost_gain = 0.0f;
  float inactive_rate_threshold = 0.0f;
  std::int32_t inactive_rate_patience = 0;
  std::int32_t prune_inactive_max = 0;
  bool prune_inactive_out = true;
  bool prune_inactive_in = false;

  // ---- rolling in-memory checkpoints (taken at the start of every epoch)
  bool checkpoints_enable = true;
  std::int32_t ckpt_l0 = 4;
  std::int32_t ckpt_l1 = 2;
  std::int32_t ckpt_l2 = 1;

  // ---- revert when an epoch's metric drops
  bool revert_enable = false;
  RevertMetric revert_metric = RevertMetric::kAccuracy;
  std::int32_t revert_window = 1;
  float revert_drop = 0.2f;

  GradConfig grad;
};

/// The learning rate a trainer applies: `c.lr`, or the optimizer's default when unset.
inline float effective_lr(const TrainConfig& c) noexcept {
  return std::isnan(c.lr) ? default_lr(c.grad.optimizer) : c.lr;
}


/// Whether growth may create edge from -> to under `p`.
inline bool edge_allowed(const TopologyPolicy& p, NeuronKind from_kind, NeuronKind to_kind,
                         bool self) noexcept {
  if (!p.allow_inbound_to_sensory && to_kind == NeuronKind::kSensory) return false;
  if (!p.allow_feedback_to_outputs && to_kind == NeuronKind::kOutput) return false;
  if (!p.allow_self_loops && self) return false;
  (void)from_kind;
  return true;
}

}  // namespace glia
