#include "pool.h"

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace hjnet {
namespace {

constexpr int kComputeNice = 10;

struct Task {
  const std::function<void(size_t)>* fn = nullptr;
  size_t n = 0;
  std::atomic<size_t> next{0};
  size_t done = 0;    // guarded by the pool mutex
  int active = 0;     // workers currently holding this task, guarded by the pool mutex
  std::exception_ptr error;
  std::condition_variable cv;
};

class Pool {
 public:
  explicit Pool(int n) {
    threads_.reserve(n);
    for (int i = 0; i < n; ++i) threads_.emplace_back([this] { Loop(); });
  }
  // The pool lives for the whole process; its threads are detached at exit.
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& th : threads_) th.detach();
  }

  void Run(size_t n, const std::function<void(size_t)>& fn) {
    if (n == 0) return;
    Task task;
    task.fn = &fn;
    task.n = n;
    std::unique_lock<std::mutex> lock(mu_);
    queue_.push_back(&task);
    cv_.notify_all();
    task.cv.wait(lock, [&] { return task.done == task.n && task.active == 0; });
    if (task.error) std::rethrow_exception(task.error);
  }

 private:
  void Loop() {
    const FlushDenormals flush;  // for the thread's whole life
#if defined(__linux__)
    // Compute threads yield to the event loop: with as many of them as cores, a nice-0 pool
    // starves Node's main thread and the service's event-loop delay grows to tens of ms.
    // Throughput is unchanged when nothing else wants the cores. Best effort.
    setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), kComputeNice);
#endif
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      Task* task = queue_.front();
      ++task->active;
      lock.unlock();
      size_t finished = 0;
      std::exception_ptr error;
      for (size_t i; (i = task->next.fetch_add(1)) < task->n;) {
        try {
          (*task->fn)(i);
        } catch (...) {
          if (!error) error = std::current_exception();
        }
        ++finished;
      }
      lock.lock();
      if (!queue_.empty() && queue_.front() == task) queue_.pop_front();
      task->done += finished;
      if (error && !task->error) task->error = error;
      if (--task->active == 0 && task->done == task->n) task->cv.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task*> queue_;
  std::vector<std::thread> threads_;
  bool stop_ = false;
};

int ParseThreads() {
  const char* env = std::getenv("HJNET_THREADS");
  if (env != nullptr && *env != '\0') {
    errno = 0;
    char* end = nullptr;
    long v = std::strtol(env, &end, 10);
    if (errno != 0 || end == env || *end != '\0' || v < 1 || v > 1024) {
      throw std::invalid_argument(std::string("HJNET_THREADS must be an integer in [1, 1024], received '") +
                                  env + "'");
    }
    return static_cast<int>(v);
  }
  unsigned hc = std::thread::hardware_concurrency();
  return hc == 0 ? 1 : static_cast<int>(hc > 1024 ? 1024 : hc);
}

Pool& GetPool() {
  static Pool* pool = new Pool(PoolSize());  // never destroyed: threads may outlive statics
  return *pool;
}

}  // namespace

int PoolSize() {
  static const int n = ParseThreads();  // a throw leaves it uninitialised: retried next call
  return n;
}

// One work item runs on the calling worker thread: a hand-off to the pool and back costs more
// than a small request's whole pass.
void ParallelFor(size_t n, const std::function<void(size_t)>& fn) {
  if (n == 1) {
    SerialFor(1, fn);
    return;
  }
  GetPool().Run(n, fn);
}

void SerialFor(size_t n, const std::function<void(size_t)>& fn) {
  FlushDenormals flush;
  for (size_t i = 0; i < n; ++i) fn(i);
}

}  // namespace hjnet
