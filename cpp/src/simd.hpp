// Internal: the instruction sets the hot training kernels are compiled for. GCC builds
// each marked function for x86-64-v4 (AVX-512), x86-64-v3 (AVX2) and the baseline, and
// the loader picks the best the CPU has; the package itself stays built for the baseline.
// Every clone computes the same bits: the kernels use only element-wise IEEE operations
// (no reassociation, no fused multiply-add: -ffp-contract=off), in the same order.
#pragma once

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__ELF__) && \
    !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define GLIA_TARGET_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define GLIA_TARGET_CLONES
#endif
