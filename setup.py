"""Builds glia's one extension, glia._core: the Cython layer plus the C++ engine."""
import glob
import os
import sys

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

DEBUG = os.environ.get("GLIA_DEBUG_CYTHON", "0") != "0"
DIRECTIVES = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": False,
    "initializedcheck": DEBUG,
    "cdivision": True,
    "embedsignature": True,
    # Functions become cyfunctions with __signature__, so inspect.signature() and help()
    # show real parameters (Cython 3's default, stated for Cython 0.29).
    "binding": True,
    # Safe without the GIL (docs/threads.md): free-threaded CPython keeps it off on import.
    "freethreading_compatible": True,
}


class BuildExt(build_ext):
    """Adds C++17, optimisation and OpenMP flags for the compiler in use."""

    def build_extensions(self):
        ctype = self.compiler.compiler_type
        if ctype == "msvc":
            cflags, lflags = ["/std:c++17", "/openmp", "/O2"], []
        elif sys.platform == "darwin":
            cflags = ["-std=c++17", "-O3", "-Xpreprocessor", "-fopenmp", "-ffp-contract=off", "-fno-math-errno"]
            lflags = ["-lomp"]
        else:
            cflags = ["-std=c++17", "-O3", "-fopenmp", "-ffp-contract=off", "-fno-math-errno"]
            lflags = ["-fopenmp"]
        for ext in self.extensions:
            ext.extra_compile_args += cflags
            ext.extra_link_args += lflags
        super().build_extensions()


ext = Extension(
    "glia._core",
    sources=["glia/_core.pyx"] + sorted(glob.glob("cpp/src/*.cpp")),
    include_dirs=["cpp/include", np.get_include()],
    define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    language="c++",
)

setup(
    ext_modules=cythonize([ext], compiler_directives=DIRECTIVES,
                          include_path=["glia"]),
    cmdclass={"build_ext": BuildExt},
)
