// Checks the trainer on the device (native/train/trainer.cpp with TrainConfig::device): the
// same Adam and L-BFGS job on the device and on the CPU ends at the same parameters within
// tolerance, and the run-time fallback: a CUDA error under HJNET_DEVICE=auto moves the job to
// the CPU (the result then equals the CPU run's exactly when the first step failed), while
// HJNET_DEVICE=cuda fails the job with the error.
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "cuda/backend.h"
#include "cuda/check/checks.h"
#include "train/trainer.h"

namespace {

using namespace hjnet::train;

int g_failures = 0;

struct Job {
  TrainConfig config;
  std::vector<double> X, y, Xval, yval, theta;
  std::vector<int32_t> labels, labels_val;
  TrainData data;
};

Job MakeJob(std::mt19937_64& rng, bool f32, Parametrization param, Loss loss, int adam, int lbfgs) {
  std::normal_distribution<double> nd;
  Job j;
  Layer& L = j.config.layer;
  L.K = loss == Loss::kCrossEntropy ? 3 : 2;
  L.N = 24;
  L.d = 3;
  L.t = 0.5;
  L.eps = 0.1;
  L.param = param;
  L.loss = loss;
  j.config.float32 = f32;
  j.config.adam_steps = adam;
  j.config.lbfgs_steps = lbfgs;
  j.config.batch_size = 32;
  j.config.seed = 5;
  j.config.trainable_end = L.ParamsSize();
  j.config.eval_every = 5;
  const size_t n = 90, nval = 20;
  auto rows = [&](size_t count, std::vector<double>& X, std::vector<double>& y, std::vector<int32_t>& labels) {
    X.resize(count * L.d);
    for (auto& v : X) v = nd(rng);
    for (size_t r = 0; r < count; ++r) {
      const double* x = X.data() + r * L.d;
      if (loss == Loss::kSquared) {
        for (int k = 0; k < L.K; ++k) y.push_back(x[0] * x[0] + (k ? x[1] : -x[2]));
      } else {
        labels.push_back(x[0] > 0.5 ? 0 : x[1] > 0 ? 1 : 2);
      }
    }
  };
  rows(n, j.X, j.y, j.labels);
  rows(nval, j.Xval, j.yval, j.labels_val);
  j.theta.resize(L.ParamsSize());
  for (auto& v : j.theta) v = 0.5 * nd(rng);
  j.data = {j.X.data(), n, j.y.empty() ? nullptr : j.y.data(), j.labels.empty() ? nullptr : j.labels.data(),
            j.Xval.data(), nval, j.yval.empty() ? nullptr : j.yval.data(),
            j.labels_val.empty() ? nullptr : j.labels_val.data()};
  return j;
}

TrainOutcome Run(const Job& j, const std::string& device) {
  TrainConfig c = j.config;
  c.device = device;
  const std::atomic<bool> cancel{false};
  return Train(c, j.data, j.theta, cancel, [](const Progress&) {});
}

void Expect(bool ok, const std::string& what) {
  if (ok) {
    std::printf("ok   trainer: %s\n", what.c_str());
  } else {
    ++g_failures;
    std::printf("FAIL trainer: %s\n", what.c_str());
  }
}

double MaxDiff(const std::vector<double>& a, const std::vector<double>& b) {
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]) / (1 + std::fabs(b[i])));
  return a.size() == b.size() ? m : INFINITY;
}

}  // namespace

namespace hjnet::check {

int TrainerCheck() {
  g_failures = 0;
  std::mt19937_64 rng(99);
  const std::string name = "cuda:" + hjnet::device::Probe().name;
  setenv("HJNET_DEVICE", "cuda", 1);
  for (bool f32 : {false, true})
    for (auto param : {Parametrization::kSupport, Parametrization::kWeights})
      for (auto loss : {Loss::kSquared, Loss::kCrossEntropy}) {
        const Job j = MakeJob(rng, f32, param, loss, 12, 4);
        const TrainOutcome cpu = Run(j, ""), dev = Run(j, name);
        // A few ulp per pass (f in float64 on the device, in T on the CPU), grown by the steps.
        const double tol = f32 ? 1e-4 : 1e-12;
        const double diff = MaxDiff(dev.theta, cpu.theta);
        char what[200];
        std::snprintf(what, sizeof what, "%s %s %s: device and CPU parameters differ by %.2g (tol %.0e), device '%s'",
                      f32 ? "float32" : "float64", param == Parametrization::kSupport ? "support" : "weights",
                      loss == Loss::kSquared ? "squared" : "cross-entropy", diff, tol, dev.device.c_str());
        Expect(diff <= tol && dev.device == name && cpu.device == "cpu" && dev.steps_run == cpu.steps_run &&
                   dev.history.size() == cpu.history.size(),
               what);
      }
  if (InjectLaunchFailure(0)) {
    const Job j = MakeJob(rng, false, Parametrization::kSupport, Loss::kSquared, 10, 3);
    const TrainOutcome cpu = Run(j, "");
    unsetenv("HJNET_DEVICE");
    InjectLaunchFailure(0);
    const TrainOutcome first = Run(j, name);
    Expect(first.theta == cpu.theta && first.device.rfind("cpu (after a CUDA error at step 1: ", 0) == 0 &&
               first.device.find("(emulated)") != std::string::npos,
           "auto: a CUDA error at the first step runs the whole job on the CPU (" + first.device + ")");
    InjectLaunchFailure(7);
    const TrainOutcome later = Run(j, name);
    Expect(MaxDiff(later.theta, cpu.theta) <= 1e-12 && later.device.find("at step 1:") == std::string::npos &&
               later.device.rfind("cpu (after a CUDA error at step ", 0) == 0,
           "auto: a CUDA error later in the job goes on on the CPU (" + later.device + ")");
    setenv("HJNET_DEVICE", "cuda", 1);
    InjectLaunchFailure(3);
    std::string error;
    try {
      Run(j, name);
    } catch (const std::runtime_error& e) {
      error = e.what();
    }
    Expect(error.find("emulated") != std::string::npos, "HJNET_DEVICE=cuda: a CUDA error fails the job (" + error + ")");
    InjectLaunchFailure(-1);
  }
  unsetenv("HJNET_DEVICE");
  std::printf("trainer: %d failing cases\n", g_failures);
  return g_failures;
}

}  // namespace hjnet::check
