#pragma once
// The handler shared by users' UserRegistered and UserUpdated: keeps the contact (email, name)
// the event carries. Each event's on_<event>.cpp subscribes it under its own name.

#include "usecases/notification_log.hpp"

#include <eventbus/bus.hpp>

namespace notifications::subscribers {

template <class E>
void keep_contact(const E& event, eventbus::HandlerContext& ctx) {
  NotificationLog::keep_contact(ctx.tx.db(), Contact{event.user_id, event.email, event.name},
                                ctx.event.seq);
}

}  // namespace notifications::subscribers
