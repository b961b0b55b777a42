#pragma once
// The writes that group commit queues (src/group_commit.cpp); private to the kernel. Complete
// here for Database's constructor and destructor, which own the queue.

#include "kernel/database.hpp"
#include "kernel/log.hpp"

#include <exception>
#include <functional>
#include <string>

namespace kernel {

struct Database::GroupedWrite {
  const std::function<void(Connection&)>& fn;
  std::string request_id;  // the caller's log ids, for the lines fn logs on the leader's thread
  std::string trace_id;
  std::exception_ptr error;
  bool done = false;
};

// Never moved: `write` refers to `fn`.
struct Database::QueuedWrite {
  QueuedWrite(std::function<void(Connection&)> f, std::function<void(std::exception_ptr)> d)
      : fn(std::move(f)), done(std::move(d)) {}
  QueuedWrite(const QueuedWrite&) = delete;
  QueuedWrite& operator=(const QueuedWrite&) = delete;

  std::function<void(Connection&)> fn;
  std::function<void(std::exception_ptr)> done;
  GroupedWrite write{fn, log::current_request_id(), log::current_trace_id(), nullptr, false};
};

}  // namespace kernel
