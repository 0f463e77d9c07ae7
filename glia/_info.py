"""Build and runtime facts: ``glia.show_config()`` / ``glia info``."""
import os
import platform
import sys

__version__ = "0.1.0"


def build_info() -> dict:
    """Version, compiler, OpenMP and thread facts as a dict (``threads``: how glia's
    threads wait and whether parallel runs are paying now, see docs/threads.md).

    Example::

        >>> import glia
        >>> glia.build_info()["openmp"]
        True
    """
    import numpy as np

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
    })
    return info


def _waits_line(t: dict) -> str:
    """show_config's line on how glia's threads wait (docs/threads.md, "Busy machines")."""
    line = (f"glia's own workers: spin {t['spin_us']:g} us, then sleep; "
            f"{t['parallel_runs']} parallel runs, {t['declined_runs']} kept on one thread")
    if t["serial_for_ms"] > 0:
        line += f" (one thread for {t['serial_for_ms']:.0f} ms more: recent runs did not pay)"
    return line


def show_config(file=None) -> None:
    """Prints glia's version, compiler, whether it was built with OpenMP, the thread
    count it will use and how that was chosen, and how its threads wait.

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
        ("waits", _waits_line(info["threads"])),
    ]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}", file=out)
