// Thread-safety primitives of the Cython layer (glia/_core.pyx and its .pxi files).
//
// Nothing here relies on the GIL: on free-threaded CPython (PEP 703) two Python threads run
// the Cython code at the same time, so every flag and counter two threads can reach is an
// atomic. docs/threads.md lists every piece of shared state and what protects it.
#pragma once

#include <Python.h>

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

/// Free-threaded CPython 3.13: where make_immortal acts (see below).
#if defined(Py_GIL_DISABLED) && PY_VERSION_HEX >= 0x030D0000 && PY_VERSION_HEX < 0x030E0000
#define GLIA_IMMORTAL_SHARED 1
#else
#define GLIA_IMMORTAL_SHARED 0
#endif

/// Makes `o` immortal on free-threaded CPython 3.13 (its reference count is then never
/// touched) and returns whether it is; elsewhere does nothing and returns false. For the
/// objects that live as long as the module and that every thread touches on every call:
/// the extension types and their method descriptors. CPython 3.13 counts the references
/// of an object shared by threads with atomic operations on one cache line, so two threads
/// calling methods of their own networks contend on the descriptor of that method; CPython
/// itself immortalises its own functions, modules and types of that kind when a second
/// thread starts. Only the thread that created `o` may do this (the importing thread).
inline bool make_immortal(PyObject* o) noexcept {
#if GLIA_IMMORTAL_SHARED
  if (_Py_IsImmortal(o)) return true;
  if (!_Py_IsOwnedByCurrentThread(o)) return false;
  Py_SET_REFCNT(o, static_cast<Py_ssize_t>(UINT32_MAX) + 1);  // past 32 bits: immortal
  return _Py_IsImmortal(o) != 0;
#else
  (void)o;
  return false;
#endif
}

/// Whether `o` is immortal (free-threaded 3.13 only; false elsewhere).
inline bool is_immortal(PyObject* o) noexcept {
#if GLIA_IMMORTAL_SHARED
  return _Py_IsImmortal(o) != 0;
#else
  (void)o;
  return false;
#endif
}

}  // namespace glia_py
