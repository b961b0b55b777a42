#include <payments/simulated_provider.hpp>

#include <doctest/doctest.h>

#include <chrono>

namespace {

payments::ChargeRequest request(std::string key, std::string token) {
  return {std::move(key), 7, 3, 1250, "USD", std::move(token)};
}

}  // namespace

TEST_SUITE("payments") {
  TEST_CASE("[SimulatedProvider] declines tokens starting with tok_decline, approves the rest") {
    payments::SimulatedProvider provider;
    auto declined = provider.charge(request("1", "tok_decline_insufficient_funds"));
    CHECK_FALSE(declined.approved);
    CHECK(declined.decline_reason == "card_declined");
    auto approved = provider.charge(request("2", "tok_visa"));
    CHECK(approved.approved);
    CHECK(approved.decline_reason.empty());
    CHECK_FALSE(approved.reference.empty());
    CHECK(provider.charge(request("3", "tok_declin")).approved);  // only the exact prefix
    CHECK(provider.charge(request("4", "")).approved);
  }

  TEST_CASE("[SimulatedProvider] a repeated idempotency key returns the first result") {
    payments::SimulatedProvider provider;
    auto first = provider.charge(request("42", "tok_visa"));
    auto again = provider.charge(request("42", "tok_decline"));
    CHECK(again.approved == first.approved);
    CHECK(again.reference == first.reference);
    CHECK(provider.charge(request("43", "tok_visa")).reference != first.reference);
  }

  TEST_CASE("[SimulatedProvider] forgets the oldest keys beyond its memory bound") {
    payments::SimulatedProvider provider(std::chrono::milliseconds(0), 2);
    CHECK(provider.charge(request("1", "tok_visa")).approved);
    provider.charge(request("2", "tok_visa"));
    provider.charge(request("3", "tok_visa"));
    // Key 1 is forgotten, so the same key now gets a fresh answer.
    CHECK_FALSE(provider.charge(request("1", "tok_decline")).approved);
    CHECK(provider.charge(request("3", "tok_decline")).approved);  // still remembered
  }

  TEST_CASE("[SimulatedProvider] refunds any charge reference once, idempotently") {
    payments::SimulatedProvider provider;
    auto charge = provider.charge(request("5", "tok_visa"));
    auto refund = provider.refund(charge.reference, 1250, "USD");
    CHECK(refund.refunded);
    CHECK_FALSE(refund.reference.empty());
    CHECK(provider.refund(charge.reference, 1250, "USD").reference == refund.reference);
    // A charge made before a restart (unknown to this instance) can still be refunded.
    payments::SimulatedProvider restarted;
    CHECK(restarted.refund(charge.reference, 1250, "USD").refunded);
    CHECK_FALSE(restarted.refund("", 1250, "USD").refunded);
  }

  TEST_CASE("[SimulatedProvider] sleeps its configured latency in each call") {
    using std::chrono::milliseconds;
    payments::SimulatedProvider provider(milliseconds(50));
    CHECK(provider.latency() == milliseconds(50));
    auto start = std::chrono::steady_clock::now();
    provider.charge(request("9", "tok_visa"));
    auto charged = std::chrono::steady_clock::now();
    provider.refund("sim_ch_9", 1250, "USD");
    auto refunded = std::chrono::steady_clock::now();
    CHECK(charged - start >= milliseconds(50));
    CHECK(refunded - charged >= milliseconds(50));
  }
}

TEST_SUITE("payments") {
  TEST_CASE("[SimulatedProvider] tok_outage_<N>s is unreachable for N seconds, then approves") {
    kernel::ManualClock clock;
    payments::SimulatedProvider provider(std::chrono::milliseconds(0), 100, &clock);
    CHECK_THROWS_AS(provider.charge(request("1", "tok_outage_8s")), std::runtime_error);
    clock.advance(std::chrono::seconds(5));
    CHECK_THROWS_AS(provider.charge(request("1", "tok_outage_8s")), std::runtime_error);
    // Another order's outage starts at its own first attempt.
    CHECK_THROWS_AS(provider.charge(request("2", "tok_outage_8s")), std::runtime_error);
    clock.advance(std::chrono::seconds(3));
    auto approved = provider.charge(request("1", "tok_outage_8s"));
    CHECK(approved.approved);
    CHECK_THROWS_AS(provider.charge(request("2", "tok_outage_8s")), std::runtime_error);
    CHECK(provider.charge(request("3", "tok_outage_0s")).approved);
    CHECK(provider.charge(request("4", "tok_outage_xs")).approved);  // not an outage token
  }
}
