// The fused forward/backward pass of a Hopf–Cole layer on a CUDA device: the same inputs and
// results as hjnet::train::HopfColePass<T> (native/train/hopf_cole_pass.h) after SetParams(theta).
//
//   forward:  the streaming Gibbs pass (native/cuda/gibbs_kernel.cuh, logit mode, f only):
//             f = eps LSE(z/eps) per row and head with online log-sum-exp, no B x N matrix;
//             u = |x|^2/(4t) - f; the loss and dL/du per row on the host (O(rows K));
//   backward: one thread per neuron, rows streamed through shared memory in a fixed order:
//             pi_j = exp((z_j - f)/eps) (eps = 0: the first maximiser), c = dL/du pi_j,
//             dL/dg_j = sum c, sum c x accumulated per neuron in T over a tile of rows and in
//             float64 across tiles: deterministic (no atomics), independent of timing.
//
// The trainer calls it through native/cuda/backend.h (TrainLossGradOnDevice, with the fallback
// to the CPU); native/cuda/check/ compares it with HopfColePass, emulated and on a GPU.
#pragma once

#include <cstddef>
#include <cstdint>

#include "train/layer.h"

namespace hjnet::cuda {

/**
 * Mean loss over rows index[0..count) (all rows 0..count when index is null) and, when grad is
 * not null, its gradient with respect to theta (layer.ParamsSize()). Throws std::runtime_error
 * on a CUDA error, std::invalid_argument when d is beyond what TrainSupported allows.
 */
template <typename T>
double TrainLossGrad(const train::Layer& layer, const double* theta, const train::Rows<T>& rows,
                     const uint32_t* index, size_t count, double* grad);

/** u [count, K] at the rows (index as in TrainLossGrad). */
template <typename T>
void TrainPredict(const train::Layer& layer, const double* theta, const train::Rows<T>& rows,
                  const uint32_t* index, size_t count, double* u);

/** Whether the backward kernel's shared memory holds a layer of dimension d on device 0. */
bool TrainSupported(const train::Layer& layer, bool f32);

}  // namespace hjnet::cuda
