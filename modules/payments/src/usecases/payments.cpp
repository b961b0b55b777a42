#include "usecases/payments.hpp"

#include "store/payment_store.hpp"

#include <payments/events.hpp>

#include <kernel/log.hpp>
#include <kernel/pagination.hpp>
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

eventbus::RawHandler Payments::charge_order(const ChargeOrder& order, kernel::Database& db) {
  // Read without the write lock: only this subscriber adds payments for an order, one event of
  // an order at a time, so what it reads here still holds when the outcome is recorded.
  auto [paid, cancelled] =
      db.read([&](kernel::Connection& c) { return store::order_state(c, order.order_id); });
  std::optional<ChargeResult> result;
  auto currency = order.currency.empty() ? std::string(kDefaultCurrency) : order.currency;
  if (!paid && !cancelled && !refusal_before_charge(order.amount_cents, currency)) {
    ChargeRequest request{std::to_string(order.order_id),
                          order.order_id,
                          order.user_id,
                          order.amount_cents,
                          currency,
                          order.payment_token};
    try {
      result = call_provider("charge", [&] { return provider_->charge(request); });
    } catch (const ProviderUnavailable& unavailable) {
      // Nothing is decided yet: the delivery is retried (with back-off) until the provider answers.
      kernel::log::decision(
          kLog,
          "payment for order " + std::to_string(order.order_id) +
              " waits for the payment provider (will retry): " + unavailable.what(),
          {}, {{"order_id", boost::json::value(order.order_id)}});
      throw;
    }
  }
  return [this, order, currency, result](eventbus::HandlerContext& ctx) {
    auto& tx = ctx.tx;
    auto& c = tx.db();
    if (auto existing = store::find_by_order(c, order.order_id)) {
      // A repeated request (another event id for the same order): the first one was answered.
      if (existing->amount_cents != order.amount_cents || existing->currency != currency) {
        kernel::log::warn(kLog, "order " + std::to_string(order.order_id) +
                                    " asked again for payment with a different amount; ignored");
      }
      return;
    }
    if (!result && store::order_cancelled(c, order.order_id)) {
      kernel::log::warn(kLog, "payment requested for cancelled order " +
                                  std::to_string(order.order_id) + "; nothing charged");
      return;
    }
    Payment payment;
    payment.order_id = order.order_id;
    payment.user_id = order.user_id;
    payment.amount_cents = order.amount_cents;
    payment.currency = currency;
    if (!result) {
      payment.status = PaymentStatus::failed;
      payment.failure_reason =
          refusal_before_charge(payment.amount_cents, payment.currency).value_or("declined");
    } else {
      payment.provider_reference = result->reference;
      if (result->approved) {
        payment.status = PaymentStatus::succeeded;
      } else {
        payment.status = PaymentStatus::failed;
        payment.failure_reason =
            result->decline_reason.empty() ? "declined" : result->decline_reason;
      }
    }
    payment.created_at = payment.updated_at = now();  // after the provider answered
    payment.id = store::insert(c, payment);
    if (payment.status == PaymentStatus::succeeded) {
      tx.publish(events::PaymentSucceeded{payment.id, payment.order_id, payment.user_id,
                                          payment.amount_cents, payment.currency});
      tx.decided("payment " + std::to_string(payment.id) + " of " +
                     std::to_string(payment.amount_cents) + " cents (" + payment.currency +
                     ") charged for order " + std::to_string(payment.order_id),
                 payment.order_id);
    } else {
      tx.publish(events::PaymentFailed{payment.id, payment.order_id, payment.user_id,
                                       payment.amount_cents, payment.currency,
                                       payment.failure_reason});
      tx.decided("payment for order " + std::to_string(payment.order_id) +
                     " declined: " + payment.failure_reason,
                 payment.order_id);
    }
  };
}

eventbus::RawHandler Payments::on_order_cancelled(std::int64_t order_id, kernel::Database& db) {
  auto payment = db.read([&](kernel::Connection& c) { return store::find_by_order(c, order_id); });
  std::optional<RefundResult> result;
  // Nothing was paid (no payment, a failed one), or it is refunded already: nothing to undo.
  if (payment && can_refund(*payment)) result = call_refund(*payment);
  return [this, order_id, result](eventbus::HandlerContext& ctx) {
    auto& c = ctx.tx.db();
    store::mark_order_cancelled(c, order_id, now());
    auto current = store::find_by_order(c, order_id);
    // Refunded meanwhile (an admin's refund): nothing left to record.
    if (!current || !can_refund(*current)) return;
    if (!result) throw ProviderUnavailable("payment became refundable meanwhile; refunding later");
    record_refund(ctx.tx, *current, *result);
  };
}

RefundResult Payments::call_refund(const Payment& payment) {
  auto result = call_provider("refund", [&] {
    return provider_->refund(payment.provider_reference, payment.amount_cents, payment.currency);
  });
  if (!result.refunded) {
    throw RefundRefused("the payment provider refused to refund payment " +
                        std::to_string(payment.id) + ": " +
                        (result.refusal_reason.empty() ? "refused" : result.refusal_reason));
  }
  return result;
}

Payment Payments::record_refund(eventbus::Tx& tx, Payment payment, const RefundResult& result) {
  payment.status = PaymentStatus::refunded;
  payment.refund_reference = result.reference;
  payment.updated_at = now();
  store::mark_refunded(tx.db(), payment.id, payment.refund_reference, payment.updated_at);
  tx.publish(events::PaymentRefunded{payment.id, payment.order_id, payment.user_id,
                                     payment.amount_cents, payment.currency});
  tx.decided("payment " + std::to_string(payment.id) + " of order " +
                 std::to_string(payment.order_id) + " refunded",
             payment.order_id);
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
    return store::page_for_order(c, order_id, caller.user_id, caller.is_admin(), after,
                                 kernel::rows_for_page(limit));
  });
  page.next_after = kernel::take_page(page.items, limit);
  return page;
}

Payment Payments::refund(std::int64_t id, const eventbus::Trace& trace) {
  auto check = [id](const std::optional<Payment>& payment) {
    if (!payment) throw not_found(id);
    if (!can_refund(*payment)) {
      throw kernel::ApiError::conflict("Payment " + std::to_string(id) + " is " +
                                       std::string(status_name(payment->status)) +
                                       "; only a succeeded payment can be refunded.");
    }
  };
  auto payment = bus_.db().read([&](kernel::Connection& c) { return store::find(c, id); });
  check(payment);
  // The provider first, with no transaction open; a repeat (a second admin click, the order's
  // cancellation meanwhile) is answered by the provider with the first refund.
  RefundResult result;
  try {
    result = call_refund(*payment);
  } catch (const RefundRefused& refused) {
    throw kernel::ApiError::conflict(std::string(refused.what()) + ".");
  } catch (const ProviderUnavailable& unavailable) {
    kernel::log::warn(kLog, unavailable.what(), trace.correlation_id);
    throw kernel::ApiError(503, "Service Unavailable",
                           "The payment provider could not be reached; try again later.");
  }
  return bus_.transact(trace, [&](eventbus::Tx& tx) {
    auto current = store::find(tx.db(), id);
    if (current && current->status == PaymentStatus::refunded) return *current;  // meanwhile
    check(current);
    return record_refund(tx, *current, result);
  });
}

std::vector<kernel::HealthDetail> Payments::health() {
  std::int64_t charges = 0;
  std::int64_t refunds = 0;
  std::int64_t dead = 0;
  for (const auto& w : bus_.waiting()) {
    if (w.event_type.find("payment_requested") != std::string::npos) charges += w.pending;
    if (w.event_type.find("order_cancelled") != std::string::npos) refunds += w.pending;
    dead += w.dead;
  }
  // Counts only: /readyz is anonymous, so the provider's own error text stays in the log and in
  // the (authenticated) order timeline.
  return {{"charges_waiting_for_provider", std::to_string(charges), charges == 0},
          {"refunds_waiting_for_provider", std::to_string(refunds), refunds == 0},
          {"provider_dead_letters", std::to_string(dead), dead == 0}};
}

std::vector<kernel::GaugeSample> Payments::gauges() {
  std::int64_t values[2][2] = {{0, 0}, {0, 0}};  // [charge|refund][waiting|dead]
  for (const auto& w : bus_.waiting()) {
    int kind = w.event_type.find("order_cancelled") != std::string::npos ? 1 : 0;
    values[kind][0] += w.pending;
    values[kind][1] += w.dead;
  }
  std::vector<kernel::GaugeSample> out;
  const char* kinds[] = {"charge", "refund"};
  const char* states[] = {"waiting", "dead"};
  for (int k = 0; k < 2; ++k) {
    for (int s = 0; s < 2; ++s) {
      out.push_back({"payments_provider_calls",
                     "Charges and refunds the payment provider has not yet made (waiting for a "
                     "retry, or dead letters).",
                     {{"kind", kinds[k]}, {"state", states[s]}},
                     static_cast<double>(values[k][s])});
    }
  }
  return out;
}

}  // namespace payments
