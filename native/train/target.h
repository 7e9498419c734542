// Function multiversioning for the training kernels: the build may not use -march=native
// (one binary for every x86-64 CPU), so the hot loops are compiled for AVX-512, AVX2+FMA
// and the baseline, and the loader picks one at run time (GCC/Clang ifunc on ELF).
#pragma once

#if defined(__x86_64__) && defined(__ELF__) && (defined(__GNUC__) || defined(__clang__)) && !defined(HJNET_NO_CLONES)
#define HJNET_TRAIN_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default"), flatten))
#else
#define HJNET_TRAIN_CLONES
#endif

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
namespace hjnet::train {
/**
 * Flushes denormal results and operands to zero on this thread while in scope (restoring
 * the caller's mode after): tiny Gibbs weights times small loss derivatives are denormal,
 * and each denormal operation costs ~100 cycles. Their contribution is below 1e-300.
 */
class FlushDenormals {
 public:
  FlushDenormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | 0x8040); }  // FTZ | DAZ
  ~FlushDenormals() { _mm_setcsr(saved_); }
  FlushDenormals(const FlushDenormals&) = delete;
  FlushDenormals& operator=(const FlushDenormals&) = delete;

 private:
  unsigned saved_;
};
}  // namespace hjnet::train
#else
namespace hjnet::train {
struct FlushDenormals {};
}  // namespace hjnet::train
#endif
