// glia's own worker threads, which wait without starving other processes.
//
// A busy machine is the normal case (DESIGN §5). A thread that waits for another by
// spinning keeps its core while the thread it waits for may not be running at all; GCC's
// OpenMP runtime spins for ~300,000 pause instructions (~15 ms here) at every barrier and
// between regions unless OMP_WAIT_POLICY/GOMP_SPINCOUNT are set before it loads, which a
// library may not do. So glia's parallel calls run on threads of its own: every waiting
// thread (a worker between calls, the caller at a call's end, a team at its per-step
// barrier) spins for at most wait_spin_ns() and then sleeps until woken.
#pragma once
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#if defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
#include <xmmintrin.h>  // _mm_pause
#endif

namespace glia {

/// How long a waiting thread of glia spins before it sleeps: long enough to catch the next
/// batch of an epoch or the partner of a step without a wake-up (tens of microseconds), short
/// enough that on a loaded machine it gives its core back within a small part of a time slice.
constexpr std::int64_t kWaitSpinNs = 100000;

/// The spin before a waiting thread sleeps, in ns (kWaitSpinNs unless changed).
std::int64_t wait_spin_ns() noexcept;
/// Sets the spin before a waiting thread sleeps (ns, 0: sleep at once); returns the previous
/// value. For benchmarks and tests: results never depend on it.
std::int64_t set_wait_spin_ns(std::int64_t ns) noexcept;

/// Whether parallel runs follow the RunGauge (on by default): off, every run asked for on
/// several threads gets them. Returns the previous setting. For tests and benchmarks.
bool set_adaptive_threads(bool on) noexcept;
bool adaptive_threads() noexcept;

/// What glia's parallel runs have done in this process (threads_info()).
struct ThreadsInfo {
  std::int64_t spin_ns;        ///< wait_spin_ns()
  std::int64_t parallel_runs;  ///< runs on several threads
  std::int64_t declined_runs;  ///< runs kept on one thread because recent ones did not pay
  std::int64_t serial_for_ns;  ///< how much longer parallel runs are declined (0: allowed now)
  bool adaptive;               ///< adaptive_threads()
  int workers;                 ///< the calling thread's workers
  int sleeping;                ///< of which asleep now
};
ThreadsInfo threads_info() noexcept;

namespace detail {

/// Whether parallel runs pay on this machine now. A run pays when its threads together ran
/// longer than its wall time (CPU time inside the run: more than one core's worth of work
/// done per second of waiting); on a machine whose cores other processes keep busy they do
/// not, since every thread that is not running stalls the run's end. After a run that did
/// not pay, runs stay on one thread for a stretch of at least 8 times its wall time and at
/// least twice the last stretch (that doubling up to kMaxStretchNs); a run that pays halves
/// the last stretch (under a load that comes and goes, retries stay rare).
/// The thread count never changes a result, so this changes only how long a call takes.
class RunGauge {
 public:
  static constexpr std::int64_t kMaxStretchNs = 1000000000;  // 1 s
  /// May a run start at `now` (ns) on several threads?
  bool allows(std::int64_t now) const noexcept {
    return now >= serial_until_.load(std::memory_order_relaxed);
  }
  /// A parallel run that ended at `now` took `wall` ns, in which its threads ran `cpu` ns.
  void record(std::int64_t now, std::int64_t wall, std::int64_t cpu) noexcept {
    if (cpu > wall) {
      stretch_.store(stretch_.load(std::memory_order_relaxed) / 2, std::memory_order_relaxed);
      serial_until_.store(0, std::memory_order_relaxed);
      return;
    }
    const std::int64_t doubled = std::min(2 * stretch_.load(std::memory_order_relaxed), kMaxStretchNs);
    const std::int64_t stretch = std::max(8 * wall, doubled);
    stretch_.store(stretch, std::memory_order_relaxed);
    serial_until_.store(now + stretch, std::memory_order_relaxed);
  }
  /// ns from `now` until runs may be parallel again (0: now).
  std::int64_t serial_for(std::int64_t now) const noexcept {
    return std::max<std::int64_t>(0, serial_until_.load(std::memory_order_relaxed) - now);
  }

 private:
  std::atomic<std::int64_t> serial_until_{0};
  std::atomic<std::int64_t> stretch_{0};
};

/// One pause of a spin loop.
inline void cpu_relax() noexcept {
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
  __builtin_ia32_pause();
#elif defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
  _mm_pause();
#elif defined(__GNUC__) && defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

/// Where threads wait for a condition on atomics that other threads change: each waiter
/// spins up to wait_spin_ns() and then sleeps; whoever changes the condition calls wake_all()
/// after the change (a fence and one load when nobody sleeps).
class Waiter {
 public:
  /// Returns once `ready()` (which reads atomics) is true.
  template <class Ready>
  void wait(Ready ready) {
    if (spin_until(ready)) return;
    std::unique_lock<std::mutex> lock(mutex_);
    sleepers_.fetch_add(1, std::memory_order_relaxed);
    // with the fence of wake_all: either the waker sees this sleeper, or this check sees
    // the waker's change
    std::atomic_thread_fence(std::memory_order_seq_cst);
    while (!ready()) cv_.wait(lock);
    sleepers_.fetch_sub(1, std::memory_order_relaxed);
  }
  /// Wakes the sleepers; call after changing what they wait for.
  void wake_all() {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_relaxed) > 0) {
      std::lock_guard<std::mutex> lock(mutex_);
      cv_.notify_all();
    }
  }
  /// Threads asleep here now.
  int sleepers() const noexcept { return sleepers_.load(std::memory_order_relaxed); }

 private:
  template <class Ready>
  static bool spin_until(Ready& ready) {
    if (ready()) return true;
    const std::int64_t spin = wait_spin_ns();
    if (spin <= 0) return false;
    const auto t0 = std::chrono::steady_clock::now();
    const auto limit = std::chrono::nanoseconds(spin);
    for (;;) {
      for (int k = 0; k < 16; ++k) {  // a clock read costs about as much as 2 pauses
        cpu_relax();
        if (ready()) return true;
      }
      if (std::chrono::steady_clock::now() - t0 > limit) return ready();
    }
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::atomic<int> sleepers_{0};
};

/// A thread's workers: `run` runs a body on the calling thread (tid 0) and on workers
/// 1..nt-1, and returns when all have returned. Workers are started on first need and wait
/// (Waiter) for the next call; they end with the pool.
class WorkerPool {
 public:
  using Body = void (*)(void* ctx, int tid);
  WorkerPool() = default;
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  /// Starts workers until there are nt - 1 (if the system lets it); returns how many
  /// threads a run can use now: min(nt, 1 + workers).
  int reserve(int nt);
  /// Runs body(ctx, tid) for tid in [0, nt) (nt <= reserve(nt)), tid 0 on the calling
  /// thread; returns once all have returned. The first exception a body throws is rethrown.
  /// The run is counted (threads_info) and its wall and CPU times go to the process's
  /// RunGauge (record_parallel_run). With `shared_work` (the
  /// bodies take their work from a common pool until none is left, so the caller's body
  /// returns only when all of it is taken), a worker that has not started when the caller's
  /// body returns is not waited for: it skips this run (on a loaded machine a sleeping
  /// worker may take a whole time slice to wake). Without it every tid runs.
  void run(int nt, Body body, void* ctx, bool shared_work = false);
  /// Workers started.
  int workers() const noexcept { return static_cast<int>(workers_.size()); }
  /// Workers asleep now, waiting for work.
  int sleeping() const noexcept;

 private:
  enum : int { kIdle = 0, kOffered = 1, kStarted = 2 };
  struct Worker {
    std::atomic<std::uint64_t> job{0};  // bumped for each run the worker takes part in
    std::atomic<int> offer{kIdle};      // kOffered: its part of the current run not yet started
    Waiter wake;
    std::thread thread;
  };
  void work(Worker& me, int tid);
  void finish_one();

  std::vector<std::unique_ptr<Worker>> workers_;
  Body body_ = nullptr;  // the current run's, written before the workers' jobs are bumped
  void* ctx_ = nullptr;
  std::atomic<int> pending_{0};  // workers of the current run not yet done
  std::atomic<std::int64_t> cpu_ns_{0};  // the workers' CPU time in the current run
  std::atomic<bool> quit_{false};
  Waiter done_;
  std::mutex error_mutex_;
  std::exception_ptr error_;
};

/// True while this thread runs a body of WorkerPool::run (the caller's part or a worker's):
/// a parallel call made there runs on one thread (no nested teams).
bool in_parallel_region() noexcept;
/// True on one of glia's worker threads.
bool on_worker_thread() noexcept;
/// The calling thread's pool (made on first use; a child process after fork makes its own).
WorkerPool& thread_pool();
/// The process's RunGauge, fed by every run of run_on_threads.
RunGauge& run_gauge();
/// Now on the steady clock, in ns.
std::int64_t now_ns() noexcept;
/// The CPU time of the calling thread in ns (-1 where the system does not tell).
std::int64_t thread_cpu_ns() noexcept;
/// Whether a parallel run may start now: true unless adaptive_threads() and the gauge says
/// recent runs did not pay (then the run is counted as declined, threads_info). A caller
/// that prepares for a parallel run at some cost asks first.
bool parallel_allowed() noexcept;
/// A finished parallel run that started at `t0` (now_ns) and whose threads ran `cpu` ns
/// (-1: unknown): counted (threads_info) and, with its CPU time known, given to the gauge.
/// WorkerPool::run reports its runs here; so does a loop on other threads (an OpenMP team:
/// the population's prange, PopulationScoring).
void record_parallel_run(std::int64_t t0, std::int64_t cpu) noexcept;

/// Runs body(tid) for tid in [0, nt) on the calling thread's pool; returns false, having
/// run nothing, if the pool cannot offer nt threads or recent parallel runs did not pay
/// (RunGauge): the caller then does the work on its own thread.
/// `shared_work`: see WorkerPool::run.
template <class F>
bool run_on_threads(int nt, F& body, bool shared_work = false) {
  if (!parallel_allowed()) return false;
  WorkerPool& pool = thread_pool();
  if (pool.reserve(nt) < nt) return false;
  pool.run(nt, [](void* ctx, int tid) { (*static_cast<F*>(ctx))(tid); }, &body, shared_work);
  return true;
}

}  // namespace detail
}  // namespace glia
