#include "usecases/payments.hpp"

#include "store/payment_store.hpp"

#include <payments/events.hpp>

#include <kernel/log.hpp>
#include <kernel/problem.hpp>
#include <kernel/time.hpp>

namespace payments {
namespace {

constexpr std::string_view kLog = "payments";

kernel::ApiError not_found(std::int64_t id) {
  return kernel::ApiError::not_found("Payment " + std::to_string(id) + " not found.");
}

// Runs one provider call; anything it throws becomes ProviderUnavailable, so that callers can
// tell a provider outage from a failure of their own database.
template <class F>
decltype(auto) call_provider(std::string_view what, F&& fn) {
  try {
    return fn();
  } catch (const std::exception& error) {
    throw ProviderUnavailable("payment provider " + std::string(what) + " failed: " + error.what());
  }
}

}  // namespace

Payments::Payments(eventbus::ModuleBus& bus, std::shared_ptr<PaymentProvider> provider)
    : bus_(bus), provider_(std::move(provider)) {}

std::string Payments::now() const {
  return kernel::format_rfc3339(bus_.clock().now());
}

// The provider is called inside this handler's transaction, so the payments database's write lock
// is held while it answers. That keeps "at most one payment per order" a plain check-then-insert;
// payments has almost no request-path writes (the admin refund), so the wait hurts nobody. A slow
// provider does serialize the charges, though: throughput is at most one charge per latency.
void Payments::charge_order(eventbus::Tx& tx, const ChargeOrder& order) {
  auto& db = tx.db();
  if (auto existing = store::find_by_order(db, order.order_id)) {
    // A repeated request (another event id for the same order): the first one was answered.
    if (existing->amount_cents != order.amount_cents || existing->currency != order.currency) {
      kernel::log::warn(kLog, "order " + std::to_string(order.order_id) +
                                  " asked again for payment with a different amount; ignored");
    }
    return;
  }
  if (store::order_cancelled(db, order.order_id)) {
    kernel::log::warn(kLog, "payment requested for cancelled order " +
                                std::to_string(order.order_id) + "; nothing charged");
    return;
  }

  Payment payment;
  payment.order_id = order.order_id;
  payment.user_id = order.user_id;
  payment.amount_cents = order.amount_cents;
  payment.currency = order.currency.empty() ? std::string(kDefaultCurrency) : order.currency;
  if (auto refusal = refusal_before_charge(payment.amount_cents, payment.currency)) {
    payment.status = PaymentStatus::failed;
    payment.failure_reason = *refusal;
  } else {
    ChargeRequest request{std::to_string(order.order_id), order.order_id,   order.user_id,
                          payment.amount_cents,           payment.currency, order.payment_token};
    auto result = call_provider("charge", [&] { return provider_->charge(request); });
    payment.provider_reference = result.reference;
    if (result.approved) {
      payment.status = PaymentStatus::succeeded;
    } else {
      payment.status = PaymentStatus::failed;
      payment.failure_reason = result.decline_reason.empty() ? "declined" : result.decline_reason;
    }
  }
  payment.created_at = payment.updated_at = now();  // after the provider answered
  payment.id = store::insert(db, payment);

  if (payment.status == PaymentStatus::succeeded) {
    tx.publish(events::PaymentSucceeded{payment.id, payment.order_id, payment.user_id,
                                        payment.amount_cents, payment.currency});
  } else {
    tx.publish(events::PaymentFailed{payment.id, payment.order_id, payment.user_id,
                                     payment.amount_cents, payment.currency,
                                     payment.failure_reason});
  }
}

void Payments::on_order_cancelled(eventbus::Tx& tx, std::int64_t order_id) {
  auto& db = tx.db();
  store::mark_order_cancelled(db, order_id, now());
  auto payment = store::find_by_order(db, order_id);
  // Nothing was paid (no payment, a failed one), or it is refunded already: nothing to undo.
  if (!payment || !can_refund(*payment)) return;
  refund_payment(tx, *payment);
}

Payment Payments::refund_payment(eventbus::Tx& tx, Payment payment) {
  // Inside the caller's write transaction, like the charge (see charge_order).
  auto result = call_provider("refund", [&] {
    return provider_->refund(payment.provider_reference, payment.amount_cents, payment.currency);
  });
  if (!result.refunded) {
    throw RefundRefused("the payment provider refused to refund payment " +
                        std::to_string(payment.id) + ": " +
                        (result.refusal_reason.empty() ? "refused" : result.refusal_reason));
  }
  payment.status = PaymentStatus::refunded;
  payment.refund_reference = result.reference;
  payment.updated_at = now();
  store::mark_refunded(tx.db(), payment.id, payment.refund_reference, payment.updated_at);
  tx.publish(events::PaymentRefunded{payment.id, payment.order_id, payment.user_id,
                                     payment.amount_cents, payment.currency});
  return payment;
}

Payment Payments::get(std::int64_t id, const kernel::Principal& caller) {
  auto payment = bus_.db().read([&](kernel::Connection& c) { return store::find(c, id); });
  // Another user's payment is answered exactly like a missing one: its existence is private.
  if (!payment || (!caller.is_admin() && payment->user_id != caller.user_id)) throw not_found(id);
  return *payment;
}

PaymentPage Payments::list_for_order(std::int64_t order_id, const kernel::Principal& caller,
                                     std::int64_t after, int limit) {
  PaymentPage page;
  page.items = bus_.db().read([&](kernel::Connection& c) {
    return store::page_for_order(c, order_id, caller.user_id, caller.is_admin(), after, limit + 1);
  });
  if (static_cast<int>(page.items.size()) > limit) {
    page.items.resize(static_cast<std::size_t>(limit));
    page.next_after = page.items.back().id;
  }
  return page;
}

Payment Payments::refund(std::int64_t id, const eventbus::Trace& trace) {
  return bus_.transact(trace, [&](eventbus::Tx& tx) {
    auto payment = store::find(tx.db(), id);
    if (!payment) throw not_found(id);
    if (!can_refund(*payment)) {
      throw kernel::ApiError::conflict("Payment " + std::to_string(id) + " is " +
                                       std::string(status_name(payment->status)) +
                                       "; only a succeeded payment can be refunded.");
    }
    try {
      return refund_payment(tx, *payment);
    } catch (const RefundRefused& refused) {
      throw kernel::ApiError::conflict(std::string(refused.what()) + ".");
    } catch (const ProviderUnavailable& unavailable) {
      kernel::log::warn(kLog, unavailable.what(), trace.correlation_id);
      throw kernel::ApiError(503, "Service Unavailable",
                             "The payment provider could not be reached; try again later.");
    }
  });
}

}  // namespace payments
