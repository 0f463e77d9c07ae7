// Internal: runs independent items (episodes, networks) on glia's worker threads (waits that
// sleep after a short spin: glia/worker_pool.hpp), handed out in
// small chunks (dynamic schedule), with the caller's hook polled from the calling thread
// only and no exception leaving the region. The one parallel item runner of the engine.
#pragma once
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <string>

#include "glia/error.hpp"
#include "glia/hook.hpp"
#include "glia/network.hpp"
#include "glia/threads.hpp"
#include "glia/worker_pool.hpp"

namespace glia {
namespace detail {

/// True on any thread but glia's workers: in for_each_item's region, the thread that called it.
inline bool on_calling_thread() noexcept { return !on_worker_thread(); }

/// The stop state of one for_each_item run: set when an item fails or the caller's hook asks
/// to stop. An item that runs long loops of its own (a whole training run) hands them
/// `ItemStop::hook` with this state as its context, so they stop too: it returns nonzero
/// once the run is stopping and, on the calling thread, calls the caller's hook (the item's
/// loops space their calls about 100 ms apart with their own Poller).
class ItemStop {
 public:
  explicit ItemStop(Poller* poller) noexcept : poller_(poller) {}
  ItemStop(const ItemStop&) = delete;
  ItemStop& operator=(const ItemStop&) = delete;

  bool stopping() const noexcept { return stop_.load(std::memory_order_relaxed); }
  bool stopped_by_hook() const noexcept { return by_hook_.load(); }
  void stop() noexcept { stop_.store(true); }
  /// Asks the caller's hook, now or when due; true if it says stop. Only the calling
  /// thread may ask.
  bool ask_hook(bool now) {
    if (poller_ == nullptr) return false;
    if (!(now ? poller_->force() : poller_->poll())) return false;
    by_hook_.store(true);
    stop_.store(true);
    return true;
  }
  /// A Hook (ctx: the ItemStop) for the loops inside one item.
  static int hook(void* ctx) {
    auto* s = static_cast<ItemStop*>(ctx);
    return s->stopping() || (on_calling_thread() && s->ask_hook(true)) ? 1 : 0;
  }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<bool> by_hook_{false};
  Poller* poller_;
};

/// Calls fn(i, thread) for i in [0, n). `thread` is in [0, min(n_threads, n)) and picks the
/// caller's per-thread scratch. Which thread runs an item never changes a result: items
/// write only to their own slots. A stop request from the hook of `stop` (checked on the
/// calling thread between items, or inside items through ItemStop::hook) skips the remaining
/// items and throws Cancelled(`what`); the first exception thrown by an item is rethrown
/// after the region (on one thread: at once).
template <class F>
void for_each_item(std::int64_t n, int n_threads, ItemStop& stop, const char* what, F&& fn) {
  if (n <= 0) return;
  const int nt = in_parallel_region() ? 1 : threads_for(n_threads, n);  // no nested teams
  if (nt == 1) {
    for (std::int64_t i = 0; i < n && !stop.stopping(); ++i) {
      fn(i, 0);
      stop.ask_hook(false);
    }
  } else {
    // Chunks of about 1/8 of a thread's share: a worker that wakes late (a sleeping worker
    // takes tens of microseconds to wake) or runs slower leaves its items to the others
    // instead of holding up the call's end, and the hand-out costs one atomic per chunk.
    // Which thread runs an item never changes a result.
    const std::int64_t chunk = std::max<std::int64_t>(1, n / (8 * static_cast<std::int64_t>(nt)));
    std::atomic<std::int64_t> next{0};
    std::mutex error_mutex;
    std::exception_ptr first_error;
    const ActiveTeam active;  // no team runs started elsewhere meanwhile
    auto body = [&](int tid) {
      for (;;) {
        const std::int64_t i0 = next.fetch_add(chunk, std::memory_order_relaxed);
        if (i0 >= n || stop.stopping()) return;
        const std::int64_t i1 = std::min(n, i0 + chunk);
        for (std::int64_t i = i0; i < i1 && !stop.stopping(); ++i) {
          try {
            fn(i, tid);
            if (tid == 0) stop.ask_hook(false);
          } catch (...) {
            const std::lock_guard<std::mutex> lock(error_mutex);
            if (!first_error) first_error = std::current_exception();
            stop.stop();
          }
        }
      }
    };
    if (!run_on_threads(nt, body, /*shared_work=*/true)) body(0);  // no second thread to be had: all on this one
    if (first_error) std::rethrow_exception(first_error);
  }
  if (stop.stopped_by_hook()) throw Cancelled(std::string(what) + " interrupted");
}

/// for_each_item with a stop state of its own, polling `poller` (may be null).
template <class F>
void for_each_item(std::int64_t n, int n_threads, Poller* poller, const char* what, F&& fn) {
  ItemStop stop(poller);
  for_each_item(n, n_threads, stop, what, std::forward<F>(fn));
}

}  // namespace detail
}  // namespace glia
