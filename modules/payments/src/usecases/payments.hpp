#pragma once
// The payments use cases: charge an order once, refund a paid order when it is cancelled or when
// an admin says so, and let owners and admins read payments. Every change commits together with
// the event that describes it.

#include "domain/payment.hpp"

#include <payments/module.hpp>

#include <eventbus/bus.hpp>
#include <kernel/auth.hpp>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace payments {

// What orders.payment_requested.v1 asks for.
struct ChargeOrder {
  std::int64_t order_id = 0;
  std::int64_t user_id = 0;
  std::int64_t amount_cents = 0;
  std::string currency;
  std::string payment_token;
};

struct PaymentPage {
  std::vector<Payment> items;
  std::optional<std::int64_t> next_after;  // keyset position for the next page
};

// The provider threw: whether it acted is unknown, so the caller must retry or give up.
class ProviderUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The provider answered that it will not refund this charge.
class RefundRefused : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Payments {
 public:
  Payments(eventbus::ModuleBus& bus, std::shared_ptr<PaymentProvider> provider);

  // Reactions to orders' events, inside the handler's transaction `tx`.
  //
  // Charges the order unless it already has a payment (a redelivered or repeated request) or was
  // cancelled; records the outcome and publishes PaymentSucceeded or PaymentFailed. Throws
  // ProviderUnavailable so the bus retries later (with the same idempotency key).
  void charge_order(eventbus::Tx& tx, const ChargeOrder& order);
  // Refunds the order's succeeded payment, if any (publishing PaymentRefunded), and remembers
  // the order as cancelled. Throws ProviderUnavailable or RefundRefused so the bus retries and,
  // in the end, an operator sees the dead letter.
  void on_order_cancelled(eventbus::Tx& tx, std::int64_t order_id);

  // Requests. Throw kernel::ApiError.
  //
  // 404 unless the payment exists and `caller` owns it or is an admin.
  Payment get(std::int64_t id, const kernel::Principal& caller);
  // The order's payments that `caller` may see: an order of someone else gives an empty page.
  PaymentPage list_for_order(std::int64_t order_id, const kernel::Principal& caller,
                             std::int64_t after, int limit);
  // Admin refund: 404 unknown, 409 unless succeeded or when the provider refuses, 503 when the
  // provider cannot be reached.
  Payment refund(std::int64_t id, const eventbus::Trace& trace);

 private:
  Payment refund_payment(eventbus::Tx& tx, Payment payment);
  std::string now() const;

  eventbus::ModuleBus& bus_;
  std::shared_ptr<PaymentProvider> provider_;
};

}  // namespace payments
