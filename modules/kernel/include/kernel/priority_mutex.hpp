#pragma once
// A mutex that a thread can ask to take ahead of the others: a database's write lock, which the
// WAL catch-up must get while writers keep coming. std::mutex gives no turn to a waiter: a writer
// that unlocks and locks again at once can keep the lock for as long as it writes, and then the
// catch-up never runs and the WAL grows without bound.

#include <atomic>
#include <mutex>

namespace kernel {

// `Mutex` is std::mutex but for tests, which give it one whose lock() throws.
template <class Mutex>
class BasicPriorityMutex {
 public:
  // Waits while a lock_first() is waiting, then takes the lock.
  void lock() {
    for (int waiting; (waiting = first_waiting_.load(std::memory_order_acquire)) > 0;) {
      first_waiting_.wait(waiting, std::memory_order_acquire);
    }
    mutex_.lock();
  }
  void unlock() { mutex_.unlock(); }

  // Takes the lock before any lock() called from now on (a lock() already waiting inside the
  // mutex may still go first).
  void lock_first() {
    first_waiting_.fetch_add(1, std::memory_order_acq_rel);
    // Stops waiting first whether lock() returns or throws: a count left raised would make every
    // later lock() wait for ever.
    struct StopWaiting {
      std::atomic<int>& waiting;
      ~StopWaiting() {
        if (waiting.fetch_sub(1, std::memory_order_acq_rel) == 1) waiting.notify_all();
      }
    } stop_waiting{first_waiting_};
    mutex_.lock();
  }

  // How many lock_first() calls are waiting (for tests).
  int first_waiting() const { return first_waiting_.load(std::memory_order_acquire); }

 private:
  Mutex mutex_;
  std::atomic<int> first_waiting_{0};
};

using PriorityMutex = BasicPriorityMutex<std::mutex>;

// Takes `mutex` with lock_first() for a scope.
class LockFirst {
 public:
  explicit LockFirst(PriorityMutex& mutex) : mutex_(mutex) { mutex_.lock_first(); }
  ~LockFirst() { mutex_.unlock(); }
  LockFirst(const LockFirst&) = delete;
  LockFirst& operator=(const LockFirst&) = delete;

 private:
  PriorityMutex& mutex_;
};

}  // namespace kernel
