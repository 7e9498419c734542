// The checks of the CUDA code against the CPU code (gibbs_check.cpp, train_check.cpp), run by
// main.cpp. Each returns its number of failing cases; big adds the larger shapes (for a GPU).
#pragma once

namespace hjnet::check {

int GibbsCheck(bool big);
int TrainCheck(bool big);

}  // namespace hjnet::check
