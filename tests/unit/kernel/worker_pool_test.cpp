#include <kernel/problem.hpp>
#include <kernel/worker_pool.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <thread>

TEST_SUITE("kernel") {
  TEST_CASE("[WorkerPool] answers later, off the caller's thread; a throw becomes its problem") {
    kernel::WorkerPool pool(2);
    kernel::Request request;
    request.path = "/slow";
    request.request_id = "req-1";
    auto caller = std::this_thread::get_id();
    std::thread::id worker;
    auto response = pool.answer_later(request, [&worker] {
      worker = std::this_thread::get_id();
      return kernel::Response::json(200, {{"ok", true}});
    });
    REQUIRE(response.is_deferred());
    auto answer = kernel::settle(std::move(response));
    CHECK(answer.status == 200);
    CHECK(worker != caller);

    auto failed = kernel::settle(pool.answer_later(request, []() -> kernel::Response {
      throw kernel::ApiError::unprocessable("Bad.", {{"field", "is wrong"}});
    }));
    CHECK(failed.status == 422);
    auto crashed = kernel::settle(
        pool.answer_later(request, []() -> kernel::Response { throw std::runtime_error("boom"); }));
    CHECK(crashed.status == 500);
  }

  TEST_CASE(
      "[WorkerPool] runs at most `threads` jobs at once, and every posted job before it goes") {
    std::atomic<int> running{0};
    std::atomic<int> most{0};
    std::atomic<int> done{0};
    {
      kernel::WorkerPool pool(2);
      for (int i = 0; i < 8; ++i) {
        pool.post([&] {
          int now = ++running;
          int seen = most.load();
          while (now > seen && !most.compare_exchange_weak(seen, now)) {
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
          --running;
          ++done;
        });
      }
    }  // the destructor runs what is queued, then joins
    CHECK(done.load() == 8);
    CHECK(most.load() <= 2);
  }
}
