// Backward kernel of the CUDA training pass (see native/cuda/train.h). A block owns kNB
// neurons of one head, one per thread; each thread's weights and its accumulators sum_r c_r x_r
// live in its own column of shared memory (conflict-free), and the rows stream through in tiles
// of kR (their coordinates read as broadcasts, four rows per 128-bit load).
#pragma once

#include <cstdint>

#include "cuda/gibbs_kernel.cuh"
#include "cuda/runtime.h"

namespace hjnet::cuda {

constexpr int kNB = 64;  // neurons (threads) per block
constexpr int kR = 32;   // rows per tile

template <typename T>
struct TrainParams {
  const T* W;         // [K][d][Npad] weights, transposed
  const T* b;         // [K][Npad]
  const T* X;         // [count][d] rows in T
  const T* m;         // [count][K] max score of the forward pass (the same FMA chain as z here)
  const T* ls2;       // [count][K] log2 S: pi = 2^((z - m) log2(e)/eps - log2 S)
  const T* dldu;      // [count][K]
  const int32_t* am;  // [count][K] first maximiser (eps = 0)
  int64_t K, N, Npad, d, count;
  int trop;
  T inv2;             // log2(e)/eps clamped to T's range
  double* cs;         // [K][Npad]    sum_r c_rj          (float64)
  double* cx;         // [K][d][Npad] sum_r c_rj x_r      (float64)
};

template <typename T>
HJ_DEV void TrainBackwardBody(const TrainParams<T>& p) {
  HJ_SMEM_DECL(smem);
  const int64_t d = p.d, K = p.K, Npad = p.Npad;
  T* sW = reinterpret_cast<T*>(smem);       // [d][kNB]
  T* sC = sW + d * kNB;                     // [d][kNB] accumulators of one tile
  T* sX = sC + d * kNB;                     // [d][kR]
  T* sF = sX + d * kR;                      // [kR] m
  T* sA = sF + kR;                          // [kR] log2 S
  T* sD = sA + kR;                          // [kR] dL/du
  int32_t* sM = reinterpret_cast<int32_t*>(sD + kR);  // [kR] argmax
  const int tid = HJ_TID();
  const int64_t nblk = Npad / kNB;
  const int64_t head = HJ_BID() / nblk;
  const int64_t j = (HJ_BID() % nblk) * kNB + tid;
  const bool live = j < p.N;
  const T* Wh = p.W + head * d * Npad;
  for (int64_t k = 0; k < d; ++k) sW[k * kNB + tid] = Wh[k * Npad + j];
  const T bj = p.b[head * Npad + j];
  const T floor2 = gpu::Limits<T>::kFloor2;
  double cs = 0.0;
  double* cx = p.cx + head * d * Npad + j;  // coordinate k at cx[k * Npad]
  for (int64_t k = 0; k < d; ++k) cx[k * Npad] = 0.0;

  for (int64_t r0 = 0; r0 < p.count; r0 += kR) {
    const int nr = static_cast<int>(p.count - r0 < kR ? p.count - r0 : kR);
    HJ_SYNC();  // the previous tile is done with sX
    for (int64_t i = tid; i < d * kR; i += kNB) {
      const int64_t k = i / kR, r = i % kR;
      sX[i] = r < nr ? p.X[(r0 + r) * d + k] : T(0);
    }
    for (int r = tid; r < kR; r += kNB) {
      const bool ok = r < nr;
      const int64_t at = (r0 + r) * K + head;
      sF[r] = ok ? p.m[at] : T(0);
      sA[r] = ok ? p.ls2[at] : T(0);
      sD[r] = ok ? p.dldu[at] : T(0);  // padding rows: c = 0
      sM[r] = ok ? p.am[at] : -1;
    }
    for (int64_t k = 0; k < d; ++k) sC[k * kNB + tid] = T(0);
    HJ_SYNC();
    T csb = 0;
    for (int r4 = 0; r4 < kR; r4 += 4) {
      T z[4] = {bj, bj, bj, bj};
      for (int64_t k = 0; k < d; ++k) {
        const T w = sW[k * kNB + tid];
        const Quad<T> x = Load4(sX + k * kR + r4);
#pragma unroll
        for (int i = 0; i < 4; ++i) z[i] = gpu::Fma(w, x.v[i], z[i]);
      }
      T c[4];
      bool any = false;
#pragma unroll
      for (int i = 0; i < 4; ++i) {
        const int r = r4 + i;
        T pi;
        if (p.trop) {
          pi = sM[r] == j ? T(1) : T(0);
        } else {
          const T a = (z[i] - sF[r]) * p.inv2 - sA[r];
          pi = a > floor2 ? gpu::Exp2(a < T(0) ? a : T(0)) : T(0);
        }
        c[i] = live ? sD[r] * pi : T(0);
        csb += c[i];
        any = any || c[i] != T(0);
      }
      if (!any) continue;
      for (int64_t k = 0; k < d; ++k) {
        const Quad<T> x = Load4(sX + k * kR + r4);
        T acc = sC[k * kNB + tid];
#pragma unroll
        for (int i = 0; i < 4; ++i) acc = gpu::Fma(c[i], x.v[i], acc);
        sC[k * kNB + tid] = acc;
      }
    }
    cs += static_cast<double>(csb);
    for (int64_t k = 0; k < d; ++k) cx[k * Npad] += static_cast<double>(sC[k * kNB + tid]);
  }
  p.cs[head * Npad + j] = cs;
}

template <typename T>
HJ_GLOBAL void HJ_BOUNDS(kNB) TrainBackwardKernel(const TrainParams<T> p) {
  TrainBackwardBody<T>(p);
}

// Shared memory of one block for dimension d.
template <typename T>
constexpr size_t TrainSmemBytes(int64_t d) {
  return static_cast<size_t>(2 * d * kNB + d * kR + 3 * kR) * sizeof(T) + kR * sizeof(int32_t) + 16;
}

}  // namespace hjnet::cuda
