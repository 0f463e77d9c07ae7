// Facts of this build, for glia.show_config(): OpenMP and the compiler.
#pragma once
#ifdef _OPENMP
#include <omp.h>
#endif

namespace glia {

/// OpenMP's default team size now (follows OMP_NUM_THREADS and threadpoolctl); 1 without it.
inline int omp_max_threads() noexcept {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

/// The OpenMP version this build was compiled against (yyyymm), 0 for a serial build.
inline int openmp_version() noexcept {
#ifdef _OPENMP
  return _OPENMP;
#else
  return 0;
#endif
}

/// The compiler that built the engine.
inline const char* compiler_name() noexcept {
#if defined(__clang__)
  return "clang " __clang_version__;
#elif defined(__GNUC__)
  return "gcc " __VERSION__;
#elif defined(_MSC_VER)
  return "msvc";
#else
  return "unknown";
#endif
}

}  // namespace glia
