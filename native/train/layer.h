// What a training pass needs to know about the layer: K heads of N neurons in dimension d,
// the gauge time t, the viscosity eps, how the parameters are stored and the loss.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hjnet::train {

/** Squared error of u against targets, or softmax cross-entropy on the scores -u_k. */
enum class Loss { kSquared, kCrossEntropy };

/**
 * The coordinates being optimised. theta = [points (K*N*d) | values (K*N)], row-major:
 * kSupport: support points y and initial data g (Hopf–Cole coordinates);
 * kWeights: weights W and biases b (the paper's parametrisation).
 */
enum class Parametrization { kSupport, kWeights };

struct Layer {
  int K = 1;
  int N = 1;
  int d = 1;
  double t = 1;
  double eps = 0;
  Parametrization param = Parametrization::kSupport;
  Loss loss = Loss::kSquared;

  size_t PointsSize() const { return static_cast<size_t>(K) * N * d; }
  size_t ValuesSize() const { return static_cast<size_t>(K) * N; }
  size_t ParamsSize() const { return PointsSize() + ValuesSize(); }
};

/**
 * Rows in the units the pass computes in (standardised): X [n, d] in T, and targets [n, K]
 * (kSquared) or class labels [n] in 0..K-1 (kCrossEntropy).
 */
template <typename T>
struct Rows {
  const T* X = nullptr;
  size_t n = 0;
  const double* targets = nullptr;
  const int32_t* labels = nullptr;
};

}  // namespace hjnet::train
