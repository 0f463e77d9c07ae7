// One network on several threads (team runs): the step plan (target ranges of about equal
// work), the per-step barrier, the team's loop (with a dense input X or a StepIO: episodes
// of training and evaluation) and its fall-back to one thread; and Network::run / step,
// which choose between the team and the one-thread loop.
#include "glia/network.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <exception>
#include <mutex>
#include <numeric>
#include <string>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "glia/error.hpp"
#include "glia/threads.hpp"
#include "glia/worker_pool.hpp"
#include "prefetch.hpp"

namespace glia {

using detail::prefetch;

namespace detail {

/// How the threads of a team share a step's neurons: thread t owns neurons
/// [bound[t], bound[t+1]) (it updates them and sums all their inputs), and in CSR row j the
/// targets of thread t start at offset split[j * (nt - 1) + t - 1] (t > 0) and end where
/// thread t + 1's start (the row's end for the last thread). Rows hold their targets
/// ascending, so each slice is contiguous. Depends on the structure only.
struct StepLayout {
  std::int32_t n = 0;
  std::int64_t m = 0;
  int nt = 1;
  std::vector<std::int32_t> bound;
  std::vector<std::int32_t> split;
  /// thread t's compact rows: its slice of row j is edges[t][rp[t][j] .. rp[t][j + 1])
  std::vector<std::vector<std::int64_t>> rp;
};

/// One edge of a thread's compact rows: target and weight side by side (one stream).
struct TeamEdge {
  std::int32_t target;
  float weight;
};

/// A team's step plan: the layout, and each thread's slices of every row copied into a
/// compact array of its own, so that a thread streams only its own edges (walking its
/// slices inside the shared rows, each core's prefetcher also pulls in the other threads'
/// slices). The copies hold the weights of `weights_version`: a weight change makes a new
/// plan on the same layout.
struct StepPlan {
  std::shared_ptr<const StepLayout> layout;
  std::uint64_t weights_version = 0;
  std::vector<std::vector<TeamEdge>> edges;
};

}  // namespace detail

namespace {

std::atomic<std::int64_t> g_parallel_min_work{kParallelStepMinWork};
/// Runs of a team under way in this process.
std::atomic<int> g_active_teams{0};
/// Team runs started in this process (team_runs).
std::atomic<std::int64_t> g_team_runs{0};
/// Range boundaries are multiples of this many neurons: no cache line of the spike mask
/// (and none of V or I) is written by two threads.
constexpr std::int32_t kAlign = 64;
/// A neuron's update in units of one delivered input, for balancing the ranges.
constexpr std::int64_t kNeuronCost = 4;

/// The one-thread loop of `run` (DESIGN §2, recorded into `out`) for steps [t0, T): X (or
/// `io`, when not null) and the recordings are indexed by the step from the start of the call.
void run_serial(const Network& net, State& s, const float* X, StepIO* io, std::int64_t t0,
                std::int64_t T, RunOutput& out, Poller* poller, const char* what) {
  const std::int32_t n = net.size(), ns = net.num_sensory();
  for (std::int64_t t = t0; t < T; ++t) {
    if (io != nullptr) {
      io->inject(t, 0, n, s);
    } else if (X != nullptr) {
      const float* x = X + t * ns;
      for (std::int32_t c = 0; c < ns; ++c) s.input[static_cast<std::size_t>(c)] += x[c];
    }
    net.step_state(s);
    if (io != nullptr) io->observe(t, s);
    if (out.raster != nullptr)
      std::memcpy(out.raster + t * n, s.fired_mask.data(), static_cast<std::size_t>(n));
    if (out.event_step != nullptr) {
      for (std::int32_t k = 0; k < s.n_fired; ++k) {
        out.event_step->push_back(static_cast<std::int32_t>(t));
        out.event_neuron->push_back(s.fired[static_cast<std::size_t>(k)]);
      }
    }
    if (out.spike_count != nullptr)
      for (std::int32_t k = 0; k < s.n_fired; ++k) ++out.spike_count[s.fired[static_cast<std::size_t>(k)]];
    if (out.traces != nullptr) {
      float* row = out.traces + t * out.n_trace;
      for (std::int64_t k = 0; k < out.n_trace; ++k)
        row[k] = s.value[static_cast<std::size_t>(out.trace_index[k])];
    }
    if (poller != nullptr && poller->poll()) throw Cancelled(std::string(what) + " interrupted");
  }
}

/// The team's per-step barrier: spins briefly (a step's partner normally arrives within
/// microseconds), then sleeps until the last thread arrives (detail::Waiter), so that on a
/// machine busy with other processes a waiting thread hands its core over instead of
/// keeping it while the thread it waits for is not running. Arrivals before `wait` happen
/// before returns from it.
class StepBarrier {
 public:
  explicit StepBarrier(int n) : n_(n) {}
  void wait() {
    const unsigned g = gen_.load(std::memory_order_acquire);
    if (count_.fetch_add(1, std::memory_order_acq_rel) == n_ - 1) {
      count_.store(0, std::memory_order_relaxed);
      gen_.store(g + 1, std::memory_order_release);
      waiter_.wake_all();
      return;
    }
    waiter_.wait([&] { return gen_.load(std::memory_order_acquire) != g; });
  }

 private:
  alignas(64) std::atomic<int> count_{0};
  alignas(64) std::atomic<unsigned> gen_{0};
  detail::Waiter waiter_;
  int n_;
};

/// Steps per window over which a team compares its wall time with its threads' busy time,
/// and the wall time a window may exceed that by (a stray interrupt or page fault).
constexpr std::int64_t kCheckSteps = 64;
constexpr std::chrono::microseconds kSlack{200};

/// Thread 0's decision, at every step of a team run, whether the team stops after it: on
/// a stop request (an error, the poller), or when the team has stopped paying.
struct TeamPace {
  using Clock = std::chrono::steady_clock;
  bool stopped = false;    ///< a stop request: the call ends (Cancelled or the error)
  bool too_slow = false;   ///< one thread would be faster: run_adaptive goes on alone
  Clock::time_point window_start{};  ///< the current window of kCheckSteps steps
  std::int64_t window_busy = 0;      ///< the team's summed busy ns at its start

  bool running() const noexcept { return !stopped && !too_slow; }
  /// After step `k` of the call (from 0) at time `now`, the team's threads busy
  /// `all_busy` ns in total: whether the team stops after this step.
  bool stop_after(std::int64_t k, Clock::time_point now, std::int64_t all_busy,
                  bool stop_requested) noexcept {
    if (stop_requested) return stopped = true;
    // a team that pays takes less wall time than its threads' summed busy time (about
    // one thread's time); slower than that, one thread would be faster. Checked at every
    // step: a partner descheduled for a time slice shows at once.
    if (now - window_start > Clock::duration(all_busy - window_busy) + kSlack)
      return too_slow = true;
    if ((k + 1) % kCheckSteps == 0) {
      window_start = now;
      window_busy = all_busy;
    }
    return false;
  }
};

/// Appends step t's `nf` spikes `fired` to the event lists of `out`.
inline void record_events(RunOutput& out, std::int64_t t, const std::int32_t* fired,
                          std::int32_t nf) {
  for (std::int32_t k = 0; k < nf; ++k) {
    out.event_step->push_back(static_cast<std::int32_t>(t));
    out.event_neuron->push_back(fired[k]);
  }
}

/// Records thread range [a, b) of step t into `out`: its raster row slice, the spike
/// counts of its `nf` spikes `fired` (global indices) and its traced values.
inline void record_range(RunOutput& out, std::int64_t t, std::int32_t n, std::int32_t a,
                         std::int32_t b, const std::uint8_t* mask, const float* V,
                         const std::int32_t* fired, std::int32_t nf) noexcept {
  if (out.raster != nullptr)
    std::memcpy(out.raster + t * n + a, mask + a, static_cast<std::size_t>(b - a));
  if (out.spike_count != nullptr)
    for (std::int32_t k = 0; k < nf; ++k) ++out.spike_count[fired[k]];
  if (out.traces != nullptr) {
    float* row = out.traces + t * out.n_trace;
    for (std::int64_t k = 0; k < out.n_trace; ++k) {
      const std::int32_t i = out.trace_index[k];
      if (i >= a && i < b) row[k] = V[i];
    }
  }
}

/// A team thread's part of step 3 for `cnt` fired sources `f` (ascending): each source's
/// slice of its compact rows (`rp`, `e`: the targets that thread owns) added into I, the
/// slices a few sources ahead prefetched.
inline void deliver_slices(const std::int64_t* rp, const detail::TeamEdge* e,
                           const std::int32_t* f, std::int32_t cnt, float* I) noexcept {
  constexpr std::int32_t kAhead = 8;
  for (std::int32_t k = 0; k < cnt; ++k) {
    if (k + kAhead < cnt) {
      const std::uintptr_t pe = reinterpret_cast<std::uintptr_t>(e + rp[f[k + kAhead]]);
      for (int l = 0; l < 4; ++l) prefetch(pe + 64u * static_cast<unsigned>(l));
      if (k + 2 * kAhead < cnt) prefetch(reinterpret_cast<std::uintptr_t>(rp + f[k + 2 * kAhead]));
    }
    const std::int32_t j = f[k];
    const std::int64_t q1 = rp[j + 1];
    for (std::int64_t q = rp[j]; q < q1; ++q) I[e[q].target] += e[q].weight;
  }
}

}  // namespace

namespace detail {
ActiveTeam::ActiveTeam() noexcept { g_active_teams.fetch_add(1); }
ActiveTeam::~ActiveTeam() { g_active_teams.fetch_sub(1); }
}  // namespace detail

std::int64_t team_runs() noexcept { return g_team_runs.load(); }

std::int64_t parallel_step_min_work() noexcept { return g_parallel_min_work.load(); }

std::int64_t set_parallel_step_min_work(std::int64_t work) noexcept {
  return g_parallel_min_work.exchange(work);
}

int Network::step_threads(int n_threads) const noexcept {
#ifdef _OPENMP
  if (n_threads <= 1) return 1;
  if (static_cast<std::int64_t>(size()) + num_edges() <
      g_parallel_min_work.load(std::memory_order_relaxed))
    return 1;
  if (omp_in_parallel() || detail::in_parallel_region() ||
      g_active_teams.load(std::memory_order_relaxed) > 0)
    return 1;
  const std::int32_t ranges = (size() + kAlign - 1) / kAlign;
  return threads_for(n_threads, ranges);
#else
  (void)n_threads;
  return 1;
#endif
}

namespace {

/// The layout of a team of `nt` threads for `net`: ranges of about equal work (a target's
/// in-edges plus its update), the split points of every row and each thread's compact rows.
std::shared_ptr<const detail::StepLayout> make_layout(const Network& net, int nt) {
  auto p = std::make_shared<detail::StepLayout>();
  const std::int32_t n = net.size();
  const std::vector<std::int64_t>& row_ptr = net.row_ptr();
  const std::vector<std::int32_t>& col = net.col();
  p->n = n;
  p->m = net.num_edges();
  p->nt = nt;
  std::vector<std::int64_t> cost(static_cast<std::size_t>(n), kNeuronCost);
  for (const std::int32_t c : col) ++cost[static_cast<std::size_t>(c)];
  const std::int64_t total = std::accumulate(cost.begin(), cost.end(), std::int64_t{0});
  p->bound.assign(static_cast<std::size_t>(nt) + 1, n);
  p->bound[0] = 0;
  std::int64_t acc = 0;
  int b = 1;
  for (std::int32_t i = 0; i < n && b < nt; ++i) {
    acc += cost[static_cast<std::size_t>(i)];
    while (b < nt && acc * nt >= total * b) {
      const std::int64_t up = (static_cast<std::int64_t>(i) + kAlign) / kAlign * kAlign;
      p->bound[static_cast<std::size_t>(b)] = static_cast<std::int32_t>(std::min<std::int64_t>(up, n));
      ++b;
    }
  }
  const auto unb = static_cast<std::size_t>(nt - 1);
  p->split.resize(static_cast<std::size_t>(n) * unb);
  p->rp.assign(static_cast<std::size_t>(nt), std::vector<std::int64_t>(static_cast<std::size_t>(n) + 1, 0));
  for (std::int32_t j = 0; j < n; ++j) {
    const auto uj = static_cast<std::size_t>(j);
    const std::int32_t* r0 = col.data() + row_ptr[uj];
    const std::int32_t* r1 = col.data() + row_ptr[uj + 1];
    std::int32_t lo = 0;
    for (int t = 0; t < nt; ++t) {
      const auto ut = static_cast<std::size_t>(t);
      const std::int32_t hi = t + 1 < nt
          ? static_cast<std::int32_t>(std::lower_bound(r0, r1, p->bound[ut + 1]) - r0)
          : static_cast<std::int32_t>(r1 - r0);
      if (t + 1 < nt) p->split[uj * unb + ut] = hi;
      p->rp[ut][uj + 1] = p->rp[ut][uj] + (hi - lo);
      lo = hi;
    }
  }
  return p;
}

/// Thread t's compact rows of `layout` with the network's current weights.
void fill_edges(const Network& net, const detail::StepLayout& layout, int t,
                std::vector<detail::TeamEdge>& out) {
  const auto ut = static_cast<std::size_t>(t);
  const std::size_t unb = static_cast<std::size_t>(layout.nt - 1);
  const std::int64_t* rp = net.row_ptr().data();
  const std::int32_t* col = net.col().data();
  const float* w = net.weight().data();
  out.resize(static_cast<std::size_t>(layout.rp[ut].back()));
  detail::TeamEdge* e = out.data();
  for (std::int32_t j = 0; j < layout.n; ++j) {
    const auto uj = static_cast<std::size_t>(j);
    const std::int64_t q0 = rp[j] + (t == 0 ? 0 : layout.split[uj * unb + ut - 1]);
    const std::int64_t q1 = t + 1 == layout.nt ? rp[j + 1] : rp[j] + layout.split[uj * unb + ut];
    for (std::int64_t q = q0; q < q1; ++q) *e++ = {col[q], w[q]};
  }
}

}  // namespace

std::shared_ptr<const detail::StepPlan> Network::step_plan(int nt) const {
  std::shared_ptr<const detail::StepPlan> cached = std::atomic_load(&plan_);
  const bool same_layout = cached && cached->layout->nt == nt && cached->layout->n == size() &&
                           cached->layout->m == num_edges();
  if (same_layout && cached->weights_version == weights_version_) return cached;
  auto p = std::make_shared<detail::StepPlan>();
  p->layout = same_layout ? cached->layout : make_layout(*this, nt);
  p->weights_version = weights_version_;
  p->edges.resize(static_cast<std::size_t>(nt));
  // each thread copies its own part (a copy of all the edges: worth the team's threads
  // when the weights changed since the last run, as after every batch of training)
  const detail::StepLayout& layout = *p->layout;
  std::exception_ptr error;
  std::mutex error_mutex;
  auto copy = [&](int t) {
    try {
      fill_edges(*this, layout, t, p->edges[static_cast<std::size_t>(t)]);
    } catch (...) {
      const std::lock_guard<std::mutex> lock(error_mutex);
      error = std::current_exception();
    }
  };
  if (!detail::run_on_threads(nt, copy))
    for (int t = 0; t < nt; ++t) copy(t);
  if (error) std::rethrow_exception(error);
  std::shared_ptr<const detail::StepPlan> made = std::move(p);
  std::atomic_store(&plan_, made);
  return made;
}

void Network::step(std::int64_t n, int n_threads, Hook hook, void* ctx) {
  if (n < 0) throw ValueError("n_steps must be >= 0");
  if (state_.value.size() != static_cast<std::size_t>(size())) state_.reset(*this);
  Poller poller(hook, ctx);
  const int nt = n > 0 ? step_threads(n_threads) : 1;
  if (nt > 1) {
    RunOutput none;
    run_adaptive(state_, nullptr, nullptr, n, none, &poller, nt, "step");
    return;
  }
  for (std::int64_t t = 0; t < n; ++t) {
    step_state(state_);
    if (poller.poll()) throw Cancelled("step interrupted");
  }
}

namespace {

void check_run(const Network& net, const State& s, std::int64_t T) {
  if (T < 0) throw ValueError("run length must be >= 0");
  const auto un = static_cast<std::size_t>(net.size());
  if (s.value.size() != un || s.input.size() != un || s.fired_mask.size() != un ||
      s.fired.size() < un)
    throw ValueError("the state was sized for another network (call State::reset first)");
}

}  // namespace

void Network::run(State& s, const float* X, std::int64_t T, RunOutput& out, int n_threads,
                  Poller* poller) const {
  check_run(*this, s, T);
  const int nt = T > 0 ? step_threads(n_threads) : 1;
  if (nt > 1)
    run_adaptive(s, X, nullptr, T, out, poller, nt, "run");
  else
    run_serial(*this, s, X, nullptr, 0, T, out, poller, "run");
}

void Network::run(State& s, StepIO& io, std::int64_t T, int n_threads, Poller* poller) const {
  check_run(*this, s, T);
  RunOutput none;
  const int nt = T > 0 ? step_threads(n_threads) : 1;
  if (nt > 1)
    run_adaptive(s, nullptr, &io, T, none, poller, nt, "run");
  else
    run_serial(*this, s, nullptr, &io, 0, T, none, poller, "run");
}

void Network::run_adaptive(State& s, const float* X, StepIO* io, std::int64_t T, RunOutput& out,
                           Poller* poller, int nt, const char* what) const {
  const detail::ActiveTeam active;
  g_team_runs.fetch_add(1);
  // When the team stops paying (its threads are not running at once: a machine busy with
  // other processes), a stretch of steps runs on the calling thread alone, twice as long
  // at each relapse, then the team tries again. The thread count never changes a result.
  std::int64_t t = 0, alone = 8 * kCheckSteps;
  while (t < T) {
    t = run_team(s, X, io, t, T, out, poller, nt, what);
    if (t >= T) break;
    const std::int64_t t1 = std::min(T, t + alone);
    run_serial(*this, s, X, io, t, t1, out, poller, what);
    t = t1;
    alone *= 2;
  }
}

namespace {

/// What the threads of one team run (Network::run_team) share.
struct Team {
  static constexpr int kPad = 16;  // one cache line per counter
  Team(const detail::StepPlan& p, State& s, std::int64_t T, bool with_io)
      : plan(p), layout(*p.layout), nt(p.layout->nt), stop_at(T), barrier(nt),
        spare(static_cast<std::size_t>(with_io ? 2 : 1) * static_cast<std::size_t>(layout.n)),
        counts(static_cast<std::size_t>(2 * nt * kPad), 0),
        busy_ns(static_cast<std::size_t>(nt * kPad)) {
    // with a StepIO, s.fired receives each step's whole list for `observe`: the threads
    // write theirs elsewhere
    bufs[0] = with_io ? spare.data() + layout.n : s.fired.data();
    bufs[1] = spare.data();
  }
  /// Spikes of step t go to buffer t % 2, thread u's at offset bound[u] (it has room for
  /// its range), counted in count(t % 2, u). A thread overwrites a buffer two steps later,
  /// past a barrier every thread reaches only once done reading it.
  std::int32_t& count(int p, int u) { return counts[static_cast<std::size_t>((p * nt + u) * kPad)]; }
  /// Thread u's busy time (all but its barrier waits), summed since the call began.
  std::atomic<std::int64_t>& busy_of(int u) { return busy_ns[static_cast<std::size_t>(u * kPad) / 2]; }
  /// Step t's spikes, ascending, into s.fired[0..n_fired).
  void gather(State& s, std::int64_t t) {
    const int p = static_cast<int>(t & 1);
    std::int32_t nf = 0;
    for (int u = 0; u < nt; ++u) {
      const std::int32_t c = count(p, u);
      std::memmove(s.fired.data() + nf, bufs[p] + layout.bound[static_cast<std::size_t>(u)],
                   static_cast<std::size_t>(c) * sizeof(std::int32_t));
      nf += c;
    }
    s.n_fired = nf;
  }

  const detail::StepPlan& plan;
  const detail::StepLayout& layout;
  const int nt;
  // The calling thread (the team's thread 0, the only one to poll) decides before the
  // barrier of step t to stop after it and stores t + 1; every thread reads it after that
  // barrier, so all finish the same step and the state is that of a completed step.
  std::atomic<std::int64_t> stop_at;
  TeamPace pace;
  StepBarrier barrier;
  std::vector<std::int32_t> spare;
  std::int32_t* bufs[2];
  std::vector<std::int32_t> counts;
  std::vector<std::atomic<std::int64_t>> busy_ns;
  std::exception_ptr error;
  std::int64_t done = 0;
};

/// Thread 0's part between the barriers of step t: the step counted as done, its events
/// recorded and, with a StepIO, its spikes gathered and shown to `observe`.
void after_step(Team& tm, State& s, StepIO* io, RunOutput& out, std::int64_t t) {
  tm.done = t + 1;
  if (io != nullptr) tm.gather(s, t);
  if (tm.error) return;
  const int p = static_cast<int>(t & 1);
  try {
    if (out.event_step != nullptr)
      for (int u = 0; u < tm.nt; ++u)
        record_events(out, t, tm.bufs[p] + tm.layout.bound[static_cast<std::size_t>(u)], tm.count(p, u));
    if (io != nullptr) io->observe(t, s);
  } catch (...) {
    tm.error = std::current_exception();
  }
}

/// Team thread `tid`'s loop over steps [t0, T) (see Network::run_team).
void team_thread(const Network& net, State& s, const float* X, StepIO* io, std::int64_t t0,
                 std::int64_t T, RunOutput& out, Poller* poller, Team& tm, int tid) {
  using Clock = TeamPace::Clock;
  const std::int32_t n = net.size(), ns = net.num_sensory();
  const std::int32_t* const bound = tm.layout.bound.data();
  const std::int32_t a = bound[tid], b = bound[tid + 1], len = b - a;
  const std::int32_t sens_end = std::min(b, ns);
  const std::int64_t* const rp = tm.layout.rp[static_cast<std::size_t>(tid)].data();
  const detail::TeamEdge* const edges = tm.plan.edges[static_cast<std::size_t>(tid)].data();
  float* const V = s.value.data();
  float* const I = s.input.data();
  std::uint8_t* const mask = s.fired_mask.data();
  const NeuronParams prm = net.params().at(a);
  const int nt = tm.nt;
  Clock::time_point wait_start = Clock::now();
  Clock::duration busy{};
  if (tid == 0) tm.pace.window_start = wait_start;
  for (std::int64_t t = t0; t < T; ++t) {
    const int p = static_cast<int>(t & 1);
    std::int32_t* const buf = tm.bufs[p];
    // 1-2: inject, update and collect the own range
    if (io != nullptr) {
      io->inject(t, a, b, s);
    } else if (X != nullptr) {
      const float* x = X + t * ns;
      for (std::int32_t c = a; c < sens_end; ++c) I[c] += x[c];
    }
    update_neurons(len, V + a, I + a, mask + a, prm);
    const std::int32_t nf = collect_fired(mask + a, len, buf + a);
    for (std::int32_t k = 0; k < nf; ++k) buf[a + k] += a;
    tm.count(p, tid) = nf;
    record_range(out, t, n, a, b, mask, V, buf + a, nf);
    const Clock::time_point now = Clock::now();
    busy += now - wait_start;
    tm.busy_of(tid).store(static_cast<std::int64_t>(busy.count()), std::memory_order_relaxed);
    if (tid == 0 && tm.pace.running()) {
      std::int64_t all_busy = 0;  // the others' may be a step behind: hence the slack
      for (int u = 0; u < nt; ++u) all_busy += tm.busy_of(u).load(std::memory_order_relaxed);
      if (tm.pace.stop_after(t - t0, now, all_busy, tm.error || (poller != nullptr && poller->poll())))
        tm.stop_at.store(t + 1);
    }
    tm.barrier.wait();
    wait_start = Clock::now();
    const bool last = tm.stop_at.load() <= t + 1;
    if (tid == 0) after_step(tm, s, io, out, t);
    // 3: deliver every fired source's slice of targets in [a, b), sources ascending
    for (int u = 0; u < nt; ++u) deliver_slices(rp, edges, buf + bound[u], tm.count(p, u), I);
    if (io != nullptr) {  // `observe` reads V and the mask: nobody steps on meanwhile
      busy += Clock::now() - wait_start;
      tm.barrier.wait();
      wait_start = Clock::now();
    }
    if (last) break;
  }
}

}  // namespace

std::int64_t Network::run_team(State& s, const float* X, StepIO* io, std::int64_t t0,
                               std::int64_t T, RunOutput& out, Poller* poller, int nt,
                               const char* what) const {
  if (!detail::parallel_allowed()) {  // recent parallel runs did not pay: no plan needed
    run_serial(*this, s, X, io, t0, T, out, poller, what);
    return T;
  }
  const std::shared_ptr<const detail::StepPlan> plan = step_plan(nt);
  Team tm(*plan, s, T, io != nullptr);
  tm.done = t0;
  auto thread = [&](int tid) { team_thread(*this, s, X, io, t0, T, out, poller, tm, tid); };
  bool serial = false;
  if (!detail::run_on_threads(nt, thread)) {
    // no second thread to be had: the calling thread runs alone
    serial = true;
    try {
      run_serial(*this, s, X, io, t0, T, out, poller, what);
      tm.done = T;
    } catch (...) {
      tm.error = std::current_exception();
    }
  }
  if (!serial && tm.done > t0) {
    // the last step's spikes, ascending and contiguous at the front of s.fired (with a
    // StepIO they are there already)
    if (io == nullptr) tm.gather(s, tm.done - 1);
    s.tick += tm.done - t0;
  }
  if (tm.error) std::rethrow_exception(tm.error);
  if (tm.pace.stopped) throw Cancelled(std::string(what) + " interrupted");
  return tm.done;
}

}  // namespace glia
