// 2^a for a <= 0 after a max shift, on Highway vectors: glibc's libmvec exp2 (GLIBC_2.35) on
// x86, the vector-ABI functions GCC calls when it vectorises exp2 under `#pragma omp simd`,
// called directly so that no -ffast-math is needed. Measured here: 2.5-3x Highway's Exp, and
// under 1 ulp. Highway's Exp elsewhere. The exp bounds the Gibbs pass, and the roofline
// probe times this same function.

#ifndef HJNET_LIBMVEC_DECLS
#define HJNET_LIBMVEC_DECLS
#if defined(__x86_64__)
#include <immintrin.h>

// b/d/e are the SSE2, AVX2 and AVX-512 variants (each picks its best code itself); vectors
// pass in registers of their width at call sites compiled for that ISA.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"
extern "C" {
__m512 _ZGVeN16v_exp2f(__m512);
__m512d _ZGVeN8v_exp2(__m512d);
__m256 _ZGVdN8v_exp2f(__m256);
__m256d _ZGVdN4v_exp2(__m256d);
__m128 _ZGVbN4v_exp2f(__m128);
__m128d _ZGVbN2v_exp2(__m128d);
}

namespace hjnet {
#define HJNET_LIBMVEC_EXP2(V, ISA, FN) \
  __attribute__((target(ISA), always_inline)) inline V LibmvecExp2(V a) { return FN(a); }
HJNET_LIBMVEC_EXP2(__m512, "avx512f", _ZGVeN16v_exp2f)
HJNET_LIBMVEC_EXP2(__m512d, "avx512f", _ZGVeN8v_exp2)
HJNET_LIBMVEC_EXP2(__m256, "avx2", _ZGVdN8v_exp2f)
HJNET_LIBMVEC_EXP2(__m256d, "avx2", _ZGVdN4v_exp2)
#undef HJNET_LIBMVEC_EXP2
inline __m128 LibmvecExp2(__m128 a) { return _ZGVbN4v_exp2f(a); }
inline __m128d LibmvecExp2(__m128d a) { return _ZGVbN2v_exp2(a); }
}  // namespace hjnet
#pragma GCC diagnostic pop
#endif  // __x86_64__
#endif  // HJNET_LIBMVEC_DECLS

// Per-target part (Highway's include-guard toggle: once per target of foreach_target.h).
#if defined(HJNET_EXP2_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef HJNET_EXP2_INL_H_
#undef HJNET_EXP2_INL_H_
#else
#define HJNET_EXP2_INL_H_
#endif

#include "hwy/highway.h"
#include "hwy/contrib/math/math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace hjnet {
namespace HWY_NAMESPACE {

// 2^a for a in [-125, 0] (float) or [-1021, 0] (double): the caller clamps, so the result is
// a normal number, and 2^0 = 1 exactly.
template <class D>
HWY_INLINE hwy::HWY_NAMESPACE::Vec<D> Exp2NonPos(D d, hwy::HWY_NAMESPACE::Vec<D> a) {
  namespace hn = hwy::HWY_NAMESPACE;
  using T = hn::TFromD<D>;
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL || HWY_TARGET == HWY_AVX2 || \
    HWY_TARGET == HWY_SSE4 || HWY_TARGET == HWY_SSSE3
  if constexpr (sizeof(a.raw) == 64 || sizeof(a.raw) == 32 || sizeof(a.raw) == 16) {
    return hn::Vec<D>{LibmvecExp2(a.raw)};
  }
#endif
  return hn::Exp(d, hn::Mul(a, hn::Set(d, static_cast<T>(0.693147180559945309417232121458176568))));
}

}  // namespace HWY_NAMESPACE
}  // namespace hjnet
HWY_AFTER_NAMESPACE();

#endif  // HJNET_EXP2_INL_H_
