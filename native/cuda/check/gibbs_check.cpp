// Checks the CUDA Gibbs pass, through the addon's dispatch (hjnet::device::GibbsOnDevice,
// native/cuda/backend.cpp), against the CPU pass (native/gibbs_kernel.cpp) on random shapes and
// edge cases, output by output.
//
// Two builds of the same file (CMakeLists.txt, "Checks of the CUDA code"):
//   hjnet_cuda_emu:   the kernels and their host code run in the host emulation of
//                     native/cuda/runtime.h (no GPU needed; small shapes; npm test runs it);
//   hjnet_cuda_check: the addon's CUDA objects on the GPU (scripts/gpu-check.sh, with --big).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "cuda/check/checks.h"
#include "common.h"
#include "cuda/backend.h"

namespace {

using hjnet::GibbsRequest;
using hjnet::HeadsData;

int g_failures = 0, g_checks = 0;

struct Model {
  std::shared_ptr<HeadsData> H;
};

// A model with support points y = 2tW and initial data g = -b - |y|^2/(4t).
Model FromWeights(int64_t K, int64_t N, int64_t d, double t, std::vector<double> W, std::vector<double> b) {
  auto H = std::make_shared<HeadsData>();
  H->K = K;
  H->N = N;
  H->d = d;
  H->t = t;
  H->W = std::move(W);
  H->b = std::move(b);
  H->y.resize(H->W.size());
  H->g.resize(H->b.size());
  for (int64_t i = 0; i < K * N; ++i) {
    double s = 0;
    for (int64_t k = 0; k < d; ++k) {
      H->y[i * d + k] = 2 * t * H->W[i * d + k];
      s += H->y[i * d + k] * H->y[i * d + k];
    }
    H->g[i] = -H->b[i] - s / (4 * t);
  }
  H->Build();
  H->EnsureF32();
  return {H};
}

Model MakeModel(std::mt19937_64& rng, int64_t K, int64_t N, int64_t d, double wscale, double bscale, double t,
                bool ties) {
  std::normal_distribution<double> nd;
  std::vector<double> W(K * N * d), b(K * N);
  for (auto& w : W) w = wscale * nd(rng) / std::sqrt(static_cast<double>(d));
  for (auto& v : b) v = bscale * nd(rng);
  if (ties && N >= 4) {  // neurons 1, 3 and N - 1 (another tile) copy neuron 0 in every head
    for (int64_t h = 0; h < K; ++h)
      for (int64_t j : {int64_t{1}, int64_t{3}, N - 1}) {
        for (int64_t k = 0; k < d; ++k) W[(h * N + j) * d + k] = W[(h * N) * d + k];
        b[h * N + j] = b[h * N];
      }
  }
  return FromWeights(K, N, d, t, std::move(W), std::move(b));
}

struct Out {
  std::vector<double> f, u, ent, fhat, grad, hess, maxd, tkPi;
  std::vector<int32_t> argmax, tkIdx;
};

struct Opts {
  bool f32 = false, distance = false, entropy = true, fhat = true, grad = true, maxd = true,
       hessian = false, pi = false;
  double eps = 0.1;
  int64_t topk = 5;
};

template <typename V>
typename V::value_type* Ptr(V& v) {
  return v.empty() ? nullptr : v.data();
}

// One request as the addon builds it (native/addon.cpp, Heads.gibbs), writing into o.
std::unique_ptr<GibbsRequest> Request(const Model& m, const std::vector<double>& X, int64_t B,
                                      const std::vector<int32_t>& sel, const Opts& op, Out& o,
                                      std::vector<double>& pi) {
  const HeadsData& H = *m.H;
  auto rq = std::make_unique<GibbsRequest>();
  rq->H = m.H;
  rq->f32 = op.f32;
  rq->distance = op.distance;
  rq->eps = op.eps;
  rq->B = B;
  rq->heads = sel;
  rq->Kp = sel.empty() ? H.K : 1;
  rq->X = hwy::AllocateAligned<double>(std::max<size_t>(1, X.size()));
  std::copy(X.begin(), X.end(), rq->X.get());
  rq->entropy = op.entropy;
  rq->fhat = op.fhat;
  rq->grad = op.grad;
  rq->hessian = op.hessian;
  rq->pi = op.pi;
  rq->maxDistance = op.maxd;
  rq->topk = op.topk;
  const int64_t rows = B * rq->Kp, d = H.d;
  o.f.assign(rows, NAN);
  o.u.assign(op.distance ? rows : 0, NAN);
  o.argmax.assign(rows, -7);
  o.ent.assign(op.entropy ? rows : 0, NAN);
  o.fhat.assign(op.fhat ? rows : 0, NAN);
  o.grad.assign(op.grad ? rows * d : 0, NAN);
  o.hess.assign(op.hessian ? rows : 0, NAN);
  o.maxd.assign(op.maxd ? rows : 0, NAN);
  o.tkIdx.assign(rows * op.topk, -7);
  o.tkPi.assign(rows * op.topk, NAN);
  pi.assign(op.pi ? rows * H.N : 0, NAN);
  rq->f = Ptr(o.f);
  rq->u = Ptr(o.u);
  rq->argmax = Ptr(o.argmax);
  rq->entropyOut = Ptr(o.ent);
  rq->fhatOut = Ptr(o.fhat);
  rq->gradOut = Ptr(o.grad);
  rq->hessianOut = Ptr(o.hess);
  rq->piOut = Ptr(pi);
  rq->maxDistanceOut = Ptr(o.maxd);
  rq->topkIndex = Ptr(o.tkIdx);
  rq->topkPi = Ptr(o.tkPi);
  return rq;
}

void RunCpu(const Model& m, const std::vector<double>& X, int64_t B, const std::vector<int32_t>& sel,
            const Opts& op, Out& o) {
  const HeadsData& H = *m.H;
  std::vector<double> pi;
  const auto rq = Request(m, X, B, sel, op, o, pi);
  const int64_t QT = hjnet::TileQueries(op.f32);
  std::vector<int64_t> qidx;
  for (int64_t h = 0; h < H.K; ++h) {
    qidx.clear();
    for (int64_t q = 0; q < B; ++q)
      if (sel.empty() || sel[q] == h) qidx.push_back(q);
    for (size_t i = 0; i < qidx.size(); i += QT)
      hjnet::GibbsItem(*rq, qidx.data() + i, std::min<int64_t>(QT, qidx.size() - i), h, sel.empty() ? h : 0);
  }
}

// The device pass through the addon's dispatch; false when it declines the request.
bool RunDevice(const Model& m, const std::vector<double>& X, int64_t B, const std::vector<int32_t>& sel,
               const Opts& op, Out& o) {
  std::vector<double> pi;
  const auto rq = Request(m, X, B, sel, op, o, pi);
  return hjnet::device::GibbsOnDevice(*rq);
}

// |a - b| <= tol, with equal infinities and NaN never accepted.
bool Close(double a, double b, double tol) { return a == b || std::fabs(a - b) <= tol; }

void Compare(const std::string& label, const Model& m, const std::vector<double>& X, int64_t B, const Opts& op,
             const std::vector<int32_t>& sel, const Out& c, const Out& g) {
  const HeadsData& H = *m.H;
  const int64_t Kp = sel.empty() ? H.K : 1, d = H.d;
  // Scales: |z| and |W.x| + |b| per row, bounding the rounding of the scores.
  double maxZ = 0, fscale = 0, wmax = 0, gmax = 0;
  for (double w : H.W) wmax = std::max(wmax, std::fabs(w));
  for (double v : H.g) gmax = std::max(gmax, std::fabs(v));
  for (int64_t q = 0; q < B; ++q)
    for (int64_t i = 0; i < H.K * H.N; ++i) {
      double z = H.b[i], a = std::fabs(H.b[i]), dist = std::fabs(H.g[i]);
      for (int64_t k = 0; k < d; ++k) {
        z += H.W[i * d + k] * X[q * d + k];
        a += std::fabs(H.W[i * d + k] * X[q * d + k]);
        dist += (X[q * d + k] - H.y[i * d + k]) * (X[q * d + k] - H.y[i * d + k]) / (4 * H.t);
      }
      maxZ = std::max(maxZ, std::fabs(z));
      fscale = std::max(fscale, op.distance ? std::max(a, dist) : a);
    }
  const double u = op.f32 ? 6e-8 : 1.2e-16;
  const double cond = (op.eps == 0 || op.eps < 1e-200) ? 1 : 1 + std::min(1e8, maxZ / op.eps);
  const double tf = 8 * u * std::max(1.0, fscale);           // f, u
  const double tp = 16 * u * cond;                           // pi-dependent, per unit scale
  int fails = 0;
  auto check = [&](const char* what, int64_t i, double a, double b, double tol) {
    ++g_checks;
    if (Close(a, b, tol)) return;
    if (fails++ < 6)
      std::printf("  FAIL %s %s[%lld]: device %.17g cpu %.17g (tol %.3g)\n", label.c_str(), what, (long long)i, a, b,
                  tol);
  };
  const int64_t rows = B * Kp;
  for (int64_t o = 0; o < rows; ++o) {
    check("f", o, g.f[o], c.f[o], tf * (1 + 1e-3 * std::fabs(c.f[o])));
    if (op.distance) check("u", o, g.u[o], c.u[o], tf * (1 + 1e-3 * std::fabs(c.u[o])));
    // argmax: the same neuron, or one whose score ties it to rounding (f32 near-ties)
    if (g.argmax[o] != c.argmax[o]) {
      const int64_t q = o / Kp, h = sel.empty() ? o % Kp : sel[q];
      auto score = [&](int64_t j) {
        double z = H.b[h * H.N + j];
        for (int64_t k = 0; k < d; ++k) z += H.W[(h * H.N + j) * d + k] * X[q * d + k];
        return z;
      };
      const bool ok = g.argmax[o] >= 0 && g.argmax[o] < H.N &&
                      std::fabs(score(g.argmax[o]) - score(c.argmax[o])) <= 4 * tf;
      check("argmax", o, ok ? c.argmax[o] : g.argmax[o], c.argmax[o], 0);
    }
    if (op.entropy) check("entropy", o, g.ent[o], c.ent[o], tp * (1 + std::log(double(H.N))) + 1e-15);
    if (op.fhat) check("fhat", o, g.fhat[o], c.fhat[o], tp * gmax + tf);
    if (op.grad)
      for (int64_t k = 0; k < d; ++k) check("grad", o * d + k, g.grad[o * d + k], c.grad[o * d + k], tp * wmax + 1e-15);
    if (op.maxd) check("maxDistance", o, g.maxd[o], c.maxd[o], (op.f32 ? 1e-5 : 1e-12) * c.maxd[o] + 1e-300);
    if (op.hessian) check("hessian (float64, CPU pool)", o, g.hess[o], c.hess[o], 0);
    for (int64_t r = 0; r < op.topk; ++r) {
      const int64_t i = o * op.topk + r;
      check("topkPi", i, g.tkPi[i], c.tkPi[i], tp);
      if (g.tkIdx[i] != c.tkIdx[i] && !(std::fabs(g.tkPi[i] - c.tkPi[i]) <= tp && g.tkIdx[i] >= 0))
        check("topkIndex", i, g.tkIdx[i], c.tkIdx[i], 0);
    }
  }
  if (fails) {
    ++g_failures;
    std::printf("FAIL %s (%d mismatches)\n", label.c_str(), fails);
  } else {
    std::printf("ok   %s\n", label.c_str());
  }
}

// The CPU pass and the device pass on every precision and score mode. cpu64: the reference is the
// CPU's float64 pass also for float32 (inputs beyond float32's range, redone in float64).
void Case(const std::string& name, Model& m, const std::vector<double>& X, int64_t B, Opts op,
          const std::vector<int32_t>& sel = {}, bool cpu64 = false) {
  for (int prec = 0; prec < 2; ++prec) {
    for (int mode = 0; mode < 2; ++mode) {
      op.f32 = prec == 1;
      op.distance = mode == 1;
      char label[256];
      std::snprintf(label, sizeof label, "%s K=%lld N=%lld d=%lld B=%lld eps=%g %s %s%s", name.c_str(),
                    (long long)m.H->K, (long long)m.H->N, (long long)m.H->d, (long long)B, op.eps,
                    op.f32 ? "float32" : "float64", op.distance ? "distance" : "logit", sel.empty() ? "" : " heads");
      Out c, g;
      Opts ref = op;
      if (cpu64) ref.f32 = false;
      RunCpu(m, X, B, sel, ref, c);
      if (!RunDevice(m, X, B, sel, op, g)) {
        ++g_failures;
        std::printf("FAIL %s: the device declined the request\n", label);
        continue;
      }
      Compare(label, m, X, B, op, sel, c, g);
    }
  }
}

// Requests the device leaves to the CPU pass: GibbsOnDevice returns false and writes nothing.
void Declined(const std::string& name, Model& m, const std::vector<double>& X, int64_t B, const Opts& op) {
  Out g;
  ++g_checks;
  const bool ran = RunDevice(m, X, B, {}, op, g);
  const bool untouched = std::isnan(g.f[0]) && g.argmax[0] == -7;
  if (ran || !untouched) {
    ++g_failures;
    std::printf("FAIL %s: expected the device to decline it\n", name.c_str());
  } else {
    std::printf("ok   %s: left to the CPU pass\n", name.c_str());
  }
}

std::vector<double> RandomX(std::mt19937_64& rng, int64_t B, int64_t d, double scale) {
  std::normal_distribution<double> nd;
  std::vector<double> X(B * d);
  for (auto& x : X) x = scale * nd(rng);
  return X;
}

}  // namespace

namespace hjnet::check {

int GibbsCheck(bool big) {
  g_failures = g_checks = 0;
  std::mt19937_64 rng(12345);
  struct Shape {
    int64_t K, N, d, B;
  };
  std::vector<Shape> shapes = {{1, 1, 1, 3}, {2, 9, 5, 7}, {1, 300, 17, 130}, {3, 37, 2, 45}, {1, 70, 70, 20},
                               {1, 40, 130, 5}};
  if (big) shapes.insert(shapes.end(), {{1, 4096, 16, 5000}, {2, 1000, 64, 3000}, {1, 20000, 3, 600}});
  for (const Shape& s : shapes) {
    Model m = MakeModel(rng, s.K, s.N, s.d, 1.0, 1.0, 0.7, false);
    const std::vector<double> X = RandomX(rng, s.B, s.d, 1.0);
    for (double eps : {0.0, 1e-300, 0.05, 0.7, 1e300}) {
      Opts op;
      op.eps = eps;
      op.topk = s.N < 10 ? s.N + 3 : 6;
      Case("random", m, X, s.B, op);
    }
  }
  {  // f only
    Model m = MakeModel(rng, 2, 200, 16, 1.0, 1.0, 0.5, false);
    const std::vector<double> X = RandomX(rng, 33, 16, 1.0);
    Opts op;
    op.entropy = op.fhat = op.grad = op.maxd = false;
    op.topk = 0;
    op.eps = 0.25;
    Case("f-only", m, X, 33, op);
  }
  {  // B = 0
    Model m = MakeModel(rng, 2, 5, 3, 1.0, 1.0, 0.5, false);
    Case("empty", m, {}, 0, Opts{});
  }
  {  // ties at eps = 0 and eps > 0, one head per query
    Model m = MakeModel(rng, 3, 50, 4, 1.0, 0.0, 0.5, true);
    std::vector<double> X = RandomX(rng, 40, 4, 1.0);
    std::vector<int32_t> sel(40);
    for (int q = 0; q < 40; ++q) sel[q] = (q * 7) % 3;
    for (double eps : {0.0, 0.3}) {
      Opts op;
      op.eps = eps;
      op.topk = 4;
      Case("ties", m, X, 40, op);
      Case("ties", m, X, 40, op, sel);
    }
  }
  {  // extreme inputs: large |x|, very negative biases, float32 overflow (redone in float64)
    Model m = MakeModel(rng, 1, 50, 4, 1.0, 1e6, 0.3, false);
    const std::vector<double> X = RandomX(rng, 9, 4, 1e6);
    for (double eps : {0.0, 1e-3, 1.0, 1e300}) {
      Opts op;
      op.eps = eps;
      op.topk = 3;
      Case("extreme", m, X, 9, op);
    }
    Model big32 = MakeModel(rng, 1, 3, 2, 1e30, 0.0, 1.0, false);
    const std::vector<double> X2 = {1e20, 3, -2e19, 1};
    Opts op;
    op.eps = 0.5;
    op.topk = 2;
    Case("overflow32", big32, X2, 2, op);
  }
  {  // weights or queries beyond float32's range: inf and NaN (inf - inf) scores in float32
    // neuron 0 is (1e39, -1e39): in float32 its score at (1, 1) is inf - inf
    Model m = FromWeights(1, 6, 2, 0.5, {1e39, -1e39, 0.5, 0.2, -0.3, 0.9, 0.1, 0.1, 1, -1, 0.25, 0.5},
                          {0, 0.1, -0.2, 0.3, 0, 1});
    const std::vector<double> X = {1, 1, 0.5, -0.25, 1.000001, 1, -2, 3};
    for (double eps : {0.0, 0.5}) {
      Opts op;
      op.eps = eps;
      op.topk = 3;
      Case("nonfinite32 weights", m, X, 4, op, {}, true);
      op.fhat = false;  // fhat = sum pi g would be infinite too: the scores alone must tell
      Case("nonfinite32 weights, no fhat", m, X, 4, op, {}, true);
    }
    Model q = MakeModel(rng, 1, 20, 3, 1.0, 1.0, 0.5, false);
    const std::vector<double> Xq = {1e39, 0, 1, 0.5, -0.5, 2, -3e38, 3e38, 1};
    Opts op;
    op.eps = 0.2;
    op.topk = 2;
    Case("nonfinite32 queries", q, Xq, 3, op, {}, true);
  }
  {  // the Hessian norm (CPU pool after the device pass), the longest device top-k, fallbacks
    Model m = MakeModel(rng, 2, 100, 3, 1.0, 1.0, 0.5, false);
    const std::vector<double> X = RandomX(rng, 21, 3, 1.0);
    Opts op;
    op.eps = 0.3;
    op.hessian = true;
    op.topk = hjnet::device::kDeviceTopkMax;
    Case("hessian, longest top-k", m, X, 21, op);
    Opts pi = op;
    pi.pi = true;
    Declined("pi", m, X, 21, pi);
    Opts longer = op;
    longer.topk = hjnet::device::kDeviceTopkMax + 1;
    Declined("topk " + std::to_string(longer.topk), m, X, 21, longer);
  }
  if (InjectLaunchFailure(0)) {  // a CUDA error: auto answers on the CPU, HJNET_DEVICE=cuda throws
    Model m = MakeModel(rng, 1, 30, 3, 1.0, 1.0, 0.5, false);
    const std::vector<double> X = RandomX(rng, 5, 3, 1.0);
    Opts op;
    op.eps = 0.3;
    Out g;
    unsetenv("HJNET_DEVICE");
    const uint64_t before = hjnet::device::FallbackStats().count;
    const bool ran = RunDevice(m, X, 5, {}, op, g);
    const hjnet::device::Fallbacks after = hjnet::device::FallbackStats();
    ++g_checks;
    if (ran || after.count != before + 1 || after.lastError.find("emulated") == std::string::npos) {
      ++g_failures;
      std::printf("FAIL fallback: auto should leave a failed pass to the CPU and count it\n");
    } else {
      std::printf("ok   fallback: auto leaves a failed pass to the CPU (%s)\n", after.lastError.c_str());
    }
    InjectLaunchFailure(0);
    setenv("HJNET_DEVICE", "cuda", 1);
    bool threw = false;
    try {
      RunDevice(m, X, 5, {}, op, g);
    } catch (const std::runtime_error&) {
      threw = true;
    }
    unsetenv("HJNET_DEVICE");
    InjectLaunchFailure(-1);
    ++g_checks;
    if (!threw || hjnet::device::FallbackStats().count != before + 1) {
      ++g_failures;
      std::printf("FAIL fallback: HJNET_DEVICE=cuda should throw the CUDA error\n");
    } else {
      std::printf("ok   fallback: HJNET_DEVICE=cuda throws the CUDA error\n");
    }
  }
  std::printf("gibbs: %d comparisons, %d failing cases\n", g_checks, g_failures);
  return g_failures;
}

}  // namespace hjnet::check
