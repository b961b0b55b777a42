#include "subscribers/record_notice.hpp"
#include "subscribers/subscribers.hpp"

#include <payments/events.hpp>

namespace notifications::subscribers {

void on_payment_refunded(eventbus::ModuleBus& bus, const Dependencies& deps) {
  bus.subscribe<payments::events::PaymentRefunded>(
      "notifications.on_payment_refunded",
      record_notice<payments::events::PaymentRefunded>(deps.log));
}

}  // namespace notifications::subscribers
