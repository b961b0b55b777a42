#pragma once
// A provider for payments' tests: the simulated provider behind a counter, which can also lose
// the answer of its first calls (it charged, then threw), as a crash between the provider's
// answer and the commit would.

#include <payments/simulated_provider.hpp>

#include <functional>
#include <set>
#include <stdexcept>
#include <string>

namespace payments::test {

class CountingProvider final : public PaymentProvider {
 public:
  ChargeResult charge(const ChargeRequest& request) override {
    ++charge_calls;
    if (on_call) on_call();
    keys.insert(request.idempotency_key);
    if (charges_unreachable) throw std::runtime_error("connection refused");
    auto result = inner.charge(request);
    if (lose_answers > 0) {
      --lose_answers;
      throw std::runtime_error("connection reset after the charge");
    }
    return result;
  }
  RefundResult refund(const std::string& reference, std::int64_t amount_cents,
                      const std::string& currency) override {
    ++refund_calls;
    if (on_call) on_call();
    if (unreachable) throw std::runtime_error("connection refused");
    if (refuse_refunds) return {false, "", "charge_disputed"};
    return inner.refund(reference, amount_cents, currency);
  }

  SimulatedProvider inner;
  int charge_calls = 0;
  int refund_calls = 0;
  int lose_answers = 0;  // how many of the next charges throw after charging
  bool refuse_refunds = false;
  bool unreachable = false;          // refunds throw, as when the provider cannot be reached
  bool charges_unreachable = false;  // charges throw before charging (an outage)
  std::function<void()> on_call;     // called first in each charge and refund
  std::set<std::string> keys;        // idempotency keys the provider saw
};

}  // namespace payments::test
