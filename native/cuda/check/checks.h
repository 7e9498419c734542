// The checks of the CUDA code against the CPU code (gibbs_check.cpp, train_check.cpp,
// trainer_check.cpp), run by main.cpp. Each returns its number of failing cases; big adds the
// larger shapes (for a GPU).
#pragma once

#include <cstdint>

namespace hjnet::check {

int GibbsCheck(bool big);
int TrainCheck(bool big);
int TrainerCheck();

/**
 * Makes the device's launch after `after` more launches fail as a CUDA error does (-1: none).
 * False where that cannot be done (on a GPU): the fallback checks are then skipped.
 */
bool InjectLaunchFailure(int64_t after);

}  // namespace hjnet::check
