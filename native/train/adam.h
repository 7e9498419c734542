// Adam (Kingma & Ba) on the trainable slice [begin, end) of the parameter vector, in float64.
#pragma once

#include <cstddef>
#include <vector>

namespace hjnet::train {

struct AdamConfig {
  double lr = 1e-2;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
};

class Adam {
 public:
  Adam(size_t begin, size_t end, const AdamConfig& config);
  /** theta -= lr * mhat / (sqrt(vhat) + eps) on [begin, end), with bias-corrected moments. */
  void Step(double* theta, const double* grad);

 private:
  size_t begin_, end_;
  AdamConfig config_;
  std::vector<double> m_, v_;
  long step_ = 0;
};

}  // namespace hjnet::train
