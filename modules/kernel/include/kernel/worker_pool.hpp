#pragma once
// A few threads for work too slow to run on an HTTP I/O thread: an I/O thread serves many
// connections, so one slow request there (hashing a password takes about 0.4 s of CPU) holds up
// every other request on it. At most `threads` jobs run at once, which also bounds their memory
// (64 MiB per password hash); the others wait in order. The answers waiting for the pool are
// bounded too (`max_waiting`): each holds one of the HTTP server's in-flight slots, so an
// unbounded queue would let a flood of slow requests take every slot from every other route.

#include "kernel/http.hpp"

#include <cstddef>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <string_view>

namespace kernel {

class WorkerPool {
 public:
  // The threads are named `<thread_prefix><n>` for operators (kernel/thread_name.hpp).
  explicit WorkerPool(int threads,
                      std::size_t max_waiting = std::numeric_limits<std::size_t>::max(),
                      std::string_view thread_prefix = "worker-");
  // Runs the jobs already posted, then joins the threads.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void post(std::function<void()> job);

  // A deferred response that `work` makes on one of this pool's threads, with the request's log
  // ids; an exception it throws becomes its problem answer (as a handler's would). `work` must
  // not refer to the request: copy what it needs. When `max_waiting` answers already wait for a
  // thread, it answers 503 with Retry-After at once instead (nothing is queued).
  Response answer_later(const Request& request, std::function<Response()> work);

  // Answers admitted by answer_later that no thread has started yet.
  std::size_t waiting() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kernel
