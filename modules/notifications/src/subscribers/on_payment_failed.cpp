#include "subscribers/record_notice.hpp"
#include "subscribers/subscribers.hpp"

#include <payments/events.hpp>

namespace notifications::subscribers {

void on_payment_failed(eventbus::ModuleBus& bus, const Dependencies& deps) {
  bus.subscribe<payments::events::PaymentFailed>(
      "notifications.on_payment_failed", record_notice<payments::events::PaymentFailed>(deps.log));
}

}  // namespace notifications::subscribers
