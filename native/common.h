// Shared data structures of the CPU engine: the packed heads and one Gibbs-pass request.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "hwy/aligned_allocator.h"

namespace hjnet {

// Neurons per register tile (the kernels broadcast W_jk for 8 neurons against query vectors).
constexpr int64_t kGroup = 8;
// Neurons per online-LSE block: scores of one block live in a small L1 buffer, the running
// max is rescaled once per block.
constexpr int64_t kBlock = 256;

// Per-precision packed copy of every head. W and Y are tiled as [K][G][d][8] (G = Npad / 8
// groups of 8 neurons, each group stored k-major so that the 8 weights of one coordinate are
// contiguous); b and g are [K][Npad]. Padding neurons repeat the last real neuron (so pair
// distances stay exact); the Gibbs kernels mask their scores to -inf.
template <typename T>
struct Packed {
  hwy::AlignedFreeUniquePtr<T[]> W, Y, b, g;
};

struct HeadsData {
  int64_t K = 0, N = 0, d = 0, Npad = 0, G = 0;
  double t = 1.0;
  // As given, float64 row-major: W, y are [K][N][d], b, g are [K][N].
  std::vector<double> W, b, y, g;
  Packed<double> p64;
  Packed<float> p32;  // built on first float32 request
  std::once_flag f32_once;
  // Copies on the CUDA device ([0] float64, [1] float32), made on first use by
  // native/cuda/backend.cpp and freed with the heads.
  std::mutex device_mu;
  std::shared_ptr<void> device_heads[2];

  void Build();       // fills p64 from W, b, y, g
  void EnsureF32();   // fills p32 once (thread-safe)
  template <typename T>
  const Packed<T>& packed() const;
};

template <>
inline const Packed<double>& HeadsData::packed<double>() const { return p64; }
template <>
inline const Packed<float>& HeadsData::packed<float>() const { return p32; }

// One gibbs() call: inputs, options and output pointers (owned by JS typed arrays that the
// worker keeps referenced). Output row o = q * Kp + kcol.
struct GibbsRequest {
  std::shared_ptr<HeadsData> H;
  bool f32 = false;
  bool distance = false;
  double eps = 0.0;
  int64_t B = 0;
  int64_t Kp = 1;
  hwy::AlignedFreeUniquePtr<double[]> X;  // [B][d], float64 copy of the queries
  std::vector<int32_t> heads;             // empty: every head
  bool entropy = false, fhat = false, grad = false, hessian = false, pi = false,
       maxDistance = false;
  int64_t topk = 0;

  double* f = nullptr;
  double* u = nullptr;
  int32_t* argmax = nullptr;
  double* entropyOut = nullptr;
  double* fhatOut = nullptr;
  double* gradOut = nullptr;
  double* hessianOut = nullptr;
  double* piOut = nullptr;
  int32_t* topkIndex = nullptr;
  double* topkPi = nullptr;
  double* maxDistanceOut = nullptr;
};

// Dispatched kernels (gibbs_kernel.cpp).
// Queries per work item for a precision on the SIMD target chosen at run time.
int64_t TileQueries(bool f32);
// Runs the fused pass for nq <= TileQueries queries (indices qidx) of one head.
void GibbsItem(const GibbsRequest& req, const int64_t* qidx, int64_t nq, int64_t head,
               int64_t kcol);
// The same for f and u only, one query at a time with the neurons in the lanes: for requests
// with no extras and fewer queries than a tile.
void GibbsRows(const GibbsRequest& req, const int64_t* qidx, int64_t nq, int64_t head,
               int64_t kcol);
// max over i in [i0, i1), j of |W_{a,i} - W_{b,j}|^2.
double MaxPairSquared(const HeadsData& H, int64_t a, int64_t b, int64_t i0, int64_t i1);
const char* SimdTargetName();

// hessian.cpp: spectral norm of (1/eps) Cov_pi(W) for one query, all in float64.
double HessianNorm(const HeadsData& H, int64_t head, const double* x, bool distance, double eps,
                   std::vector<double>& scratch);

}  // namespace hjnet
