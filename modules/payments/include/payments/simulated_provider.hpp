#pragma once
// The built-in payment provider, for local runs and tests: it moves no money. It declines every
// payment token that starts with "tok_decline" (reason "card_declined") and approves every other
// one; a configurable latency is slept in each call, so slow payments can be tested.
// A token "tok_outage_<N>s" makes the provider unreachable for that order (charge() throws, a
// transient failure, not a decline) for N seconds from its first attempt; then it approves.

#include <payments/module.hpp>

#include <kernel/time.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

namespace payments {

class SimulatedProvider final : public PaymentProvider {
 public:
  // `remembered` bounds how many charges (and refunds) are kept for idempotency; the oldest are
  // forgotten first, so a long run does not grow without limit.
  // `clock` (the system clock when null) times the simulated outages.
  explicit SimulatedProvider(std::chrono::milliseconds latency = std::chrono::milliseconds(0),
                             std::size_t remembered = 100'000,
                             const kernel::Clock* clock = nullptr);

  ChargeResult charge(const ChargeRequest& request) override;
  RefundResult refund(const std::string& provider_reference, std::int64_t amount_cents,
                      const std::string& currency) override;

  std::chrono::milliseconds latency() const { return latency_; }

 private:
  template <class Result>
  struct Memo {
    std::unordered_map<std::string, Result> results;
    std::deque<std::string> order;  // keys, oldest first
  };
  template <class Result>
  void remember(Memo<Result>& memo, const std::string& key, const Result& result);

  // Throws while `request`'s simulated outage lasts (a "tok_outage_<N>s" token).
  void simulate_outage(const ChargeRequest& request);

  std::chrono::milliseconds latency_;
  std::size_t remembered_;
  kernel::SystemClock system_clock_;
  const kernel::Clock* clock_;
  Memo<kernel::TimePoint> outages_;  // idempotency key -> its first attempt
  std::mutex mutex_;
  Memo<ChargeResult> charges_;
  Memo<RefundResult> refunds_;
};

}  // namespace payments
