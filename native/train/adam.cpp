#include "train/adam.h"

#include <cmath>

namespace hjnet::train {

Adam::Adam(size_t begin, size_t end, const AdamConfig& config)
    : begin_(begin), end_(end), config_(config), m_(end - begin, 0.0), v_(end - begin, 0.0) {}

void Adam::Step(double* theta, const double* grad) {
  step_++;
  const double b1 = config_.beta1, b2 = config_.beta2;
  const double c1 = 1 / (1 - std::pow(b1, static_cast<double>(step_)));
  const double c2 = 1 / (1 - std::pow(b2, static_cast<double>(step_)));
  for (size_t i = begin_; i < end_; i++) {
    const size_t s = i - begin_;
    const double g = grad[i];
    m_[s] = b1 * m_[s] + (1 - b1) * g;
    v_[s] = b2 * v_[s] + (1 - b2) * g * g;
    theta[i] -= config_.lr * (m_[s] * c1) / (std::sqrt(v_[s] * c2) + config_.eps);
  }
}

}  // namespace hjnet::train
