#include "train/lbfgs.h"

#include <algorithm>
#include <cmath>

namespace hjnet::train {

Lbfgs::Lbfgs(size_t size, size_t begin, size_t end, const LbfgsConfig& config)
    : size_(size), begin_(begin), end_(end), config_(config), trial_(size), trial_grad_(size), dir_(size, 0.0) {}

double Lbfgs::Dot(const std::vector<double>& a, const std::vector<double>& b) const {
  double s = 0;
  for (size_t i = begin_; i < end_; i++) s += a[i] * b[i];
  return s;
}

void Lbfgs::Direction(const std::vector<double>& grad, std::vector<double>& dir) const {
  std::fill(dir.begin(), dir.end(), 0.0);
  for (size_t i = begin_; i < end_; i++) dir[i] = -grad[i];
  std::vector<double> alpha(pairs_.size());
  for (size_t p = pairs_.size(); p-- > 0;) {
    alpha[p] = pairs_[p].rho * Dot(pairs_[p].s, dir);
    for (size_t i = begin_; i < end_; i++) dir[i] -= alpha[p] * pairs_[p].y[i];
  }
  if (!pairs_.empty()) {  // H0 = gamma I with gamma = s.y / y.y of the newest pair
    const Pair& last = pairs_.back();
    const double gamma = 1 / (last.rho * Dot(last.y, last.y));
    for (size_t i = begin_; i < end_; i++) dir[i] *= gamma;
  }
  for (size_t p = 0; p < pairs_.size(); p++) {
    const double beta = pairs_[p].rho * Dot(pairs_[p].y, dir);
    for (size_t i = begin_; i < end_; i++) dir[i] += (alpha[p] - beta) * pairs_[p].s[i];
  }
}

bool Lbfgs::Step(std::vector<double>& theta, double& loss, std::vector<double>& grad, const Objective& f) {
  const double gnorm = std::sqrt(Dot(grad, grad));
  if (gnorm == 0) return false;
  Direction(grad, dir_);
  double slope = Dot(grad, dir_);
  if (!(slope < 0)) {  // not a descent direction (curvature lost to rounding): restart
    pairs_.clear();
    Direction(grad, dir_);
    slope = Dot(grad, dir_);
  }
  // Without curvature pairs the direction is -grad: scale the first trial to unit length.
  double step = pairs_.empty() ? std::min(1.0, 1 / gnorm) : 1.0;
  for (int b = 0; b <= config_.max_backtracks; b++, step *= 0.5) {
    trial_ = theta;
    for (size_t i = begin_; i < end_; i++) trial_[i] += step * dir_[i];
    const double trial_loss = f(trial_.data(), trial_grad_.data());
    if (!std::isfinite(trial_loss) || trial_loss > loss + config_.armijo_c1 * step * slope) continue;
    Pair pair{std::vector<double>(size_, 0.0), std::vector<double>(size_, 0.0), 0};
    for (size_t i = begin_; i < end_; i++) {
      pair.s[i] = trial_[i] - theta[i];
      pair.y[i] = trial_grad_[i] - grad[i];
    }
    const double sy = Dot(pair.s, pair.y);
    // Keep the pair only with positive curvature, so that the inverse Hessian stays positive.
    if (sy > 1e-12 * std::sqrt(Dot(pair.s, pair.s) * Dot(pair.y, pair.y))) {
      pair.rho = 1 / sy;
      pairs_.push_back(std::move(pair));
      if (static_cast<int>(pairs_.size()) > config_.memory) pairs_.pop_front();
    }
    theta.swap(trial_);
    grad.swap(trial_grad_);
    loss = trial_loss;
    return true;
  }
  return false;
}

}  // namespace hjnet::train
