#include "kernel/priority_mutex.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <system_error>
#include <thread>

namespace {

// Busy for about `duration`, as a writer inside its transaction.
void work_for(std::chrono::microseconds duration) {
  auto until = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < until) {
  }
}

// A std::mutex whose lock() throws, as std::mutex::lock may (std::system_error), on the thread
// that set fail_next_lock; while hold_failure is set, that lock() waits before it throws.
class FailingMutex {
 public:
  static inline thread_local bool fail_next_lock = false;
  static inline std::atomic<bool> hold_failure{false};

  void lock() {
    if (fail_next_lock) {
      fail_next_lock = false;
      while (hold_failure.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      throw std::system_error(std::make_error_code(std::errc::resource_deadlock_would_occur));
    }
    mutex_.lock();
  }
  void unlock() { mutex_.unlock(); }

 private:
  std::mutex mutex_;
};

}  // namespace

TEST_SUITE("kernel") {
  TEST_CASE("[PriorityMutex] a writer that never pauses cannot keep the lock from lock_first") {
    // The writer takes the lock again the moment it lets it go, as a busy module's writer does.
    // With a plain mutex it wins nearly every time against a thread woken to take it; here, once
    // lock_first() waits, the writer gets the lock at most once more (if it was already past the
    // check), so over 50 calls it can take the lock at most 50 times while one waits.
    kernel::PriorityMutex mutex;
    std::atomic<bool> writing{true};
    int taken_while_first_waits = 0;  // under the lock
    long long writes = 0;             // under the lock
    std::thread writer([&] {
      while (writing.load()) {
        std::lock_guard lock(mutex);
        ++writes;
        if (mutex.first_waiting() > 0) ++taken_while_first_waits;
        work_for(std::chrono::microseconds(50));
      }
    });
    auto wrote = [&] {
      std::lock_guard lock(mutex);
      return writes > 0;
    };
    while (!wrote()) std::this_thread::yield();
    constexpr int kCalls = 50;
    for (int call = 0; call < kCalls; ++call) {
      // Between calls this thread sleeps, as the checkpointing thread does between passes: each
      // call comes while the writer holds the lock.
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      kernel::LockFirst first(mutex);
      work_for(std::chrono::microseconds(20));
    }
    writing = false;
    writer.join();
    MESSAGE("taken while lock_first waited: " << taken_while_first_waits);
    CHECK(taken_while_first_waits <= kCalls);
    CHECK(mutex.first_waiting() == 0);
  }

  TEST_CASE("[PriorityMutex] excludes lock and lock_first from each other") {
    kernel::PriorityMutex mutex;
    long long counter = 0;  // not atomic: the mutex alone keeps the increments whole
    constexpr int kEach = 20000;
    std::thread plain([&] {
      for (int i = 0; i < kEach; ++i) {
        std::lock_guard lock(mutex);
        ++counter;
      }
    });
    std::thread first([&] {
      for (int i = 0; i < kEach; ++i) {
        kernel::LockFirst lock(mutex);
        ++counter;
      }
    });
    plain.join();
    first.join();
    CHECK(counter == 2 * kEach);
    CHECK(mutex.first_waiting() == 0);
  }

  TEST_CASE("[PriorityMutex] a lock_first that throws leaves no one waiting for it") {
    // If it stayed counted as waiting, every later lock() would wait for ever.
    kernel::BasicPriorityMutex<FailingMutex> mutex;
    FailingMutex::fail_next_lock = true;
    CHECK_THROWS_AS(mutex.lock_first(), std::system_error);
    REQUIRE(mutex.first_waiting() == 0);
    std::thread writer([&] { std::lock_guard lock(mutex); });
    writer.join();
  }

  TEST_CASE("[PriorityMutex] a lock waiting for a lock_first that throws goes on") {
    kernel::BasicPriorityMutex<FailingMutex> mutex;
    FailingMutex::hold_failure = true;
    bool threw = false;
    std::thread first([&] {
      FailingMutex::fail_next_lock = true;
      try {
        mutex.lock_first();
      } catch (const std::system_error&) {
        threw = true;
      }
    });
    while (mutex.first_waiting() == 0) std::this_thread::yield();
    std::atomic<bool> locked{false};
    std::thread writer([&] {
      std::lock_guard lock(mutex);
      locked = true;
    });
    // The writer waits for the lock_first; there is no telling when it has begun to, so it gets
    // time to.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK_FALSE(locked.load());
    FailingMutex::hold_failure = false;  // the lock_first's lock() throws now
    first.join();
    CHECK(threw);
    // Without a wake-up the writer would wait for ever (and CTest's timeout fail the test).
    writer.join();
    CHECK(locked.load());
    CHECK(mutex.first_waiting() == 0);
  }
}
