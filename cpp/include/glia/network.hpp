// The network model (structure of arrays, CSR edges) and its simulation state.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "glia/lanes.hpp"

#include "glia/hook.hpp"

namespace glia {

/// A neuron's kind follows the first letter of its id: S sensory, O output, else hidden.
enum class NeuronKind : std::uint8_t { kSensory = 0, kHidden = 1, kOutput = 2 };
NeuronKind kind_of(const std::string& id) noexcept;

/// What a neuron's value becomes when it fires (DESIGN §2a): its resting value (the model
/// of DESIGN §2), the value minus the threshold, or the value kept and the threshold
/// subtracted in the next step (snnTorch's default "delayed" subtraction).
enum class ResetMode : std::uint8_t { kResting = 0, kSubtract = 1, kSubtractDelayed = 2 };
constexpr int kNumResetModes = 3;
/// The modes' names, in code order: the one list both languages use (files, Python).
constexpr const char* kResetModeNames[kNumResetModes] = {"resting", "subtract", "subtract_delayed"};
/// The mode named `name`; throws ValueError naming the choices.
ResetMode reset_mode_of(const std::string& name);

/// A neuron's optional features (DESIGN §2a); the defaults are the model of DESIGN §2.
struct NeuronFeatures {
  bool floor = true;                        ///< V = max(0, ...)
  ResetMode reset = ResetMode::kResting;
  float alpha = 0.0f;                       ///< synaptic current kept per step, in [0, 1]
  float bias = 0.0f;                        ///< constant current added every step
  bool is_default() const noexcept {
    return floor && reset == ResetMode::kResting && alpha == 0.0f && bias == 0.0f;
  }
};

/// Per-neuron feature flags as the step kernels read them.
constexpr std::uint8_t kNoFloor = 1;        ///< bit 0: no floor
constexpr int kResetShift = 1;              ///< bits 1-2: the ResetMode
inline std::uint8_t feature_flags(const NeuronFeatures& f) noexcept {
  return static_cast<std::uint8_t>((f.floor ? 0 : kNoFloor) |
                                   (static_cast<int>(f.reset) << kResetShift));
}

class Network;

namespace detail {
struct StepPlan;  // how a team of threads shares a step (network.cpp)

/// Marks one of glia's parallel regions (a team run, or items run in parallel) as under way
/// for its lifetime: while any is, `Network::step_threads` gives 1, so that a run started
/// from another thread meanwhile does not oversubscribe the cores.
class ActiveTeam {
 public:
  ActiveTeam() noexcept;
  ~ActiveTeam();
  ActiveTeam(const ActiveTeam&) = delete;
  ActiveTeam& operator=(const ActiveTeam&) = delete;
};
}  // namespace detail

/// Networks whose per-step work estimate, neurons + edges, is below this are stepped on one
/// thread even when more are allowed: a team pays a barrier per step (about a microsecond
/// on two cores, more on a loaded machine), which a step that small does not repay. Measured
/// in benchmarks/bench_sim.py (see docs/performance.md).
constexpr std::int64_t kParallelStepMinWork = 200000;

/// The cut-off in force (kParallelStepMinWork unless changed; process-wide).
std::int64_t parallel_step_min_work() noexcept;
/// Changes the cut-off (tests use 0 to run small networks on a team); returns the old one.
std::int64_t set_parallel_step_min_work(std::int64_t work) noexcept;

/// Everything that changes while a network runs: one per independent run (episode,
/// individual), so many runs can share one read-only model on different threads.
struct State {
  std::vector<float> value;             ///< V, one per neuron
  std::vector<float> input;             ///< I, the accumulator read by the next step
  std::vector<std::uint8_t> fired_mask; ///< 1 where the neuron fired in the last step
  std::vector<std::int32_t> fired;      ///< indices that fired in the last step, ascending
  std::int32_t n_fired = 0;             ///< valid entries of `fired`
  std::int64_t tick = 0;                ///< steps taken since the last reset

  /// Sizes the arrays for `net` and sets V = resting, I = 0, no spikes, tick 0.
  void reset(const Network& net);
};

/// Per-step input and observation for `Network::run` driven step by step (training and
/// evaluation episodes): injections that may go to any neuron, and a look at every
/// completed step. On a team, `inject` runs on every thread for its own neuron range and
/// `observe` on the calling thread, between two barriers.
class StepIO {
 public:
  virtual ~StepIO() = default;
  /// Before step t: adds step t's injections for neurons [a, b) into `s.input`, each
  /// neuron's in the same order whatever the range (so that any partition gives the
  /// one-thread sums). May read and copy `s.value` and `s.input` in [a, b), nothing else.
  virtual void inject(std::int64_t t, std::int32_t a, std::int32_t b, State& s) noexcept = 0;
  /// After step t: `s.value`, `s.fired_mask` and `s.fired[0..n_fired)` as after the step
  /// (`s.input` is being written meanwhile: do not read it). An exception ends the run.
  virtual void observe(std::int64_t t, const State& s) = 0;
};

/// Team runs (`Network::run` or `step` on more than one thread) started in this process
/// (tests check with it that a call used a team).
std::int64_t team_runs() noexcept;

/// What `Network::run` records; every pointer may be null.
struct RunOutput {
  std::uint8_t* raster = nullptr;          ///< T x N, 1 where a neuron fired
  std::vector<std::int32_t>* event_step = nullptr;    ///< spike events: step ...
  std::vector<std::int32_t>* event_neuron = nullptr;  ///< ... and neuron index
  const std::int32_t* trace_index = nullptr;  ///< neurons whose values are traced
  std::int64_t n_trace = 0;
  float* traces = nullptr;                 ///< T x n_trace, V after each step
  std::int64_t* spike_count = nullptr;     ///< N, spikes per neuron (accumulated)
};

namespace detail {
// A free function so that the restrict qualifiers apply (GCC ignores them on local
// pointers) and the loop vectorises; every operand is loaded unconditionally (a conditional
// load blocks the selects). Inline, so that each caller's copy is specialised in place.
// kKeepV: each neuron's v also into vout.
template <bool kWithInput, bool kKeepV = false>
inline void update_neurons(std::int32_t n, float* __restrict V, float* __restrict I,
                           const float* __restrict x, std::uint8_t* __restrict mask,
                           const float* __restrict thr, const float* __restrict lk,
                           const float* __restrict rest, float* __restrict vout = nullptr) noexcept {
  for (std::int32_t i = 0; i < n; ++i) {
    const float r = rest[i], th = thr[i];
    float v = lk[i] * V[i] + (kWithInput ? I[i] + x[i] : I[i]);
    v = v > 0.0f ? v : 0.0f;
    const bool f = v > th;
    V[i] = f ? r : v;
    I[i] = 0.0f;
    mask[i] = static_cast<std::uint8_t>(f);
    if (kKeepV) vout[i] = v;
  }
}
}  // namespace detail

/// The per-neuron parameters a step reads, each pointer at the first neuron of a range
/// (`Network::params`). `extended` is false when every neuron has the default features:
/// flags, alpha and bias are then not read (the model of DESIGN §2 exactly).
struct NeuronParams {
  const float* thr;
  const float* lk;
  const float* rest;
  const std::uint8_t* flags;
  const float* alpha;
  const float* bias;
  bool extended;
  NeuronParams at(std::int32_t a) const noexcept {
    return {thr + a, lk + a, rest + a, flags + a, alpha + a, bias + a, extended};
  }
};

namespace detail {
// (vector values in the inline functions below: see glia/lanes.hpp)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"

/// out = m ? a : b for one neuron (the vectors' blend is in glia/lanes.hpp).
__attribute__((always_inline)) inline void blend(float& out, bool m, float a, float b) noexcept {
  out = m ? a : b;
}

/// The extended step's arithmetic (DESIGN §2a), the one definition every path uses: F is
/// a float (one neuron) or a Lanes8 (eight neurons side by side), M what comparing two Fs
/// gives. c is the accumulator with the bias; the masks say: subtract the threshold first
/// (delayed subtraction after a spike in the previous step), no floor, reset to resting,
/// reset by subtraction. u = leak * V + c (minus the threshold under `delayed`); v = max(0,
/// u) unless the floor is off; the neuron fires where v > threshold; V = resting, v -
/// threshold or v by the reset mode; the accumulator keeps alpha * c; v_out gets v (what
/// the surrogate gradient reads). Selects only, every operation done in every lane: no
/// branch (a trapping-math FP operation under a condition blocks vectorisation).
template <class F, class M>
__attribute__((always_inline)) inline void extended_core(F& V, F& I, const F& c, const M& delayed,
                                                         const M& no_floor, const M& resting,
                                                         const M& subtract, const F& th,
                                                         const F& lk, const F& r, const F& alpha,
                                                         F& v_out, M& fired) noexcept {
  const F zero = F{};
  const F lu = lk * V + c;
  const F lu_th = lu - th;
  F u, pos, v, sub, after;
  blend(u, delayed, lu_th, lu);
  blend(pos, u > zero, u, zero);
  blend(v, no_floor, u, pos);
  fired = v > th;
  const F v_th = v - th;
  blend(sub, subtract, v_th, v);
  blend(after, resting, r, sub);
  blend(V, fired, after, v);
  I = alpha * c;
  v_out = v;
}

/// A neuron's feature flags `fl` as extended_core's masks (prev: it fired in the previous
/// step), the one place they are read.
__attribute__((always_inline)) inline void feature_masks(std::uint8_t fl, bool prev, bool& delayed,
                                                         bool& no_floor, bool& resting,
                                                         bool& subtract) noexcept {
  const int mode = fl >> kResetShift;
  delayed = mode == static_cast<int>(ResetMode::kSubtractDelayed) && prev;
  no_floor = (fl & kNoFloor) != 0;
  resting = mode == static_cast<int>(ResetMode::kResting);
  subtract = mode == static_cast<int>(ResetMode::kSubtract);
}

/// One neuron of the extended step: c = (I + x) + bias (I + bias without input: the
/// injections are already in I), `prev` whether it fired in the previous step, `fl` its
/// feature flags. Returns whether it fires; `v_out` gets v.
template <bool kWithInput = false>
__attribute__((always_inline)) inline bool extended_neuron(float& V, float& I, float x, bool prev, std::uint8_t fl, float th,
                            float lk, float r, float alpha, float bias, float& v_out) noexcept {
  const float c = kWithInput ? (I + x) + bias : I + bias;
  bool delayed, no_floor, resting, subtract, f;
  feature_masks(fl, prev, delayed, no_floor, resting, subtract);
  extended_core(V, I, c, delayed, no_floor, resting, subtract, th, lk, r, alpha, v_out, f);
  return f;
}

/// The extended step of neurons [0, n) eight at a time (the rest one by one): the same
/// operations on each neuron as extended_neuron. mask: the previous step's spikes on
/// entry, this step's on return; vout (may be null): each neuron's v.
template <bool kWithInput>
inline void update_neurons_extended(std::int32_t n, float* __restrict V, float* __restrict I,
                                    const float* __restrict x, std::uint8_t* __restrict mask,
                                    const NeuronParams& p, float* __restrict vout = nullptr) noexcept {
  std::int32_t i = 0;
  for (; i + 8 <= n; i += 8) {
    Ints8 delayed, no_floor, resting, subtract;  // all ones where true
    for (int k = 0; k < 8; ++k) {
      bool d, nf, r, sb;
      feature_masks(p.flags[i + k], mask[i + k] != 0, d, nf, r, sb);
      delayed[k] = -static_cast<std::int32_t>(d);
      no_floor[k] = -static_cast<std::int32_t>(nf);
      resting[k] = -static_cast<std::int32_t>(r);
      subtract[k] = -static_cast<std::int32_t>(sb);
    }
    Lanes8 Vv = loadv<Lanes8>(V + i), Iv = loadv<Lanes8>(I + i), v;
    const Lanes8 b = loadv<Lanes8>(p.bias + i);
    const Lanes8 c = kWithInput ? (Iv + loadv<Lanes8>(x + i)) + b : Iv + b;
    const Lanes8 th = loadv<Lanes8>(p.thr + i), lk = loadv<Lanes8>(p.lk + i);
    const Lanes8 r = loadv<Lanes8>(p.rest + i), alpha = loadv<Lanes8>(p.alpha + i);
    Ints8 f;
    extended_core(Vv, Iv, c, delayed, no_floor, resting, subtract, th, lk, r, alpha, v, f);
    storev(V + i, Vv), storev(I + i, Iv);
    if (vout != nullptr) storev(vout + i, v);
    for (int k = 0; k < 8; ++k) mask[i + k] = static_cast<std::uint8_t>(f[k] != 0);
  }
  for (; i < n; ++i) {
    float v;
    const bool f = extended_neuron<kWithInput>(V[i], I[i], kWithInput ? x[i] : 0.0f, mask[i] != 0,
                                               p.flags[i], p.thr[i], p.lk[i], p.rest[i],
                                               p.alpha[i], p.bias[i], v);
    mask[i] = static_cast<std::uint8_t>(f);
    if (vout != nullptr) vout[i] = v;
  }
}
#pragma GCC diagnostic pop
}  // namespace detail

/// Steps 1-2 of DESIGN §2 (with §2a's features where `p.extended`) for neurons [0, n):
/// `mask` holds the previous step's spikes on entry (the delayed subtraction reads them)
/// and this step's on return.
inline void update_neurons(std::int32_t n, float* V, float* I, std::uint8_t* mask,
                           const NeuronParams& p) noexcept {
  if (p.extended)
    detail::update_neurons_extended<false>(n, V, I, nullptr, mask, p);
  else
    detail::update_neurons<false>(n, V, I, nullptr, mask, p.thr, p.lk, p.rest);
}

/// The same with the tick's injections `x` added to the accumulator first.
inline void update_neurons(std::int32_t n, float* V, float* I, const float* x,
                           std::uint8_t* mask, const NeuronParams& p) noexcept {
  if (p.extended)
    detail::update_neurons_extended<true>(n, V, I, x, mask, p);
  else
    detail::update_neurons<true>(n, V, I, x, mask, p.thr, p.lk, p.rest);
}

/// Steps 1-2 of DESIGN §2 for neurons [0, n): V = max(0, leak * V + I), a neuron fires
/// where V > threshold (mask 1, V = resting), and I is cleared.
inline void update_neurons(std::int32_t n, float* V, float* I, std::uint8_t* mask,
                           const float* thr, const float* lk, const float* rest) noexcept {
  detail::update_neurons<false>(n, V, I, nullptr, mask, thr, lk, rest);
}

/// The same with the tick's injections `x` added first: the accumulator is I + x, the
/// value `I[i] += x[i]` would leave.
inline void update_neurons(std::int32_t n, float* V, float* I, const float* x,
                           std::uint8_t* mask, const float* thr, const float* lk,
                           const float* rest) noexcept {
  detail::update_neurons<true>(n, V, I, x, mask, thr, lk, rest);
}

/// Writes the indices i < n with mask[i] != 0 to `fired`, ascending (room for n entries);
/// returns how many.
inline std::int32_t collect_fired(const std::uint8_t* mask, std::int32_t n, std::int32_t* fired) noexcept {
  // branch-free appends, skipping silent 8-byte blocks
  std::int32_t nf = 0, i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t block;
    std::memcpy(&block, mask + i, 8);
    if (block == 0) continue;
    for (std::int32_t k = 0; k < 8; ++k) {
      fired[nf] = i + k;
      nf += mask[i + k];
    }
  }
  for (; i < n; ++i) {
    fired[nf] = i;
    nf += mask[i];
  }
  return nf;
}

namespace detail {
/// Open views of a network's arrays: an atomic count that a copy of the network does not
/// inherit (a copy has no views) and that swapping or assigning leaves where it is.
struct PinCount {
  std::atomic<std::int64_t> n{0};
  PinCount() = default;
  PinCount(const PinCount&) noexcept {}
  PinCount& operator=(const PinCount&) noexcept { return *this; }
};
}  // namespace detail

/// A network: ids, per-neuron parameters and CSR edges (by source, targets ascending
/// within a row), plus one default simulation state.
///
/// Neurons are ordered sensory first, then the others in creation order. All
/// structural edits go through this class and keep the CSR valid.
///
/// Aligned to a cache line and a whole number of them long: every step writes the own
/// state's counters, and two networks allocated one after the other by one thread would
/// otherwise share a line, so that two threads stepping one each slow each other down.
class alignas(64) Network {
 public:
  Network() = default;
  /// `num_sensory` neurons S0.. and `num_neurons` hidden neurons N0.. with GliaGL's
  /// defaults (threshold 100, leak 1, resting 0 for sensory; 50, 1, 0 otherwise).
  Network(std::int32_t num_sensory, std::int32_t num_neurons);

  // ---- sizes and ids
  std::int32_t size() const noexcept { return static_cast<std::int32_t>(ids_.size()); }
  std::int32_t num_sensory() const noexcept { return n_sensory_; }
  std::int64_t num_edges() const noexcept { return static_cast<std::int64_t>(col_.size()); }
  const std::vector<std::string>& ids() const noexcept { return ids_; }
  const std::string& id(std::int32_t i) const { return ids_.at(static_cast<std::size_t>(i)); }
  NeuronKind kind(std::int32_t i) const noexcept { return kinds_[static_cast<std::size_t>(i)]; }
  /// The kind as an int: 0 sensory, 1 hidden, 2 output.
  int kind_code(std::int32_t i) const noexcept { return static_cast<int>(kinds_[static_cast<std::size_t>(i)]); }
  /// Index of `id`, or -1.
  std::int32_t find(const std::string& id) const noexcept;
  /// Index of `id`; throws KeyError naming it.
  std::int32_t index(const std::string& id) const;

  // ---- neurons
  /// Creates the neuron or updates its parameters; returns its index. Validates the
  /// parameters (finite, leak in [0, 1]) and throws ValueError before changing anything.
  std::int32_t add_neuron(const std::string& id, float threshold, float leak, float resting);
  void set_params(std::int32_t i, float threshold, float leak, float resting);
  static void check_params(const std::string& id, float threshold, float leak, float resting);
  /// The optional features of neuron i (DESIGN §2a).
  NeuronFeatures features(std::int32_t i) const;
  /// Sets neuron i's features (validated first: alpha in [0, 1], bias finite).
  void set_features(std::int32_t i, const NeuronFeatures& f);
  static void check_features(const std::string& id, const NeuronFeatures& f);
  /// Whether some neuron has a feature on (the step then runs the extended kernel).
  bool extended() const noexcept { return n_extended_ > 0; }
  const std::vector<std::uint8_t>& flags() const noexcept { return flags_; }
  const std::vector<float>& alpha() const noexcept { return alpha_; }
  const std::vector<float>& bias() const noexcept { return bias_; }
  /// The parameters a step reads (at neuron 0).
  NeuronParams params() const noexcept {
    return {threshold_.data(), leak_.data(), resting_.data(), flags_.data(), alpha_.data(),
            bias_.data(), extended()};
  }
  const std::vector<float>& threshold() const noexcept { return threshold_; }
  const std::vector<float>& leak() const noexcept { return leak_; }
  const std::vector<float>& resting() const noexcept { return resting_; }
  /// Direct parameter access for trainers (intrinsic plasticity); sizes never change.
  float* threshold_data() noexcept { return threshold_.data(); }
  float* leak_data() noexcept { return leak_.data(); }

  // ---- edges (CSR by source)
  const std::vector<std::int64_t>& row_ptr() const noexcept { return row_ptr_; }
  const std::vector<std::int32_t>& col() const noexcept { return col_; }
  const std::vector<float>& weight() const noexcept { return weight_; }
  /// Weights may be changed in place (training); the structure may not. Each call marks
  /// the weights changed (a team's copies of them are then made again), so take the
  /// pointer anew for the writes that follow a run: never keep it across one.
  float* weight_data() noexcept {
    ++weights_version_;
    return weight_.data();
  }
  /// The source of every edge, in CSR order.
  std::vector<std::int32_t> edge_sources() const;
  /// Position of edge s->d in the CSR arrays, or -1.
  std::int64_t find_edge(std::int32_t s, std::int32_t d) const noexcept;
  /// Creates edge s->d or updates its weight.
  void set_edge(std::int32_t s, std::int32_t d, float w);
  /// Bulk create-or-update (later duplicates win); validates everything first.
  void set_edges(const std::int32_t* s, const std::int32_t* d, const float* w, std::int64_t n);
  /// The same taking the arrays over (no copy of them: file loading's memory).
  void set_edges(std::vector<std::int32_t>&& s, std::vector<std::int32_t>&& d,
                 std::vector<float>&& w);
  /// Replaces all edges with the given ones (duplicates: the last wins).
  void assign_edges(const std::int32_t* s, const std::int32_t* d, const float* w, std::int64_t n);
  /// Removes edge s->d; returns whether it existed.
  bool remove_edge(std::int32_t s, std::int32_t d);
  /// Keeps the edges whose `keep[e]` is nonzero (e in CSR order); returns how many went.
  std::int64_t filter_edges(const std::uint8_t* keep);
  /// Removes every edge.
  void clear_edges();

  // ---- simulation on the network's own state
  State& state() noexcept { return state_; }
  const State& state() const noexcept { return state_; }
  /// V = resting, I = 0 for every neuron.
  void reset() { state_.reset(*this); }
  /// Adds x to neuron i's accumulator: it acts in the next step.
  void inject(std::int32_t i, float x);
  /// `n` steps of the own state; `n_threads` as for `run`; `hook` is polled about every
  /// 100 ms (Cancelled on stop).
  void step(std::int64_t n, int n_threads = 1, Hook hook = nullptr, void* ctx = nullptr);

  // ---- simulation of any state on this (read-only) model
  /// One synchronous step of `s` (DESIGN §2).
  void step_state(State& s) const noexcept;
  /// T steps of `s`: before step t, X[t, c] is added to sensory neuron c's accumulator
  /// (X is T x num_sensory, row-major; may be null for no input). Records into `out`.
  /// Polls `poller` (may be null) between steps; on stop throws Cancelled with `s`
  /// as of the last completed step.
  ///
  /// With `n_threads` > 1 and a network above the cut-off (`step_threads`), one team of
  /// threads runs all T steps, each thread owning a contiguous range of neurons: it updates
  /// them and sums their inputs, walking every fired source's edges into its range in
  /// ascending source order. Each accumulator thus receives its inputs in the one-thread
  /// order: results are bit-identical for any thread count.
  void run(State& s, const float* X, std::int64_t T, RunOutput& out, int n_threads = 1,
           Poller* poller = nullptr) const;
  /// T steps of `s` with `io` giving each step's injections and seeing each completed
  /// step; on a team as above (a second barrier per step lets `observe` read the whole
  /// state), bit-identical for any thread count.
  void run(State& s, StepIO& io, std::int64_t T, int n_threads = 1, Poller* poller = nullptr) const;
  /// Threads `run` would use for `n_threads` allowed: 1 below the cut-off, inside another
  /// OpenMP region, or while another of glia's parallel regions is under way in this
  /// process (detail::ActiveTeam; teams that share cores stall at each other's barriers);
  /// else n_threads (at most one per 64 neurons).
  int step_threads(int n_threads) const noexcept;

  /// Bytes of model memory (parameters + CSR; ids excluded).
  std::size_t model_bytes() const noexcept;
  /// Checks every invariant (sizes, CSR order, finite values); throws Error if broken.
  void validate() const;
  /// Swaps the whole content with `other` (used for all-or-nothing loads); not their views
  /// (see pin): BufferError when either has views open.
  void swap(Network& other);

  // ---- views of the arrays (the Python layer's zero-copy arrays)
  /// One more view of this network's arrays is open: while any is, a structural change
  /// (adding a neuron, adding or removing an edge, replacing the network: swap, load)
  /// throws BufferError and changes nothing, so the arrays never move or change length
  /// under a view. Values, thresholds, leaks and weights still change in place.
  void pin() noexcept { pins_.n.fetch_add(1, std::memory_order_acq_rel); }
  /// One view closed.
  void unpin() noexcept { pins_.n.fetch_sub(1, std::memory_order_acq_rel); }
  /// Views open now.
  std::int64_t pins() const noexcept { return pins_.n.load(std::memory_order_acquire); }
  /// BufferError naming `what` when views are open (the check of every structural change).
  void check_unpinned(const char* what) const;

 private:
  void insert_neuron_at(std::int32_t pos, const std::string& id, float thr, float leak,
                        float rest);
  /// Replaces the CSR with the edges (s, d, w) (the last of duplicates wins), consuming
  /// the three arrays.
  void build_csr(std::vector<std::int32_t>& s, std::vector<std::int32_t>& d,
                 std::vector<float>& w);
  /// Drops the cached StepPlan: called by every edit of the neurons or the CSR structure
  /// (a change of weights only bumps weights_version_).
  void structure_changed() noexcept { plan_.reset(); }
  /// The plan for a team of `nt` threads (cached; built by the calling thread if stale).
  std::shared_ptr<const detail::StepPlan> step_plan(int nt) const;
  /// `run` on a team of `nt` threads, with stretches on one thread while the team does not
  /// pay (`what` names the call in Cancelled's message).
  void run_adaptive(State& s, const float* X, StepIO* io, std::int64_t T, RunOutput& out,
                    Poller* poller, int nt, const char* what) const;
  /// Steps [t0, T) of `run` on a team of `nt` threads; returns the step it ended at: T, or
  /// earlier when a window of steps took longer than one thread would have.
  std::int64_t run_team(State& s, const float* X, StepIO* io, std::int64_t t0, std::int64_t T,
                        RunOutput& out, Poller* poller, int nt, const char* what) const;

  std::vector<std::string> ids_;
  std::unordered_map<std::string, std::int32_t> index_;
  std::vector<NeuronKind> kinds_;
  std::vector<float> threshold_, leak_, resting_;
  // DESIGN §2a, per neuron: feature_flags, alpha, bias; n_extended_ counts the neurons
  // with a feature on
  std::vector<std::uint8_t> flags_;
  std::vector<float> alpha_, bias_;
  std::int32_t n_extended_ = 0;
  std::int32_t n_sensory_ = 0;
  std::vector<std::int64_t> row_ptr_{0};
  std::vector<std::int32_t> col_;
  std::vector<float> weight_;
  State state_;
  /// Counts the changes of weights (weight_data, set_edge on an existing edge).
  std::uint64_t weights_version_ = 0;
  /// Partition of the neurons and each thread's copy of its edges for stepping on a team
  /// (twice the edge memory while cached), remade when the structure or the weights
  /// change. Read and replaced with atomic_load / atomic_store so that concurrent const
  /// runs may share the model.
  mutable std::shared_ptr<const detail::StepPlan> plan_;
  detail::PinCount pins_;
};

}  // namespace glia
