// The fused forward and backward pass of a Hopf–Cole layer over a set of rows:
//   z_j = W_j.x + b_j (for support coordinates W = y/(2t), b = -g - |y|^2/(4t)),
//   u = |x|^2/(4t) - eps log sum_j exp(z_j/eps)
//     = -eps log sum_j exp(-(g_j + |x - y_j|^2/(4t))/eps),
//   pi = softmax(z/eps) (eps = 0: the first maximiser, a subgradient of the tropical max),
//   du/dg_j = pi_j, du/dy_j = pi_j (y_j - x)/(2t); du/dW_j = -pi_j x, du/db_j = -pi_j.
// Writing the scores as one affine map makes both passes matrix products (B x d times
// d x N, then N x B times B x d); in standardised units the cancellation in
// |x|^2/(4t) - f costs a few ulp of |x|^2/(4t), far below what training resolves.
// Rows are split into one contiguous share per team member, each with its own gradient
// accumulators, summed in member order: the result depends only on the rows and the team
// size, never on timing.
#pragma once

#include <memory>
#include <vector>

#include "train/layer.h"
#include "train/team.h"

namespace hjnet::train {

template <typename T>
class HopfColePass {
 public:
  HopfColePass(const Layer& layer, int team_size);
  ~HopfColePass();

  /** Sets theta = [points | values] (in float64) for the following passes. */
  void SetParams(const double* theta);

  /**
   * Mean loss over the rows `index[0..count)` of `rows` (all rows 0..count when index is
   * null) and, when grad is not null, its gradient with respect to theta (ParamsSize()).
   * The squared loss is the mean over rows and heads; cross-entropy the mean over rows.
   */
  double LossGrad(Team& team, const Rows<T>& rows, const uint32_t* index, size_t count, double* grad);

  /** u [count, K] at the rows (index as in LossGrad). */
  void Predict(Team& team, const Rows<T>& rows, const uint32_t* index, size_t count, double* u);

 private:
  struct Workspace;
  template <bool kBackward>
  void Share(int member, const Rows<T>& rows, const uint32_t* index, size_t count, double* u_out);

  Layer layer_;
  const double* theta_ = nullptr;
  int Np_;               // N padded for the register tiles
  int dp_;               // d padded to whole vectors
  std::vector<T> wt_;    // [K][d][Np] transposed weights
  std::vector<T> bias_;  // [K][Np]
  std::vector<std::unique_ptr<Workspace>> work_;
  int members_;
};

extern template class HopfColePass<double>;
extern template class HopfColePass<float>;

}  // namespace hjnet::train
