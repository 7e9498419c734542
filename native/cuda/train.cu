// Host side of the CUDA training pass (see native/cuda/train.h). Compiled by nvcc for the addon
// and by g++ with HJNET_CUDA_EMU for native/cuda/check/.
#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "cuda/gibbs.h"
#include "cuda/train.h"
#include "cuda/train_kernel.cuh"

namespace hjnet::cuda {
namespace {

using train::Layer;
using train::Loss;
using train::Parametrization;
using train::Rows;

constexpr double kLog2e = 1.442695040888963407359924681001892137;

// W [K][N][d] and b [K][N] in float64 from theta, as HopfColePass::SetParams computes them.
struct Affine {
  std::vector<double> W, b;
};
Affine MakeAffine(const Layer& L, const double* theta) {
  const int64_t K = L.K, N = L.N, d = L.d;
  const bool support = L.param == Parametrization::kSupport;
  const double inv2t = 1 / (2 * L.t), inv4t = 1 / (4 * L.t);
  const double* points = theta;
  const double* values = theta + L.PointsSize();
  Affine A;
  A.W.resize(static_cast<size_t>(K * N * d));
  A.b.resize(static_cast<size_t>(K * N));
  for (int64_t i = 0; i < K * N; ++i) {
    const double* p = points + i * d;
    double sq = 0;
    for (int64_t c = 0; c < d; ++c) {
      A.W[static_cast<size_t>(i * d + c)] = support ? p[c] * inv2t : p[c];
      sq += p[c] * p[c];
    }
    A.b[static_cast<size_t>(i)] = support ? -values[i] - sq * inv4t : values[i];
  }
  return A;
}

template <typename T>
struct Forward {
  std::vector<T> X;          // [count][d] the rows, in T
  std::vector<double> xsq;   // [count] |x|^2/(4t)
  std::vector<double> f, m, ls;
  std::vector<int32_t> am;
};

// The streaming Gibbs pass (logit mode, f only) over the rows, every head.
template <typename T>
void RunForward(const Layer& L, const Affine& A, const Rows<T>& rows, const uint32_t* index, size_t count,
                bool stats, Forward<T>& F) {
  const int64_t K = L.K, d = L.d, n = static_cast<int64_t>(count);
  const double inv4t = 1 / (4 * L.t);
  F.X.resize(static_cast<size_t>(n * d));
  F.xsq.resize(static_cast<size_t>(n));
  std::vector<double> Xd(static_cast<size_t>(n * d));
  for (int64_t r = 0; r < n; ++r) {
    const size_t row = index ? index[r] : static_cast<size_t>(r);
    const T* src = rows.X + row * static_cast<size_t>(d);
    double s = 0;
    for (int64_t k = 0; k < d; ++k) {
      F.X[static_cast<size_t>(r * d + k)] = src[k];
      Xd[static_cast<size_t>(r * d + k)] = static_cast<double>(src[k]);
      s += static_cast<double>(src[k]) * src[k];
    }
    F.xsq[static_cast<size_t>(r)] = s * inv4t;
  }
  F.f.resize(static_cast<size_t>(n * K));
  F.am.resize(static_cast<size_t>(n * K));
  if (stats) {
    F.m.resize(static_cast<size_t>(n * K));
    F.ls.resize(static_cast<size_t>(n * K));
  }
  GibbsJob job;
  // y and g are not read in logit mode with no extras: W and b stand in for them.
  job.H = {K, L.N, d, L.t, A.W.data(), A.b.data(), A.W.data(), A.b.data()};
  std::shared_ptr<void> dev[2];
  job.heads = [&dev, host = job.H](bool f32) -> const void* {
    std::shared_ptr<void>& slot = dev[f32 ? 1 : 0];
    if (!slot) slot = UploadHeads(host, f32);
    return slot.get();
  };
  job.f32 = sizeof(T) == 4;
  job.distance = false;
  job.eps = L.eps;
  job.B = n;
  job.X = Xd.data();
  job.f = F.f.data();
  job.argmax = F.am.data();
  job.maxScore = stats ? F.m.data() : nullptr;
  job.logSum = stats ? F.ls.data() : nullptr;
  RunGibbs(job);
}

// Loss of one row and dL/du for its K heads (dL/du already multiplied by scale): the same
// formulas as RowLoss in native/train/hopf_cole_pass.cpp.
double RowLoss(const Layer& L, const double* u, const double* target, int32_t label, double scale, double* dldu) {
  const int K = L.K;
  double loss = 0;
  if (L.loss == Loss::kSquared) {
    for (int k = 0; k < K; k++) {
      const double res = u[k] - target[k];
      loss += res * res;
      dldu[k] = 2 * res * scale;
    }
    return loss;
  }
  double m = -u[0];
  for (int k = 1; k < K; k++) m = std::max(m, -u[k]);
  double S = 0;
  for (int k = 0; k < K; k++) S += std::exp(-u[k] - m);
  const double lse = m + std::log(S);
  for (int k = 0; k < K; k++) {
    const double p = std::exp(-u[k] - lse);
    dldu[k] = ((k == label ? 1.0 : 0.0) - p) * scale;
  }
  return lse + u[label];
}

#if defined(__CUDACC__)
size_t SmemLimit() {
  int v = 0;
  if (cudaDeviceGetAttribute(&v, cudaDevAttrMaxSharedMemoryPerBlockOptin, 0) != cudaSuccess) v = 48 << 10;
  return static_cast<size_t>(v);
}
#else
size_t SmemLimit() { return size_t{1} << 30; }
#endif

}  // namespace

bool TrainSupported(const Layer& layer, bool f32) {
  const size_t need = f32 ? TrainSmemBytes<float>(layer.d) : TrainSmemBytes<double>(layer.d);
  return need <= SmemLimit();
}

template <typename T>
void TrainPredict(const Layer& layer, const double* theta, const Rows<T>& rows, const uint32_t* index,
                  size_t count, double* u) {
  gpu::SetDevice();
  if (count == 0) return;
  const Affine A = MakeAffine(layer, theta);
  Forward<T> F;
  RunForward(layer, A, rows, index, count, false, F);
  const int64_t K = layer.K;
  for (size_t r = 0; r < count; ++r)
    for (int64_t k = 0; k < K; ++k) u[r * K + k] = F.xsq[r] - F.f[r * K + k];
}

template <typename T>
double TrainLossGrad(const Layer& L, const double* theta, const Rows<T>& rows, const uint32_t* index,
                     size_t count, double* grad) {
  gpu::SetDevice();
  const int64_t K = L.K, N = L.N, d = L.d, n = static_cast<int64_t>(count);
  if (grad) std::fill(grad, grad + L.ParamsSize(), 0.0);
  if (count == 0) return 0.0;
  if (grad && !TrainSupported(L, sizeof(T) == 4))
    throw std::invalid_argument("CUDA training pass: d = " + std::to_string(d) +
                                " needs more shared memory than one block of this device has");
  const Affine A = MakeAffine(L, theta);
  Forward<T> F;
  RunForward(L, A, rows, index, count, grad != nullptr, F);

  const double scale = L.loss == Loss::kSquared ? 1.0 / (static_cast<double>(count) * K) : 1.0 / count;
  std::vector<double> u(static_cast<size_t>(K)), dl(static_cast<size_t>(n * K));
  double sum = 0;
  for (int64_t r = 0; r < n; ++r) {
    for (int64_t k = 0; k < K; ++k) u[k] = F.xsq[r] - F.f[r * K + k];
    const size_t row = index ? index[r] : static_cast<size_t>(r);
    const double* target = rows.targets ? rows.targets + row * K : nullptr;
    const int32_t label = rows.labels ? rows.labels[row] : 0;
    sum += RowLoss(L, u.data(), target, label, scale, dl.data() + r * K);
  }
  const double loss = L.loss == Loss::kSquared ? sum / (static_cast<double>(count) * K) : sum / count;
  if (!grad) return loss;

  // Backward: device inputs in T.
  const int64_t Npad = (N + kNB - 1) / kNB * kNB;
  std::vector<T> Wt(static_cast<size_t>(K * d * Npad), T(0)), bt(static_cast<size_t>(K * Npad), T(0));
  for (int64_t k = 0; k < K; ++k)
    for (int64_t j = 0; j < N; ++j) {
      for (int64_t c = 0; c < d; ++c)
        Wt[static_cast<size_t>((k * d + c) * Npad + j)] = static_cast<T>(A.W[static_cast<size_t>((k * N + j) * d + c)]);
      bt[static_cast<size_t>(k * Npad + j)] = static_cast<T>(A.b[static_cast<size_t>(k * N + j)]);
    }
  std::vector<T> mT(static_cast<size_t>(n * K)), ls2(mT.size()), dlT(mT.size());
  for (size_t i = 0; i < mT.size(); ++i) {
    mT[i] = static_cast<T>(F.m[i]);  // exact: the forward's max score in T
    ls2[i] = static_cast<T>(F.ls[i] * kLog2e);
    dlT[i] = static_cast<T>(dl[i]);
  }
  gpu::OwnedStream stream;
  const gpu::Stream st = stream.get();
  auto up = [&](const auto& v) {
    using U = typename std::decay_t<decltype(v)>::value_type;
    gpu::Buffer b(v.size() * sizeof(U), st);
    gpu::ToDevice(b.as<void>(), v.data(), v.size() * sizeof(U), st);
    return b;
  };
  gpu::Buffer dW = up(Wt), db = up(bt), dX = up(F.X), dm = up(mT), dls = up(ls2), ddl = up(dlT), dam = up(F.am);
  gpu::Buffer dcs(static_cast<size_t>(K * Npad) * sizeof(double), st),
      dcx(static_cast<size_t>(K * d * Npad) * sizeof(double), st);
  TrainParams<T> p{};
  p.W = dW.as<T>();
  p.b = db.as<T>();
  p.X = dX.as<T>();
  p.m = dm.as<T>();
  p.ls2 = dls.as<T>();
  p.dldu = ddl.as<T>();
  p.am = dam.as<int32_t>();
  p.K = K;
  p.N = N;
  p.Npad = Npad;
  p.d = d;
  p.count = n;
  p.trop = L.eps == 0.0;
  double inv2d = 0.0;
  if (!p.trop) {
    inv2d = kLog2e / L.eps;
    if (!(inv2d <= static_cast<double>(gpu::Limits<T>::kMax))) inv2d = static_cast<double>(gpu::Limits<T>::kMax);
  }
  p.inv2 = static_cast<T>(inv2d);
  p.cs = dcs.as<double>();
  p.cx = dcx.as<double>();
  const size_t smem = TrainSmemBytes<T>(d);
  auto kern = TrainBackwardKernel<T>;
#if defined(__CUDACC__)
  if (smem > (48u << 10))
    gpu::Check(cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem)),
               "cudaFuncSetAttribute");
#endif
  HJ_LAUNCH(kern, K * (Npad / kNB), kNB, smem, st, p);
  gpu::CheckLaunch("training backward kernel launch");
  std::vector<double> cs(static_cast<size_t>(K * Npad)), cx(static_cast<size_t>(K * d * Npad));
  gpu::ToHost(cs.data(), dcs.as<void>(), cs.size() * sizeof(double), st);
  gpu::ToHost(cx.data(), dcx.as<void>(), cx.size() * sizeof(double), st);
  gpu::Sync(st);

  // The gradient, as HopfColePass::LossGrad assembles it.
  double* gpoints = grad;
  double* gvalues = grad + L.PointsSize();
  for (int64_t k = 0; k < K; ++k)
    for (int64_t j = 0; j < N; ++j) {
      const int64_t i = k * N + j;
      gvalues[i] = cs[static_cast<size_t>(k * Npad + j)];
      for (int64_t c = 0; c < d; ++c) gpoints[i * d + c] = cx[static_cast<size_t>((k * d + c) * Npad + j)];
    }
  if (L.param == Parametrization::kSupport) {
    const double inv2t = 1 / (2 * L.t);
    for (int64_t i = 0; i < K * N; ++i)
      for (int64_t c = 0; c < d; ++c) {
        double& gp = gpoints[i * d + c];
        gp = (gvalues[i] * theta[i * d + c] - gp) * inv2t;
      }
  } else {
    for (size_t i = 0; i < L.ParamsSize(); ++i) grad[i] = -grad[i];
  }
  return loss;
}

template double TrainLossGrad<float>(const Layer&, const double*, const Rows<float>&, const uint32_t*, size_t, double*);
template double TrainLossGrad<double>(const Layer&, const double*, const Rows<double>&, const uint32_t*, size_t,
                                      double*);
template void TrainPredict<float>(const Layer&, const double*, const Rows<float>&, const uint32_t*, size_t, double*);
template void TrainPredict<double>(const Layer&, const double*, const Rows<double>&, const uint32_t*, size_t,
                                   double*);

}  // namespace hjnet::cuda
