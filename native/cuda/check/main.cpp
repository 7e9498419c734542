// hjnet_cuda_emu / hjnet_cuda_check [--big]: every check of the CUDA code against the CPU code;
// exit status 0 when all agree within tolerance.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>

#include "cuda/check/checks.h"

int main(int argc, char** argv) {
  bool big = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--big") == 0) {
      big = true;
    } else {
      std::fprintf(stderr, "usage: %s [--big]\n", argv[0]);
      return 2;
    }
  }
  // A CUDA error fails the checks with its message; the fallback checks set auto themselves.
  setenv("HJNET_DEVICE", "cuda", 1);
  try {
    const int failing = hjnet::check::GibbsCheck(big) + hjnet::check::TrainCheck(big) + hjnet::check::TrainerCheck();
    std::printf("%d failing cases\n", failing);
    return failing == 0 ? 0 : 1;
  } catch (const std::exception& e) {  // e.g. no CUDA device
    std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
    return 1;
  }
}
