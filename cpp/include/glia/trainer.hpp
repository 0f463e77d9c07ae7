// The trainers: reward-modulated eligibility learning (HebbianTrainer), rate-based
// gradient descent (RateGDTrainer) and surrogate-gradient back-propagation through time
// (SurrogateTrainer), on flat edge-aligned arrays, and the Trainer base they share.
#pragma once
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "glia/busy.hpp"
#include "glia/episode.hpp"
#include "glia/hook.hpp"
#include "glia/network.hpp"
#include "glia/threads.hpp"
#include "glia/train_config.hpp"

namespace glia {

/// Metrics of a batch or an epoch, measured on the training episodes as they ran (with
/// the network as of the start of their batch).
struct EpochMetrics {
  double accuracy = 0.0;
  double mean_margin = 0.0;
  double loss = 0.0;          ///< mean softmax cross-entropy of the output rates
  std::int64_t correct = 0;
  std::int64_t total = 0;
  bool reverted = false;      ///< the epoch's result was rolled back (revert_enable)
};

/// What the trainers share: the network reference, the configuration, outputs, batching,
/// shuffling, the start and end of a batch, the optimizer, structural and intrinsic
/// plasticity, checkpoints and history (trainer.cpp, trainer_optimizer.cpp,
/// trainer_plasticity.cpp).
///
/// Determinism: within a batch every episode runs from `State::reset` on the network as
/// of the batch start, in parallel, each writing its own result slot; results are then
/// combined in episode order. Random draws come only from `stream_key(seed, epoch, index,
/// purpose)`. So training is bit-identical for any thread count and across runs.
///
/// One instance must not be used from two threads at once (BusyError).
class Trainer {
 public:
  explicit Trainer(Network& net, const TrainConfig& cfg = TrainConfig());
  virtual ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // ---- configuration
  const TrainConfig& config() const noexcept { return cfg_; }
  /// Validates then replaces the configuration (ValueError naming the field).
  void set_config(const TrainConfig& cfg);
  void set_seed(std::uint64_t seed) noexcept { cfg_.seed = seed; }
  /// Multiplies lr for the following batches (Python-side schedules); must be finite, >= 0.
  void set_lr_scale(float s);
  float lr_scale() const noexcept { return lr_scale_; }
  /// The outputs list (neuron indices); targets index into it. Default: the O neurons.
  const std::vector<std::int32_t>& outputs() const noexcept { return outputs_; }
  void set_outputs(const std::vector<std::int32_t>& outputs);
  Network& network() noexcept { return net_; }

  // ---- training
  /// One epoch over `episodes` (shuffled per cfg), in batches of cfg.batch_size. `hook` is
  /// polled between batches (about every 100 ms, calling thread); on stop throws
  /// Cancelled with the network as of the last finished batch (the epoch is not recorded).
  /// `episodes_checked`: the caller passes the very vector an earlier call already checked
  /// (unchanged), so the per-episode checks are skipped (a Python loop over epochs).
  EpochMetrics train_epoch(const std::vector<Episode>& episodes, int n_threads,
                           Hook hook = nullptr, void* ctx = nullptr,
                           bool episodes_checked = false);
  /// `epochs` epochs. Returns every epoch's metrics.
  std::vector<EpochMetrics> train(const std::vector<Episode>& episodes, std::int64_t epochs,
                                  int n_threads, Hook hook = nullptr, void* ctx = nullptr);
  /// One batch (all of `batch`, in the given order); no shuffling, no checkpoint, no history.
  /// `metrics_out` (may be null) receives each episode's metrics.
  EpochMetrics train_batch(const std::vector<Episode>& batch, int n_threads,
                           Hook hook = nullptr, void* ctx = nullptr,
                           std::vector<EpisodeMetrics>* metrics_out = nullptr);

  // ---- evaluation (the configured detector; never changes anything)
  /// One episode, on a team of `n_threads` above the cut-off (Network::run).
  EpisodeMetrics evaluate(const Episode& ep, int n_threads = 1) const;
  DatasetMetrics evaluate_dataset(const std::vector<Episode>& episodes, int n_threads,
                                  Hook hook = nullptr, void* ctx = nullptr,
                                  bool episodes_checked = false) const;

  // ---- checkpoints (the network at the start of each epoch; rolling levels l0/l1/l2)
  /// Restores the most recent checkpoint and drops it; false if there is none.
  bool revert_checkpoint();
  std::int64_t num_checkpoints() const noexcept;
  void clear_checkpoints() noexcept;

  // ---- history (one entry per finished epoch)
  const std::vector<double>& acc_history() const noexcept { return acc_hist_; }
  const std::vector<double>& margin_history() const noexcept { return margin_hist_; }
  const std::vector<double>& loss_history() const noexcept { return loss_hist_; }
  std::int64_t epochs_done() const noexcept { return static_cast<std::int64_t>(acc_hist_.size()); }
  void clear_history() noexcept;
  /// Per-neuron EMA rates as of the last batch (used by intrinsic plasticity).
  const std::vector<float>& neuron_rates() const noexcept { return rate_; }
  /// The reward baselines of the reward-modulated trainer, one per target class (an EMA of
  /// the rewards of that class's episodes).
  const std::vector<float>& reward_baselines() const noexcept { return baseline_; }
  /// Optimizer steps taken (Adam's bias correction counts them).
  std::int64_t optimizer_steps() const noexcept { return opt_step_; }

 protected:
  /// One batch: episodes eps[order[0..n)], their metrics' slots (batch order).
  struct Batch {
    const std::vector<Episode>& eps;
    const std::int64_t* order;
    std::int64_t n;
    int n_threads;
    Poller* poller;
    EpisodeMetrics* metrics;
    const Episode& episode(std::int64_t k) const noexcept {
      return eps[static_cast<std::size_t>(order[k])];
    }
  };
  /// Runs the batch's episodes (parallel) and applies the update; fills per-episode
  /// metrics in batch order; returns the sum of the episodes' losses.
  virtual double run_batch(const Batch& b) = 0;

  // shared pieces for the subclasses
  void prepare(const std::vector<Episode>& eps, bool for_training, bool episodes_checked = false);
  void ensure_edge_arrays();
  /// Keeps edges with keep[e] != 0 in the network and in every edge-aligned array.
  void filter_edges(const std::vector<std::uint8_t>& keep);
  /// Adds edges (must not exist yet) and remaps every edge-aligned array.
  void add_edges(const std::vector<std::int32_t>& s, const std::vector<std::int32_t>& d,
                 const std::vector<float>& w);
  /// Replaces the whole edge set (checkpoint restore) and remaps the arrays.
  void replace_edges(const std::vector<std::int32_t>& s, const std::vector<std::int32_t>& d,
                     const std::vector<float>& w);
  void remap_after(const std::vector<std::int64_t>& old_rp, const std::vector<std::int32_t>& old_col);
  /// Prunes |w| < prune_epsilon (after `patience` batches in a row when patience > 0).
  void prune_small(bool use_patience);
  void grow();
  void intrinsic_plasticity();
  void prune_inactive();
  /// rate_ = the mean over the batch's n episodes of `end_rate` (n x N, row per episode),
  /// summed in episode order.
  void set_batch_rates(const std::vector<float>& end_rate, std::int64_t n) noexcept;
  /// The end of every run_batch, after the weight update: the batch's mean rates
  /// (set_batch_rates), pruning of small weights (with patience or at once), growth,
  /// intrinsic plasticity.
  void end_batch(const std::vector<float>& end_rate, std::int64_t n, bool prune_patience);
  /// Clamps weights to +-weight_clip when set.
  void clip_weights() noexcept;
  /// The start of every run_batch: the backward plan and the weight scale brought up to
  /// date, `team_` set (episode_team), one work buffer per thread the batch's `n`
  /// episodes run on side by side; returns that thread count (1 when each runs on a team).
  template <class Work>
  int begin_batch(std::vector<Work>& work, std::int64_t n, int n_threads) {
    ensure_backprop_plan();
    compute_weight_scale();
    team_ = episode_team(net_, n, n_threads);
    const int nt = team_ > 1 ? 1 : threads_for(n_threads, n);
    if (work.size() < static_cast<std::size_t>(nt)) work.resize(static_cast<std::size_t>(nt));
    return nt;
  }
  /// The start of one training episode: `st` reset to the network's rest state, one rate
  /// slot per output in `m`; returns the episode's step count.
  std::int64_t begin_episode(const Episode& ep, State& st, EpisodeMetrics& m) const;

  /// Update scale of each neuron's inbound weights: |threshold|, or 1 for a zero threshold.
  /// Both trainers learn the weights in these units (w / scale), so `lr` and the gradients
  /// mean the same on networks whose thresholds are 1 or 100.
  void compute_weight_scale();
  /// One optimizer step (SGD with momentum, Adam, AdamW; weight decay, norm clipping) from
  /// `grad`, the sum over `n` episodes of the gradient with respect to w / scale.
  void optimizer_step(const std::vector<float>& grad, std::int64_t n);
  /// The neurons that can reach an output, by increasing distance, with the edges that
  /// carry a signal back into each (rebuilt when the structure changes).
  void ensure_backprop_plan();
  /// Carries a signal back from the outputs: for every planned neuron j (nearest first),
  /// sig[j] = post[j] * sum over its planned edges j->k of (w / scale_k) * pre[k] * sig[k];
  /// `pre` and `post` may be null (a factor of 1). Neurons out of the plan keep sig[j].
  void carry_back(float* sig, const float* pre, const float* post) const noexcept;
  /// The rate heuristic's slope: c (1 - c) with c = clamp(rate, 0.05, 0.95).
  static float rate_slope(float rate) noexcept {
    const float c = std::min(std::max(rate, 0.05f), 0.95f);  // branch-free: vectorises
    return c * (1.0f - c);
  }

  Network& net_;
  TrainConfig cfg_;
  std::vector<std::int32_t> outputs_;
  bool outputs_explicit_ = false;
  float lr_scale_ = 1.0f;
  bool jitter_done_ = false;
  int team_ = 1;                    ///< threads per episode of the batch (begin_batch)
  std::int64_t epoch_ = 0;          ///< epoch index used in random stream keys
  std::int64_t batch_counter_ = 0;  ///< batches run so far (stream keys)
  std::vector<std::int32_t> shift_;  ///< per batch item: input delay (timing_jitter)
  std::vector<float> pow_;           ///< elig_lambda^k, k = 0..ticks (per batch)
  bool structure_changed_ = true;    ///< edges changed since the subclass last looked
  std::vector<std::int64_t> known_rp_;   ///< the CSR structure the edge arrays follow
  std::vector<std::int32_t> known_col_;

  std::vector<float> rate_;         ///< per-neuron rate (detector weighting), batch means
  std::vector<float> baseline_;     ///< reward baseline per target class
  std::vector<float> scale_;        ///< per neuron, see compute_weight_scale
  std::vector<float> m1_, m2_;      ///< optimizer moments, edge-aligned
  std::int64_t opt_step_ = 0;
  std::int64_t max_steps_ = 0;      ///< the longest episode of the current batch
  std::vector<std::int32_t> prune_count_;  ///< edge-aligned
  std::vector<std::int32_t> inactive_count_;  ///< per neuron
  /// Further edge-aligned float arrays a subclass owns (optimizer moments); kept aligned.
  std::vector<std::vector<float>*> edge_arrays_;
  std::vector<std::int32_t> plan_node_;
  std::vector<std::int64_t> plan_ptr_;
  std::vector<std::int64_t> plan_edge_;
  bool plan_valid_ = false;

  std::vector<double> acc_hist_, margin_hist_, loss_hist_;

  struct Snapshot {
    std::vector<float> threshold, leak;
    std::vector<std::int32_t> src, dst;
    std::vector<float> w;
  };
  std::vector<Snapshot> ckpt_[3];
  void capture_checkpoint();
  void restore(const Snapshot& s);

  BusyFlag busy_;
  /// Holds busy_ for one call (BusyError when another thread uses the trainer).
  struct BusyGuard : BusyScope {
    explicit BusyGuard(BusyFlag& f) : BusyScope(f, "trainer") {}
  };

 private:
  EpochMetrics run_epoch(const std::vector<Episode>& eps, int n_threads, Poller& poller);
  void run_one_batch(const std::vector<Episode>& eps, const std::int64_t* order,
                     std::int64_t n, int n_threads, Poller* poller, EpochMetrics& acc);
  void apply_weight_jitter();
  std::vector<std::int64_t> order_;
  std::vector<EpisodeMetrics> batch_metrics_;
};

/// Reward-modulated eligibility learning (GliaGL's Trainer), a three-factor rule.
///
/// Per episode: an eligibility trace on every edge j->i, e = sum_t lambda^(T-1-t) pre_j(t-1)
/// post_i(t) / sum_t lambda^t, pairing the source's spike at t-1 with the target at t, the
/// step that spike arrives in; post is the rate slope of the target's running rate
/// (elig_post_use_rate) or its spike. At the end the detector names a winner and the
/// reward R (reward_mode) gives the advantage A = R - b[target], b an EMA of past rewards
/// of the target's class (use_advantage_baseline). Each output o gets the learning signal
/// A (1[o = winner] - softmax(rates / temperature)_o) (a policy-gradient step on the
/// detector's decision), hidden neurons the outputs' signals carried back through the
/// weights (e-prop's symmetric feedback); the update ascends signal x eligibility through
/// the shared optimizer, batch-averaged, then usage boost, pruning with patience, growth,
/// intrinsic plasticity and inactive-neuron pruning. Work per tick follows spikes x
/// fan-out (lazy trace decay).
class HebbianTrainer : public Trainer {
 public:
  using Trainer::Trainer;

 protected:
  double run_batch(const Batch& b) override;

 private:
  struct Work {
    State state;
    std::vector<float> run_rate, psi, rho;
    std::vector<std::int32_t> last, prev_fired;
  };
  /// Runs batch episode k (from the reset state): its eligibility row, rates and metrics.
  void episode(const Episode& ep, std::int64_t k, Work& w, EpisodeMetrics& m);
  /// Combines the batch's episodes in order (reward, baseline, learning signal) into one
  /// optimizer step; returns the loss sum, adds the rewards' sum to `sum_reward`.
  double learn(const Batch& b, double& sum_reward);
  /// sig_ = one episode's learning signal per neuron (outputs: the policy-gradient step
  /// of the reward rew_ under probs_; hidden neurons: carried back with the slopes of
  /// `rates`); false when the episode gives no update.
  bool learning_signal(const EpisodeMetrics& m, std::int32_t target, float raw, float base,
                       const float* rates);
  /// Moves edges that carried activity with the batch's mean reward (usage_boost_gain).
  void usage_boost(double sum_reward, std::int64_t n) noexcept;

  std::vector<Work> work_;
  std::vector<float> elig_;      ///< n x E, one row per batch episode
  std::vector<float> end_rate_;  ///< n x N, each episode's rates (detector weighting)
  std::vector<float> norm_;      ///< per episode: 1 / sum_t lambda^t
  std::vector<float> grad_, usage_, sig_, phi_, probs_, rew_;
};

/// Rate-based gradient descent (GliaGL's RateGDTrainer): softmax cross-entropy over the
/// detector's output rates (spikes per tick) / temperature. Each neuron's rate r_i and
/// its sources' rates one step earlier R_j use the detector's weighting; gradients are
/// carried back from the outputs along inbound edges in order of distance with the slope
/// phi'(r) = c (1 - c), c = clamp(r, 0.05, 0.95): dL/dw(j->k) = g_k phi'(k) R_j in units
/// of w / |threshold_k|. Then SGD with momentum, Adam (L2 in the gradient) or AdamW
/// (decoupled decay), global norm clipping, pruning, growth, intrinsic plasticity.
class RateGDTrainer : public Trainer {
 public:
  using Trainer::Trainer;

 protected:
  double run_batch(const Batch& b) override;

 private:
  struct Work {
    State state;
    std::vector<float> rho, pre, phi, probs;
    std::vector<std::int32_t> prev_fired;
  };
  /// Runs batch episode k (from the reset state): its loss, rates and dL/d(input) rows.
  void episode(const Episode& ep, std::int64_t k, Work& w, EpisodeMetrics& m);
  /// grad_ = the batch's gradient from the episodes' rows, in episode order; returns the
  /// loss sum.
  double sum_gradient(std::int64_t n);

  std::vector<Work> work_;
  std::vector<float> coef_;     ///< n x N: dL/d(input) per neuron and episode
  std::vector<float> pres_;     ///< n x N: R_j per episode
  std::vector<float> end_rate_; ///< n x N
  std::vector<float> grad_, losses_;
};

/// Surrogate-gradient back-propagation through time on the engine's own neuron model (the
/// contract is in docs/training.md). Per episode, from the reset state, for
/// T = episode_steps(cfg, ep) = warmup_ticks + window_steps(cfg, ep) steps (the resolved
/// decision window: cfg.decision_window, or to the end of the input when it is 0): the
/// engine's step unchanged; the loss is softmax cross-entropy of the detector's output
/// rates / temperature (with the count detector z = c / (W T_temp), c the window's spike
/// counts); the backward pass replaces ds/dv by the fast sigmoid 1 / (1 + k |v - threshold|)^2
/// (k = grad.surrogate_slope), dv/du = [u > 0] (1 without the floor), detaches the reset
/// (dV/dv = 1 - s for the reset to resting, 1 for the subtractions), and flows through
/// every edge, the leak and the synaptic current (c_t = alpha c_{t-1} + ...: dL/dc_t =
/// dL/du_t + alpha dL/dc_{t+1}): dL/dw(j->i) = sum_t s_t[j] dL/dc_{t+1}[i].
/// Updates: the shared optimizer on w / scale.
///
/// Batched: the episodes of a batch run in blocks of up to `lanes` episodes of equal step
/// count (block_lanes: a function of the batch alone, never of the thread count), every
/// block's episodes advancing through each step together. Forward: each lane is the
/// engine's event-driven step (its own V and I rows), recording v_t of the neurons whose
/// signal is needed (the gradient set) neuron-major with the lanes inner, and s_t as bits.
/// Backward: dL/du is kept neuron-major with the lanes inner, so the signal into a neuron's
/// spike is one weight read per edge per step for the whole block and a vector operation
/// over its lanes; neurons whose u <= 0 in every lane, and targets whose dL/du is zero in
/// every lane, are skipped; the weight gradient follows spikes x fan-out on a lane-major
/// copy of dL/du. Blocks run on threads side by side, each writing its own gradient row,
/// the rows added in block order: bit-identical for any thread count.
///
/// Memory per block: T x (4 G lanes + 8 lanes ceil(N / 64)) bytes of record (G: the
/// gradient set), plus O(N x lanes) of state, per thread.
class SurrogateTrainer : public Trainer {
 public:
  using Trainer::Trainer;

  /// The mean over `episodes` of dL/dw (not scaled), in CSR edge order; changes nothing
  /// (no shuffling, no timing jitter). Polls `hook` like training (Cancelled).
  std::vector<float> gradients(const std::vector<Episode>& episodes, int n_threads,
                               Hook hook = nullptr, void* ctx = nullptr);
  /// Bytes of the trainer's own scratch (per-thread block buffers and the gradient rows)
  /// as of the last batch.
  std::size_t scratch_bytes() const noexcept;
  /// Episodes per block for a batch of `n` episodes of at most `T` steps, `G` neurons in
  /// the gradient set and `N` in all: about a quarter of the batch (so that 2-4 threads
  /// share the blocks), a power of two from 8 to 64, fewer when a block's record would
  /// pass kBlockBytes. Depends on the batch only, so results do not depend on threads.
  static std::int32_t block_lanes(std::int64_t n, std::int64_t T, std::int64_t G,
                                  std::int32_t N) noexcept;
  /// The most bytes one block's record (v_t and s_t of every step) may take.
  static constexpr std::int64_t kBlockBytes = std::int64_t{128} << 20;

 protected:
  double run_batch(const Batch& b) override;

 private:
  /// A block: batch positions order_[first .. first + m) (sorted by step count), T steps.
  struct Block {
    std::int64_t first;
    std::int32_t m;
    std::int64_t T;
  };
  struct Work {
    std::vector<float> V, I;              ///< lanes x N: each lane's state
    std::vector<std::uint8_t> mask;       ///< lanes x N: each lane's spikes of the step
    std::vector<std::int32_t> fired;      ///< N
    std::vector<float> vx;                ///< N: v of the extended step (DESIGN §2a)
    std::vector<float> vs;                ///< T x G x lanes: v_t of the gradient set
    std::vector<std::uint64_t> bits;      ///< T x lanes x words: s_t
    std::vector<float> dn, dc;            ///< N x lanes: dL/dc_{t+1}, dL/dc_t (the currents)
    std::vector<float> un, uc;            ///< N x lanes: dL/du_{t+1}, dL/du_t (alpha > 0 only)
    std::vector<std::uint8_t> nzn, nzc;   ///< N: the row of dn / dc is not all zero
    std::vector<float> dt;                ///< lanes x N: dn lane-major
    std::vector<std::uint64_t> lm, any;   ///< N, words: the lanes each source fired in
    std::vector<float> ell, wt, probs;
    std::vector<std::int64_t> cursor, period;
  };
  /// Forward and backward of the batch's episodes: grad_ = the sum of their dL/dw (in
  /// block order), metrics and losses per episode, end_rate_ (n x N); returns the loss
  /// sum.
  double accumulate(const Batch& b);
  /// One block: forward (metrics, losses, rates), then backward into `grad_row`.
  void run_block(const Batch& b, const Block& blk, Work& w, float* grad_row);

  std::vector<Work> work_;
  std::vector<std::int32_t> grad_set_;  ///< neurons whose dL/du is needed, ascending
  std::vector<std::int32_t> gpos_;      ///< per neuron: its index in grad_set_, or -1
  std::vector<std::int32_t> out_pos_;   ///< per neuron: its index in outputs_, or -1
  std::vector<std::uint8_t> run_;       ///< per neuron: its row is stored as runs (seg_)
  std::vector<std::int64_t> seg_ptr_, seg_;  ///< the runs of consecutive targets per row
  std::vector<std::int64_t> steps_;     ///< per batch position: its episode's T
  std::vector<std::int64_t> border_;    ///< batch positions sorted by (T, position)
  std::vector<Block> blocks_;
  std::int32_t lanes_ = 0;
  std::vector<float> rows_;             ///< per-block gradient rows of one wave
  std::vector<float> grad_, end_rate_, losses_;
};

// ------------------------------------------------------------------------ the factory

/// The trainers, by kind (a kind's value is its position in trainer_names()).
enum class TrainerKind : std::int32_t { kGradient = 0, kHebbian = 1, kSurrogate = 2 };

/// The trainers' names in kind order: "gradient" (RateGDTrainer), "hebbian"
/// (HebbianTrainer), "surrogate" (SurrogateTrainer); Python's glia.config.TRAINERS.
const std::vector<std::string>& trainer_names();

/// The kind named `name`; ValueError listing the names otherwise.
TrainerKind trainer_kind(const std::string& name);

/// The name of `kind`; ValueError for a value that is no TrainerKind.
const std::string& trainer_name(TrainerKind kind);

/// The one factory: a new trainer of `kind` on `net` (ValueError for an unknown kind or a
/// config out of its rules). Python's trainers and evolution's individuals are made here.
std::unique_ptr<Trainer> make_trainer(TrainerKind kind, Network& net,
                                      const TrainConfig& cfg = TrainConfig());

}  // namespace glia
