// glia's worker threads (see glia/worker_pool.hpp).
#include "glia/worker_pool.hpp"

#include <algorithm>
#include <system_error>

#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#include <time.h>
#define GLIA_HAVE_PTHREAD 1
#endif

namespace glia {

namespace {
std::atomic<std::int64_t> g_spin_ns{kWaitSpinNs};
std::atomic<bool> g_adaptive{true};
std::atomic<std::int64_t> g_parallel_runs{0};
std::atomic<std::int64_t> g_declined_runs{0};
detail::RunGauge g_gauge;
thread_local bool t_in_region = false;
thread_local bool t_worker = false;

/// Sets t_in_region for a scope, restoring the previous value.
class RegionMark {
 public:
  RegionMark() noexcept : before_(t_in_region) { t_in_region = true; }
  ~RegionMark() { t_in_region = before_; }
  RegionMark(const RegionMark&) = delete;
  RegionMark& operator=(const RegionMark&) = delete;

 private:
  bool before_;
};

#ifdef GLIA_HAVE_PTHREAD
/// Forks so far, counted in the child: a pool made before the last fork has no workers there.
std::atomic<std::uint64_t> g_forks{0};
void count_fork() noexcept { g_forks.fetch_add(1, std::memory_order_relaxed); }
const int g_atfork = pthread_atfork(nullptr, nullptr, count_fork);
#endif
}  // namespace

std::int64_t wait_spin_ns() noexcept { return g_spin_ns.load(std::memory_order_relaxed); }

std::int64_t set_wait_spin_ns(std::int64_t ns) noexcept {
  return g_spin_ns.exchange(ns < 0 ? 0 : ns);
}

bool set_adaptive_threads(bool on) noexcept { return g_adaptive.exchange(on); }
bool adaptive_threads() noexcept { return g_adaptive.load(std::memory_order_relaxed); }

ThreadsInfo threads_info() noexcept {
  ThreadsInfo info{};
  info.spin_ns = wait_spin_ns();
  info.parallel_runs = g_parallel_runs.load();
  info.declined_runs = g_declined_runs.load();
  info.serial_for_ns = g_gauge.serial_for(detail::now_ns());
  info.adaptive = adaptive_threads();
  const detail::WorkerPool& pool = detail::thread_pool();
  info.workers = pool.workers();
  info.sleeping = pool.sleeping();
  return info;
}

namespace detail {

RunGauge& run_gauge() { return g_gauge; }
bool parallel_allowed() noexcept {
  if (!adaptive_threads() || g_gauge.allows(now_ns())) return true;
  g_declined_runs.fetch_add(1, std::memory_order_relaxed);
  return false;
}

void record_parallel_run(std::int64_t t0, std::int64_t cpu) noexcept {
  g_parallel_runs.fetch_add(1, std::memory_order_relaxed);
  if (cpu < 0) return;
  const std::int64_t t1 = now_ns();
  g_gauge.record(t1, t1 - t0, cpu);
}

std::int64_t now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::int64_t thread_cpu_ns() noexcept {
#if defined(GLIA_HAVE_PTHREAD) && defined(CLOCK_THREAD_CPUTIME_ID)
  timespec ts;
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return -1;
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
#else
  return -1;
#endif
}

bool in_parallel_region() noexcept { return t_in_region; }
bool on_worker_thread() noexcept { return t_worker; }

WorkerPool::~WorkerPool() {
  quit_.store(true, std::memory_order_release);
  for (auto& w : workers_) {
    w->job.fetch_add(1, std::memory_order_release);
    w->wake.wake_all();
  }
  for (auto& w : workers_) w->thread.join();
}

int WorkerPool::reserve(int nt) {
  while (static_cast<int>(workers_.size()) < nt - 1) {
    auto w = std::make_unique<Worker>();
    const int tid = static_cast<int>(workers_.size()) + 1;
    try {
      w->thread = std::thread([this, me = w.get(), tid] { work(*me, tid); });
    } catch (const std::system_error&) {
      break;  // no more threads: run with those there are
    }
    workers_.push_back(std::move(w));
  }
  return std::min(nt, 1 + static_cast<int>(workers_.size()));
}

int WorkerPool::sleeping() const noexcept {
  int n = 0;
  for (const auto& w : workers_) n += w->wake.sleepers();
  return n;
}

void WorkerPool::finish_one() {
  if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) done_.wake_all();
}

void WorkerPool::work(Worker& me, int tid) {
  t_worker = true;
#if defined(__linux__) && defined(__GLIBC__)
  pthread_setname_np(pthread_self(), "glia-worker");
#endif
  std::uint64_t seen = 0;
  for (;;) {
    me.wake.wait([&] { return me.job.load(std::memory_order_acquire) != seen; });
    seen = me.job.load(std::memory_order_acquire);
    if (quit_.load(std::memory_order_acquire)) return;
    int offered = kOffered;
    if (!me.offer.compare_exchange_strong(offered, kStarted, std::memory_order_acq_rel))
      continue;  // the caller went on without this worker
    const std::int64_t cpu0 = thread_cpu_ns();
    {
      RegionMark mark;
      try {
        body_(ctx_, tid);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex_);
        if (!error_) error_ = std::current_exception();
      }
    }
    cpu_ns_.fetch_add(thread_cpu_ns() - cpu0, std::memory_order_relaxed);
    finish_one();
  }
}

void WorkerPool::run(int nt, Body body, void* ctx, bool shared_work) {
  const std::int64_t t0 = now_ns(), cpu0 = thread_cpu_ns();
  body_ = body;
  ctx_ = ctx;
  error_ = nullptr;
  cpu_ns_.store(0, std::memory_order_relaxed);
  pending_.store(nt - 1, std::memory_order_relaxed);
  for (int w = 0; w < nt - 1; ++w) {
    Worker& k = *workers_[static_cast<std::size_t>(w)];
    k.offer.store(kOffered, std::memory_order_release);  // body_ and ctx_ before it
    k.job.fetch_add(1, std::memory_order_release);
    k.wake.wake_all();
  }
  std::exception_ptr mine;
  {
    RegionMark mark;
    try {
      body(ctx, 0);
    } catch (...) {
      mine = std::current_exception();
    }
  }
  const std::int64_t cpu1 = thread_cpu_ns();
  if (shared_work) {
    for (int w = 0; w < nt - 1; ++w) {  // withdraw the parts no worker has started
      int offered = kOffered;
      if (workers_[static_cast<std::size_t>(w)]->offer.compare_exchange_strong(
              offered, kIdle, std::memory_order_acq_rel))
        finish_one();
    }
  }
  done_.wait([&] { return pending_.load(std::memory_order_acquire) == 0; });
  record_parallel_run(t0, cpu0 < 0 ? -1 : cpu1 - cpu0 + cpu_ns_.load(std::memory_order_relaxed));
  if (mine) std::rethrow_exception(mine);
  if (error_) std::rethrow_exception(error_);
}

WorkerPool& thread_pool() {
  thread_local std::unique_ptr<WorkerPool> pool;
#ifdef GLIA_HAVE_PTHREAD
  (void)g_atfork;
  thread_local std::uint64_t made_at = 0;
  const std::uint64_t forks = g_forks.load(std::memory_order_relaxed);
  if (pool && made_at != forks) (void)pool.release();  // its workers are not in this process
  made_at = forks;
#endif
  if (!pool) pool = std::make_unique<WorkerPool>();
  return *pool;
}

}  // namespace detail
}  // namespace glia
