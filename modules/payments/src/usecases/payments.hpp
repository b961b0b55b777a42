#pragma once
// The payments use cases: charge an order once, refund a paid order when it is cancelled or when
// an admin says so, and let owners and admins read payments. Every change commits together with
// the event that describes it.

#include "domain/payment.hpp"

#include <payments/module.hpp>

#include <eventbus/bus.hpp>
#include <kernel/auth.hpp>
#include <kernel/module.hpp>

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

  // Reactions to orders' events, in two steps (eventbus::OutsideCall): the provider is called
  // with no transaction open and no write lock held; the returned step records the outcome in
  // the handler's short transaction. A crash between the two calls the provider again, with the
  // same idempotency key (a charge) or charge reference (a refund).
  //
  // Charges the order unless it already has a payment (a redelivered or repeated request) or was
  // cancelled; records the outcome and publishes PaymentSucceeded or PaymentFailed. A decline is
  // an outcome, recorded once; a provider that cannot be reached throws ProviderUnavailable so
  // the bus retries later.
  eventbus::RawHandler charge_order(const ChargeOrder& order, kernel::Database& db);
  // Refunds the order's succeeded payment, if any (publishing PaymentRefunded), and remembers
  // the order as cancelled. Throws ProviderUnavailable or RefundRefused so the bus retries and
  // the order's timeline and the module's health show the refund waiting.
  eventbus::RawHandler on_order_cancelled(std::int64_t order_id, kernel::Database& db);

  // Requests. Throw kernel::ApiError.
  //
  // 404 unless the payment exists and `caller` owns it or is an admin.
  Payment get(std::int64_t id, const kernel::Principal& caller);
  // The order's payments that `caller` may see: an order of someone else gives an empty page.
  PaymentPage list_for_order(std::int64_t order_id, const kernel::Principal& caller,
                             std::int64_t after, int limit);
  // Admin refund: 404 unknown, 409 unless succeeded or when the provider refuses, 503 when the
  // provider cannot be reached. Calls the provider with no transaction open, then records the
  // refund: run it on a worker thread, never on an HTTP I/O thread.
  Payment refund(std::int64_t id, const eventbus::Trace& trace);

  // What waits on the provider (for /readyz and /metrics).
  std::vector<kernel::HealthDetail> health();
  std::vector<kernel::GaugeSample> gauges();

 private:
  // The provider's refund of `payment`; throws ProviderUnavailable or RefundRefused.
  RefundResult call_refund(const Payment& payment);
  Payment record_refund(eventbus::Tx& tx, Payment payment, const RefundResult& result);
  std::string now() const;

  eventbus::ModuleBus& bus_;
  std::shared_ptr<PaymentProvider> provider_;
};

}  // namespace payments
