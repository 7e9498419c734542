// Host side of the CUDA Gibbs pass: device copies of the heads, the plan of blocks (kNT rows of
// one head each), the launches, the float64 redo of float32 rows that overflow, the copies back.
// Compiled by nvcc for the addon, and by g++ with HJNET_CUDA_EMU for native/cuda/check/.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "cuda/gibbs.h"
#include "cuda/gibbs_kernel.cuh"

namespace hjnet::cuda {
namespace {

constexpr double kLog2e = 1.442695040888963407359924681001892137;

template <typename T>
struct DeviceHeads {
  int64_t K = 0, N = 0, d = 0, ntile = 0;
  T* Wt = nullptr;
  T* Yt = nullptr;
  T* bt = nullptr;
  T* gt = nullptr;
  double* W64 = nullptr;
  double* b64 = nullptr;
  DeviceHeads() = default;
  DeviceHeads(const DeviceHeads&) = delete;
  DeviceHeads& operator=(const DeviceHeads&) = delete;
  ~DeviceHeads() {
    gpu::FreePersistent(Wt);
    gpu::FreePersistent(Yt);
    gpu::FreePersistent(bt);
    gpu::FreePersistent(gt);
    gpu::FreePersistent(W64);
    gpu::FreePersistent(b64);
  }
};

template <typename U>
U* UploadVector(const std::vector<U>& v) {
  U* p = static_cast<U*>(gpu::AllocPersistent(v.size() * sizeof(U)));
  gpu::ToDevice(p, v.data(), v.size() * sizeof(U), gpu::Stream{});
  return p;
}

template <typename T>
std::shared_ptr<void> Upload(const HostHeads& h) {
  auto D = std::make_shared<DeviceHeads<T>>();
  const int64_t K = h.K, N = h.N, d = h.d, ntile = (N + kTJ - 1) / kTJ, Np = ntile * kTJ;
  D->K = K;
  D->N = N;
  D->d = d;
  D->ntile = ntile;
  std::vector<T> Wt(static_cast<size_t>(K * Np * d), T(0)), Yt(Wt.size(), T(0));
  std::vector<T> bt(static_cast<size_t>(K * Np), T(0)), gt(bt.size(), T(0));
  for (int64_t k = 0; k < K; ++k) {
    for (int64_t j = 0; j < N; ++j) {
      const int64_t tile = j / kTJ, jj = j % kTJ;
      for (int64_t c = 0; c < d; ++c) {
        const size_t at = static_cast<size_t>(((k * ntile + tile) * d + c) * kTJ + jj);
        Wt[at] = static_cast<T>(h.W[(k * N + j) * d + c]);
        Yt[at] = static_cast<T>(h.y[(k * N + j) * d + c]);
      }
      bt[static_cast<size_t>(k * Np + j)] = static_cast<T>(h.b[k * N + j]);
      gt[static_cast<size_t>(k * Np + j)] = static_cast<T>(h.g[k * N + j]);
    }
  }
  D->Wt = UploadVector(Wt);
  D->Yt = UploadVector(Yt);
  D->bt = UploadVector(bt);
  D->gt = UploadVector(gt);
  D->W64 = UploadVector(std::vector<double>(h.W, h.W + K * N * d));
  D->b64 = UploadVector(std::vector<double>(h.b, h.b + K * N));
  gpu::Sync(gpu::Stream{});
  return D;
}

// Blocks of at most kNT rows of one head; the queries of a block are one slab of Xt.
struct Plan {
  std::vector<Item> items;
  std::vector<int64_t> qidx;
  int64_t slabs = 0;
};

// perHead[h]: the queries to evaluate on head h. shared: every head has the same list (all
// heads), so the heads share their slabs; kcolShared: the output column is the head.
Plan MakePlan(const std::vector<std::vector<int64_t>>& perHead, bool shared, bool kcolIsHead) {
  Plan P;
  if (shared) {
    const std::vector<int64_t>& qs = perHead.empty() ? std::vector<int64_t>{} : perHead[0];
    P.qidx = qs;
    const int64_t n = static_cast<int64_t>(qs.size());
    P.slabs = (n + kNT - 1) / kNT;
    for (size_t h = 0; h < perHead.size(); ++h)
      for (int64_t sl = 0; sl < P.slabs; ++sl)
        P.items.push_back({static_cast<int32_t>(h), kcolIsHead ? static_cast<int32_t>(h) : 0,
                           static_cast<int32_t>(std::min<int64_t>(kNT, n - sl * kNT)), 0, sl * kNT, sl});
    return P;
  }
  for (size_t h = 0; h < perHead.size(); ++h) {
    const std::vector<int64_t>& qs = perHead[h];
    for (size_t i = 0; i < qs.size(); i += kNT) {
      const int64_t n = std::min<int64_t>(kNT, static_cast<int64_t>(qs.size() - i));
      P.items.push_back({static_cast<int32_t>(h), kcolIsHead ? static_cast<int32_t>(h) : 0,
                         static_cast<int32_t>(n), 0, static_cast<int64_t>(P.qidx.size()), P.slabs++});
      P.qidx.insert(P.qidx.end(), qs.begin() + static_cast<int64_t>(i), qs.begin() + static_cast<int64_t>(i) + n);
    }
  }
  return P;
}

// Device copies of one pass's outputs ([rows] or [rows][d] / [rows][k]).
struct Outputs {
  gpu::Buffer f, u, argmax, ent, fhat, grad, maxd, tkIdx, tkPi, m, ls, bad;
};

template <typename T>
void Launch(const GibbsJob& job, const DeviceHeads<T>& D, const Plan& P, Outputs& out, int64_t Kp,
            gpu::Stream st) {
  if (P.items.empty()) return;
  const int64_t d = job.H.d;
  // Queries: transposed slabs in T (coalesced reads of one coordinate by a block's threads).
  std::vector<T> xt(static_cast<size_t>(P.slabs * d * kNT), T(0));
  for (const Item& it : P.items) {
    T* dst = xt.data() + it.slab * d * kNT;
    for (int r = 0; r < it.n; ++r) {
      const double* x = job.X + P.qidx[it.off + r] * d;
      for (int64_t k = 0; k < d; ++k) dst[k * kNT + r] = static_cast<T>(x[k]);
    }
  }
  gpu::Buffer dXt(xt.size() * sizeof(T), st), dQ(P.qidx.size() * sizeof(int64_t), st),
      dItems(P.items.size() * sizeof(Item), st), dX64;
  gpu::ToDevice(dXt.as<void>(), xt.data(), xt.size() * sizeof(T), st);
  gpu::ToDevice(dQ.as<void>(), P.qidx.data(), P.qidx.size() * sizeof(int64_t), st);
  gpu::ToDevice(dItems.as<void>(), P.items.data(), P.items.size() * sizeof(Item), st);
  if (job.distance) {
    const size_t bytes = static_cast<size_t>(job.B * d) * sizeof(double);
    dX64 = gpu::Buffer(bytes, st);
    gpu::ToDevice(dX64.as<void>(), job.X, bytes, st);
  }

  GibbsParams<T> p{};
  p.Wt = D.Wt;
  p.Yt = D.Yt;
  p.bt = D.bt;
  p.gt = D.gt;
  p.W64 = D.W64;
  p.b64 = D.b64;
  p.N = D.N;
  p.d = d;
  p.ntile = D.ntile;
  p.c4t = static_cast<T>(1.0 / (4.0 * job.H.t));
  p.Xt = dXt.as<T>();
  p.X64 = dX64.as<double>();
  p.qidx = dQ.as<int64_t>();
  p.Kp = Kp;
  p.eps = job.eps;
  p.trop = job.eps == 0.0;
  p.entropy = job.entropy && !p.trop;
  p.fhat = job.fhat;
  p.grad = job.grad;
  p.maxd = job.maxDistance;
  p.topk = static_cast<int>(job.topk);
  // Exponent scale in base 2, clamped to T's largest value (eps tiny); it underflows to 0 for
  // huge eps in float32 (pi uniform). As on the CPU.
  double inv2d = 0.0;
  if (!p.trop) {
    inv2d = kLog2e / job.eps;
    if (!(inv2d <= static_cast<double>(gpu::Limits<T>::kMax))) inv2d = static_cast<double>(gpu::Limits<T>::kMax);
  }
  p.inv2 = static_cast<T>(inv2d);
  p.inv2d = static_cast<double>(p.inv2);
  p.f = out.f.as<double>();
  p.u = out.u.as<double>();
  p.argmax = out.argmax.as<int32_t>();
  p.ent = job.entropy ? out.ent.as<double>() : nullptr;
  p.fhatOut = out.fhat.as<double>();
  p.gradOut = out.grad.as<double>();
  p.maxdOut = out.maxd.as<double>();
  p.tkIdx = out.tkIdx.as<int32_t>();
  p.tkPi = out.tkPi.as<double>();
  p.mOut = out.m.as<double>();
  p.lsOut = out.ls.as<double>();
  p.bad = out.bad.as<uint8_t>();

  // Waves of blocks bounded by the gradient accumulators (<= 256 MiB).
  const int64_t nItems = static_cast<int64_t>(P.items.size());
  int64_t wave = nItems;
  gpu::Buffer dG;
  if (job.grad) {
    const int64_t perItem = std::max<int64_t>(1, d) * kNT * static_cast<int64_t>(sizeof(double));
    wave = std::max<int64_t>(1, std::min<int64_t>(nItems, (int64_t{256} << 20) / perItem));
    dG = gpu::Buffer(static_cast<size_t>(wave * perItem), st);
  }
  p.Gacc = dG.as<double>();
  const size_t smem = kKC * kTJ * sizeof(T);
  for (int64_t i0 = 0; i0 < nItems; i0 += wave) {
    const int64_t n = std::min(wave, nItems - i0);
    p.items = dItems.as<Item>() + i0;
    if (job.distance) {
      auto kern = GibbsKernel<T, true>;
      HJ_LAUNCH(kern, n, kNT, smem, st, p);
    } else {
      auto kern = GibbsKernel<T, false>;
      HJ_LAUNCH(kern, n, kNT, smem, st, p);
    }
    gpu::CheckLaunch("Gibbs kernel launch");
  }
  gpu::Sync(st);  // the host staging vectors and plan die with this scope
}

template <typename U>
void Back(U* dst, const gpu::Buffer& src, int64_t n, gpu::Stream st) {
  if (dst && n > 0) gpu::ToHost(dst, src.as<void>(), static_cast<size_t>(n) * sizeof(U), st);
}

}  // namespace

std::shared_ptr<void> UploadHeads(const HostHeads& h, bool f32) {
  gpu::SetDevice();
  return f32 ? Upload<float>(h) : Upload<double>(h);
}

void RunGibbs(const GibbsJob& job) {
  gpu::SetDevice();
  const int64_t K = job.H.K, d = job.H.d, B = job.B;
  const int64_t Kp = job.sel ? 1 : K;
  const int64_t rows = B * Kp;
  if (rows == 0) return;
  gpu::OwnedStream stream;
  const gpu::Stream st = stream.get();
  Outputs out;
  const auto rowsOf = [&](size_t bytes) { return static_cast<size_t>(rows) * bytes; };
  out.f = gpu::Buffer(rowsOf(sizeof(double)), st);
  if (job.distance) out.u = gpu::Buffer(rowsOf(sizeof(double)), st);
  out.argmax = gpu::Buffer(rowsOf(sizeof(int32_t)), st);
  if (job.entropy) out.ent = gpu::Buffer(rowsOf(sizeof(double)), st);
  if (job.fhat) out.fhat = gpu::Buffer(rowsOf(sizeof(double)), st);
  if (job.grad) out.grad = gpu::Buffer(rowsOf(sizeof(double)) * static_cast<size_t>(d), st);
  if (job.maxDistance) out.maxd = gpu::Buffer(rowsOf(sizeof(double)), st);
  if (job.maxScore) out.m = gpu::Buffer(rowsOf(sizeof(double)), st);
  if (job.logSum) out.ls = gpu::Buffer(rowsOf(sizeof(double)), st);
  if (job.topk > 0) {
    out.tkIdx = gpu::Buffer(rowsOf(sizeof(int32_t)) * static_cast<size_t>(job.topk), st);
    out.tkPi = gpu::Buffer(rowsOf(sizeof(double)) * static_cast<size_t>(job.topk), st);
  }

  std::vector<std::vector<int64_t>> perHead(static_cast<size_t>(K));
  if (job.sel) {
    for (int64_t q = 0; q < B; ++q) perHead[static_cast<size_t>(job.sel[q])].push_back(q);
  } else {
    perHead[0].resize(static_cast<size_t>(B));
    for (int64_t q = 0; q < B; ++q) perHead[0][static_cast<size_t>(q)] = q;
    for (int64_t h = 1; h < K; ++h) perHead[static_cast<size_t>(h)] = perHead[0];
  }
  const Plan plan = MakePlan(perHead, job.sel == nullptr, job.sel == nullptr);

  if (job.f32) {
    out.bad = gpu::Buffer(rowsOf(1), st);
    gpu::Zero(out.bad.as<void>(), rowsOf(1), st);
    const auto* D = static_cast<const DeviceHeads<float>*>(job.heads(true));
    Launch<float>(job, *D, plan, out, Kp, st);
    std::vector<uint8_t> bad(static_cast<size_t>(rows));
    gpu::ToHost(bad.data(), out.bad.as<void>(), bad.size(), st);
    gpu::Sync(st);
    // Rows whose float32 scores overflowed are redone in float64, so every output stays finite.
    std::vector<std::vector<int64_t>> redo(static_cast<size_t>(K));
    bool any = false;
    for (int64_t o = 0; o < rows; ++o) {
      if (!bad[static_cast<size_t>(o)]) continue;
      const int64_t q = o / Kp, kcol = o % Kp;
      const int64_t h = job.sel ? job.sel[q] : kcol;
      redo[static_cast<size_t>(h)].push_back(q);
      any = true;
    }
    if (any) {
      const auto* D64 = static_cast<const DeviceHeads<double>*>(job.heads(false));
      Launch<double>(job, *D64, MakePlan(redo, false, job.sel == nullptr), out, Kp, st);
    }
  } else {
    const auto* D = static_cast<const DeviceHeads<double>*>(job.heads(false));
    Launch<double>(job, *D, plan, out, Kp, st);
  }

  Back(job.f, out.f, rows, st);
  Back(job.u, out.u, job.distance ? rows : 0, st);
  Back(job.argmax, out.argmax, rows, st);
  Back(job.entropyOut, out.ent, job.entropy ? rows : 0, st);
  Back(job.fhatOut, out.fhat, job.fhat ? rows : 0, st);
  Back(job.gradOut, out.grad, job.grad ? rows * d : 0, st);
  Back(job.maxDistanceOut, out.maxd, job.maxDistance ? rows : 0, st);
  Back(job.topkIndex, out.tkIdx, rows * job.topk, st);
  Back(job.topkPi, out.tkPi, rows * job.topk, st);
  Back(job.maxScore, out.m, rows, st);
  Back(job.logSum, out.ls, rows, st);
  gpu::Sync(st);
}

#if defined(__CUDACC__)
Probed ProbeDevice() {
  Probed r;
  cudaRuntimeGetVersion(&r.runtimeVersion);
  cudaDriverGetVersion(&r.driverVersion);  // 0 when no driver is installed
  int n = 0;
  const cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess || n <= 0) {
    // The runtime reports a missing driver as an insufficient one: say which it is.
    const char* why = r.driverVersion == 0 ? "no NVIDIA driver: libcuda.so.1 could not be loaded"
                      : e != cudaSuccess   ? cudaGetErrorString(e)
                                           : "no CUDA device";
    std::snprintf(r.error, sizeof r.error, "%s", why);
    cudaGetLastError();  // clears the sticky error of a failed probe
    return r;
  }
  cudaDeviceProp prop{};
  const cudaError_t pe = cudaGetDeviceProperties(&prop, 0);
  if (pe != cudaSuccess) {
    std::snprintf(r.error, sizeof r.error, "%s", cudaGetErrorString(pe));
    return r;
  }
  std::snprintf(r.name, sizeof r.name, "%s", prop.name);
  r.major = prop.major;
  r.minor = prop.minor;
  r.sms = prop.multiProcessorCount;
  r.memoryBytes = static_cast<double>(prop.totalGlobalMem);
  cudaDeviceGetAttribute(&r.clockKHz, cudaDevAttrClockRate, 0);
  r.ok = true;
  return r;
}
#endif

}  // namespace hjnet::cuda
