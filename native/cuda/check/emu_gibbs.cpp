// native/cuda/gibbs.cu compiled as C++ for the host emulation (HJNET_CUDA_EMU, runtime.h).
#include "cuda/gibbs.cu"

#include <cstdio>

namespace hjnet::cuda {

// The emulation is the device (native/cuda/backend.cpp's Probe; the checks do not resolve
// HJNET_DEVICE, they call GibbsOnDevice directly).
Probed ProbeDevice() {
  Probed p;
  p.ok = true;
  std::snprintf(p.name, sizeof p.name, "host emulation");
  return p;
}

}  // namespace hjnet::cuda
