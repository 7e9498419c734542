// The fused Gibbs pass: for a tile of queries (one SIMD lane per query, two vectors of
// queries) against all neurons of one head, an online log-sum-exp with every extra of the
// pass (entropy, fhat, gradient, top-k, pi, max distance). Compiled for every x86 SIMD
// target by Highway; the best one is chosen at run time (HWY_DYNAMIC_DISPATCH).
//
// Per block of kBlock neurons:
//   1. scores into an L1 buffer sc[j][lane], 8 neurons x 2 vectors of queries per register
//      tile (broadcast W_jk, FMA against the vector of x_k); distance mode accumulates
//      (x_k - y_jk)^2 instead, so u has no cancellation;
//   2. block max per lane (vertical, no horizontal reductions), argmax update, one rescale
//      of the float64 running sums per lane whose max moved;
//   3. top-k candidates: only lanes whose score beats their current k-th best;
//   4. weights w = 2^a, a = (s - m) * log2(e)/eps, clamped below at a floor where 2^a is
//      normal (-125 float32, -1021 float64) and zeroed there, so no denormals, no -inf/NaN
//      through the exponential; eps = 0 uses w = [s == m] (the tropical limit);
//   5. block sums (S, sum w a, sum w g, sum w W) folded into float64 running sums.
// The epilogue (f, u, entropy, ...) is float64.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "gibbs_kernel.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "exp2-inl.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "common.h"

#ifndef HJNET_GIBBS_KERNEL_SHARED
#define HJNET_GIBBS_KERNEL_SHARED
namespace hjnet {

template <typename T>
struct Num;
template <>
struct Num<float> {
  static constexpr float kFloor2 = -125.0f;          // 2^-125 is normal in float32
  static constexpr double kFloorD = -125.0;
  static constexpr float kFloorW = 0x1p-125f;        // 2^kFloor2: weights at or below count as 0
};
template <>
struct Num<double> {
  static constexpr double kFloor2 = -1021.0;         // 2^-1021 is normal in float64
  static constexpr double kFloorD = -1021.0;
  static constexpr double kFloorW = 0x1p-1021;
};

// A top-k candidate: score and neuron index; better = higher score, then lower index.
template <typename T>
struct Cand {
  T s;
  int32_t i;
};

constexpr double kLn2 = 0.693147180559945309417232121458176568;
constexpr double kLog2e = 1.442695040888963407359924681001892137;

// Exponent scale in base 2: a = (s - m) * inv2, inv2 = log2(e)/eps clamped to the largest
// finite value of T (eps tiny); it underflows to 0 for huge eps in float32 (pi uniform).
template <typename T>
T ExponentScale(double eps) {
  const double inv2 = kLog2e / eps;
  return static_cast<T>(inv2 <= static_cast<double>(std::numeric_limits<T>::max())
                            ? inv2
                            : static_cast<double>(std::numeric_limits<T>::max()));
}

// z_j = W_j.x + b_j in float64 from the weights as given: f of a distance pass is z_{argmax}
// + eps log S, where the distance scores would carry ulp(|u|).
inline double LogitOf(const HeadsData& H, int64_t head, int64_t j, const double* x) {
  const double* Wr = H.W.data() + (head * H.N + j) * H.d;
  double z = 0.0;
  for (int64_t k = 0; k < H.d; ++k) z += Wr[k] * x[k];
  return z + H.b[head * H.N + j];
}

// Per-thread scratch, grown on demand.
struct ThreadScratch {
  hwy::AlignedFreeUniquePtr<uint8_t[]> buf;
  size_t cap = 0;
  std::vector<double> hess;
  uint8_t* Get(size_t bytes) {
    if (bytes > cap) {
      buf = hwy::AllocateAligned<uint8_t>(bytes);
      if (!buf) throw std::bad_alloc();
      cap = bytes;
    }
    return buf.get();
  }
};

inline ThreadScratch& Scratch() {
  static thread_local ThreadScratch s;
  return s;
}

// Carves 64-byte aligned regions out of one buffer.
struct Carver {
  size_t off = 0;
  template <typename U>
  size_t Take(size_t count) {
    const size_t at = off;
    off += (count * sizeof(U) + 63) & ~size_t{63};
    return at;
  }
};

}  // namespace hjnet
#endif  // HJNET_GIBBS_KERNEL_SHARED

HWY_BEFORE_NAMESPACE();
namespace hjnet {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Scores of one group of 8 neurons for 2 vectors of queries, written to out[jj * QT + lane].
// kDist: s = -(g + |x - y|^2 c4t) and the squared distance feeds maxd; else s = W.x + b.
// In float32 the scores are also summed into R, which is finite unless a score is inf or NaN
// (beyond float32's range) or the sum overflows: such lanes are redone in float64.
template <class D, bool kDist, bool kWantMax>
HWY_INLINE void ScoreGroup(D d, const hn::TFromD<D>* HWY_RESTRICT Wg,
                           const hn::TFromD<D>* HWY_RESTRICT Xt, int64_t dim, size_t QT,
                           const hn::TFromD<D>* HWY_RESTRICT bias8, hn::TFromD<D> c4t,
                           hn::TFromD<D>* HWY_RESTRICT out, hn::Vec<D>& maxd0,
                           hn::Vec<D>& maxd1, hn::Vec<D>& bm0, hn::Vec<D>& bm1,
                           hn::Vec<D> gidx, hn::Vec<D>& bg0, hn::Vec<D>& bg1, hn::Vec<D>& R0,
                           hn::Vec<D>& R1) {
  using T = hn::TFromD<D>;
  const size_t V = hn::Lanes(d);
  // logit mode starts the accumulators at the bias (one add less per score)
#define HJNET_INIT(J) kDist ? hn::Zero(d) : hn::Set(d, bias8[J])
  auto a00 = HJNET_INIT(0), a01 = HJNET_INIT(0), a10 = HJNET_INIT(1), a11 = HJNET_INIT(1);
  auto a20 = HJNET_INIT(2), a21 = HJNET_INIT(2), a30 = HJNET_INIT(3), a31 = HJNET_INIT(3);
  auto a40 = HJNET_INIT(4), a41 = HJNET_INIT(4), a50 = HJNET_INIT(5), a51 = HJNET_INIT(5);
  auto a60 = HJNET_INIT(6), a61 = HJNET_INIT(6), a70 = HJNET_INIT(7), a71 = HJNET_INIT(7);
#undef HJNET_INIT
  for (int64_t k = 0; k < dim; ++k) {
    const auto x0 = hn::Load(d, Xt + k * QT);
    const auto x1 = hn::Load(d, Xt + k * QT + V);
    const T* w = Wg + k * kGroup;
#define HJNET_ACC(J)                                   \
  {                                                    \
    const auto wj = hn::Set(d, w[J]);                  \
    if constexpr (kDist) {                             \
      const auto e0 = hn::Sub(x0, wj);                 \
      const auto e1 = hn::Sub(x1, wj);                 \
      a##J##0 = hn::MulAdd(e0, e0, a##J##0);           \
      a##J##1 = hn::MulAdd(e1, e1, a##J##1);           \
    } else {                                           \
      a##J##0 = hn::MulAdd(wj, x0, a##J##0);           \
      a##J##1 = hn::MulAdd(wj, x1, a##J##1);           \
    }                                                  \
  }
    HJNET_ACC(0) HJNET_ACC(1) HJNET_ACC(2) HJNET_ACC(3)
    HJNET_ACC(4) HJNET_ACC(5) HJNET_ACC(6) HJNET_ACC(7)
#undef HJNET_ACC
  }
#define HJNET_OUT(J)                                                          \
  {                                                                           \
    if constexpr (kDist) {                                                    \
      if constexpr (kWantMax) {                                               \
        maxd0 = hn::Max(maxd0, a##J##0);                                      \
        maxd1 = hn::Max(maxd1, a##J##1);                                      \
      }                                                                       \
      const auto bj = hn::Set(d, bias8[J]);                                   \
      const auto c = hn::Set(d, c4t);                                         \
      a##J##0 = hn::Neg(hn::MulAdd(a##J##0, c, bj));                          \
      a##J##1 = hn::Neg(hn::MulAdd(a##J##1, c, bj));                          \
    }                                                                         \
    hn::Store(a##J##0, d, out + J * QT);                                      \
    hn::Store(a##J##1, d, out + J * QT + V);                                  \
  }
  HJNET_OUT(0) HJNET_OUT(1) HJNET_OUT(2) HJNET_OUT(3)
  HJNET_OUT(4) HJNET_OUT(5) HJNET_OUT(6) HJNET_OUT(7)
#undef HJNET_OUT
  // Group max (a tree), and the first group of the block holding the block max per lane, so
  // that the argmax search later scans 8 neurons only.
  const auto g0 = hn::Max(hn::Max(hn::Max(a00, a10), hn::Max(a20, a30)),
                          hn::Max(hn::Max(a40, a50), hn::Max(a60, a70)));
  const auto g1 = hn::Max(hn::Max(hn::Max(a01, a11), hn::Max(a21, a31)),
                          hn::Max(hn::Max(a41, a51), hn::Max(a61, a71)));
  bg0 = hn::IfThenElse(hn::Gt(g0, bm0), gidx, bg0);
  bg1 = hn::IfThenElse(hn::Gt(g1, bm1), gidx, bg1);
  bm0 = hn::Max(bm0, g0);
  bm1 = hn::Max(bm1, g1);
  if constexpr (std::is_same<T, float>::value) {
    R0 = hn::Add(R0, hn::Add(hn::Add(hn::Add(a00, a10), hn::Add(a20, a30)),
                             hn::Add(hn::Add(a40, a50), hn::Add(a60, a70))));
    R1 = hn::Add(R1, hn::Add(hn::Add(hn::Add(a01, a11), hn::Add(a21, a31)),
                             hn::Add(hn::Add(a41, a51), hn::Add(a61, a71))));
  }
}

// Weights of one block in place (sc becomes w, with kStore), adding the block sums to S and
// sum w a to H. One sweep: the spills around libmvec's opaque exp2 calls (every vector register
// is caller-saved) cost less than two more sweeps over the L1 buffer did (lse float32 11-13%
// faster on the Zen 5 host of bench/README.md). Every vector live across the calls costs a
// spill and a reload per call: keep them few.
template <class D, bool kTrop, bool kEnt, bool kStore>
HWY_INLINE void ExpBlock(D d, hn::TFromD<D>* HWY_RESTRICT sc, int64_t nb, size_t QT,
                         hn::Vec<D> m0, hn::Vec<D> m1, hn::TFromD<D> inv2, hn::Vec<D>& S0,
                         hn::Vec<D>& S1, hn::Vec<D>& H0, hn::Vec<D>& H1) {
  using T = hn::TFromD<D>;
  const size_t V = hn::Lanes(d);
  if constexpr (kTrop) {
    const auto one = hn::Set(d, T(1));
    for (int64_t j = 0; j < nb; ++j) {
      T* row = sc + j * QT;
      const auto w0 = hn::IfThenElseZero(hn::Eq(hn::Load(d, row), m0), one);
      const auto w1 = hn::IfThenElseZero(hn::Eq(hn::Load(d, row + V), m1), one);
      S0 = hn::Add(S0, w0);
      S1 = hn::Add(S1, w1);
      if constexpr (kStore) {
        hn::Store(w0, d, row);
        hn::Store(w1, d, row + V);
      }
    }
  } else {
    const auto floor = hn::Set(d, Num<T>::kFloor2);
    const auto iv = hn::Set(d, inv2);
    // 2^floor and below count as 0: no denormals, and padding weighs nothing
    const auto wfloor = hn::Set(d, Num<T>::kFloorW);
    for (int64_t j = 0; j < nb; ++j) {
      T* row = sc + j * QT;
      auto x0 = hn::Mul(hn::Sub(hn::Load(d, row), m0), iv);
      auto x1 = hn::Mul(hn::Sub(hn::Load(d, row + V), m1), iv);
      // Gt is false for NaN and -inf (padding), which go to the floor too
      x0 = hn::IfThenElse(hn::Gt(x0, floor), x0, floor);
      x1 = hn::IfThenElse(hn::Gt(x1, floor), x1, floor);
      auto w0 = Exp2NonPos(d, x0), w1 = Exp2NonPos(d, x1);
      w0 = hn::IfThenElseZero(hn::Gt(w0, wfloor), w0);
      w1 = hn::IfThenElseZero(hn::Gt(w1, wfloor), w1);
      S0 = hn::Add(S0, w0);
      S1 = hn::Add(S1, w1);
      if constexpr (kEnt) {
        H0 = hn::MulAdd(w0, x0, H0);
        H1 = hn::MulAdd(w1, x1, H1);
      }
      if constexpr (kStore) {
        hn::Store(w0, d, row);
        hn::Store(w1, d, row + V);
      }
    }
  }
}

// sum_j w_j W_jk for KN coordinates k0.. of one block (w in sc, padding rows have w = 0),
// written to out[kk * QT + lane]. W points at coordinate k0 of the block's first group.
template <class D, int KN>
HWY_INLINE void GradChunk(D d, const hn::TFromD<D>* HWY_RESTRICT sc, int64_t nb, size_t QT,
                          const hn::TFromD<D>* HWY_RESTRICT W, int64_t dim,
                          hn::TFromD<D>* HWY_RESTRICT out) {
  const size_t V = hn::Lanes(d);
  auto g00 = hn::Zero(d), g01 = hn::Zero(d), g10 = hn::Zero(d), g11 = hn::Zero(d);
  auto g20 = hn::Zero(d), g21 = hn::Zero(d), g30 = hn::Zero(d), g31 = hn::Zero(d);
  for (int64_t jg = 0; jg < nb; jg += kGroup) {
    const hn::TFromD<D>* Wg = W + jg * dim;  // (jg / 8) groups of dim * 8
#pragma GCC unroll 8
    for (int64_t jj = 0; jj < kGroup; ++jj) {
      const auto w0 = hn::Load(d, sc + (jg + jj) * QT), w1 = hn::Load(d, sc + (jg + jj) * QT + V);
      const auto c0 = hn::Set(d, Wg[jj]);
      g00 = hn::MulAdd(w0, c0, g00);
      g01 = hn::MulAdd(w1, c0, g01);
      if constexpr (KN > 1) {
        const auto c1 = hn::Set(d, Wg[kGroup + jj]);
        g10 = hn::MulAdd(w0, c1, g10);
        g11 = hn::MulAdd(w1, c1, g11);
      }
      if constexpr (KN > 2) {
        const auto c2 = hn::Set(d, Wg[2 * kGroup + jj]);
        g20 = hn::MulAdd(w0, c2, g20);
        g21 = hn::MulAdd(w1, c2, g21);
      }
      if constexpr (KN > 3) {
        const auto c3 = hn::Set(d, Wg[3 * kGroup + jj]);
        g30 = hn::MulAdd(w0, c3, g30);
        g31 = hn::MulAdd(w1, c3, g31);
      }
    }
  }
  hn::Store(g00, d, out);
  hn::Store(g01, d, out + V);
  hn::Store(g10, d, out + QT);
  hn::Store(g11, d, out + QT + V);
  hn::Store(g20, d, out + 2 * QT);
  hn::Store(g21, d, out + 2 * QT + V);
  hn::Store(g30, d, out + 3 * QT);
  hn::Store(g31, d, out + 3 * QT + V);
}

#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
// Top-k lists of up to 16 candidates in 512-bit registers (scores sorted down, -inf past the
// end, in one register for float32 and two for float64; their indices in one beside them): an
// insertion is a compare, a one-lane shift and masked moves, with no branch on the data. The
// scalar insertion's mispredicted branches were most of the top-k's cost. Returns the kk-th
// best, the threshold once the list is full (read back from the list just stored).
constexpr bool kVecTopk = true;
constexpr int64_t kVecTopkMax = 16;

// Lane i takes lane i - 1 (lane 0 keeps its own): the permutation of a one-lane shift up.
HWY_INLINE __m512i ShiftUp16() { return _mm512_set_epi32(14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0); }

HWY_INLINE __m512i VecTopkIndices(int32_t* HWY_RESTRICT li, __mmask16 below, __mmask16 at, int32_t idx) {
  const __m512i I = _mm512_load_si512(li);
  const __m512i In = _mm512_mask_permutexvar_epi32(I, below, ShiftUp16(), I);
  return _mm512_mask_mov_epi32(In, at, _mm512_set1_epi32(idx));
}

HWY_INLINE float VecTopkInsert(float* HWY_RESTRICT ls, int32_t* HWY_RESTRICT li, float s, int32_t idx,
                               int64_t kk) {
  const __m512 L = _mm512_load_ps(ls);
  const __m512 S = _mm512_set1_ps(s);
  // entries below s move up one lane; equal scores stay ahead (the lower index first)
  const __mmask16 below = _mm512_cmp_ps_mask(L, S, _CMP_LT_OQ);
  const __mmask16 at = static_cast<__mmask16>(below & (0u - below));  // the lowest of them
  const __m512 Ln = _mm512_mask_mov_ps(_mm512_mask_permutexvar_ps(L, below, ShiftUp16(), L), at, S);
  _mm512_store_ps(ls, Ln);
  _mm512_store_si512(li, VecTopkIndices(li, below, at, idx));
  return ls[kk - 1];
}

HWY_INLINE double VecTopkInsert(double* HWY_RESTRICT ls, int32_t* HWY_RESTRICT li, double s, int32_t idx,
                                int64_t kk) {
  const __m512d L0 = _mm512_load_pd(ls), L1 = _mm512_load_pd(ls + 8);
  const __m512d S = _mm512_set1_pd(s);
  const __mmask16 below = static_cast<__mmask16>(_mm512_cmp_pd_mask(L0, S, _CMP_LT_OQ) |
                                                 (_mm512_cmp_pd_mask(L1, S, _CMP_LT_OQ) << 8));
  const __mmask16 at = static_cast<__mmask16>(below & (0u - below));
  // lane i of the pair takes lane i - 1: within L0, and L0's last into L1's first
  const __mmask8 b0 = static_cast<__mmask8>(below), b1 = static_cast<__mmask8>(below >> 8);
  const __mmask8 a0 = static_cast<__mmask8>(at), a1 = static_cast<__mmask8>(at >> 8);
  const __m512d up1 = _mm512_permutex2var_pd(L0, _mm512_set_epi64(14, 13, 12, 11, 10, 9, 8, 7), L1);
  const __m512d N0 = _mm512_mask_mov_pd(_mm512_mask_permutexvar_pd(L0, b0, _mm512_set_epi64(6, 5, 4, 3, 2, 1, 0, 0), L0), a0, S);
  const __m512d N1 = _mm512_mask_mov_pd(_mm512_mask_mov_pd(L1, b1, up1), a1, S);
  _mm512_store_pd(ls, N0);
  _mm512_store_pd(ls + 8, N1);
  _mm512_store_si512(li, VecTopkIndices(li, below, at, idx));
  return ls[kk - 1];
}
#else
constexpr bool kVecTopk = false;
constexpr int64_t kVecTopkMax = 0;
template <typename T>
HWY_INLINE T VecTopkInsert(T*, int32_t*, T, int32_t, int64_t) {
  return T(0);
}
#endif

template <typename T, bool kDist, bool kTrop>
void GibbsTile(const GibbsRequest& rq, const int64_t* qidx, int64_t nq, int64_t head,
               int64_t kcol, std::vector<int64_t>* bad) {
  using D = hn::ScalableTag<T>;
  const D d;
  const size_t V = hn::Lanes(d);
  const size_t QT = 2 * V;
  const HeadsData& H = *rq.H;
  const Packed<T>& P = H.packed<T>();
  const int64_t N = H.N, dim = H.d, Np = H.Npad;
  const T* Wh = P.W.get() + head * Np * dim;
  const T* Yh = P.Y.get() + head * Np * dim;
  const T* bh = P.b.get() + head * Np;
  const T* gh = P.g.get() + head * Np;
  const T c4t = static_cast<T>(1.0 / (4.0 * H.t));
  const int64_t kk = std::min<int64_t>(rq.topk, N);
  // Top-k: per lane a sorted list of the k best (score, index); a row is looked at only when
  // some lane's score beats that lane's current k-th best.
  const int64_t tkCap = kk;
  const bool vecTopk = kVecTopk && kk > 0 && kk <= kVecTopkMax;
  const int64_t nBlocks = (Np + kBlock - 1) / kBlock;
  constexpr int64_t KC = 4;  // gradient coordinates per register chunk

  const T inv2 = kTrop ? T(0) : ExponentScale<T>(rq.eps);
  const double inv2d = static_cast<double>(inv2);

  Carver cv;
  const size_t oXt = cv.Take<T>(dim * QT), oSc = cv.Take<T>(kBlock * QT),
               oM = cv.Take<T>(QT),
               oThr = cv.Take<T>(QT), oMaxd = cv.Take<T>(QT), oTmp = cv.Take<T>(QT * KC * 2),
               oS = cv.Take<double>(QT), oHA = cv.Take<double>(QT), oF = cv.Take<double>(QT),
               oG = cv.Take<double>(rq.grad ? dim * QT : 0), oArg = cv.Take<int64_t>(QT),
               oTk = cv.Take<Cand<T>>(QT * tkCap), oTkN = cv.Take<int64_t>(QT), oMblk = cv.Take<T>(rq.pi ? nBlocks * QT : 0),
               oRow = cv.Take<int64_t>(QT), oVs = cv.Take<T>(vecTopk ? QT * kVecTopkMax : 0),
               oVi = cv.Take<int32_t>(vecTopk ? QT * kVecTopkMax : 0);
  ThreadScratch& ts = Scratch();
  uint8_t* base = ts.Get(cv.off);
  T* Xt = reinterpret_cast<T*>(base + oXt);
  T* sc = reinterpret_cast<T*>(base + oSc);
  T* mT = reinterpret_cast<T*>(base + oM);
  T* thr = reinterpret_cast<T*>(base + oThr);
  T* maxdT = reinterpret_cast<T*>(base + oMaxd);
  T* tmp = reinterpret_cast<T*>(base + oTmp);
  double* Sd = reinterpret_cast<double*>(base + oS);
  double* HAd = reinterpret_cast<double*>(base + oHA);
  double* Fd = reinterpret_cast<double*>(base + oF);
  double* Gd = reinterpret_cast<double*>(base + oG);
  int64_t* arg = reinterpret_cast<int64_t*>(base + oArg);
  Cand<T>* tk = reinterpret_cast<Cand<T>*>(base + oTk);
  int64_t* tkN = reinterpret_cast<int64_t*>(base + oTkN);
  T* mblk = reinterpret_cast<T*>(base + oMblk);
  int64_t* orow = reinterpret_cast<int64_t*>(base + oRow);
  T* vs = reinterpret_cast<T*>(base + oVs);
  int32_t* vi = reinterpret_cast<int32_t*>(base + oVi);

  const T ninf = -std::numeric_limits<T>::infinity();
  for (size_t l = 0; l < QT; ++l) {
    const int64_t q = qidx[l < static_cast<size_t>(nq) ? l : 0];  // idle lanes repeat lane 0
    orow[l] = q * rq.Kp + kcol;
    const double* x = rq.X.get() + q * dim;
    for (int64_t k = 0; k < dim; ++k) Xt[k * QT + l] = static_cast<T>(x[k]);
    mT[l] = ninf;
    thr[l] = ninf;
    Sd[l] = HAd[l] = Fd[l] = 0.0;
    arg[l] = -1;
    tkN[l] = 0;
  }
  if (vecTopk) {
    std::fill(vs, vs + QT * kVecTopkMax, ninf);
    std::fill(vi, vi + QT * kVecTopkMax, -1);
  }
  if (rq.grad) std::fill(Gd, Gd + dim * QT, 0.0);

  auto maxd0 = hn::Zero(d), maxd1 = hn::Zero(d);
  // float32 lanes that met a score beyond its range (inf, or inf - inf = NaN), or a block whose
  // scores sum beyond it (see ScoreGroup): all ones
  auto nf0 = hn::Zero(d), nf1 = hn::Zero(d);
  const bool wantMax = rq.maxDistance;
  const bool ent = rq.entropy && !kTrop;

  for (int64_t blk = 0; blk < nBlocks; ++blk) {
    const int64_t j0 = blk * kBlock;
    const int64_t nb = std::min<int64_t>(kBlock, Np - j0);
    // 1. scores and block max (padding neurons included: fixed below when they win)
    auto bm0 = hn::Set(d, ninf), bm1 = hn::Set(d, ninf);
    auto bg0 = hn::Set(d, T(-1)), bg1 = hn::Set(d, T(-1));
    auto R0 = hn::Zero(d), R1 = hn::Zero(d);
    for (int64_t jg = 0; jg < nb; jg += kGroup) {
      const int64_t grp = (j0 + jg) / kGroup;
      const auto gidx = hn::Set(d, static_cast<T>(jg / kGroup));
      T* out = sc + jg * QT;
      if constexpr (kDist) {
        if (wantMax)
          ScoreGroup<D, true, true>(d, Yh + grp * dim * kGroup, Xt, dim, QT, gh + j0 + jg, c4t,
                                    out, maxd0, maxd1, bm0, bm1, gidx, bg0, bg1, R0, R1);
        else
          ScoreGroup<D, true, false>(d, Yh + grp * dim * kGroup, Xt, dim, QT, gh + j0 + jg, c4t,
                                     out, maxd0, maxd1, bm0, bm1, gidx, bg0, bg1, R0, R1);
      } else {
        ScoreGroup<D, false, false>(d, Wh + grp * dim * kGroup, Xt, dim, QT, bh + j0 + jg, c4t,
                                    out, maxd0, maxd1, bm0, bm1, gidx, bg0, bg1, R0, R1);
        if (wantMax) {  // logit mode: distances only for the max
          alignas(64) T junk[kGroup * 2 * HWY_LANES(T)];
          auto j0v = bm0, j1v = bm1, k0v = bg0, k1v = bg1, r0v = R0, r1v = R1;
          ScoreGroup<D, true, true>(d, Yh + grp * dim * kGroup, Xt, dim, QT, gh + j0 + jg, c4t,
                                    junk, maxd0, maxd1, j0v, j1v, gidx, k0v, k1v, r0v, r1v);
        }
      }
    }
    if constexpr (std::is_same<T, float>::value) {
      nf0 = hn::Or(nf0, hn::VecFromMask(d, hn::Not(hn::IsFinite(R0))));
      nf1 = hn::Or(nf1, hn::VecFromMask(d, hn::Not(hn::IsFinite(R1))));
    }
    const int64_t nvalid = std::min<int64_t>(nb, N - j0);
    if (nvalid < nb) {  // last block: padding neurons repeat the last one, so the max is right
      for (int64_t j = nvalid; j < nb; ++j) {
        hn::Store(hn::Set(d, ninf), d, sc + j * QT);
        hn::Store(hn::Set(d, ninf), d, sc + j * QT + V);
      }
    }
    // 2. argmax, rescale
    auto m0 = hn::Load(d, mT), m1 = hn::Load(d, mT + V);
    const auto up0 = hn::Gt(bm0, m0), up1 = hn::Gt(bm1, m1);
    if (!hn::AllFalse(d, up0) || !hn::AllFalse(d, up1)) {
      alignas(64) T bmv[4 * HWY_LANES(T)];
      T* bgv = bmv + 2 * V;
      hn::Store(bm0, d, bmv);
      hn::Store(bm1, d, bmv + V);
      hn::Store(bg0, d, bgv);
      hn::Store(bg1, d, bgv + V);
      for (size_t l = 0; l < QT; ++l) {
        if (!(bmv[l] > mT[l])) continue;
        if (bgv[l] >= T(0)) {
          const int64_t jb = static_cast<int64_t>(bgv[l]) * kGroup;
          for (int64_t j = jb; j < jb + kGroup && j < nvalid; ++j) {
            if (sc[j * QT + l] == bmv[l]) {
              arg[l] = j0 + j;
              break;
            }
          }
        }
        const T mold = mT[l];
        mT[l] = bmv[l];
        double factor, delta2 = 0.0;
        if (kTrop) {
          factor = 0.0;
        } else {
          delta2 = (static_cast<double>(mold) - static_cast<double>(bmv[l])) * inv2d;
          factor = delta2 > Num<T>::kFloorD ? std::exp2(delta2) : 0.0;
        }
        if (factor == 0.0) {
          HAd[l] = 0.0;
        } else {
          HAd[l] = factor * (HAd[l] + delta2 * Sd[l]);
        }
        Sd[l] *= factor;
        Fd[l] *= factor;
        if (rq.grad)
          for (int64_t k = 0; k < dim; ++k) Gd[k * QT + l] *= factor;
      }
      m0 = hn::Load(d, mT);
      m1 = hn::Load(d, mT + V);
    }
    // 3. top-k candidates (strictly above the k-th best: ties keep the lower index)
    if (kk > 0) {
      auto t0 = hn::Load(d, thr), t1 = hn::Load(d, thr + V);
      for (int64_t j = 0; j < nvalid; ++j) {
        const T* row = sc + j * QT;
        const auto c0 = hn::Gt(hn::Load(d, row), t0);
        const auto c1 = hn::Gt(hn::Load(d, row + V), t1);
        if (hn::AllFalse(d, c0) && hn::AllFalse(d, c1)) continue;
        uint8_t bits[2 * ((HWY_LANES(T) + 7) / 8) + 16] = {};
        hn::StoreMaskBits(d, c0, bits);
        hn::StoreMaskBits(d, c1, bits + (V + 7) / 8);
        // QT <= 64 on every x86 target
        uint64_t lo = 0, hi = 0;
        std::memcpy(&lo, bits, (V + 7) / 8);
        std::memcpy(&hi, bits + (V + 7) / 8, (V + 7) / 8);
        const uint64_t vmask = V >= 64 ? ~uint64_t{0} : (uint64_t{1} << V) - 1;
        uint64_t lanes = (lo & vmask) | ((hi & vmask) << V);
        for (; lanes != 0; lanes &= lanes - 1) {
          const size_t l = static_cast<size_t>(__builtin_ctzll(lanes));
          const T s = row[l];
          if (vecTopk) {
            const T kth = VecTopkInsert(vs + l * kVecTopkMax, vi + l * kVecTopkMax, s,
                                        static_cast<int32_t>(j0 + j), kk);
            if (++tkN[l] >= kk) thr[l] = kth;
            continue;
          }
          // sorted insertion (lists are short: k is small in practice)
          Cand<T>* lc = tk + l * tkCap;
          int64_t n = tkN[l];
          int64_t p;
          if (n < kk) {
            p = n;
            tkN[l] = ++n;
          } else {
            p = kk - 1;  // full: the last entry is dropped
          }
          while (p > 0 && lc[p - 1].s < s) {  // strict: equal scores keep the lower index first
            lc[p] = lc[p - 1];
            --p;
          }
          lc[p].s = s;
          lc[p].i = static_cast<int32_t>(j0 + j);
          if (n == kk) thr[l] = lc[kk - 1].s;
        }
        t0 = hn::Load(d, thr);
        t1 = hn::Load(d, thr + V);
      }
    }
    // 4. weights
    auto S0 = hn::Zero(d), S1 = hn::Zero(d), H0 = hn::Zero(d), H1 = hn::Zero(d);
    const bool store = rq.fhat || rq.grad || rq.pi;
    if (ent) {
      if (store) ExpBlock<D, kTrop, true, true>(d, sc, nb, QT, m0, m1, inv2, S0, S1, H0, H1);
      else ExpBlock<D, kTrop, true, false>(d, sc, nb, QT, m0, m1, inv2, S0, S1, H0, H1);
    } else {
      if (store) ExpBlock<D, kTrop, false, true>(d, sc, nb, QT, m0, m1, inv2, S0, S1, H0, H1);
      else ExpBlock<D, kTrop, false, false>(d, sc, nb, QT, m0, m1, inv2, S0, S1, H0, H1);
    }
    hn::Store(S0, d, tmp);
    hn::Store(S1, d, tmp + V);
    for (size_t l = 0; l < QT; ++l) Sd[l] += static_cast<double>(tmp[l]);
    if (ent) {
      hn::Store(H0, d, tmp);
      hn::Store(H1, d, tmp + V);
      for (size_t l = 0; l < QT; ++l) HAd[l] += static_cast<double>(tmp[l]);
    }
    // 5. fhat and gradient sums (padded neurons have w = 0)
    if (rq.fhat) {
      auto F0 = hn::Zero(d), F1 = hn::Zero(d);
      for (int64_t j = 0; j < nvalid; ++j) {
        const auto gj = hn::Set(d, gh[j0 + j]);
        F0 = hn::MulAdd(hn::Load(d, sc + j * QT), gj, F0);
        F1 = hn::MulAdd(hn::Load(d, sc + j * QT + V), gj, F1);
      }
      hn::Store(F0, d, tmp);
      hn::Store(F1, d, tmp + V);
      for (size_t l = 0; l < QT; ++l) Fd[l] += static_cast<double>(tmp[l]);
    }
    if (rq.grad) {
      for (int64_t k0 = 0; k0 < dim; k0 += KC) {
        const int64_t kn = std::min<int64_t>(KC, dim - k0);
        if (kn == KC)
          GradChunk<D, KC>(d, sc, nb, QT, Wh + (j0 / kGroup * dim + k0) * kGroup, dim, tmp);
        else if (kn == 3)
          GradChunk<D, 3>(d, sc, nb, QT, Wh + (j0 / kGroup * dim + k0) * kGroup, dim, tmp);
        else if (kn == 2)
          GradChunk<D, 2>(d, sc, nb, QT, Wh + (j0 / kGroup * dim + k0) * kGroup, dim, tmp);
        else
          GradChunk<D, 1>(d, sc, nb, QT, Wh + (j0 / kGroup * dim + k0) * kGroup, dim, tmp);
        for (int64_t kk2 = 0; kk2 < kn; ++kk2)
          for (size_t l = 0; l < QT; ++l)
            Gd[(k0 + kk2) * QT + l] += static_cast<double>(tmp[kk2 * QT + l]);
      }
    }
    // pi: unnormalised weights now, rescaled by the block's max in the epilogue
    if (rq.pi) {
      for (size_t l = 0; l < static_cast<size_t>(nq); ++l) {
        double* dst = rq.piOut + orow[l] * N + j0;
        for (int64_t j = 0; j < nvalid; ++j) dst[j] = static_cast<double>(sc[j * QT + l]);
        mblk[blk * QT + l] = mT[l];
      }
    }
  }

  // Epilogue, float64.
  if (wantMax) {
    hn::Store(maxd0, d, maxdT);
    hn::Store(maxd1, d, maxdT + V);
  }
  hn::Store(nf0, d, tmp);
  hn::Store(nf1, d, tmp + V);
  // a lane's flag is all ones (a NaN pattern) or +0.0
  auto nonfinite = [&](size_t l) { return !(tmp[l] == T(0)); };
  const double eps = rq.eps;
  for (size_t l = 0; l < static_cast<size_t>(nq); ++l) {
    const int64_t o = orow[l];
    const int64_t q = qidx[l];
    const double m = static_cast<double>(mT[l]);
    const double S = Sd[l];
    if (std::is_same<T, float>::value && bad != nullptr &&
        (nonfinite(l) || !(std::isfinite(m) && S >= 1.0 && std::isfinite(S)))) {
      bad->push_back(q);  // overflow in float32 (inputs beyond its range): redone in float64
      continue;
    }
    const double logS = std::log(S);
    const double elS = kTrop ? 0.0 : eps * logS;
    const int64_t am = arg[l] < 0 ? 0 : arg[l];
    rq.argmax[o] = static_cast<int32_t>(am);
    if (kDist) {
      rq.u[o] = -m - elS;
      rq.f[o] = LogitOf(H, head, am, rq.X.get() + q * dim) + elS;
    } else {
      rq.f[o] = m + elS;
    }
    if (rq.entropyOut) {
      double h = kTrop ? logS : logS - kLn2 * HAd[l] / S;
      rq.entropyOut[o] = h > 0.0 ? h : 0.0;
    }
    if (rq.fhatOut) rq.fhatOut[o] = Fd[l] / S;
    if (rq.gradOut)
      for (int64_t k = 0; k < dim; ++k) rq.gradOut[o * dim + k] = Gd[k * QT + l] / S;
    if (rq.maxDistanceOut) rq.maxDistanceOut[o] = std::sqrt(static_cast<double>(maxdT[l]));
    if (rq.topk > 0) {
      int32_t* oi = rq.topkIndex + o * rq.topk;
      double* op = rq.topkPi + o * rq.topk;
      // both insertions keep the list in order (score down, then index up)
      Cand<T>* lc = tk + l * tkCap;
      const int64_t n = std::min(tkN[l], kk);
      if (vecTopk)
        for (int64_t r = 0; r < n; ++r) lc[r] = {vs[l * kVecTopkMax + r], vi[l * kVecTopkMax + r]};
      for (int64_t r = 0; r < rq.topk; ++r) {
        if (r < n) {
          const T s = lc[r].s;
          double w;
          if (kTrop) {
            w = s == mT[l] ? 1.0 : 0.0;
          } else {
            const T a = (s - mT[l]) * inv2;
            w = a > Num<T>::kFloor2 ? std::exp2(static_cast<double>(a)) : 0.0;
          }
          oi[r] = lc[r].i;
          op[r] = w / S;
        } else {
          oi[r] = -1;
          op[r] = 0.0;
        }
      }
    }
    if (rq.pi) {
      double* dst = rq.piOut + o * N;
      for (int64_t blk = 0; blk < nBlocks; ++blk) {
        const double mb = static_cast<double>(mblk[blk * QT + l]);
        double factor;
        if (kTrop) {
          factor = mb == m ? 1.0 / S : 0.0;
        } else {
          const double delta2 = mb == m ? 0.0 : (mb - m) * inv2d;
          factor = delta2 > Num<T>::kFloorD ? std::exp2(delta2) / S : 0.0;
        }
        const int64_t j1 = std::min<int64_t>(N, (blk + 1) * kBlock);
        for (int64_t j = blk * kBlock; j < j1; ++j) dst[j] *= factor;
      }
    }
    if (rq.hessianOut)
      rq.hessianOut[o] =
          HessianNorm(H, head, rq.X.get() + q * dim, kDist, eps, ts.hess);
  }
}

// One query against every neuron of one head, f and u only, with the neurons in the SIMD
// lanes (a group of 8 of the packed layout per vector, or less). For batches smaller than a
// query tile, whose lanes the tile kernel would fill with copies of the same query. The same
// blocks, clamps, floors and float64 epilogue as GibbsTile. Returns false when a float32 pass
// met scores beyond float32's range (the caller redoes the row in float64).
template <typename T, bool kDist, bool kTrop>
bool GibbsRow(const GibbsRequest& rq, int64_t q, int64_t head, int64_t o) {
  const hn::CappedTag<T, kGroup> d;
  const size_t V = hn::Lanes(d);
  const HeadsData& H = *rq.H;
  const Packed<T>& P = H.packed<T>();
  const int64_t N = H.N, dim = H.d, Np = H.Npad;
  const T* Wh = (kDist ? P.Y.get() : P.W.get()) + head * Np * dim;
  const T* bh = (kDist ? P.g.get() : P.b.get()) + head * Np;
  const T c4t = static_cast<T>(1.0 / (4.0 * H.t));
  const T inv2 = kTrop ? T(0) : ExponentScale<T>(rq.eps);
  const double inv2d = static_cast<double>(inv2);

  Carver cv;
  const size_t oX = cv.Take<T>(dim), oSc = cv.Take<T>(kBlock);
  uint8_t* base = Scratch().Get(cv.off);
  T* xs = reinterpret_cast<T*>(base + oX);
  T* sc = reinterpret_cast<T*>(base + oSc);
  const double* x = rq.X.get() + q * dim;
  for (int64_t k = 0; k < dim; ++k) xs[k] = static_cast<T>(x[k]);

  const T ninf = -std::numeric_limits<T>::infinity();
  const auto floor = hn::Set(d, Num<T>::kFloor2);
  const auto wfloor = hn::Set(d, Num<T>::kFloorW);
  const auto iv = hn::Set(d, inv2);
  T m = ninf;
  double S = 0.0;
  int64_t arg = -1;
  bool nonfinite = false;
  for (int64_t j0 = 0; j0 < Np; j0 += kBlock) {
    const int64_t nb = std::min<int64_t>(kBlock, Np - j0);
    const int64_t nvalid = std::min<int64_t>(nb, N - j0);
    for (int64_t jg = 0; jg < nb; jg += kGroup) {
      const T* Wg = Wh + (j0 + jg) * dim;  // group (j0 + jg) / 8, stored [d][8]
      for (int64_t jj = 0; jj < kGroup; jj += static_cast<int64_t>(V)) {
        auto acc = kDist ? hn::Zero(d) : hn::LoadU(d, bh + j0 + jg + jj);
        for (int64_t k = 0; k < dim; ++k) {
          const auto w = hn::Load(d, Wg + k * kGroup + jj);
          const auto xk = hn::Set(d, xs[k]);
          if constexpr (kDist) {
            const auto e = hn::Sub(xk, w);
            acc = hn::MulAdd(e, e, acc);
          } else {
            acc = hn::MulAdd(w, xk, acc);
          }
        }
        if constexpr (kDist) acc = hn::Neg(hn::MulAdd(acc, hn::Set(d, c4t), hn::LoadU(d, bh + j0 + jg + jj)));
        hn::Store(acc, d, sc + jg + jj);
      }
    }
    if (std::is_same<T, float>::value)
      for (int64_t j = 0; j < nvalid; ++j) nonfinite |= !(sc[j] - sc[j] == T(0));
    for (int64_t j = nvalid; j < nb; ++j) sc[j] = ninf;  // padding repeats the last neuron
    auto mv = hn::Set(d, ninf);
    for (int64_t j = 0; j < nb; j += static_cast<int64_t>(V)) mv = hn::Max(mv, hn::Load(d, sc + j));
    const T bm = hn::GetLane(hn::MaxOfLanes(d, mv));
    if (bm > m) {
      for (int64_t j = 0; j < nvalid; ++j) {
        if (sc[j] == bm) {
          arg = j0 + j;
          break;
        }
      }
      if (kTrop) {
        S = 0.0;
      } else {
        const double delta2 = (static_cast<double>(m) - static_cast<double>(bm)) * inv2d;
        S *= delta2 > Num<T>::kFloorD ? std::exp2(delta2) : 0.0;
      }
      m = bm;
    }
    const auto mm = hn::Set(d, m);
    auto sum = hn::Zero(d);
    if constexpr (kTrop) {
      for (int64_t j = 0; j < nb; j += static_cast<int64_t>(V))
        sum = hn::Add(sum, hn::IfThenElseZero(hn::Eq(hn::Load(d, sc + j), mm), hn::Set(d, T(1))));
    } else {
      // one sweep, as in ExpBlock
      for (int64_t j = 0; j < nb; j += static_cast<int64_t>(V)) {
        auto a = hn::Mul(hn::Sub(hn::Load(d, sc + j), mm), iv);
        a = hn::IfThenElse(hn::Gt(a, floor), a, floor);
        const auto w = Exp2NonPos(d, a);
        sum = hn::Add(sum, hn::IfThenElseZero(hn::Gt(w, wfloor), w));
      }
    }
    S += static_cast<double>(hn::GetLane(hn::SumOfLanes(d, sum)));
  }
  if (std::is_same<T, float>::value && (nonfinite || !(std::isfinite(m) && S >= 1.0 && std::isfinite(S))))
    return false;
  const double elS = kTrop ? 0.0 : rq.eps * std::log(S);
  const int64_t am = arg < 0 ? 0 : arg;
  rq.argmax[o] = static_cast<int32_t>(am);
  if (kDist) {
    rq.u[o] = -static_cast<double>(m) - elS;
    rq.f[o] = LogitOf(H, head, am, x) + elS;
  } else {
    rq.f[o] = static_cast<double>(m) + elS;
  }
  return true;
}

template <typename T>
bool GibbsRowT(const GibbsRequest& rq, int64_t q, int64_t head, int64_t o) {
  const bool trop = rq.eps == 0.0;
  if (rq.distance) return trop ? GibbsRow<T, true, true>(rq, q, head, o) : GibbsRow<T, true, false>(rq, q, head, o);
  return trop ? GibbsRow<T, false, true>(rq, q, head, o) : GibbsRow<T, false, false>(rq, q, head, o);
}

void GibbsRowsImpl(const GibbsRequest& rq, const int64_t* qidx, int64_t nq, int64_t head,
                   int64_t kcol) {
  for (int64_t i = 0; i < nq; ++i) {
    const int64_t o = qidx[i] * rq.Kp + kcol;
    if (!(rq.f32 && GibbsRowT<float>(rq, qidx[i], head, o))) GibbsRowT<double>(rq, qidx[i], head, o);
  }
}

template <typename T>
void GibbsItemT(const GibbsRequest& rq, const int64_t* qidx, int64_t nq, int64_t head,
                int64_t kcol, std::vector<int64_t>* bad) {
  const bool trop = rq.eps == 0.0;
  if (rq.distance) {
    if (trop) GibbsTile<T, true, true>(rq, qidx, nq, head, kcol, bad);
    else GibbsTile<T, true, false>(rq, qidx, nq, head, kcol, bad);
  } else {
    if (trop) GibbsTile<T, false, true>(rq, qidx, nq, head, kcol, bad);
    else GibbsTile<T, false, false>(rq, qidx, nq, head, kcol, bad);
  }
}

void GibbsItemImpl(const GibbsRequest& rq, const int64_t* qidx, int64_t nq, int64_t head,
                   int64_t kcol) {
  if (!rq.f32) {
    GibbsItemT<double>(rq, qidx, nq, head, kcol, nullptr);
    return;
  }
  std::vector<int64_t> bad;
  GibbsItemT<float>(rq, qidx, nq, head, kcol, &bad);
  // Lanes whose float32 pass overflowed (scores beyond float32's range) are redone in float64,
  // one tile at a time, so every output stays finite for finite input.
  const int64_t QT64 = 2 * static_cast<int64_t>(hn::Lanes(hn::ScalableTag<double>()));
  for (size_t i = 0; i < bad.size(); i += QT64) {
    const int64_t n = std::min<int64_t>(QT64, static_cast<int64_t>(bad.size() - i));
    GibbsItemT<double>(rq, bad.data() + i, n, head, kcol, nullptr);
  }
}

int64_t TileQueriesImpl(bool f32) {
  return f32 ? 2 * static_cast<int64_t>(hn::Lanes(hn::ScalableTag<float>()))
             : 2 * static_cast<int64_t>(hn::Lanes(hn::ScalableTag<double>()));
}

double MaxPairSquaredImpl(const HeadsData& H, int64_t a, int64_t b, int64_t i0, int64_t i1) {
  const hn::CappedTag<double, kGroup> d;
  const size_t V = hn::Lanes(d);
  const int64_t dim = H.d, Np = H.Npad;
  const double* Wb = H.p64.W.get() + b * Np * dim;
  auto best = hn::Zero(d);
  for (int64_t i = i0; i < i1; ++i) {
    const double* xi = H.W.data() + (a * H.N + i) * dim;
    for (int64_t grp = 0; grp < H.G; ++grp) {
      const double* Wg = Wb + grp * dim * kGroup;
      for (size_t jj = 0; jj < static_cast<size_t>(kGroup); jj += V) {
        auto acc = hn::Zero(d);
        for (int64_t k = 0; k < dim; ++k) {
          const auto e = hn::Sub(hn::Set(d, xi[k]), hn::Load(d, Wg + k * kGroup + jj));
          acc = hn::MulAdd(e, e, acc);
        }
        best = hn::Max(best, acc);
      }
    }
  }
  return hn::GetLane(hn::MaxOfLanes(d, best));
}

const char* SimdTargetNameImpl() { return hwy::TargetName(HWY_TARGET); }

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace hjnet
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace hjnet {
HWY_EXPORT(GibbsItemImpl);
HWY_EXPORT(GibbsRowsImpl);
HWY_EXPORT(TileQueriesImpl);
HWY_EXPORT(MaxPairSquaredImpl);
HWY_EXPORT(SimdTargetNameImpl);

void GibbsItem(const GibbsRequest& req, const int64_t* qidx, int64_t nq, int64_t head,
               int64_t kcol) {
  HWY_DYNAMIC_DISPATCH(GibbsItemImpl)(req, qidx, nq, head, kcol);
}
void GibbsRows(const GibbsRequest& req, const int64_t* qidx, int64_t nq, int64_t head,
               int64_t kcol) {
  HWY_DYNAMIC_DISPATCH(GibbsRowsImpl)(req, qidx, nq, head, kcol);
}
int64_t TileQueries(bool f32) { return HWY_DYNAMIC_DISPATCH(TileQueriesImpl)(f32); }
double MaxPairSquared(const HeadsData& H, int64_t a, int64_t b, int64_t i0, int64_t i1) {
  return HWY_DYNAMIC_DISPATCH(MaxPairSquaredImpl)(H, a, b, i0, i1);
}
const char* SimdTargetName() { return HWY_DYNAMIC_DISPATCH(SimdTargetNameImpl)(); }
}  // namespace hjnet
#endif
