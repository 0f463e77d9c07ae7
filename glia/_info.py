"""Build and runtime facts: ``glia.show_config()`` / ``glia info``."""
import os
import platform
import sys


def build_info() -> dict:
    """Version, compiler, OpenMP and thread facts as a dict.

    Example::

        >>> import glia
        >>> glia.build_info()["openmp"]
        True
    """
    import numpy as np

    from glia import __version__
    from glia._core import _build_info, get_num_threads
    from glia import _core

    info = dict(_build_info())
    if _core._default_n_threads is not None:
        source = "glia.set_num_threads()"
    elif "OMP_NUM_THREADS" in os.environ:
        source = f"OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}"
    else:
        source = "OpenMP default (all cores, or a threadpoolctl limit)"
    info.update({
        "glia": __version__,
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "num_threads": get_num_threads(),
        "num_threads_source": source,
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", ""),
        "gomp_spincount": os.environ.get("GOMP_SPINCOUNT", ""),
    })
    return info


_UNSET = "(unset: OpenMP's default)"
#: Beside busy Python threads, idle OpenMP workers that spin briefly and then sleep leave the
#: cores to them and still cover the gaps between an epoch's batches. glia never sets these
#: itself (an import changes nothing outside the library); set them before Python starts.
RECOMMENDED_WAIT = "OMP_WAIT_POLICY=PASSIVE GOMP_SPINCOUNT=10000"


def show_config(file=None) -> None:
    """Prints glia's version, compiler, whether it was built with OpenMP, and the thread
    count it will use and how that was chosen.

    Example::

        >>> glia.show_config()
    """
    info = build_info()
    out = file or sys.stdout
    rows = [
        ("glia", info["glia"]),
        ("python", info["python"]),
        ("numpy", info["numpy"]),
        ("platform", info["platform"]),
        ("compiler", info["compiler"]),
        ("OpenMP", f"yes (version {info['openmp_version']})" if info["openmp"] else "no (serial build)"),
        ("free-threaded", (f"yes, GIL {'on' if info['gil_enabled'] else 'off'}"
                           if info["free_threaded_build"] else "no (the GIL build)")),
        ("CPU cores", info["cpu_count"]),
        ("threads", f"{info['num_threads']}  ({info['num_threads_source']})"),
        ("OMP_WAIT_POLICY", info["omp_wait_policy"] or _UNSET),
        ("GOMP_SPINCOUNT", info["gomp_spincount"] or _UNSET),
    ]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}", file=out)
    if not (info["omp_wait_policy"] or info["gomp_spincount"]):
        print(f"{'':<{width}}  beside busy Python threads, start Python with {RECOMMENDED_WAIT}",
              file=out)
