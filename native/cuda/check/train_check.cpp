// Checks the CUDA training pass (native/cuda/train.cu) against the CPU pass
// (hjnet::train::HopfColePass, native/train/hopf_cole_pass.cpp): loss, gradient and predictions,
// both parametrisations, both losses, float32 and float64, eps = 0 and eps > 0, with and
// without a row index. Built like gibbs_check.cpp (emulation, or the GPU).
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "cuda/check/checks.h"
#include "cuda/train.h"
#include "train/hopf_cole_pass.h"
#include "train/team.h"

namespace {

using namespace hjnet::train;

int g_failures = 0;

template <typename T>
void One(const std::string& name, const Layer& L, int64_t n, bool useIndex, std::mt19937_64& rng) {
  std::normal_distribution<double> nd;
  std::vector<double> theta(L.ParamsSize());
  for (auto& v : theta) v = nd(rng);
  std::vector<T> X(static_cast<size_t>(n * L.d));
  for (auto& v : X) v = static_cast<T>(nd(rng));
  std::vector<double> targets(static_cast<size_t>(n * L.K));
  for (auto& v : targets) v = nd(rng);
  std::vector<int32_t> labels(static_cast<size_t>(n));
  for (auto& v : labels) v = static_cast<int32_t>(rng() % L.K);
  Rows<T> rows;
  rows.X = X.data();
  rows.n = static_cast<size_t>(n);
  rows.targets = L.loss == Loss::kSquared ? targets.data() : nullptr;
  rows.labels = L.loss == Loss::kCrossEntropy ? labels.data() : nullptr;
  std::vector<uint32_t> index;
  size_t count = static_cast<size_t>(n);
  if (useIndex) {
    for (int64_t r = n - 1; r >= 0; r -= 2) index.push_back(static_cast<uint32_t>(r));
    count = index.size();
  }
  const uint32_t* ix = useIndex ? index.data() : nullptr;

  HopfColePass<T> cpu(L, 1);
  cpu.SetParams(theta.data());
  Team team(1);
  std::vector<double> gc(L.ParamsSize()), gg(L.ParamsSize());
  const double lc = cpu.LossGrad(team, rows, ix, count, gc.data());
  const double lg = hjnet::cuda::TrainLossGrad<T>(L, theta.data(), rows, ix, count, gg.data());
  std::vector<double> uc(count * L.K), ug(count * L.K);
  cpu.Predict(team, rows, ix, count, uc.data());
  hjnet::cuda::TrainPredict<T>(L, theta.data(), rows, ix, count, ug.data());

  const double u = sizeof(T) == 4 ? 6e-8 : 1.1e-16;
  // The CPU computes f in T (u = |x|^2/(4t) - f cancels), the device in float64 from the
  // same scores: differences of a few ulp of |x|^2/(4t) + |z|, and the softmax's conditioning
  // max|z|/eps in what depends on pi.
  const double cond = L.eps == 0 ? 1 : 1 + 30 / L.eps;
  double gmax = 0;
  for (double v : gc) gmax = std::max(gmax, std::fabs(v));
  int fails = 0;
  auto check = [&](const char* what, size_t i, double a, double b, double tol) {
    if (a == b || std::fabs(a - b) <= tol) return;
    if (fails++ < 6) std::printf("  FAIL %s %s[%zu]: device %.17g cpu %.17g (tol %.3g)\n", name.c_str(), what, i, a, b, tol);
  };
  check("loss", 0, lg, lc, 200 * u * cond * (1 + std::fabs(lc)));
  for (size_t i = 0; i < uc.size(); ++i) check("u", i, ug[i], uc[i], 200 * u * (1 + std::fabs(uc[i])));
  for (size_t i = 0; i < gc.size(); ++i) check("grad", i, gg[i], gc[i], 400 * u * cond * (1 + gmax));
  if (fails) {
    ++g_failures;
    std::printf("FAIL %s (%d mismatches)\n", name.c_str(), fails);
  } else {
    std::printf("ok   %s (loss %.6g)\n", name.c_str(), lc);
  }
}

}  // namespace

namespace hjnet::check {

int TrainCheck(bool big) {
  g_failures = 0;
  std::mt19937_64 rng(777);
  struct Shape {
    int K, N, d;
    int64_t n;
  };
  std::vector<Shape> shapes = {{1, 1, 1, 5}, {1, 30, 1, 70}, {3, 37, 5, 45}, {2, 70, 16, 100}, {1, 9, 70, 33}};
  if (big) shapes.insert(shapes.end(), {{1, 4096, 16, 4096}, {10, 500, 64, 2000}});
  for (const Shape& s : shapes) {
    for (double eps : {0.0, 0.05, 0.7}) {
      for (int param = 0; param < 2; ++param) {
        for (int loss = 0; loss < 2; ++loss) {
          if (loss == 1 && s.K < 2) continue;
          Layer L;
          L.K = s.K;
          L.N = s.N;
          L.d = s.d;
          L.t = 0.6;
          L.eps = eps;
          L.param = param ? Parametrization::kWeights : Parametrization::kSupport;
          L.loss = loss ? Loss::kCrossEntropy : Loss::kSquared;
          for (int idx = 0; idx < 2; ++idx) {
            char name[200];
            std::snprintf(name, sizeof name, "K=%d N=%d d=%d n=%lld eps=%g %s %s%s", s.K, s.N, s.d, (long long)s.n, eps,
                          param ? "weights" : "support", loss ? "cross-entropy" : "squared", idx ? " index" : "");
            One<double>(std::string(name) + " float64", L, s.n, idx == 1, rng);
            One<float>(std::string(name) + " float32", L, s.n, idx == 1, rng);
          }
        }
      }
    }
  }
  std::printf("train: %d failing cases\n", g_failures);
  return g_failures;
}

}  // namespace hjnet::check
