#include "subscribers/order_flow_subscriber.hpp"
#include "subscribers/subscribers.hpp"

#include <orders/events.hpp>

namespace payments::subscribers {

void on_payment_requested(eventbus::ModuleBus& bus, const Dependencies& deps) {
  // The provider is called outside the transaction (see eventbus::OutsideCall).
  bus.subscribe_outside<orders::events::PaymentRequested>(
      kOrderFlowSubscriber,
      [&payments = deps.payments](const orders::events::PaymentRequested& event,
                                  const eventbus::Envelope&, kernel::Database& db) {
        return payments.charge_order({event.order_id, event.user_id, event.amount_cents,
                                      event.currency, event.payment_token},
                                     db);
      },
      deps.retry);
}

}  // namespace payments::subscribers
