#include "gateway/rate_limiter.hpp"

#include <doctest/doctest.h>

using namespace std::chrono_literals;

TEST_SUITE("gateway") {
  TEST_CASE("[FailureLimiter] blocks after N failures in the window until the oldest expires") {
    kernel::ManualClock clock;
    mart::gateway::FailureLimiter limiter(3, 60s);
    for (int i = 0; i < 3; ++i) {
      CHECK_FALSE(limiter.blocked_for("k", clock.now()));
      limiter.record_failure("k", clock.now());
      clock.advance(10s);
    }
    auto wait = limiter.blocked_for("k", clock.now());
    REQUIRE(wait);
    CHECK(*wait == 30s);  // the first failure, 30 s ago, leaves the window in 30 s
    CHECK_FALSE(limiter.blocked_for("other", clock.now()));
    clock.advance(31s);
    CHECK_FALSE(limiter.blocked_for("k", clock.now()));
    limiter.record_failure("k", clock.now());
    limiter.reset("k");
    CHECK_FALSE(limiter.blocked_for("k", clock.now()));
  }

  TEST_CASE("[FailureLimiter] memory stays bounded by max_keys") {
    kernel::ManualClock clock;
    mart::gateway::FailureLimiter limiter(1, 60s, 10);
    for (int i = 0; i < 100; ++i) limiter.record_failure("k" + std::to_string(i), clock.now());
    int blocked = 0;
    for (int i = 0; i < 100; ++i)
      blocked += limiter.blocked_for("k" + std::to_string(i), clock.now()) ? 1 : 0;
    CHECK(blocked <= 10);
    CHECK(limiter.blocked_for("k99", clock.now()));  // the newest is kept
  }

  TEST_CASE("[RequestLimiter] a token bucket: burst, then the rate") {
    kernel::ManualClock clock;
    mart::gateway::RequestLimiter limiter(2.0, 4.0);
    for (int i = 0; i < 4; ++i) CHECK_FALSE(limiter.admit("ip", clock.now()));
    CHECK(limiter.admit("ip", clock.now()));
    CHECK_FALSE(limiter.admit("other", clock.now()));
    clock.advance(500ms);
    CHECK_FALSE(limiter.admit("ip", clock.now()));
    CHECK(limiter.admit("ip", clock.now()));
  }
}
