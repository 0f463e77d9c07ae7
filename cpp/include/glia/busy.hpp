// The one "busy" guard: an object used by one thread at a time. The engine's trainers hold
// it for each call (BusyScope); the Cython layer holds it around every use of a Network,
// Trainer or Evolution (glia/_core.pyx: busy_enter), where a Python callback may re-enter.
#pragma once
#include <atomic>
#include <cstdint>
#include <string>

#include "glia/error.hpp"

namespace glia {

/// A nonzero token of the calling thread, the same for all of its calls (owner of a
/// BusyFlag).
inline std::uint64_t this_thread_token() noexcept {
  static std::atomic<std::uint64_t> next{1};
  thread_local const std::uint64_t token = next.fetch_add(1, std::memory_order_relaxed);
  return token;
}

/// The busy flag of one object: the first thread to enter owns it until it leaves; another
/// thread entering meanwhile is refused. The owner may enter again when `reentrant` (a
/// trainer's callback using its trainer); otherwise a nested entry from the owner is
/// refused too. Test-and-set is one compare-exchange, so two threads racing for a free
/// object never both win. Nothing here relies on the GIL (free-threaded CPython).
class BusyFlag {
 public:
  enum Result : int { kEntered = 0, kOtherThread = 1, kSameThread = 2 };

  Result enter(std::uint64_t owner, bool reentrant) noexcept {
    std::uint64_t expected = 0;
    if (owner_.compare_exchange_strong(expected, owner, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
      depth_ = 1;
      return kEntered;
    }
    if (expected != owner) return kOtherThread;
    if (!reentrant) return kSameThread;
    ++depth_;  // only the owner touches depth_
    return kEntered;
  }

  /// Leaves one entry made by the owner; the last one frees the flag.
  void leave() noexcept {
    if (--depth_ == 0) owner_.store(0, std::memory_order_release);
  }

  bool busy() const noexcept { return owner_.load(std::memory_order_acquire) != 0; }

 private:
  std::atomic<std::uint64_t> owner_{0};  // this_thread_token() of the owner; 0: free
  std::int64_t depth_ = 0;
};

/// Holds a BusyFlag for the calling thread for its lifetime (not re-entrant): BusyError
/// naming `what` when another thread, or an outer call of this thread, holds it.
class BusyScope {
 public:
  BusyScope(BusyFlag& flag, const char* what) : flag_(flag) {
    const BusyFlag::Result r = flag.enter(this_thread_token(), false);
    if (r == BusyFlag::kOtherThread)
      throw BusyError(std::string(what) + " is already in use by another thread");
    if (r == BusyFlag::kSameThread)
      throw BusyError(std::string(what) + " is already in use by a call under way in this thread");
  }
  ~BusyScope() { flag_.leave(); }
  BusyScope(const BusyScope&) = delete;
  BusyScope& operator=(const BusyScope&) = delete;

 private:
  BusyFlag& flag_;
};

}  // namespace glia
