// The few runtime services the CUDA kernels and their host code use, in two builds of the same
// source:
//   nvcc (__CUDACC__): the CUDA runtime (linked statically: cudart_static opens the driver with
//                      dlopen on first use, so the addon loads where there is no driver);
//   g++ with HJNET_CUDA_EMU: a block-by-block emulation on the host, one std::thread per CUDA
//                      thread and a barrier for __syncthreads, used by native/cuda/check/ to
//                      run the kernels and their host code without a GPU.
// Kernels use only block-level cooperation (shared memory and __syncthreads): no warp shuffles,
// no atomics, so the emulation runs the same algorithm the GPU does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#if defined(__CUDACC__)
#include <cuda_runtime.h>

#define HJ_DEV __device__ __forceinline__
#define HJ_GLOBAL __global__
#define HJ_BOUNDS(n) __launch_bounds__(n)
#define HJ_SYNC() __syncthreads()
#define HJ_TID() static_cast<int>(threadIdx.x)
#define HJ_BID() static_cast<int64_t>(blockIdx.x)
#define HJ_SMEM_DECL(name) extern __shared__ __align__(16) unsigned char name[]
#define HJ_LAUNCH(kernel, grid, block, smem, stream, ...) \
  kernel<<<static_cast<unsigned>(grid), (block), (smem), (stream)>>>(__VA_ARGS__)

namespace hjnet::gpu {
using Stream = cudaStream_t;
[[noreturn]] inline void Fail(cudaError_t e, const char* what) {
  throw std::runtime_error(std::string("CUDA ") + what + ": " + cudaGetErrorString(e));
}
inline void Check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) Fail(e, what);
}
inline Stream NewStream() {
  cudaStream_t s;
  Check(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), "cudaStreamCreate");
  return s;
}
inline void DeleteStream(Stream s) { cudaStreamDestroy(s); }
inline void Sync(Stream s) { Check(cudaStreamSynchronize(s), "cudaStreamSynchronize"); }
// Stream-ordered allocations from the device's default pool (SetDevice makes it keep freed
// blocks, so repeated passes do not go back to the driver).
inline void* Alloc(size_t bytes, Stream s) {
  void* p = nullptr;
  if (bytes == 0) return nullptr;
  Check(cudaMallocAsync(&p, bytes, s), "cudaMallocAsync");
  return p;
}
inline void Free(void* p, Stream s) {
  if (p) cudaFreeAsync(p, s);
}
// Persistent allocations (device copies of the heads).
inline void* AllocPersistent(size_t bytes) {
  void* p = nullptr;
  if (bytes == 0) return nullptr;
  Check(cudaMalloc(&p, bytes), "cudaMalloc");
  return p;
}
inline void FreePersistent(void* p) {
  if (p) cudaFree(p);  // errors ignored: may run after the runtime has been unloaded at exit
}
inline void ToDevice(void* dst, const void* src, size_t bytes, Stream s) {
  if (bytes) Check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, s), "cudaMemcpy to device");
}
inline void ToHost(void* dst, const void* src, size_t bytes, Stream s) {
  if (bytes) Check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, s), "cudaMemcpy to host");
}
inline void Zero(void* p, size_t bytes, Stream s) {
  if (bytes) Check(cudaMemsetAsync(p, 0, bytes, s), "cudaMemset");
}
inline void CheckLaunch(const char* what) { Check(cudaGetLastError(), what); }
inline void SetDevice() {
  Check(cudaSetDevice(0), "cudaSetDevice");
  // The default pool hands freed memory back to the driver at every synchronisation unless it
  // may keep some: up to 1 GiB here (once per process).
  static const bool kept = [] {
    cudaMemPool_t pool;
    Check(cudaDeviceGetDefaultMemPool(&pool, 0), "cudaDeviceGetDefaultMemPool");
    uint64_t keep = uint64_t{1} << 30;
    Check(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep), "cudaMemPoolSetAttribute");
    return true;
  }();
  (void)kept;
}
}  // namespace hjnet::gpu

#elif defined(HJNET_CUDA_EMU)
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#define HJ_DEV inline
#define HJ_GLOBAL inline
#define HJ_BOUNDS(n)
#define HJ_SYNC() ::hjnet::emu::Ctx().bar->arrive_and_wait()
#define HJ_TID() ::hjnet::emu::Ctx().tid
#define HJ_BID() ::hjnet::emu::Ctx().bid
#define HJ_SMEM_DECL(name) unsigned char* name = ::hjnet::emu::Ctx().smem
#define HJ_LAUNCH(kernel, grid, block, smem, stream, ...) \
  ::hjnet::emu::Launch((grid), (block), (smem), [&] { kernel(__VA_ARGS__); })

namespace hjnet::emu {
// __syncthreads for one block of n threads (C++17; std::barrier is C++20).
class Barrier {
 public:
  explicit Barrier(int n) : n_(n) {}
  void arrive_and_wait() {
    std::unique_lock<std::mutex> lock(mu_);
    const unsigned long gen = gen_;
    if (++arrived_ == n_) {
      arrived_ = 0;
      ++gen_;
      cv_.notify_all();
      return;
    }
    cv_.wait(lock, [&] { return gen_ != gen; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int n_, arrived_ = 0;
  unsigned long gen_ = 0;
};
struct ThreadCtx {
  int tid = 0;
  int64_t bid = 0;
  unsigned char* smem = nullptr;
  Barrier* bar = nullptr;
};
inline ThreadCtx& Ctx() {
  static thread_local ThreadCtx c;
  return c;
}
// Launches to run before one fails as a CUDA error would (-1: none fails): the checks of the
// run-time fallback to the CPU set it (native/cuda/check/).
inline std::atomic<int64_t>& LaunchesBeforeFailure() {
  static std::atomic<int64_t> n{-1};
  return n;
}
// Runs the grid one block at a time, each block as `block` threads sharing one buffer.
inline void Launch(int64_t grid, int block, size_t smem, const std::function<void()>& body) {
  if (int64_t n = LaunchesBeforeFailure().load(); n >= 0) {
    LaunchesBeforeFailure().store(n - 1);
    if (n == 0) throw std::runtime_error("CUDA kernel launch: unspecified launch failure (emulated)");
  }
  std::vector<unsigned char> shared(smem + 16);
  for (int64_t b = 0; b < grid; ++b) {
    std::memset(shared.data(), 0xA5, shared.size());  // garbage, as on the device
    Barrier bar(block);
    std::vector<std::thread> threads;
    threads.reserve(static_cast<size_t>(block));
    for (int t = 0; t < block; ++t) {
      threads.emplace_back([&, t] {
        ThreadCtx& c = Ctx();
        c.tid = t;
        c.bid = b;
        c.smem = shared.data();
        c.bar = &bar;
        body();
      });
    }
    for (auto& th : threads) th.join();
  }
}
}  // namespace hjnet::emu

namespace hjnet::gpu {
using Stream = int;
inline Stream NewStream() { return 0; }
inline void DeleteStream(Stream) {}
inline void Sync(Stream) {}
inline void* Alloc(size_t bytes, Stream) {
  if (bytes == 0) return nullptr;
  void* p = std::malloc(bytes);
  if (!p) throw std::bad_alloc();
  std::memset(p, 0xA5, bytes);  // garbage, as on the device
  return p;
}
inline void Free(void* p, Stream) { std::free(p); }
inline void* AllocPersistent(size_t bytes) { return Alloc(bytes, 0); }
inline void FreePersistent(void* p) { std::free(p); }
inline void ToDevice(void* dst, const void* src, size_t bytes, Stream) {
  if (bytes) std::memcpy(dst, src, bytes);
}
inline void ToHost(void* dst, const void* src, size_t bytes, Stream) {
  if (bytes) std::memcpy(dst, src, bytes);
}
inline void Zero(void* p, size_t bytes, Stream) {
  if (bytes) std::memset(p, 0, bytes);
}
inline void CheckLaunch(const char*) {}
inline void SetDevice() {}
}  // namespace hjnet::gpu

#else
#error "native/cuda/runtime.h: compile with nvcc, or with HJNET_CUDA_EMU for the host emulation"
#endif

namespace hjnet::gpu {

// Math that reads the same in device code and in the emulation.
#if defined(__CUDACC__)
HJ_DEV float Exp2(float a) { return exp2f(a); }
HJ_DEV double Exp2(double a) { return exp2(a); }
HJ_DEV float Fma(float a, float b, float c) { return fmaf(a, b, c); }
HJ_DEV double Fma(double a, double b, double c) { return fma(a, b, c); }
#else
inline float Exp2(float a) { return std::exp2(a); }
inline double Exp2(double a) { return std::exp2(a); }
inline float Fma(float a, float b, float c) { return std::fma(a, b, c); }
inline double Fma(double a, double b, double c) { return std::fma(a, b, c); }
#endif

template <typename T>
struct Limits;
template <>
struct Limits<float> {
  static constexpr float kFloor2 = -125.0f;  // 2^-125 is normal in float32
  static constexpr float kMax = 3.402823466e+38f;
};
template <>
struct Limits<double> {
  static constexpr double kFloor2 = -1021.0;  // 2^-1021 is normal in float64
  static constexpr double kMax = 1.7976931348623157e+308;
};

// A device buffer owned by one pass, freed on its stream.
class Buffer {
 public:
  Buffer() = default;
  Buffer(size_t bytes, Stream s) : p_(Alloc(bytes, s)), s_(s) {}
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  Buffer(Buffer&& o) noexcept : p_(o.p_), s_(o.s_) { o.p_ = nullptr; }
  Buffer& operator=(Buffer&& o) noexcept {
    if (this != &o) {
      Free(p_, s_);
      p_ = o.p_;
      s_ = o.s_;
      o.p_ = nullptr;
    }
    return *this;
  }
  ~Buffer() { Free(p_, s_); }
  template <typename U>
  U* as() const { return static_cast<U*>(p_); }

 private:
  void* p_ = nullptr;
  Stream s_{};
};

// A stream owned by one pass (synchronised before it is destroyed).
class OwnedStream {
 public:
  OwnedStream() : s_(NewStream()) {}
  OwnedStream(const OwnedStream&) = delete;
  OwnedStream& operator=(const OwnedStream&) = delete;
  ~OwnedStream() {
#if defined(__CUDACC__)
    cudaStreamSynchronize(s_);
#endif
    DeleteStream(s_);
  }
  Stream get() const { return s_; }

 private:
  Stream s_;
};

}  // namespace hjnet::gpu
