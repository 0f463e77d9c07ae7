// Thread-safety primitives of the Cython layer (glia/_core.pyx and its .pxi files).
//
// Nothing here relies on the GIL: on free-threaded CPython (PEP 703) two Python threads run
// the Cython code at the same time, so every flag and counter two threads can reach is an
// atomic. docs/threads.md lists every piece of shared state and what protects it.
#pragma once

#include <atomic>
#include <cstdint>

namespace glia_py {

/// "Busy" flag of one object (Network, Trainer): the first thread to enter owns it until it
/// leaves; another thread entering meanwhile is refused (the caller raises RuntimeError).
/// The owner may enter again when ``reentrant`` (a Trainer's callback using its trainer);
/// otherwise a nested entry from the owner is refused too. Test-and-set is one
/// compare-exchange, so two threads racing for a free object never both win.
class BusyFlag {
 public:
  enum Result : int { kEntered = 0, kOtherThread = 1, kSameThread = 2 };

  Result enter(std::uint64_t me, bool reentrant) noexcept {
    std::uint64_t expected = 0;
    if (owner_.compare_exchange_strong(expected, me, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
      depth_ = 1;
      return kEntered;
    }
    if (expected != me) return kOtherThread;
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
  std::atomic<std::uint64_t> owner_{0};  // thread id + 1 of the owner; 0: free
  std::int64_t depth_ = 0;
};

/// A counter read and bumped from any thread (versions, edit counts).
class Counter {
 public:
  std::uint64_t get() const noexcept { return n_.load(std::memory_order_acquire); }
  void bump() noexcept { n_.fetch_add(1, std::memory_order_acq_rel); }

 private:
  std::atomic<std::uint64_t> n_{0};
};

/// Changes to any InputSequence or EpisodeData (the trainers' "nothing changed" test).
inline Counter& input_edits() noexcept {
  static Counter c;
  return c;
}

/// Whether this extension was compiled for free-threaded CPython (Py_GIL_DISABLED).
inline bool built_free_threaded() noexcept {
#ifdef Py_GIL_DISABLED
  return true;
#else
  return false;
#endif
}

}  // namespace glia_py
