// The fused Gibbs pass on a GPU: the CPU algorithm (native/gibbs_kernel.cpp) with one thread
// per (query, head) row instead of one SIMD lane. Never builds the B x N matrix.
//
// A block holds kNT rows of one head. Neurons stream through in tiles of kTJ: the block stages
// the tile's weights (or support points) in shared memory kKC coordinates at a time, and each
// thread keeps the tile's kTJ scores in registers (one broadcast weight feeds every row's FMA,
// one query coordinate, read coalesced from global memory, feeds kTJ FMAs). Per tile, per row:
//   1. scores (logit W.x + b, or distance -(g + |x - y|^2/(4t)) without cancellation);
//   2. tile max and the first index attaining it; when it beats the running max m, the float64
//      running sums are rescaled once by 2^((m_old - m)/eps * log2 e);
//   3. top-k candidates, only when the tile max beats the row's current k-th best;
//   4. weights w = 2^a, a = (s - m) log2(e)/eps clamped at a floor where 2^a is normal (zeroed
//      below it), or w = [s == m] at eps = 0 (the tropical limit); tile sums of w, w a and w g
//      in T, folded into the float64 running sums;
//   5. gradient: sum_j w_j W_j per coordinate, folded into a float64 accumulator per row.
// The epilogue (f, u, entropy, fhat, grad, top-k weights) is float64, as on the CPU. A float32
// row with a score that is not finite in float32 (inputs beyond its range: inf, or NaN from
// inf - inf) is flagged and redone in float64 by the host code.
#pragma once

#include <cmath>
#include <cstdint>

#include "cuda/gibbs.h"
#include "cuda/runtime.h"

namespace hjnet::cuda {

constexpr int kNT = 128;  // rows (threads) per block
constexpr int kTJ = 32;   // neurons per tile: scores held in registers
constexpr int kKC = 64;   // coordinates per shared-memory chunk of a tile

struct Item {
  int32_t head, kcol, n, pad;
  int64_t off;   // first index into qidx
  int64_t slab;  // block of kNT transposed queries in Xt
};

template <typename T>
struct GibbsParams {
  const T* Wt;  // [K][ntile][d][kTJ]
  const T* Yt;  // [K][ntile][d][kTJ]
  const T* bt;  // [K][ntile * kTJ]
  const T* gt;  // [K][ntile * kTJ]
  const double* W64;  // [K][N][d] as given (distance-mode f from the maximising neuron)
  const double* b64;  // [K][N]
  int64_t N, d, ntile;
  T c4t;
  const T* Xt;        // [slab][d][kNT]
  const double* X64;  // [B][d]
  const int64_t* qidx;
  const Item* items;
  int64_t Kp;
  double eps;
  int trop, entropy, fhat, grad, maxd, topk;
  T inv2;
  double inv2d;
  double* f;
  double* u;
  int32_t* argmax;
  double* ent;
  double* fhatOut;
  double* gradOut;
  double* maxdOut;
  int32_t* tkIdx;
  double* tkPi;
  double* mOut;   // max score (training)
  double* lsOut;  // log S (training)
  uint8_t* bad;   // float32 only: rows to redo in float64
  double* Gacc;   // [items][d][kNT] gradient accumulators
};

template <typename T>
struct Cand {
  T s;
  int32_t i;
};

// Four consecutive values of an aligned shared-memory row (one 128-bit load for float32).
template <typename T>
struct Quad {
  T v[4];
};
HJ_DEV Quad<float> Load4(const float* p) {
#if defined(__CUDACC__)
  const float4 q = *reinterpret_cast<const float4*>(p);
  return {{q.x, q.y, q.z, q.w}};
#else
  return {{p[0], p[1], p[2], p[3]}};
#endif
}
HJ_DEV Quad<double> Load4(const double* p) {
#if defined(__CUDACC__)
  const double2 a = *reinterpret_cast<const double2*>(p);
  const double2 b = *reinterpret_cast<const double2*>(p + 2);
  return {{a.x, a.y, b.x, b.y}};
#else
  return {{p[0], p[1], p[2], p[3]}};
#endif
}

template <typename T>
HJ_DEV T NegInf();
template <>
HJ_DEV float NegInf<float>() { return -HUGE_VALF; }
template <>
HJ_DEV double NegInf<double>() { return -HUGE_VAL; }

// Adds one tile's dot products (kD: squared distances) over every coordinate to s, staging the
// tile's weights (or support points) src in shared memory kKC coordinates at a time.
template <typename T, bool kD>
HJ_DEV void AccumulateTile(T (&s)[kTJ], T* sB, const T* src, const T* xt, int64_t tile, int64_t d,
                           int64_t nchunk, int tid) {
  for (int64_t c = 0; c < nchunk; ++c) {
    const int64_t k0 = c * kKC;
    const int kc = static_cast<int>(d - k0 < kKC ? d - k0 : kKC);
    HJ_SYNC();  // every thread is done with the previous contents
    const T* chunk = src + (tile * d + k0) * kTJ;
    for (int i = tid; i < kc * kTJ; i += kNT) sB[i] = chunk[i];
    HJ_SYNC();
    for (int k = 0; k < kc; ++k) {
      const T xk = xt[(k0 + k) * kNT];
#pragma unroll
      for (int j4 = 0; j4 < kTJ; j4 += 4) {
        const Quad<T> w = Load4(sB + k * kTJ + j4);
#pragma unroll
        for (int r = 0; r < 4; ++r) {
          if (kD) {
            const T e = xk - w.v[r];
            s[j4 + r] = gpu::Fma(e, e, s[j4 + r]);
          } else {
            s[j4 + r] = gpu::Fma(w.v[r], xk, s[j4 + r]);
          }
        }
      }
    }
  }
}

template <typename T, bool kDist>
HJ_DEV void GibbsBody(const GibbsParams<T>& p) {
  HJ_SMEM_DECL(smem);
  T* sB = reinterpret_cast<T*>(smem);  // [kKC][kTJ] weights or support points of one chunk
  const int tid = HJ_TID();
  const int64_t bid = HJ_BID();
  const Item it = p.items[bid];
  const bool live = tid < it.n;
  const int64_t N = p.N, d = p.d, ntile = p.ntile;
  const int64_t head = it.head;
  const T* Wh = p.Wt + head * ntile * d * kTJ;
  const T* Yh = p.Yt + head * ntile * d * kTJ;
  const T* bh = p.bt + head * ntile * kTJ;
  const T* gh = p.gt + head * ntile * kTJ;
  const T* xt = p.Xt + it.slab * d * kNT + tid;  // coordinate k at xt[k * kNT]
  double* G = p.Gacc ? p.Gacc + bid * d * kNT + tid : nullptr;
  const int64_t nchunk = (d + kKC - 1) / kKC;
  const T ninf = NegInf<T>();
  const T floor2 = gpu::Limits<T>::kFloor2;
  const T inv2 = p.inv2;
  const T c4t = p.c4t;
  const int64_t kk = p.topk < N ? p.topk : N;

  T m = ninf;
  double S = 0.0, HA = 0.0, F = 0.0;
  int64_t arg = -1;
  T maxd2 = 0;
  T thr = ninf;
  int ntk = 0;
  Cand<T> tk[kTopkMax];
  bool finite = true;  // float32: every score of a real neuron is finite
  if (p.grad)
    for (int64_t k = 0; k < d; ++k) G[k * kNT] = 0.0;

  for (int64_t tile = 0; tile < ntile; ++tile) {
    const int64_t j0 = tile * kTJ;
    const int nvalid = static_cast<int>(N - j0 < kTJ ? N - j0 : kTJ);
    T s[kTJ];
    // 1. scores; in logit mode the distances for maxDistance first, in the same registers
    if (!kDist && p.maxd) {
#pragma unroll
      for (int j = 0; j < kTJ; ++j) s[j] = T(0);
      AccumulateTile<T, true>(s, sB, Yh, xt, tile, d, nchunk, tid);
#pragma unroll
      for (int j = 0; j < kTJ; ++j)
        if (j < nvalid) maxd2 = s[j] > maxd2 ? s[j] : maxd2;
    }
#pragma unroll
    for (int j = 0; j < kTJ; ++j) s[j] = kDist ? T(0) : bh[j0 + j];  // logit: from the bias, as on the CPU
    AccumulateTile<T, kDist>(s, sB, kDist ? Yh : Wh, xt, tile, d, nchunk, tid);
    // 2. tile max (first index), distances, masking of the padding neurons
    T tm = ninf;
    int tj = -1;
#pragma unroll
    for (int j = 0; j < kTJ; ++j) {
      if (kDist) {
        if (p.maxd && j < nvalid) maxd2 = s[j] > maxd2 ? s[j] : maxd2;
        s[j] = -gpu::Fma(s[j], c4t, gh[j0 + j]);
      }
      if (j >= nvalid) s[j] = ninf;
      else if (sizeof(T) == 4) finite = finite && s[j] - s[j] == T(0);  // false for inf and NaN
      if (s[j] > tm) {
        tm = s[j];
        tj = j;
      }
    }
    if (tm > m) {
      arg = j0 + tj;
      double factor, delta2 = 0.0;
      if (p.trop) {
        factor = 0.0;
      } else {
        delta2 = (static_cast<double>(m) - static_cast<double>(tm)) * p.inv2d;
        factor = delta2 > static_cast<double>(floor2) ? gpu::Exp2(delta2) : 0.0;
      }
      HA = factor == 0.0 ? 0.0 : factor * (HA + delta2 * S);
      S *= factor;
      F *= factor;
      if (p.grad)
        for (int64_t k = 0; k < d; ++k) G[k * kNT] *= factor;
      m = tm;
    }
    // 3. top-k candidates (strictly above the k-th best: equal scores keep the lower index)
    if (kk > 0 && tm > thr) {
      T sl[kTJ];
#pragma unroll
      for (int j = 0; j < kTJ; ++j) sl[j] = s[j];
      for (int j = 0; j < nvalid; ++j) {
        const T sv = sl[j];
        if (!(sv > thr)) continue;
        int n = ntk, pos;
        if (n < kk) {
          pos = n;
          ntk = ++n;
        } else {
          pos = static_cast<int>(kk) - 1;
        }
        while (pos > 0 && tk[pos - 1].s < sv) {
          tk[pos] = tk[pos - 1];
          --pos;
        }
        tk[pos].s = sv;
        tk[pos].i = static_cast<int32_t>(j0 + j);
        if (n == kk) thr = tk[kk - 1].s;
      }
    }
    // 4. weights (s becomes w) and tile sums
    T Sb = 0, Hb = 0, Fb = 0;
#pragma unroll
    for (int j = 0; j < kTJ; ++j) {
      T w;
      if (p.trop) {
        w = s[j] == m ? T(1) : T(0);
      } else {
        T a = (s[j] - m) * inv2;
        const bool keep = a > floor2;  // false for -inf and NaN
        a = keep ? a : floor2;
        w = keep ? gpu::Exp2(a) : T(0);
        if (p.entropy) Hb = gpu::Fma(w, a, Hb);
      }
      Sb += w;
      if (p.fhat) Fb = gpu::Fma(w, gh[j0 + j], Fb);
      s[j] = w;
    }
    S += static_cast<double>(Sb);
    HA += static_cast<double>(Hb);
    F += static_cast<double>(Fb);
    // 5. gradient sums; W is staged again unless its only chunk is still there
    if (p.grad) {
      const bool resident = !kDist && nchunk == 1;
      for (int64_t c = 0; c < nchunk; ++c) {
        const int64_t k0 = c * kKC;
        const int kc = static_cast<int>(d - k0 < kKC ? d - k0 : kKC);
        if (!resident) {
          HJ_SYNC();
          const int64_t src = (tile * d + k0) * kTJ;
          for (int i = tid; i < kc * kTJ; i += kNT) sB[i] = Wh[src + i];
          HJ_SYNC();
        }
        for (int k = 0; k < kc; ++k) {
          T acc = 0;
#pragma unroll
          for (int j4 = 0; j4 < kTJ; j4 += 4) {
            const Quad<T> w = Load4(sB + k * kTJ + j4);
#pragma unroll
            for (int r = 0; r < 4; ++r) acc = gpu::Fma(s[j4 + r], w.v[r], acc);
          }
          G[(k0 + k) * kNT] += static_cast<double>(acc);
        }
      }
    }
  }

  // Epilogue, float64 (no block-wide step follows: idle threads may leave).
  if (!live) return;
  const int64_t q = p.qidx[it.off + tid];
  const int64_t o = q * p.Kp + it.kcol;
  const double md = static_cast<double>(m);
  // float32 beyond its range (a NaN score would be dropped silently, an infinite g makes fhat
  // infinite): the host redoes this row in float64
  if (sizeof(T) == 4 && !(finite && S >= 1.0 && S - S == 0.0 && (!p.fhatOut || F - F == 0.0))) {
    p.bad[o] = 1;
    return;
  }
  const double logS = log(S);
  const double elS = p.trop ? 0.0 : p.eps * logS;
  const int64_t am = arg < 0 ? 0 : arg;
  p.argmax[o] = static_cast<int32_t>(am);
  if (kDist) {
    p.u[o] = -md - elS;
    const double* x = p.X64 + q * d;
    const double* Wr = p.W64 + (head * N + am) * d;
    double z = 0.0;
    for (int64_t k = 0; k < d; ++k) z += Wr[k] * x[k];
    p.f[o] = z + p.b64[head * N + am] + elS;
  } else {
    p.f[o] = md + elS;
  }
  if (p.ent) {
    const double h = p.trop ? logS : logS - 0.693147180559945309417232121458176568 * HA / S;
    p.ent[o] = h > 0.0 ? h : 0.0;
  }
  if (p.mOut) p.mOut[o] = md;
  if (p.lsOut) p.lsOut[o] = logS;
  if (p.fhatOut) p.fhatOut[o] = F / S;
  if (p.gradOut)
    for (int64_t k = 0; k < d; ++k) p.gradOut[o * d + k] = G[k * kNT] / S;
  if (p.maxdOut) p.maxdOut[o] = sqrt(static_cast<double>(maxd2));
  if (p.topk > 0) {
    int32_t* oi = p.tkIdx + o * p.topk;
    double* op = p.tkPi + o * p.topk;
    for (int r = 0; r < p.topk; ++r) {
      if (r < ntk) {
        const T sv = tk[r].s;
        double w;
        if (p.trop) {
          w = sv == m ? 1.0 : 0.0;
        } else {
          const T a = (sv - m) * inv2;
          w = a > floor2 ? gpu::Exp2(static_cast<double>(a)) : 0.0;
        }
        oi[r] = tk[r].i;
        op[r] = w / S;
      } else {
        oi[r] = -1;
        op[r] = 0.0;
      }
    }
  }
}

template <typename T, bool kDist>
HJ_GLOBAL void HJ_BOUNDS(kNT) GibbsKernel(const GibbsParams<T> p) {
  GibbsBody<T, kDist>(p);
}

}  // namespace hjnet::cuda
