// One bounded, process-wide compute pool (started lazily). Callers block in ParallelFor,
// which only ever runs on libuv worker threads (AsyncWorker::Execute), never on the JS thread.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace hjnet {

// Size from HJNET_THREADS (an integer in [1, 1024]) or std::thread::hardware_concurrency().
// Throws std::invalid_argument with a readable message when HJNET_THREADS is malformed.
int PoolSize();

// Runs fn(i) for i in [0, n) on the pool and returns when all are done. The first exception
// thrown by fn is rethrown here (the remaining items still run).
void ParallelFor(size_t n, const std::function<void(size_t)>& fn);

}  // namespace hjnet
