#pragma once
// The Payments module's entry point, and the payment-provider interface the application can
// plug a real provider into (the built-in one is payments/simulated_provider.hpp).

#include <eventbus/bus.hpp>
#include <kernel/module.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace payments {

struct ChargeRequest {
  // The order id. A provider must answer a repeated charge with the same key with the first
  // result and never charge twice: payments may repeat a charge whose outcome it failed to
  // record (a crash or a failed commit between the provider's answer and the commit).
  std::string idempotency_key;
  std::int64_t order_id = 0;
  std::int64_t user_id = 0;
  std::int64_t amount_cents = 0;
  std::string currency;
  std::string payment_token;
};

struct ChargeResult {
  bool approved = false;
  std::string reference;       // the provider's id of the charge; a refund names it
  std::string decline_reason;  // when not approved, e.g. "card_declined"
};

struct RefundResult {
  bool refunded = false;
  std::string reference;       // the provider's id of the refund
  std::string refusal_reason;  // when not refunded
};

// A payment provider. Called from the bus's delivery thread and from the module's worker threads
// (an admin's refund) at once, so an implementation must be thread-safe; never inside a database
// transaction. Throwing means "the outcome is unknown" (e.g. the provider could not be reached):
// the event is retried with back-off and jitter for PaymentsOptions::retry_for (a charge with the
// same idempotency key), and an HTTP caller gets a 503. A decline is an answer: never retried.
class PaymentProvider {
 public:
  virtual ~PaymentProvider() = default;
  virtual ChargeResult charge(const ChargeRequest& request) = 0;
  // Refunds a whole charge. Must be idempotent per provider_reference: a repeated refund of the
  // same charge returns the first result and moves no more money.
  virtual RefundResult refund(const std::string& provider_reference, std::int64_t amount_cents,
                              const std::string& currency) = 0;
};

// Subscribes on `bus` (orders.payment_requested.v1, orders.order_cancelled.v1) and serves
// /api/v1/payments. A null provider means the built-in SimulatedProvider without latency.
struct PaymentsOptions {
  // A provider call that failed transiently is retried with back-off (and jitter) up to
  // `retry_max_backoff`, for `retry_for` before the event becomes a dead letter.
  std::chrono::seconds retry_max_backoff{60};
  std::chrono::seconds retry_for{3600};
};

std::unique_ptr<kernel::Module> make_module(eventbus::ModuleBus& bus,
                                            std::shared_ptr<PaymentProvider> provider = nullptr,
                                            PaymentsOptions options = {});

}  // namespace payments
