// One bounded, process-wide compute pool (started lazily). Callers block in ParallelFor,
// which only ever runs on libuv worker threads (AsyncWorker::Execute), never on the JS thread;
// passes small enough to run on the JS thread use SerialFor, which never waits on the pool.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

namespace hjnet {

// Flush-to-zero and denormals-are-zero on this thread while in scope (the caller's mode is
// restored after). The pool's threads always run so; every kernel that runs on another thread
// takes one, so that no result depends on the thread that computed it, and no denormal
// operation (~100 cycles each) stalls a pass.
#if defined(__x86_64__) || defined(__i386__)
class FlushDenormals {
 public:
  FlushDenormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | 0x8040); }  // FTZ | DAZ
  ~FlushDenormals() { _mm_setcsr(saved_); }
  FlushDenormals(const FlushDenormals&) = delete;
  FlushDenormals& operator=(const FlushDenormals&) = delete;

 private:
  unsigned saved_;
};
#else
struct FlushDenormals {};
#endif

// Size from HJNET_THREADS (an integer in [1, 1024]) or std::thread::hardware_concurrency().
// Throws std::invalid_argument with a readable message when HJNET_THREADS is malformed.
int PoolSize();

// Runs fn(i) for i in [0, n) on the pool and returns when all are done. The first exception
// thrown by fn is rethrown here (the remaining items still run).
void ParallelFor(size_t n, const std::function<void(size_t)>& fn);

// Runs fn(i) for i in [0, n) one after another on the calling thread.
void SerialFor(size_t n, const std::function<void(size_t)>& fn);

}  // namespace hjnet
