#include "subscribers/on_payment_requested.hpp"

#include "subscribers/subscriber.hpp"

#include <orders/events.hpp>

namespace payments::subscribers {

void subscribe_on_payment_requested(eventbus::ModuleBus& bus, Payments& payments,
                                    eventbus::OutsideRetry retry) {
  // The provider is called outside the transaction (see eventbus::OutsideCall).
  bus.subscribe_outside<orders::events::PaymentRequested>(
      kOrderFlowSubscriber,
      [&payments](const orders::events::PaymentRequested& event, const eventbus::Envelope&,
                  kernel::Database& db) {
        return payments.charge_order({event.order_id, event.user_id, event.amount_cents,
                                      event.currency, event.payment_token},
                                     db);
      },
      retry);
}

}  // namespace payments::subscribers
