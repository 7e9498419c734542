#include "train/trainer.h"

#include <chrono>
#include <cmath>
#include <numeric>
#include <type_traits>

#include "cuda/backend.h"
#include "train/hopf_cole_pass.h"
#include "train/rng.h"
#include "train/team.h"

namespace hjnet::train {

namespace {

using Clock = std::chrono::steady_clock;

/** Rows in the pass's precision; float64 rows are used in place, float32 ones converted once. */
template <typename T>
Rows<T> MakeRows(const double* X, size_t n, int d, const double* targets, const int32_t* labels,
                 std::vector<T>& storage) {
  Rows<T> rows;
  if constexpr (std::is_same_v<T, double>) {
    rows.X = X;
  } else {
    storage.assign(X, X + n * static_cast<size_t>(d));
    rows.X = storage.data();
  }
  rows.n = n;
  rows.targets = targets;
  rows.labels = labels;
  return rows;
}

/** RMSE over all outputs (squared loss) or accuracy of argmin_k u_k (cross-entropy). */
double Metric(const Layer& layer, const std::vector<double>& u, size_t n, const double* targets,
              const int32_t* labels) {
  const int K = layer.K;
  if (layer.loss == Loss::kSquared) {
    double s = 0;
    for (size_t i = 0; i < n * K; i++) s += (u[i] - targets[i]) * (u[i] - targets[i]);
    return std::sqrt(s / (static_cast<double>(n) * K));
  }
  size_t correct = 0;
  for (size_t i = 0; i < n; i++) {
    int best = 0;
    for (int k = 1; k < K; k++)
      if (u[i * K + k] < u[i * K + best]) best = k;
    correct += best == labels[i];
  }
  return static_cast<double>(correct) / n;
}

bool AllFinite(const std::vector<double>& v) {
  for (double x : v)
    if (!std::isfinite(x)) return false;
  return true;
}

template <typename T>
TrainOutcome Run(const TrainConfig& config, const TrainData& data, std::vector<double> theta,
                 const std::atomic<bool>& cancel, const std::function<void(const Progress&)>& report) {
  const Layer& layer = config.layer;
  Team team(config.threads);
  HopfColePass<T> pass(layer, team.size());
  std::vector<T> x_store, xval_store;
  const Rows<T> train = MakeRows<T>(data.X, data.n, layer.d, data.targets, data.labels, x_store);
  const Rows<T> val = MakeRows<T>(data.Xval, data.nval, layer.d, data.targets_val, data.labels_val, xval_store);
  std::vector<double> grad(layer.ParamsSize(), 0.0), uval(data.nval * layer.K);
  const int total = config.adam_steps + config.lbfgs_steps;
  const bool early_stopping = config.patience > 0 && data.nval > 0;
  const bool higher_is_better = layer.loss == Loss::kCrossEntropy;

  TrainOutcome out;
  // The device pass while it works; the CPU pass from the first step it does not.
  bool on_device = !config.device.empty() && device::TrainFitsDevice(layer, std::is_same_v<T, float>);
  out.device = on_device ? config.device
               : config.device.empty()
                   ? "cpu"
                   : "cpu (d = " + std::to_string(layer.d) + " needs more shared memory than " + config.device + " has)";
  int step_now = 0;
  std::string device_error;
  auto leave_device = [&] {
    on_device = false;
    out.device = "cpu (after a CUDA error at step " + std::to_string(step_now) + ": " + device_error + ")";
  };
  auto loss_grad = [&](const double* th, const uint32_t* index, size_t count, double* g) {
    double loss = 0;
    if (on_device) {
      if (device::TrainLossGradOnDevice<T>(layer, th, train, index, count, g, &loss, &device_error)) return loss;
      leave_device();
    }
    pass.SetParams(th);
    return pass.LossGrad(team, train, index, count, g);
  };
  double interval_sum = 0, report_sum = 0, last_val = NAN, best_metric = NAN;
  int interval_count = 0, report_count = 0, bad_evals = 0;
  std::vector<double> best;
  auto last_report = Clock::now();

  auto validate = [&]() -> double {
    if (data.nval == 0) return NAN;
    if (!on_device ||
        !device::TrainPredictOnDevice<T>(layer, theta.data(), val, nullptr, data.nval, uval.data(), &device_error)) {
      if (on_device) leave_device();
      pass.SetParams(theta.data());
      pass.Predict(team, val, nullptr, data.nval, uval.data());
    }
    return Metric(layer, uval, data.nval, data.targets_val, data.labels_val);
  };
  auto send = [&](int step) {
    report(Progress{step, total, report_count ? report_sum / report_count : NAN, last_val});
    report_sum = 0;
    report_count = 0;
    last_report = Clock::now();
  };
  auto record = [&](int step) {
    last_val = validate();
    out.history.push_back({step, interval_count ? interval_sum / interval_count : NAN, last_val});
    interval_sum = 0;
    interval_count = 0;
    if (!early_stopping) return false;
    const bool improved = std::isnan(best_metric) || (higher_is_better ? last_val > best_metric : last_val < best_metric);
    if (improved) {
      best_metric = last_val;
      best = theta;
      out.best_step = step;
      bad_evals = 0;
      return false;
    }
    return ++bad_evals >= config.patience;
  };
  // Bookkeeping after each step; true asks to stop (early stopping).
  auto after_step = [&](int step, double loss) {
    if (!std::isfinite(loss)) throw NonFiniteLoss();
    out.steps_run = step;
    interval_sum += loss;
    interval_count++;
    report_sum += loss;
    report_count++;
    bool stop = false;
    if (step % config.eval_every == 0 || step == total) stop = record(step);
    const double since = std::chrono::duration<double>(Clock::now() - last_report).count();
    if (since >= config.progress_interval_s || step == total || stop) send(step);
    return stop;
  };

  bool stopped = false;
  // Minibatch Adam: batches walk through a seeded shuffle of the rows, reshuffled per epoch.
  if (config.adam_steps > 0) {
    Adam adam(config.trainable_begin, config.trainable_end, config.adam);
    const bool full = config.batch_size == 0 || config.batch_size >= data.n;
    const size_t batch = full ? data.n : config.batch_size;
    std::vector<uint32_t> order(data.n);
    std::iota(order.begin(), order.end(), 0u);
    Rng rng(config.seed);
    size_t pos = data.n;
    for (int step = 1; step <= config.adam_steps && !stopped; step++) {
      if (cancel.load(std::memory_order_relaxed)) throw Cancelled();
      const uint32_t* index = nullptr;
      if (!full) {
        if (pos + batch > data.n) {
          rng.Shuffle(order);
          pos = 0;
        }
        index = order.data() + pos;
        pos += batch;
      }
      step_now = step;
      const double loss = loss_grad(theta.data(), index, batch, grad.data());
      if (!std::isfinite(loss)) throw NonFiniteLoss();
      adam.Step(theta.data(), grad.data());
      stopped = after_step(step, loss);
    }
  }
  // Full-batch L-BFGS (after the Adam warm start, if any).
  if (config.lbfgs_steps > 0 && !stopped) {
    Objective f = [&](const double* th, double* g) {
      if (cancel.load(std::memory_order_relaxed)) throw Cancelled();
      return loss_grad(th, nullptr, data.n, g);
    };
    step_now = config.adam_steps + 1;
    double loss = f(theta.data(), grad.data());
    if (!std::isfinite(loss)) throw NonFiniteLoss();
    Lbfgs lbfgs(layer.ParamsSize(), config.trainable_begin, config.trainable_end, config.lbfgs);
    for (int it = 1; it <= config.lbfgs_steps && !stopped; it++) {
      step_now = config.adam_steps + it;
      const bool moved = lbfgs.Step(theta, loss, grad, f);
      stopped = after_step(config.adam_steps + it, loss);
      if (!moved) break;  // converged: no step lowers the loss any more
    }
  }
  if (out.history.empty() || out.history.back().step != out.steps_run) {
    record(out.steps_run);
    send(out.steps_run);
  }
  out.stopped_early = stopped;
  if (early_stopping && !best.empty()) {
    theta.swap(best);
  } else {
    out.best_step = out.steps_run;
  }
  if (!AllFinite(theta)) throw NonFiniteLoss();
  out.theta = std::move(theta);
  return out;
}

}  // namespace

TrainOutcome Train(const TrainConfig& config, const TrainData& data, std::vector<double> theta,
                   const std::atomic<bool>& cancel, const std::function<void(const Progress&)>& report) {
  return config.float32 ? Run<float>(config, data, std::move(theta), cancel, report)
                        : Run<double>(config, data, std::move(theta), cancel, report);
}

template <typename T>
static std::vector<double> PredictAs(const Layer& layer, int threads, const double* theta, const double* X, size_t n) {
  Team team(threads);
  HopfColePass<T> pass(layer, team.size());
  std::vector<T> store;
  const Rows<T> rows = MakeRows<T>(X, n, layer.d, nullptr, nullptr, store);
  std::vector<double> u(n * layer.K);
  pass.SetParams(theta);
  pass.Predict(team, rows, nullptr, n, u.data());
  return u;
}

std::vector<double> Predict(const Layer& layer, bool float32, int threads, const double* theta, const double* X,
                            size_t n) {
  return float32 ? PredictAs<float>(layer, threads, theta, X, n) : PredictAs<double>(layer, threads, theta, X, n);
}

template <typename T>
static double LossGradAs(const Layer& layer, int threads, const double* theta, const double* X, size_t n,
                         const double* targets, const int32_t* labels, double* grad) {
  Team team(threads);
  HopfColePass<T> pass(layer, team.size());
  std::vector<T> store;
  const Rows<T> rows = MakeRows<T>(X, n, layer.d, targets, labels, store);
  pass.SetParams(theta);
  return pass.LossGrad(team, rows, nullptr, n, grad);
}

double LossAndGradient(const Layer& layer, bool float32, int threads, const double* theta, const double* X,
                       size_t n, const double* targets, const int32_t* labels, double* grad) {
  return float32 ? LossGradAs<float>(layer, threads, theta, X, n, targets, labels, grad)
                 : LossGradAs<double>(layer, threads, theta, X, n, targets, labels, grad);
}

}  // namespace hjnet::train
