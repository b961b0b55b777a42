#pragma once
// The HTTP status a use case's refusal maps to, for unit tests that call use cases directly.

#include <kernel/problem.hpp>

#include <functional>

namespace mart::test {

// The status of the kernel::ApiError `fn` throws, or 0 when it returns normally.
inline int status_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const kernel::ApiError& e) {
    return e.status();
  }
  return 0;
}

}  // namespace mart::test
