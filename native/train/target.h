// Function multiversioning for the training kernels: the build may not use -march=native
// (one binary for every x86-64 CPU), so the hot loops are compiled for AVX-512, AVX2+FMA
// and the baseline, and the loader picks one at run time (GCC/Clang ifunc on ELF).
#pragma once

#if defined(__x86_64__) && defined(__ELF__) && (defined(__GNUC__) || defined(__clang__)) && !defined(HJNET_NO_CLONES)
#define HJNET_TRAIN_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"), flatten))
#else
#define HJNET_TRAIN_CLONES
#endif

#include "pool.h"

namespace hjnet::train {
// Tiny Gibbs weights times small loss derivatives are denormal; their contribution is below
// 1e-300, and each denormal operation costs ~100 cycles.
using hjnet::FlushDenormals;
}  // namespace hjnet::train
