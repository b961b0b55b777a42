#include "subscribers/on_user_events.hpp"

#include "usecases/notification_log.hpp"

#include <users/events.hpp>

namespace notifications::subscribers {
namespace {

template <class E>
void keep(const E& event, eventbus::HandlerContext& ctx) {
  NotificationLog::keep_contact(ctx.tx.db(), Contact{event.user_id, event.email, event.name},
                                ctx.event.seq);
}

}  // namespace

void subscribe_on_user_events(eventbus::ModuleBus& bus) {
  bus.subscribe<users::events::UserRegistered>("notifications.on_user_registered",
                                               keep<users::events::UserRegistered>);
  bus.subscribe<users::events::UserUpdated>("notifications.on_user_updated",
                                            keep<users::events::UserUpdated>);
}

}  // namespace notifications::subscribers
