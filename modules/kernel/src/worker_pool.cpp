#include "kernel/worker_pool.hpp"

#include "kernel/log.hpp"
#include "kernel/problem.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace kernel {

// A queue and its threads (Asio stays out of modules/, so not asio::thread_pool).
struct WorkerPool::Impl {
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::function<void()>> jobs;
  bool stopping = false;
  std::vector<std::thread> threads;

  void work() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mutex);
        wake.wait(lock, [this] { return stopping || !jobs.empty(); });
        if (jobs.empty()) return;  // stopping, and every job is done
        job = std::move(jobs.front());
        jobs.pop_front();
      }
      try {
        job();
      } catch (const std::exception& error) {
        log::error("kernel", std::string("a worker pool job failed: ") + error.what());
      } catch (...) {
        log::error("kernel", "a worker pool job failed");
      }
    }
  }
};

WorkerPool::WorkerPool(int threads) : impl_(std::make_unique<Impl>()) {
  for (int i = 0; i < (threads < 1 ? 1 : threads); ++i) {
    impl_->threads.emplace_back([impl = impl_.get()] { impl->work(); });
  }
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  for (auto& thread : impl_->threads) thread.join();
}

void WorkerPool::post(std::function<void()> job) {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->jobs.push_back(std::move(job));
  }
  impl_->wake.notify_one();
}

Response WorkerPool::answer_later(const Request& request, std::function<Response()> work) {
  return Response::deferred([this, work = std::move(work), route = request.path,
                             request_id = request.request_id,
                             trace_id = log::current_trace_id()](Reply reply) mutable {
    post([work = std::move(work), reply = std::move(reply), route = std::move(route),
          request_id = std::move(request_id), trace_id = std::move(trace_id)] {
      log::Scope scope(request_id, trace_id);
      Response response;
      try {
        response = work();
      } catch (...) {
        response = problem_for(std::current_exception(), route, request_id);
      }
      reply(std::move(response));
    });
  });
}

}  // namespace kernel
