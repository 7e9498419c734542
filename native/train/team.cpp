#include "train/team.h"

#include "pool.h"

namespace hjnet::train {

int TeamSize() { return hjnet::PoolSize(); }

void Team::Run(const std::function<void(int)>& fn) {
  if (size_ == 1) {  // no hand-off for a single share
    fn(0);
    return;
  }
  hjnet::ParallelFor(static_cast<size_t>(size_), [&](size_t i) { fn(static_cast<int>(i)); });
}

}  // namespace hjnet::train
