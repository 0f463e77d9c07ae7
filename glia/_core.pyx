# cython: language_level=3
# distutils: language = c++
"""glia's compiled core: the Cython layer over the C++ engine.

Python-level checks and conversions happen first, with the GIL; the C++ work then runs
in ``with nogil:`` blocks. Long loops poll a hook about every 100 ms that takes the GIL
and runs ``PyErr_CheckSignals()``, so Ctrl-C stops them promptly.
"""
from cpython.exc cimport PyErr_CheckSignals, PyErr_Occurred
from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t
from libc.string cimport memcpy
from libcpp.string cimport string
from libcpp.vector cimport vector
from cython.operator cimport dereference as deref
from cython.parallel cimport prange
cimport cython

import os
import sys
from collections import namedtuple
import threading

import numpy as np
cimport numpy as cnp

from glia.errors import FormatError

cnp.import_array()

# ---------------------------------------------------------------- errors
# The Python exception of each engine ErrorKind (kBusy and kGeneric: RuntimeError).
_PYTHON_ERRORS = {
    <int>ErrorKind.kFormat: FormatError,
    <int>ErrorKind.kKey: KeyError,
    <int>ErrorKind.kValue: ValueError,
    <int>ErrorKind.kFileNotFound: FileNotFoundError,
    <int>ErrorKind.kFile: OSError,
    <int>ErrorKind.kCancelled: KeyboardInterrupt,
    <int>ErrorKind.kMemory: MemoryError,
    <int>ErrorKind.kBuffer: BufferError,
}


cdef int raise_glia_error() except -1:
    """Translates the C++ exception being handled into a Python one (ErrorKind's mapping).

    A pending Python error (KeyboardInterrupt from the signal hook, an exception raised
    by a user callback) wins over the C++ Cancelled that carried it out of the loop.
    """
    cdef string msg
    if PyErr_Occurred() != NULL:
        return -1
    cdef ErrorKind kind = classify_current_exception(msg)
    raise _PYTHON_ERRORS.get(<int>kind, RuntimeError)(msg.decode("utf-8", "replace"))


# ---------------------------------------------------------------- hooks
cdef int _poll_signals(void* ctx) except -1 nogil:
    """The hook of long loops: lets a pending Ctrl-C raise KeyboardInterrupt."""
    with gil:
        PyErr_CheckSignals()
    return 0


cdef inline int _signals_at_return() except -1:
    """Called right after a long GIL-free call returns: a Ctrl-C that arrived after its last
    poll (or during a call shorter than the poll interval) raises KeyboardInterrupt from
    that call, before any other Python code runs. Left pending, it would go to whatever
    Python code ran first: a garbage-collector callback or a finalizer (``__del__``, weakref
    callbacks) run then swallows it ("Exception ignored"), and the interrupt is lost."""
    PyErr_CheckSignals()
    return 0


# ---------------------------------------------------------------- threads
# Free-threaded CPython (PEP 703): this module keeps no state that relies on the GIL
# (freethreading_compatible, see setup.py); docs/threads.md lists what protects each piece.
FREE_THREADED_BUILD = bool(built_free_threaded())


def gil_enabled():
    """Whether the GIL is on in this process: always on a normal build; on a free-threaded
    build, off unless PYTHON_GIL=1 or ``-X gil=1`` turned it on."""
    import sys
    probe = getattr(sys, "_is_gil_enabled", None)
    return True if probe is None else bool(probe())


cdef int busy_enter(BusyFlag* flag, str what, str hint, bint reentrant=False) except -1:
    """Marks an object (its ``flag``) busy for this thread, or raises RuntimeError naming
    ``what`` when another thread (or, unless ``reentrant``, a call under way in this
    thread, e.g. from a callback) has it. The busy guard of Network, Trainer and
    Evolution: the engine's glia::BusyFlag, which its trainers hold for each call too."""
    cdef BusyResult r = flag.enter(this_thread_token(), reentrant)
    if r == kEntered:
        return 0
    if r == kOtherThread:
        raise RuntimeError(f"this {what} is in use by another thread; use one instance per "
                           f"thread ({hint})")
    raise RuntimeError(f"this {what} is in use by a call under way in this thread (a callback "
                       f"cannot use the {what} of the call that runs it)")


cdef class _Busy:
    """The busy guard of a Python-level object (glia.Trainer, glia.Evolution) as a context
    manager: ``with self._busy:`` around each public call. Another thread entering meanwhile
    gets RuntimeError; the owning thread may enter again when ``reentrant`` (a Trainer's
    callback may use its trainer), otherwise it gets RuntimeError too."""
    cdef BusyFlag _flag
    cdef str _what, _hint
    cdef bint _reentrant

    def __cinit__(self, str what, str hint, bint reentrant=True):
        self._what = what
        self._hint = hint
        self._reentrant = reentrant

    def __enter__(self):
        busy_enter(&self._flag, self._what, self._hint, self._reentrant)
        return self

    def __exit__(self, *exc):
        self._flag.leave()
        return False

    @property
    def busy(self) -> bool:
        """Whether some thread is inside the guard now."""
        return self._flag.busy()


@cython.final
cdef class _Entered:
    """``with _Entered(net):``: the block runs with ``net`` marked busy for this thread
    (Network._enter / _leave), the idiom of every short call that reads or changes the
    engine's network with the GIL held (getters, setters, conversions)."""
    cdef Network net

    def __cinit__(self, Network net):
        self.net = net

    def __enter__(self):
        self.net._enter()
        return self.net

    def __exit__(self, *exc):
        self.net._leave()
        return False


@cython.final
cdef class _EnteredNetworks:
    """``with _EnteredNetworks(nets, "networks") as e:``: every Network of ``nets`` marked
    busy for this thread, each once (a network may stand in several places of the list);
    ``e.ptrs`` holds their engine networks in list order, for one GIL-free call over them
    all. The one way a call over several networks enters them."""
    cdef list nets
    cdef list entered
    cdef vector[CNetwork*] ptrs

    def __cinit__(self, nets, str what):
        self.nets = list(nets)
        self.entered = []
        for k, obj in enumerate(self.nets):
            if not isinstance(obj, Network):
                raise TypeError(f"{what}[{k}] must be a glia.Network, got {type(obj).__name__}")

    def __enter__(self):
        cdef Network net
        cdef set seen = set()
        try:
            for obj in self.nets:
                net = <Network>obj
                if id(net) not in seen:
                    net._enter()
                    seen.add(id(net))
                    self.entered.append(net)
                self.ptrs.push_back(net._net)
        except BaseException:
            self._leave_all()
            raise
        return self

    def __exit__(self, *exc):
        self._leave_all()
        return False

    cdef void _leave_all(self) noexcept:
        for obj in self.entered:
            (<Network>obj)._leave()
        self.entered = []
        self.ptrs.clear()


_default_n_threads = None


def set_num_threads(n_threads):
    """Sets the default thread count of glia's parallel calls (None: back to OpenMP's).

    Negative values count back from the maximum (-1: all cores). Example::

        glia.set_num_threads(2)
    """
    global _default_n_threads
    if n_threads is not None:
        n_threads = _check_thread_arg(n_threads)
    _default_n_threads = n_threads


def get_num_threads():
    """The thread count a parallel call made now would use.

    Example::

        glia.set_num_threads(1)
        assert glia.get_num_threads() == 1
    """
    return effective_n_threads(None)


def _check_thread_arg(n):
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"n_threads must be an int or None, got {type(n).__name__}")
    if n == 0:
        raise ValueError("n_threads must be nonzero (negative counts back from the maximum)")
    return int(n)


cpdef int effective_n_threads(n_threads=None) except -1:
    """Thread count for a call: the argument, else set_num_threads()'s, else OpenMP's
    maximum (which follows OMP_NUM_THREADS and threadpoolctl). n < 0 means max + 1 + n.

    Example::

        glia.effective_n_threads(-1)     # all cores
    """
    n = _default_n_threads if n_threads is None else _check_thread_arg(n_threads)
    cdef int max_threads = omp_max_threads()
    if n is None:
        return max_threads
    if n < 0:
        return max(1, max_threads + 1 + n)
    return n


def _threads_info():
    """How glia's threads wait and whether parallel runs are paying now (glia.build_info).

    ``spin_us``: how long a waiting thread spins before it sleeps; ``parallel_runs``: runs on
    several threads so far; ``declined_runs``: runs kept on one thread because recent ones
    did not pay (other processes kept the cores busy); ``serial_for_ms``: how much longer
    runs stay on one thread (0: parallel allowed now); ``workers``/``sleeping``: the calling
    thread's worker threads and how many of them sleep now; ``adaptive``: whether runs
    that do not pay send the next ones to one thread (on unless a test turned it off).
    """
    cdef CThreadsInfo t = threads_info()
    return {"spin_us": t.spin_ns / 1000.0, "adaptive": bool(t.adaptive),
            "parallel_runs": t.parallel_runs,
            "declined_runs": t.declined_runs, "serial_for_ms": t.serial_for_ns / 1e6,
            "workers": t.workers, "sleeping": t.sleeping}


def _set_wait_spin_us(us):
    """Benchmark and test hook: how long glia's waiting threads spin before they sleep
    (microseconds, 0: at once; results never depend on it); returns the previous value."""
    return set_wait_spin_ns(<int64_t>(float(us) * 1000)) / 1000.0


def _set_adaptive_threads(on):
    """Test hook: off, every call asked to run on several threads does (even when recent
    runs did not pay); returns the previous setting."""
    return set_adaptive_threads(bool(on))


def _build_info():
    """Compiler, OpenMP and thread facts of this build (used by glia.show_config)."""
    return {
        "compiler": compiler_name().decode(),
        "openmp": openmp_version() > 0,
        "openmp_version": int(openmp_version()),
        "omp_max_threads": int(omp_max_threads()),
        "default_n_threads": _default_n_threads,
        "free_threaded_build": FREE_THREADED_BUILD,
        "gil_enabled": gil_enabled(),
        "threads": _threads_info(),
    }


# ---------------------------------------------------------------- helpers
cdef inline string _to_cpp_str(obj) except *:
    if isinstance(obj, str):
        return (<str>obj).encode("utf-8")
    if isinstance(obj, bytes):
        return <bytes>obj
    raise TypeError(f"neuron id must be a str, got {type(obj).__name__}")


cdef inline str _to_py_str(const string& s):
    return s.decode("utf-8", "replace")


def _as_path(path, name="path"):
    try:
        return os.fsencode(os.fspath(path))
    except TypeError:
        raise TypeError(f"{name} must be a path (str or os.PathLike), got {type(path).__name__}") from None


def write_text_atomic(path, str text):
    """Writes ``text`` (UTF-8) to ``path`` atomically, as the engine writes .net and .seq
    files: a temporary file in the target's folder, flushed to disk, renamed over ``path``.
    Readers see the old file or the new one, never half of one; OSError on failure."""
    cdef string p = _as_path(path)
    cdef string t = text.encode("utf-8")
    with nogil:
        write_file_atomic(p, t)


# An array bigger than the machine's memory can never be made without swapping the machine
# to a halt (or the kernel killing the process): such requests are refused up front, against
# the same figure as the engine's own checks.
_MEMORY_LIMIT = int(physical_memory_bytes()) or None


def _check_bytes(nbytes, what):
    """Raises ValueError when making ``nbytes`` of arrays would exceed the machine's memory."""
    if _MEMORY_LIMIT is not None and nbytes > _MEMORY_LIMIT:
        raise ValueError(f"{what} would need {nbytes / 2**30:.1f} GiB, more than this machine's "
                         f"{_MEMORY_LIMIT / 2**30:.1f} GiB of memory")


def _all_finite(arr):
    """np.isfinite(arr).all() in blocks, so a huge array needs no huge temporary."""
    flat = arr.reshape(-1)
    step = 1 << 22
    for i in range(0, flat.size, step):
        if not np.isfinite(flat[i:i + step]).all():
            return False
    return True


def _as_float_array(x, name, ndim=None, shape=None, finite=True):
    """Converts an array-like to a C-contiguous float32 array (no copy if it is one),
    checking dtype, shape and finiteness; errors name the argument."""
    if isinstance(x, np.ndarray):
        arr = x
    else:
        try:
            arr = np.asarray(x)
        except Exception as e:
            raise TypeError(f"{name} must be a real numeric array-like: {e}") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must have a real numeric dtype (expected float32), got {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional (expected shape {_shape_str(shape)}), got shape {arr.shape}")
    if shape is not None:
        for want, got in zip(shape, arr.shape):
            if want is not None and want != got:
                raise ValueError(f"{name} must have shape {_shape_str(shape)}, got {arr.shape}")
    if arr.dtype != np.float32 or not arr.flags.c_contiguous:
        _check_bytes(arr.size * 4, f"{name}: converting shape {arr.shape} to float32")
        arr = np.ascontiguousarray(arr, dtype=np.float32)
    if finite and arr.size and not _all_finite(arr):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


cdef float _finite(x, name) except? -1:
    """A real number as a finite float32 (TypeError or ValueError naming it otherwise)."""
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__}")
    v = float(x)
    if v != v or v in (float("inf"), float("-inf")) or abs(v) > 3.4028234663852886e38:
        raise ValueError(f"{name} must be finite, got {x!r}")
    return <float>v


def _shape_str(shape):
    if shape is None:
        return "?"
    parts = ["n" if s is None else str(s) for s in shape]
    return "(" + parts[0] + ",)" if len(parts) == 1 else "(" + ", ".join(parts) + ")"


include "_neuron.pxi"
include "_views.pxi"
include "_network.pxi"
include "_network_run.pxi"
include "_network_io.pxi"
include "_sequence.pxi"
include "_config.pxi"
include "_training.pxi"
include "_evolution.pxi"


# ---------------------------------------------------------------- shared objects
def _immortal(obj) -> bool:
    """Whether ``obj`` is immortal (its reference count never changes): on free-threaded
    CPython 3.13 only; False elsewhere."""
    return is_immortal(<PyObject*>obj)


cdef int _immortalise_shared() except -1:
    """On free-threaded CPython 3.13, makes this module's extension types and every entry of
    their dicts (method descriptors, properties) immortal, with the module's functions: all
    threads share them and touch their reference counts on every call, which on that build
    are atomic operations on one cache line (see make_immortal in _threads.hpp). They live
    as long as the module anyway. Elsewhere nothing changes."""
    if not FREE_THREADED_BUILD:
        return 0
    for obj in list(globals().values()):
        if isinstance(obj, type):
            if getattr(obj, "__module__", "").partition(".")[0] != "glia":
                continue
            make_immortal(<PyObject*>obj)
            for value in list(obj.__dict__.values()):
                make_immortal(<PyObject*>value)
        elif isinstance(obj, type(_immortal)):  # this module's functions
            make_immortal(<PyObject*>obj)
    return 0


cdef class _KeepInterrupts:
    """The context of ``glia._util.keeps_interrupts``: ``hook`` is sys.unraisablehook while
    at least one ``with`` block of it runs, in any thread; after the last one the previous
    hook is put back (unless someone replaced ``hook`` meanwhile). Written in C so that no
    Python code runs between the bookkeeping and the block: a KeyboardInterrupt is raised only
    where bytecode runs, and landing between a Python ``__enter__``'s count and the block it
    protects it would leave the hook installed for good."""
    cdef object _hook
    cdef object _lock
    cdef object _previous
    cdef Py_ssize_t _depth

    def __cinit__(self, hook):
        self._hook = hook
        self._lock = threading.Lock()
        self._previous = None
        self._depth = 0

    @property
    def previous(self):
        """The hook that was in place when the first block began (None when none runs)."""
        return self._previous

    @property
    def depth(self) -> int:
        """How many blocks run now."""
        return self._depth

    def __enter__(self):
        with self._lock:
            if self._depth == 0:
                current = sys.unraisablehook
                self._previous = None if current is self._hook else current
                sys.unraisablehook = self._hook
            self._depth += 1
        return self

    def __exit__(self, exc_type, exc, tb):
        with self._lock:
            self._depth -= 1
            if self._depth == 0:
                if sys.unraisablehook is self._hook:
                    sys.unraisablehook = (self._previous if self._previous is not None
                                          else sys.__unraisablehook__)
                self._previous = None
        return False


_immortalise_shared()
