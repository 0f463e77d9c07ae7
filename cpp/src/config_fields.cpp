#include "glia/config_fields.hpp"

#include <cmath>
#include <cstring>
#include <limits>

#include "glia/error.hpp"

namespace glia {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kI32 = 2147483647.0;

#define GLIA_AT(m) offsetof(TrainConfig, m)
#define GLIA_IN(s, T, m) (offsetof(TrainConfig, s) + offsetof(T, m))

std::string num(double v);

// Field builders: a number in a range, an integer, a flag, a choice.
FieldSpec real(const char* n, std::size_t at, double lo, double hi, const char* doc,
               bool lo_open = false, bool hi_open = false) {
  return {n, FieldKind::kFloat, at, lo, hi, lo_open, hi_open, "", doc};
}
FieldSpec integer(const char* n, std::size_t at, double lo, const char* doc) {
  return {n, FieldKind::kInt, at, lo, kI32, false, false, "", doc};
}
FieldSpec flag(const char* n, std::size_t at, const char* doc, bool may_be_true = true) {
  return {n, FieldKind::kBool, at, 0.0, may_be_true ? 1.0 : 0.0, false, false, "", doc};
}
FieldSpec choice(const char* n, std::size_t at, const char* names, const char* doc) {
  return {n, FieldKind::kChoice, at, 0.0, 0.0, false, false, names, doc};
}

FieldSpec unset_ok(FieldSpec f) {
  f.may_be_unset = true;
  return f;
}

const char* lr_doc() {
  static const std::string doc =
      "learning rate (sgd: on w / |threshold|; adam, adamw: the step as a fraction of "
      "grad.adam_unit) (None: the optimizer's default, " +
      num(default_lr(Optimizer::kSgd)) + " for sgd, " + num(default_lr(Optimizer::kAdam)) +
      " for adam and adamw)";
  return doc.c_str();
}

// The table in three parts, in the order Python lists the fields: the episode, the
// learning rate and the reward-modulated rule's fields; plasticity, batching, pruning and
// checkpoints; the nested groups (detector, topology, grad).
void add_episode_and_reward_fields(std::vector<FieldSpec>& t) {
  t.insert(t.end(), {
      integer("warmup_ticks", GLIA_AT(warmup_ticks), 0, "ticks run before the decision window"),
      integer("decision_window", GLIA_AT(decision_window), 0,
              "ticks over which output rates are measured (0: the rest of each episode)"),
      unset_ok(real("lr", GLIA_AT(lr), 0, kInf, lr_doc())),
      real("elig_lambda", GLIA_AT(elig_lambda), 0, 1, "eligibility trace decay per tick"),
      real("weight_decay", GLIA_AT(weight_decay), 0, kInf, "L2 weight decay"),
      real("margin_delta", GLIA_AT(margin_delta), 0, kInf, "margin counted as 'satisfied'"),
      real("reward_pos", GLIA_AT(reward_pos), -kInf, kInf, "reward of the target winning ('binary')"),
      real("reward_neg", GLIA_AT(reward_neg), -kInf, kInf, "reward of another output winning ('binary')"),
      choice("reward_mode", GLIA_AT(reward_mode), "binary|margin_linear|softplus_margin",
             "how an outcome becomes a reward"),
      real("reward_gain", GLIA_AT(reward_gain), 0, kInf, "scale of margin-based rewards"),
      real("reward_min", GLIA_AT(reward_min), -kInf, kInf, "lower clip of the reward"),
      real("reward_max", GLIA_AT(reward_max), -kInf, kInf, "upper clip of the reward"),
      choice("update_gating", GLIA_AT(update_gating), "none|winner_only|target_only",
             "which outputs' edges an episode may change"),
      flag("no_update_if_satisfied", GLIA_AT(no_update_if_satisfied),
           "skip the update when the target won by >= margin_delta"),
      flag("use_advantage_baseline", GLIA_AT(use_advantage_baseline),
           "subtract each class's moving-average reward"),
      real("baseline_beta", GLIA_AT(baseline_beta), 0, 1, "moving-average factor of the reward baseline"),
      real("r_target", GLIA_AT(r_target), 0, 1, "target firing rate of intrinsic plasticity"),
      real("rate_alpha", GLIA_AT(rate_alpha), 0, 1, "moving-average factor of firing rates", true),
      flag("elig_post_use_rate", GLIA_AT(elig_post_use_rate),
           "eligibility uses the target's rate, not its spike"),
  });
}

void add_plasticity_and_batching_fields(std::vector<FieldSpec>& t) {
  t.insert(t.end(), {
      real("eta_theta", GLIA_AT(eta_theta), 0, kInf, "threshold adaptation rate (0 = off)"),
      real("eta_leak", GLIA_AT(eta_leak), 0, kInf, "leak adaptation rate (0 = off)"),
      real("prune_epsilon", GLIA_AT(prune_epsilon), 0, kInf, "|w| below which an edge may be pruned"),
      integer("prune_patience", GLIA_AT(prune_patience), 0, "batches below prune_epsilon before pruning"),
      integer("grow_edges", GLIA_AT(grow_edges), 0, "edges grown per batch (0 = off)"),
      real("init_weight", GLIA_AT(init_weight), -kInf, kInf, "initial weight of grown edges"),
      real("weight_clip", GLIA_AT(weight_clip), 0, kInf, "clip |w| after each update (0 = off)"),
      integer("batch_size", GLIA_AT(batch_size), 1, "episodes per batch"),
      flag("shuffle", GLIA_AT(shuffle), "shuffle the data set every epoch"),
      {"seed", FieldKind::kSeed, GLIA_AT(seed), 0, 18446744073709551615.0, false, false, "",
       "random seed"},
      real("weight_jitter_std", GLIA_AT(weight_jitter_std), 0, kInf,
           "std of a one-time weight jitter at the start"),
      integer("timing_jitter", GLIA_AT(timing_jitter), 0, "max random onset shift of inputs (ticks)"),
      real("usage_boost_gain", GLIA_AT(usage_boost_gain), 0, kInf, "extra update scale by edge usage"),
      real("inactive_rate_threshold", GLIA_AT(inactive_rate_threshold), 0, 1,
           "rate below which a neuron is inactive"),
      integer("inactive_rate_patience", GLIA_AT(inactive_rate_patience), 0,
              "batches inactive before pruning"),
      integer("prune_inactive_max", GLIA_AT(prune_inactive_max), 0, "max edges pruned per inactive neuron"),
      flag("prune_inactive_out", GLIA_AT(prune_inactive_out), "prune outgoing edges of inactive neurons"),
      flag("prune_inactive_in", GLIA_AT(prune_inactive_in), "prune incoming edges of inactive neurons"),
      flag("checkpoints_enable", GLIA_AT(checkpoints_enable), "snapshot the network at every epoch"),
      integer("ckpt_l0", GLIA_AT(ckpt_l0), 0, "checkpoints kept at level 0 (most recent)"),
      integer("ckpt_l1", GLIA_AT(ckpt_l1), 0, "checkpoints kept at level 1"),
      integer("ckpt_l2", GLIA_AT(ckpt_l2), 0, "checkpoints kept at level 2 (oldest)"),
      flag("revert_enable", GLIA_AT(revert_enable), "revert to a checkpoint when the metric drops"),
      choice("revert_metric", GLIA_AT(revert_metric), "accuracy|margin", "metric watched for a drop"),
      integer("revert_window", GLIA_AT(revert_window), 1, "epochs compared for a drop"),
      real("revert_drop", GLIA_AT(revert_drop), 0, kInf, "drop that triggers a revert"),
  });
}

void add_nested_fields(std::vector<FieldSpec>& t) {
  using D = DetectorConfig;
  using G = GradConfig;
  using P = TopologyPolicy;
  t.insert(t.end(), {
      choice("detector.type", GLIA_IN(detector, D, type), "ema|count",
             "'count' (spikes per tick in the window) or 'ema' (moving average)"),
      real("detector.alpha", GLIA_IN(detector, D, alpha), 0, 1, "EMA smoothing factor", true),
      real("detector.threshold", GLIA_IN(detector, D, threshold), 0, 1,
           "minimum rate for a winner, else abstain"),
      flag("topology.allow_inbound_to_sensory", GLIA_IN(topology, P, allow_inbound_to_sensory),
           "always False: glia never grows edges into sensory neurons", false),
      flag("topology.allow_feedback_to_outputs", GLIA_IN(topology, P, allow_feedback_to_outputs),
           "let grown edges target output neurons"),
      flag("topology.allow_self_loops", GLIA_IN(topology, P, allow_self_loops),
           "always False: glia never grows self loops", false),
      choice("grad.loss", GLIA_IN(grad, G, loss), "softmax_xent", "loss on the output rates"),
      real("grad.temperature", GLIA_IN(grad, G, temperature), 0, kInf,
           "softmax temperature of rates in spikes per tick", true),
      choice("grad.optimizer", GLIA_IN(grad, G, optimizer), "sgd|adam|adamw", "update rule"),
      real("grad.momentum", GLIA_IN(grad, G, momentum), 0, 1, "SGD momentum", false, true),
      real("grad.adam_beta1", GLIA_IN(grad, G, adam_beta1), 0, 1, "Adam beta1", false, true),
      real("grad.adam_beta2", GLIA_IN(grad, G, adam_beta2), 0, 1, "Adam beta2", false, true),
      real("grad.adam_eps", GLIA_IN(grad, G, adam_eps), 0, kInf, "Adam epsilon", true),
      real("grad.clip_grad_norm", GLIA_IN(grad, G, clip_grad_norm), 0, kInf,
           "clip the batch gradient's L2 norm (0 = off)"),
      choice("grad.adam_unit", GLIA_IN(grad, G, adam_unit), "threshold|weights",
             "adam/adamw: a step of lr is measured in the target's |threshold|, or in the RMS of "
             "its inbound weights as each batch starts (SGD always steps on w / |threshold|)"),
      real("grad.surrogate_slope", GLIA_IN(grad, G, surrogate_slope), 0, kInf,
           "surrogate trainer: k of ds/dv = 1 / (1 + k |v - threshold|)^2", true),
      real("grad.floor_gradient", GLIA_IN(grad, G, floor_gradient), 0, 1,
           "surrogate trainer: beta of dv/du = [u > 0] + beta [u <= 0] (0: exact; 1: the "
           "gradient passes the floor V = max(0, u) unchanged)"),
  });
}

std::vector<FieldSpec> make_table() {
  std::vector<FieldSpec> t;
  add_episode_and_reward_fields(t);
  add_plasticity_and_batching_fields(t);
  add_nested_fields(t);
  return t;
}

#undef GLIA_AT
#undef GLIA_IN

std::string num(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  std::string s = std::to_string(v);
  while (!s.empty() && s.back() == '0') s.pop_back();
  return s;
}

int n_choices(const FieldSpec& f) {
  int n = 1;
  for (const char* p = f.choices; *p; ++p) n += *p == '|';
  return n;
}

}  // namespace

const std::vector<FieldSpec>& train_config_fields() {
  static const std::vector<FieldSpec> table = make_table();
  return table;
}

const FieldSpec* find_field(const std::string& name) {
  for (const FieldSpec& f : train_config_fields())
    if (name == f.name) return &f;
  return nullptr;
}

double get_field(const TrainConfig& c, const FieldSpec& f) noexcept {
  const char* p = reinterpret_cast<const char*>(&c) + f.offset;
  switch (f.kind) {
    case FieldKind::kFloat: { float v; std::memcpy(&v, p, sizeof v); return v; }
    case FieldKind::kBool: { bool v; std::memcpy(&v, p, sizeof v); return v ? 1.0 : 0.0; }
    case FieldKind::kSeed: { std::uint64_t v; std::memcpy(&v, p, sizeof v); return static_cast<double>(v); }
    default: { std::int32_t v; std::memcpy(&v, p, sizeof v); return v; }
  }
}

void set_field(TrainConfig& c, const FieldSpec& f, double v) noexcept {
  char* p = reinterpret_cast<char*>(&c) + f.offset;
  switch (f.kind) {
    case FieldKind::kFloat: { const float x = static_cast<float>(v); std::memcpy(p, &x, sizeof x); break; }
    case FieldKind::kBool: { const bool x = v != 0.0; std::memcpy(p, &x, sizeof x); break; }
    case FieldKind::kSeed: { const auto x = static_cast<std::uint64_t>(v); std::memcpy(p, &x, sizeof x); break; }
    default: { const auto x = static_cast<std::int32_t>(v); std::memcpy(p, &x, sizeof x); break; }
  }
}

std::string field_rule(const FieldSpec& f) {
  switch (f.kind) {
    case FieldKind::kBool:
      return f.hi == 0.0 ? "False" : "True or False";
    case FieldKind::kSeed:
      return "an integer in [0, 2**64 - 1]";
    case FieldKind::kChoice: {
      std::string s = "one of '";
      for (const char* p = f.choices; *p; ++p) s += *p == '|' ? std::string("', '") : std::string(1, *p);
      return s + "'";
    }
    case FieldKind::kInt:
      return "an integer >= " + num(f.lo);
    case FieldKind::kFloat:
      break;
  }
  const bool has_lo = std::isfinite(f.lo), has_hi = std::isfinite(f.hi);
  std::string rule = "finite";
  if (has_lo && has_hi)
    rule = std::string("in ") + (f.lo_open ? "(" : "[") + num(f.lo) + ", " + num(f.hi) +
           (f.hi_open ? ")" : "]");
  else if (has_lo)
    rule = std::string(f.lo_open ? "> " : ">= ") + num(f.lo);
  else if (has_hi)
    rule = std::string(f.hi_open ? "< " : "<= ") + num(f.hi);
  return f.may_be_unset ? rule + " or None" : rule;
}

bool field_accepts(const FieldSpec& f, double v) noexcept {
  if (std::isnan(v) && f.may_be_unset) return true;
  if (!std::isfinite(v)) return false;
  switch (f.kind) {
    case FieldKind::kBool:
      return v == 0.0 || (v == 1.0 && f.hi != 0.0);
    case FieldKind::kChoice:
      return v == std::floor(v) && v >= 0.0 && v < n_choices(f);
    case FieldKind::kInt:
    case FieldKind::kSeed:
      if (v != std::floor(v)) return false;
      break;
    case FieldKind::kFloat:
      break;
  }
  if (v < f.lo || (f.lo_open && v == f.lo)) return false;
  if (v > f.hi || (f.hi_open && v == f.hi)) return false;
  return true;
}

std::string config_relation_error(const TrainConfig& c) {
  if (c.reward_min > c.reward_max)
    return "reward_min (" + num(c.reward_min) + ") must be <= reward_max (" + num(c.reward_max) + ")";
  return "";
}

void validate_config(const TrainConfig& c) {
  for (const FieldSpec& f : train_config_fields()) {
    if (f.kind == FieldKind::kSeed) continue;  // every value is valid
    const double v = get_field(c, f);
    if (!field_accepts(f, v))
      throw ValueError(std::string("config.") + f.name + " must be " + field_rule(f) + ", got " + num(v));
  }
  if (c.detector.default_id < -1)
    throw ValueError("config.detector.default_id must be an output index or -1");
  const std::string rel = config_relation_error(c);
  if (!rel.empty()) throw ValueError("config." + rel);
}

}  // namespace glia
