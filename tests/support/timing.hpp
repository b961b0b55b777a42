#pragma once
// Waiting for something asynchronous (a delivery, a connection closing, a server's flow) and
// timing it, in tests that run real threads or processes; the in-memory bus's tests run until
// idle instead.
// Header-only, so tests that link only the HTTP client can use it too.

#include <chrono>
#include <functional>
#include <thread>

namespace mart::test {

// Polls `condition` every `poll` until it holds or `timeout` passes; returns its last value.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(20),
                       std::chrono::milliseconds poll = std::chrono::milliseconds(20)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return condition();
    std::this_thread::sleep_for(poll);
  }
  return true;
}

// The time from `start` until now, in whole milliseconds.
inline std::chrono::milliseconds since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

}  // namespace mart::test
