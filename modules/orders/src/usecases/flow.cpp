#include "usecases/flow.hpp"

#include "store/order_store.hpp"

#include <orders/events.hpp>

#include <kernel/log.hpp>
#include <kernel/sealed_text.hpp>

#include <optional>

namespace orders::flow {
namespace {

void move(eventbus::Tx& tx, const kernel::Clock& clock, Order& order, Status to,
          std::optional<std::string> reason = std::nullopt) {
  auto now = clock.now();
  order.status = to;
  order.cancel_reason = std::move(reason);
  order.updated_at = kernel::format_rfc3339(now);
  store::set_status(tx.db(), order.id, to, order.cancel_reason, order.updated_at,
                    kernel::to_unix_millis(now));
}

void cancel(eventbus::Tx& tx, const kernel::Clock& clock, Order& order, const char* reason) {
  auto previous = order.status;
  move(tx, clock, order, Status::cancelled, reason);
  tx.publish(
      events::OrderCancelled{order.id, order.user_id, reason, std::string(status_name(previous))});
  tx.decided("order " + std::to_string(order.id) + " cancelled: " + reason + " (was " +
                 std::string(status_name(previous)) + ")",
             order.id);
}

// The token in the clear, for PaymentRequested (whose JSON form seals it again); nullopt when
// it cannot be had. A token in the clear was stored by a build before migration 0003.
std::optional<std::string> card_token(const Order& order) {
  if (kernel::sealed_text::looks_sealed(order.payment_token)) {
    return kernel::sealed_text::open(order.payment_token);
  }
  if (order.payment_token.empty()) return std::nullopt;
  return order.payment_token;
}

}  // namespace

void stock_reserved(eventbus::Tx& tx, const kernel::Clock& clock, std::int64_t order_id) {
  auto order = store::find(tx.db(), order_id);
  if (!order || order->status != Status::pending) return;  // cancelled meanwhile: it is released
  auto token = card_token(*order);  // opened: a token this key cannot open is not charged
  std::string sealed = kernel::sealed_text::looks_sealed(order->payment_token)
                           ? std::move(order->payment_token)
                           : std::string();
  move(tx, clock, *order, Status::reserved);  // forgets the stored token
  if (!token) {
    // Charging an empty token is no option: cancel, and inventory releases the hold.
    kernel::log::error("orders", "order " + std::to_string(order_id) +
                                     ": its card token does not open with this deployment's key "
                                     "(was jwt_secret changed?); the order is cancelled");
    cancel(tx, clock, *order, "payment_declined");
    return;
  }
  // The stored sealed form goes out as it is: sealing again would cost as much as the rest of
  // this handler's crypto.
  tx.publish(events::PaymentRequested{order->id, order->user_id, order->total_cents,
                                      order->currency, std::move(*token), std::move(sealed)});
  tx.decided("order " + std::to_string(order_id) + " reserved; payment of " +
                 std::to_string(order->total_cents) + " cents (" + order->currency + ") requested",
             order_id);
}

void reservation_failed(eventbus::Tx& tx, const kernel::Clock& clock, std::int64_t order_id) {
  auto order = store::find(tx.db(), order_id);
  if (!order || order->status != Status::pending) return;
  cancel(tx, clock, *order, "out_of_stock");
}

void payment_succeeded(eventbus::Tx& tx, const kernel::Clock& clock, std::int64_t order_id,
                       std::int64_t amount_cents) {
  auto order = store::find(tx.db(), order_id);
  // A payment for an order cancelled meanwhile is refunded by payments on OrderCancelled.
  if (!order || order->status != Status::reserved) return;
  if (amount_cents != order->total_cents) {
    // Never confirm on a partial charge; cancelling makes payments refund it.
    kernel::log::error("orders", "payment of " + std::to_string(amount_cents) + " for order " +
                                     std::to_string(order_id) + " does not match its total " +
                                     std::to_string(order->total_cents));
    cancel(tx, clock, *order, "payment_declined");
    return;
  }
  move(tx, clock, *order, Status::confirmed);
  tx.publish(
      events::OrderConfirmed{order->id, order->user_id, order->total_cents, order->currency});
  tx.decided("order " + std::to_string(order_id) + " confirmed", order_id);
}

void payment_failed(eventbus::Tx& tx, const kernel::Clock& clock, std::int64_t order_id) {
  auto order = store::find(tx.db(), order_id);
  if (!order || order->status != Status::reserved) return;
  cancel(tx, clock, *order, "payment_declined");
}

void payment_refunded(eventbus::Tx& tx, const kernel::Clock& clock, std::int64_t order_id) {
  auto order = store::find(tx.db(), order_id);
  if (!order || order->status != Status::confirmed) return;
  cancel(tx, clock, *order, "customer_request");
}

}  // namespace orders::flow
