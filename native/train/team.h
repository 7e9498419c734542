// A fixed number of work shares for one training job, run on the addon's bounded compute
// pool (native/pool.h): Run(fn) calls fn(i) for every share i = 0..size()-1 and returns when
// all are done. Share i always gets the same rows and its own gradient accumulators, and the
// accumulators are summed in share order, so results depend on the share count (the
// thread count) and never on which pool thread ran what.
#pragma once

#include <functional>

namespace hjnet::train {

/** The pool's size (HJNET_THREADS or the core count). */
int TeamSize();

class Team {
 public:
  explicit Team(int size) : size_(size < 1 ? 1 : size) {}
  int size() const { return size_; }
  /** Runs fn(i) for every share; the first exception is rethrown here. */
  void Run(const std::function<void(int)>& fn);

 private:
  int size_;
};

}  // namespace hjnet::train
