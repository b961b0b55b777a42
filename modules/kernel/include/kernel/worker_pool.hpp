#pragma once
// A few threads for work too slow to run on an HTTP I/O thread: an I/O thread serves many
// connections, so one slow request there (hashing a password takes about 0.4 s of CPU) holds up
// every other request on it. At most `threads` jobs run at once, which also bounds their memory
// (64 MiB per password hash); the others wait in order.

#include "kernel/http.hpp"

#include <functional>
#include <memory>
#include <string>

namespace kernel {

class WorkerPool {
 public:
  explicit WorkerPool(int threads);
  // Runs the jobs already posted, then joins the threads.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void post(std::function<void()> job);

  // A deferred response that `work` makes on one of this pool's threads, with the request's log
  // ids; an exception it throws becomes its problem answer (as a handler's would). `work` must
  // not refer to the request: copy what it needs.
  Response answer_later(const Request& request, std::function<Response()> work);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kernel
