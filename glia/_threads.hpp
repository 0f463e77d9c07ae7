// Thread-safety primitives of the Cython layer (glia/_core.pyx and its .pxi files); the busy
// guard of its objects is the engine's (glia/busy.hpp).
//
// Nothing here relies on the GIL: on free-threaded CPython (PEP 703) two Python threads run
// the Cython code at the same time, so every flag and counter two threads can reach is an
// atomic. docs/threads.md lists every piece of shared state and what protects it.
#pragma once

#include <Python.h>

#include <atomic>
#include <cstdint>

namespace glia_py {

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
