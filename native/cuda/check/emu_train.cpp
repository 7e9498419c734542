// native/cuda/train.cu compiled as C++ for the host emulation (HJNET_CUDA_EMU, runtime.h).
#include "cuda/train.cu"
