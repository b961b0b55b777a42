#include <kernel/problem.hpp>
#include <kernel/worker_pool.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

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

  TEST_CASE("[WorkerPool] bounds the answers waiting for a thread: beyond, 503 at once") {
    std::mutex gate;
    std::unique_lock hold(gate);
    kernel::WorkerPool pool(1, 2);
    kernel::Request request;
    request.path = "/slow";
    // The only thread is busy until the gate opens.
    pool.post([&gate] { std::lock_guard wait(gate); });
    auto job = [] { return kernel::Response::json(200, {{"ok", true}}); };
    std::vector<kernel::Response> admitted;
    admitted.push_back(pool.answer_later(request, job));
    admitted.push_back(pool.answer_later(request, job));
    CHECK(pool.waiting() == 2);
    auto refused = pool.answer_later(request, job);
    REQUIRE_FALSE(refused.is_deferred());
    CHECK(refused.status == 503);
    CHECK(refused.headers.get("Retry-After").value_or("") == "1");
    hold.unlock();
    for (auto& response : admitted) CHECK(kernel::settle(std::move(response)).status == 200);
    CHECK(pool.waiting() == 0);
    // A place comes back when its job starts: the pool admits again.
    CHECK(kernel::settle(pool.answer_later(request, job)).status == 200);
    // And when an admitted answer is dropped without ever being started.
    { auto dropped = pool.answer_later(request, job); }
    CHECK(pool.waiting() == 0);
  }
}
