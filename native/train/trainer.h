// The training loop of a Hopf–Cole layer, entirely in native code: minibatch Adam and/or
// full-batch L-BFGS over the fused pass, seeded batches, periodic validation, early
// stopping, a cancel flag checked every step, throttled progress reports.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "train/adam.h"
#include "train/layer.h"
#include "train/lbfgs.h"

namespace hjnet::train {

struct TrainConfig {
  Layer layer;
  bool float32 = false;
  /** Adam steps first (all of them for method adam, the warm start for lbfgs), then L-BFGS iterations. */
  int adam_steps = 0;
  int lbfgs_steps = 0;
  AdamConfig adam;
  LbfgsConfig lbfgs;
  /** Rows per Adam step; 0 or >= n: the full batch. */
  size_t batch_size = 256;
  uint64_t seed = 0;
  /** The slice of theta that is trained (fixed-support: the initial data only). */
  size_t trainable_begin = 0;
  size_t trainable_end = 0;
  /** Validation and one history entry every eval_every steps (and after the last one). */
  int eval_every = 10;
  /** Stop after this many evaluations without improvement and keep the best (0: never). */
  int patience = 0;
  int threads = 1;
  /**
   * Run the passes on the CUDA device (native/cuda/backend.h), or "cuda:<name>" as chosen by
   * HJNET_DEVICE; empty: the CPU. After a device error under auto the job goes on on the CPU.
   */
  std::string device;
  /** Minimum seconds between progress reports. */
  double progress_interval_s = 0.1;
};

/** Rows in standardised units; validation rows optional (nval = 0). */
struct TrainData {
  const double* X = nullptr;
  size_t n = 0;
  const double* targets = nullptr;  // [n, K] (squared loss)
  const int32_t* labels = nullptr;  // [n] (cross-entropy)
  const double* Xval = nullptr;
  size_t nval = 0;
  const double* targets_val = nullptr;
  const int32_t* labels_val = nullptr;
};

struct HistoryEntry {
  int step;
  /** Mean training loss over the steps since the previous entry (full batch for L-BFGS). */
  double loss;
  /** RMSE (squared loss) or accuracy (cross-entropy) on the validation rows; NaN without. */
  double val_metric;
};

struct Progress {
  int step;
  int steps;
  double loss;
  double val_metric;
};

struct TrainOutcome {
  std::vector<double> theta;
  std::vector<HistoryEntry> history;
  int steps_run = 0;
  /** Step whose parameters were returned (the best validation with early stopping). */
  int best_step = 0;
  bool stopped_early = false;
  /** Where the passes ran: "cpu", "cuda:<name>", or "cpu (after a CUDA error at step s: ...)". */
  std::string device;
};

/** Thrown for a NaN or infinite loss or parameters; the message is "non-finite loss". */
struct NonFiniteLoss : std::runtime_error {
  NonFiniteLoss() : std::runtime_error("non-finite loss") {}
};
struct Cancelled : std::runtime_error {
  Cancelled() : std::runtime_error("training cancelled") {}
};

TrainOutcome Train(const TrainConfig& config, const TrainData& data, std::vector<double> theta,
                   const std::atomic<bool>& cancel, const std::function<void(const Progress&)>& report);

/** Predictions u [n, K] of the layer at theta for rows X [n, d]. */
std::vector<double> Predict(const Layer& layer, bool float32, int threads, const double* theta, const double* X,
                            size_t n);

/** Mean loss and its gradient over all rows (tests compare it with finite differences). */
double LossAndGradient(const Layer& layer, bool float32, int threads, const double* theta, const double* X,
                       size_t n, const double* targets, const int32_t* labels, double* grad);

}  // namespace hjnet::train
