// Limited-memory BFGS (Nocedal & Wright, Algorithm 7.4/7.5) on the trainable slice
// [begin, end) of the parameter vector: the two-loop recursion for the direction and a
// backtracking line search that accepts the first step satisfying the Armijo condition.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <vector>

namespace hjnet::train {

struct LbfgsConfig {
  int memory = 10;
  double armijo_c1 = 1e-4;
  int max_backtracks = 40;
};

/** loss(theta), writing the full gradient into grad. */
using Objective = std::function<double(const double* theta, double* grad)>;

class Lbfgs {
 public:
  Lbfgs(size_t size, size_t begin, size_t end, const LbfgsConfig& config);

  /**
   * One iteration from (theta, loss, grad), all updated in place. Returns false when no
   * step decreases the loss (converged to rounding, or a zero gradient).
   */
  bool Step(std::vector<double>& theta, double& loss, std::vector<double>& grad, const Objective& f);

 private:
  struct Pair {
    std::vector<double> s, y;
    double rho;
  };
  double Dot(const std::vector<double>& a, const std::vector<double>& b) const;
  void Direction(const std::vector<double>& grad, std::vector<double>& dir) const;

  size_t size_, begin_, end_;
  LbfgsConfig config_;
  std::deque<Pair> pairs_;
  std::vector<double> trial_, trial_grad_, dir_;
};

}  // namespace hjnet::train
