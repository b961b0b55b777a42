#include "kernel/worker_pool.hpp"

#include "kernel/log.hpp"
#include "kernel/problem.hpp"
#include "kernel/thread_name.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace kernel {

// A queue and its threads (Asio stays out of modules/, so not asio::thread_pool).
struct WorkerPool::Impl {
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::function<void()>> jobs;
  bool stopping = false;
  std::vector<std::thread> threads;
  // The waiting places answer_later hands out.
  struct Budget {
    std::mutex mutex;
    std::size_t max_waiting = 0;
    std::size_t waiting = 0;  // answers admitted and not started

    // Takes a waiting place, or says there is none.
    bool admit() {
      std::lock_guard lock(mutex);
      if (waiting >= max_waiting) return false;
      ++waiting;
      return true;
    }
    void release() {
      std::lock_guard lock(mutex);
      --waiting;
    }
  };
  // Shared with the places it hands out, which a deferred answer may keep past the pool.
  std::shared_ptr<Budget> budget;

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

WorkerPool::WorkerPool(int threads, std::size_t max_waiting, std::string_view thread_prefix)
    : impl_(std::make_unique<Impl>()) {
  impl_->budget = std::make_shared<Impl::Budget>();
  impl_->budget->max_waiting = max_waiting;
  for (int i = 0; i < (threads < 1 ? 1 : threads); ++i) {
    impl_->threads.emplace_back(
        [impl = impl_.get(),
         name = thread_name_with_number(thread_prefix, static_cast<std::size_t>(i) + 1)] {
          name_this_thread(name);
          impl->work();
        });
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

namespace {

// One admitted answer's waiting place, given back when its job starts or when it is dropped
// unstarted (a deferred answer the server never ran, a pool stopping).
class Place {
 public:
  explicit Place(std::function<void()> release) : release_(std::move(release)) {}
  Place(Place&& other) noexcept : release_(std::exchange(other.release_, nullptr)) {}
  Place& operator=(Place&&) = delete;
  ~Place() { give_back(); }
  void give_back() {
    if (auto release = std::exchange(release_, nullptr)) release();
  }

 private:
  std::function<void()> release_;
};

}  // namespace

std::size_t WorkerPool::waiting() const {
  std::lock_guard lock(impl_->budget->mutex);
  return impl_->budget->waiting;
}

Response WorkerPool::answer_later(const Request& request, std::function<Response()> work) {
  if (!impl_->budget->admit()) {
    auto busy = problem_response(503, "Service Unavailable",
                                 "Too many password checks are waiting; try again shortly.");
    busy.headers.set("Retry-After", "1");
    return busy;
  }
  auto place = std::make_shared<Place>([budget = impl_->budget] { budget->release(); });
  return Response::deferred([this, work = std::move(work), route = request.path,
                             request_id = request.request_id, trace_id = log::current_trace_id(),
                             place = std::move(place)](Reply reply) mutable {
    post([work = std::move(work), reply = std::move(reply), route = std::move(route),
          request_id = std::move(request_id), trace_id = std::move(trace_id),
          place = std::move(place)] {
      place->give_back();  // running now: no longer waiting
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
