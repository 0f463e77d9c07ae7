// glia's worker threads: runs, nesting, errors, sleeping waits, and the RunGauge that sends
// runs to one thread while parallel ones do not pay.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <thread>
#include <vector>

#include "glia/worker_pool.hpp"
#include "../src/parallel_items.hpp"

using glia::detail::RunGauge;

namespace {

/// Turns the RunGauge's adaptation on or off for a scope.
class Adaptive {
 public:
  explicit Adaptive(bool on) : before_(glia::set_adaptive_threads(on)) {}
  ~Adaptive() { glia::set_adaptive_threads(before_); }

 private:
  bool before_;
};

}  // namespace

TEST_CASE("a run calls the body once per thread, tid 0 on the caller", "[pool]") {
  const Adaptive off(false);
  for (int nt : {2, 3, 5}) {
    std::vector<std::atomic<int>> calls(static_cast<std::size_t>(nt));
    std::atomic<bool> caller_was_zero{false};
    const auto me = std::this_thread::get_id();
    auto body = [&](int tid) {
      calls[static_cast<std::size_t>(tid)].fetch_add(1);
      if (tid == 0) caller_was_zero = std::this_thread::get_id() == me;
      CHECK(glia::detail::in_parallel_region());
      CHECK(glia::detail::on_worker_thread() == (tid != 0));
    };
    for (int rep = 0; rep < 50; ++rep) REQUIRE(glia::detail::run_on_threads(nt, body));
    for (auto& c : calls) CHECK(c.load() == 50);
    CHECK(caller_was_zero.load());
    CHECK(!glia::detail::in_parallel_region());
  }
}

TEST_CASE("for_each_item covers every item once; nested calls run on one thread", "[pool]") {
  const Adaptive off(false);
  const std::int64_t n = 1000;
  std::vector<int> seen(static_cast<std::size_t>(n), 0);
  std::atomic<int> inner_threads_max{0};
  glia::detail::for_each_item(n, 2, static_cast<glia::Poller*>(nullptr), "test",
                              [&](std::int64_t i, int) {
    ++seen[static_cast<std::size_t>(i)];
    glia::detail::for_each_item(4, 2, static_cast<glia::Poller*>(nullptr), "inner",
                                [&](std::int64_t, int tid) {
      int m = inner_threads_max.load();
      while (tid + 1 > m && !inner_threads_max.compare_exchange_weak(m, tid + 1)) {}
    });
  });
  for (int v : seen) REQUIRE(v == 1);
  CHECK(inner_threads_max.load() == 1);
}

TEST_CASE("the first error of a worker or the caller is rethrown after the run", "[pool]") {
  const Adaptive off(false);
  auto worker_throws = [](int tid) {
    if (tid == 1) throw std::runtime_error("worker");
  };
  CHECK_THROWS_WITH(glia::detail::run_on_threads(2, worker_throws), "worker");
  auto caller_throws = [](int tid) {
    if (tid == 0) throw std::runtime_error("caller");
  };
  CHECK_THROWS_WITH(glia::detail::run_on_threads(2, caller_throws), "caller");
  int ok = 0;
  auto fine = [&](int tid) {
    if (tid == 0) ok = 1;
  };
  CHECK(glia::detail::run_on_threads(2, fine));  // the pool still works
  CHECK(ok == 1);
}

TEST_CASE("idle workers sleep instead of spinning", "[pool]") {
  const Adaptive off(false);
  auto body = [](int) {};
  REQUIRE(glia::detail::run_on_threads(3, body));
  glia::detail::WorkerPool& pool = glia::detail::thread_pool();
  REQUIRE(pool.workers() >= 2);
  // the spin is wait_spin_ns() (100 us): well within the 10 s allowed here
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (pool.sleeping() < pool.workers() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  CHECK(pool.sleeping() == pool.workers());
  const glia::ThreadsInfo info = glia::threads_info();
  CHECK(info.sleeping == info.workers);
  CHECK(info.spin_ns == glia::kWaitSpinNs);
}

TEST_CASE("with no spin, a run still completes (every wait sleeps)", "[pool]") {
  const Adaptive off(false);
  const std::int64_t before = glia::set_wait_spin_ns(0);
  std::atomic<int> sum{0};
  auto body = [&](int tid) { sum.fetch_add(tid + 1); };
  for (int rep = 0; rep < 200; ++rep) REQUIRE(glia::detail::run_on_threads(2, body));
  CHECK(sum.load() == 200 * 3);
  glia::set_wait_spin_ns(before);
}

TEST_CASE("RunGauge: a run that did not pay sends the next ones to one thread", "[pool]") {
  RunGauge g;
  const std::int64_t ms = 1000000;
  CHECK(g.allows(0));
  g.record(10 * ms, 2 * ms, 3 * ms);  // 1.5 cores' worth: paid
  CHECK(g.allows(10 * ms));
  g.record(20 * ms, 2 * ms, 2 * ms - 1);  // less than one core's worth
  CHECK(!g.allows(20 * ms));
  CHECK(g.serial_for(20 * ms) == 16 * ms);  // 8 x its wall time
  CHECK(!g.allows(36 * ms - 1));
  CHECK(g.allows(36 * ms));
  g.record(40 * ms, 1 * ms, 1 * ms);  // again: the stretch doubles
  CHECK(g.serial_for(40 * ms) == 32 * ms);
  for (int k = 0; k < 20; ++k) g.record(100 * ms, 1 * ms, 0);
  CHECK(g.serial_for(100 * ms) == RunGauge::kMaxStretchNs);  // at most 1 s
  g.record(200 * ms, 400 * ms, 0);  // a long run: 8 x its wall time
  CHECK(g.serial_for(200 * ms) == 3200 * ms);
  g.record(4000 * ms, 1 * ms, 2 * ms);  // one that pays: parallel again, the stretch halved
  CHECK(g.allows(4000 * ms));
  g.record(4001 * ms, 1 * ms, 0);
  CHECK(g.serial_for(4001 * ms) == RunGauge::kMaxStretchNs);  // 2 x 1.6 s, at most 1 s
  for (int k = 0; k < 10; ++k) g.record(6000 * ms, 1 * ms, 2 * ms);  // 1 s / 2^10
  g.record(6001 * ms, 1 * ms, 0);
  CHECK(g.serial_for(6001 * ms) == 8 * ms);  // 8 x the wall time is more than 2 x ~1 ms
}

TEST_CASE("a worker that has not started is not waited for when the work is shared", "[pool]") {
  const Adaptive off(false);
  // the caller takes every item before a worker can: spin 0, so the workers sleep and take
  // a wake-up to start; the run still covers every item once, whoever took them
  const std::int64_t before = glia::set_wait_spin_ns(0);
  for (int rep = 0; rep < 200; ++rep) {
    std::atomic<int> next{0}, done{0};
    auto body = [&](int) {
      while (next.fetch_add(1) < 3) done.fetch_add(1);
    };
    REQUIRE(glia::detail::run_on_threads(2, body, /*shared_work=*/true));
    REQUIRE(done.load() == 3);
  }
  glia::set_wait_spin_ns(before);
}

TEST_CASE("the process's gauge declines runs while they do not pay, if adaptive", "[pool]") {
  RunGauge& g = glia::detail::run_gauge();
  const std::int64_t now = glia::detail::now_ns();
  g.record(now, 100000000, 0);  // a run that did not pay: 0.8 s on one thread
  std::atomic<int> threads{0};
  auto body = [&](int) { threads.fetch_add(1); };
  {
    const Adaptive on(true);
    const std::int64_t declined = glia::threads_info().declined_runs;
    CHECK(!glia::detail::run_on_threads(2, body));
    CHECK(threads.load() == 0);
    CHECK(glia::threads_info().declined_runs == declined + 1);
    CHECK(glia::threads_info().serial_for_ns > 0);
  }
  {
    const Adaptive off(false);
    CHECK(glia::detail::run_on_threads(2, body));
    CHECK(threads.load() == 2);
  }
  g.record(glia::detail::now_ns(), 1, 2);  // paid: the stretch ends with the next failure's
}
