// The trainers' shared base: configuration, outputs, the epoch and batch loops (batching,
// shuffling, timing jitter), checkpoints and history, evaluation.
#include "glia/trainer.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "glia/config_fields.hpp"
#include "glia/error.hpp"
#include "glia/random.hpp"

namespace glia {

Trainer::Trainer(Network& net, const TrainConfig& cfg) : net_(net), cfg_(cfg) {
  validate_config(cfg_);
  outputs_ = default_outputs(net_);
  known_rp_ = net_.row_ptr();
  known_col_ = net_.col();
  prune_count_.assign(static_cast<std::size_t>(net_.num_edges()), 0);
  rate_.assign(static_cast<std::size_t>(net_.size()), 0.0f);
  inactive_count_.assign(static_cast<std::size_t>(net_.size()), 0);
  m1_.assign(static_cast<std::size_t>(net_.num_edges()), 0.0f);
  m2_.assign(static_cast<std::size_t>(net_.num_edges()), 0.0f);
  edge_arrays_.push_back(&m1_);
  edge_arrays_.push_back(&m2_);
}

Trainer::~Trainer() = default;

void Trainer::set_config(const TrainConfig& cfg) {
  validate_config(cfg);
  cfg_ = cfg;
}

void Trainer::set_lr_scale(float s) {
  if (!(std::isfinite(s) && s >= 0.0f)) throw ValueError("lr_scale must be finite and >= 0");
  lr_scale_ = s;
}

void Trainer::set_outputs(const std::vector<std::int32_t>& outputs) {
  if (outputs.empty()) {  // back to the default
    outputs_explicit_ = false;
    outputs_ = default_outputs(net_);
    plan_valid_ = false;
    return;
  }
  check_outputs(net_, outputs);
  outputs_ = outputs;
  outputs_explicit_ = true;
  plan_valid_ = false;
}

std::int64_t Trainer::begin_episode(const Episode& ep, State& st, EpisodeMetrics& m) const {
  st.reset(net_);
  m.rates.resize(outputs_.size());
  return episode_steps(cfg_, ep);
}

void Trainer::prepare(const std::vector<Episode>& eps, bool for_training, bool episodes_checked) {
  validate_config(cfg_);
  if (!outputs_explicit_) {
    std::vector<std::int32_t> outs = default_outputs(net_);
    if (outs != outputs_) plan_valid_ = false;
    outputs_.swap(outs);
  }
  check_outputs(net_, outputs_);
  const std::int32_t n_out = static_cast<std::int32_t>(outputs_.size());
  if (static_cast<std::int32_t>(baseline_.size()) != n_out) baseline_.assign(static_cast<std::size_t>(n_out), 0.0f);
  if (cfg_.detector.default_id >= n_out)
    throw ValueError("config.detector.default_id " + std::to_string(cfg_.detector.default_id) +
                     " is not an index into the " + std::to_string(n_out) + " outputs");
  if (!episodes_checked)
    for (std::size_t i = 0; i < eps.size(); ++i)
      check_episode(eps[i], net_, n_out, for_training, static_cast<std::int64_t>(i));
  // growth adds edges every batch: refused before any work while views are open; pruning
  // and reverts change the edges only when they happen, and are refused then (BufferError,
  // the network as of the last update)
  if (for_training && cfg_.grow_edges > 0)
    net_.check_unpinned("train with grow_edges > 0, which adds edges");
  ensure_edge_arrays();
}

// ---- checkpoints

void Trainer::capture_checkpoint() {
  Snapshot s;
  s.threshold = net_.threshold();
  s.leak = net_.leak();
  s.src = net_.edge_sources();
  s.dst = net_.col();
  s.w = net_.weight();
  ckpt_[0].push_back(std::move(s));
  const std::int32_t cap[3] = {cfg_.ckpt_l0, cfg_.ckpt_l1, cfg_.ckpt_l2};
  for (int l = 0; l < 3; ++l) {
    if (static_cast<std::int64_t>(ckpt_[l].size()) > cap[l]) {
      if (l < 2) ckpt_[l + 1].push_back(std::move(ckpt_[l].front()));
      ckpt_[l].erase(ckpt_[l].begin());
    }
  }
}

void Trainer::restore(const Snapshot& s) {
  const std::size_t N = static_cast<std::size_t>(net_.size());
  if (s.threshold.size() != N) throw ValueError("checkpoint does not match the network's neurons");
  replace_edges(s.src, s.dst, s.w);
  std::copy(s.threshold.begin(), s.threshold.end(), net_.threshold_data());
  std::copy(s.leak.begin(), s.leak.end(), net_.leak_data());
}

bool Trainer::revert_checkpoint() {
  for (int l = 0; l < 3; ++l) {
    if (ckpt_[l].empty()) continue;
    Snapshot s = std::move(ckpt_[l].back());
    ckpt_[l].pop_back();
    restore(s);
    return true;
  }
  return false;
}

std::int64_t Trainer::num_checkpoints() const noexcept {
  return static_cast<std::int64_t>(ckpt_[0].size() + ckpt_[1].size() + ckpt_[2].size());
}

void Trainer::clear_checkpoints() noexcept {
  for (auto& l : ckpt_) l.clear();
}

void Trainer::clear_history() noexcept {
  acc_hist_.clear();
  margin_hist_.clear();
  loss_hist_.clear();
}

// ---- the training loops

void Trainer::run_one_batch(const std::vector<Episode>& eps, const std::int64_t* order,
                            std::int64_t n, int n_threads, Poller* poller, EpochMetrics& acc) {
  if (n <= 0) return;
  shift_.assign(static_cast<std::size_t>(n), 0);
  if (cfg_.timing_jitter > 0)
    for (std::int64_t k = 0; k < n; ++k) {
      Rng rng(stream_key(cfg_.seed, static_cast<std::uint64_t>(epoch_),
                         static_cast<std::uint64_t>(order[k]), Purpose::kTiming));
      shift_[static_cast<std::size_t>(k)] =
          static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(cfg_.timing_jitter) + 1));
    }
  std::int64_t T = 0;
  for (std::int64_t k = 0; k < n; ++k)
    T = std::max(T, episode_steps(cfg_, eps[static_cast<std::size_t>(order[k])]));
  max_steps_ = T;
  pow_.resize(static_cast<std::size_t>(T) + 1);
  pow_[0] = 1.0f;
  for (std::int64_t k = 1; k <= T; ++k)
    pow_[static_cast<std::size_t>(k)] = pow_[static_cast<std::size_t>(k) - 1] * cfg_.elig_lambda;
  if (static_cast<std::int64_t>(batch_metrics_.size()) < n)
    batch_metrics_.resize(static_cast<std::size_t>(n));
  const double loss_sum = run_batch(Batch{eps, order, n, n_threads, poller, batch_metrics_.data()});
  ++batch_counter_;
  for (std::int64_t k = 0; k < n; ++k) {
    const EpisodeMetrics& m = batch_metrics_[static_cast<std::size_t>(k)];
    acc.total += 1;
    if (m.winner >= 0 && m.winner == eps[static_cast<std::size_t>(order[k])].target) acc.correct += 1;
    acc.mean_margin += m.margin;  // sums until the caller divides
  }
  acc.loss += loss_sum;
}

EpochMetrics Trainer::run_epoch(const std::vector<Episode>& eps, int n_threads, Poller& poller) {
  apply_weight_jitter();
  if (cfg_.checkpoints_enable) capture_checkpoint();
  const std::int64_t n = static_cast<std::int64_t>(eps.size());
  order_.resize(static_cast<std::size_t>(n));
  std::iota(order_.begin(), order_.end(), std::int64_t{0});
  if (cfg_.shuffle && n > 1) {
    Rng rng(stream_key(cfg_.seed, static_cast<std::uint64_t>(epoch_), 0, Purpose::kShuffle));
    for (std::int64_t i = n - 1; i > 0; --i) {
      const auto j = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(i) + 1));
      std::swap(order_[static_cast<std::size_t>(i)], order_[static_cast<std::size_t>(j)]);
    }
  }
  EpochMetrics em;
  const std::int64_t B = cfg_.batch_size;
  for (std::int64_t i = 0; i < n; i += B) {
    if (i > 0 && poller.poll()) throw Cancelled("training interrupted");
    run_one_batch(eps, order_.data() + i, std::min(B, n - i), n_threads, &poller, em);
  }
  if (em.total > 0) {
    em.accuracy = static_cast<double>(em.correct) / static_cast<double>(em.total);
    em.mean_margin /= static_cast<double>(em.total);
    em.loss /= static_cast<double>(em.total);
  }
  acc_hist_.push_back(em.accuracy);
  margin_hist_.push_back(em.mean_margin);
  loss_hist_.push_back(em.loss);
  ++epoch_;
  if (cfg_.revert_enable) {
    const std::vector<double>& h =
        cfg_.revert_metric == RevertMetric::kAccuracy ? acc_hist_ : margin_hist_;
    const std::size_t w = static_cast<std::size_t>(std::max(1, cfg_.revert_window));
    if (h.size() > w && h[h.size() - 1 - w] - h.back() >= static_cast<double>(cfg_.revert_drop))
      em.reverted = revert_checkpoint();
  }
  return em;
}

EpochMetrics Trainer::train_epoch(const std::vector<Episode>& episodes, int n_threads, Hook hook,
                                  void* ctx, bool episodes_checked) {
  BusyGuard guard(busy_);
  prepare(episodes, true, episodes_checked);
  if (episodes.empty()) return EpochMetrics();  // nothing to learn from: nothing changes
  Poller poller(hook, ctx);
  return run_epoch(episodes, n_threads, poller);
}

std::vector<EpochMetrics> Trainer::train(const std::vector<Episode>& episodes,
                                         std::int64_t epochs, int n_threads, Hook hook,
                                         void* ctx) {
  if (epochs < 0) throw ValueError("epochs must be >= 0");
  BusyGuard guard(busy_);
  prepare(episodes, true);
  std::vector<EpochMetrics> out;
  if (episodes.empty()) return out;
  Poller poller(hook, ctx);
  out.reserve(static_cast<std::size_t>(epochs));
  for (std::int64_t e = 0; e < epochs; ++e) {
    out.push_back(run_epoch(episodes, n_threads, poller));
    if (e + 1 < epochs && poller.poll()) throw Cancelled("training interrupted");
  }
  return out;
}

EpochMetrics Trainer::train_batch(const std::vector<Episode>& batch, int n_threads, Hook hook,
                                  void* ctx, std::vector<EpisodeMetrics>* metrics_out) {
  BusyGuard guard(busy_);
  prepare(batch, true);
  if (batch.empty()) {
    if (metrics_out != nullptr) metrics_out->clear();
    return EpochMetrics();
  }
  apply_weight_jitter();
  Poller poller(hook, ctx);
  const std::int64_t n = static_cast<std::int64_t>(batch.size());
  order_.resize(static_cast<std::size_t>(n));
  std::iota(order_.begin(), order_.end(), std::int64_t{0});
  EpochMetrics em;
  run_one_batch(batch, order_.data(), n, n_threads, &poller, em);
  if (em.total > 0) {
    em.accuracy = static_cast<double>(em.correct) / static_cast<double>(em.total);
    em.mean_margin /= static_cast<double>(em.total);
    em.loss /= static_cast<double>(em.total);
  }
  if (metrics_out != nullptr)
    metrics_out->assign(batch_metrics_.begin(), batch_metrics_.begin() + n);
  return em;
}

EpisodeMetrics Trainer::evaluate(const Episode& ep, int n_threads) const {
  const TrainConfig& c = cfg_;
  std::vector<std::int32_t> outs = outputs_explicit_ ? outputs_ : default_outputs(net_);
  check_outputs(net_, outs);
  return evaluate_episode(net_, ep, c, outs, n_threads);
}

DatasetMetrics Trainer::evaluate_dataset(const std::vector<Episode>& episodes, int n_threads,
                                         Hook hook, void* ctx, bool episodes_checked) const {
  const TrainConfig& c = cfg_;
  std::vector<std::int32_t> outs = outputs_explicit_ ? outputs_ : default_outputs(net_);
  return glia::evaluate_dataset(net_, episodes, c, outs, n_threads, hook, ctx, episodes_checked);
}

// ------------------------------------------------------------------------ the factory

const std::vector<std::string>& trainer_names() {
  static const std::vector<std::string> names{"gradient", "hebbian", "surrogate"};
  return names;
}

TrainerKind trainer_kind(const std::string& name) {
  const std::vector<std::string>& names = trainer_names();
  for (std::size_t k = 0; k < names.size(); ++k)
    if (names[k] == name) return static_cast<TrainerKind>(k);
  std::string valid;
  for (const std::string& n : names) valid += (valid.empty() ? "'" : ", '") + n + "'";
  throw ValueError("trainer must be one of " + valid + ", got '" + name + "'");
}

const std::string& trainer_name(TrainerKind kind) {
  const auto k = static_cast<std::int32_t>(kind);
  const std::vector<std::string>& names = trainer_names();
  if (k < 0 || k >= static_cast<std::int32_t>(names.size()))
    throw ValueError("unknown trainer kind " + std::to_string(k));
  return names[static_cast<std::size_t>(k)];
}

std::unique_ptr<Trainer> make_trainer(TrainerKind kind, Network& net, const TrainConfig& cfg) {
  switch (kind) {
    case TrainerKind::kGradient: return std::make_unique<RateGDTrainer>(net, cfg);
    case TrainerKind::kHebbian: return std::make_unique<HebbianTrainer>(net, cfg);
    case TrainerKind::kSurrogate: return std::make_unique<SurrogateTrainer>(net, cfg);
  }
  trainer_name(kind);  // throws: no such kind
  return nullptr;
}

}  // namespace glia
