// N-API exports of the training engine (see src/engine/training/native.ts for their types).
#pragma once

#include <napi.h>

namespace hjnet {

/** Adds trainHopfCole, predictHopfCole, lossGradHopfCole, kmeansPlusPlus, nearestNeighbours. */
void InitTraining(Napi::Env env, Napi::Object exports);

}  // namespace hjnet
