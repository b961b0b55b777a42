#include "subscribers/deliver.hpp"

#include <notifications/events.hpp>

namespace notifications::subscribers {

void subscribe_deliver(eventbus::ModuleBus& bus, Dispatcher& dispatcher) {
  bus.subscribe<events::NotificationCreated>(
      "notifications.deliver",
      [&dispatcher](const events::NotificationCreated& event, eventbus::HandlerContext& ctx) {
        dispatcher.deliver(ctx.tx.db(), event.notification_id);
      });
}

}  // namespace notifications::subscribers
