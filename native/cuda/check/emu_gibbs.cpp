// native/cuda/gibbs.cu compiled as C++ for the host emulation (HJNET_CUDA_EMU, runtime.h).
#include "cuda/gibbs.cu"

#include <cstdio>

#include "cuda/check/checks.h"

namespace hjnet::cuda {

// The emulation is the device (native/cuda/backend.cpp's Probe; the checks do not resolve
// HJNET_DEVICE, they call GibbsOnDevice directly), and its launches can be made to fail.
Probed ProbeDevice() {
  Probed p;
  p.ok = true;
  std::snprintf(p.name, sizeof p.name, "host emulation");
  return p;
}

}  // namespace hjnet::cuda

namespace hjnet::check {

bool InjectLaunchFailure(int64_t after) {
  emu::LaunchesBeforeFailure().store(after);
  return true;
}

}  // namespace hjnet::check
