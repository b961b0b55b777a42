#pragma once
// The handler shared by the order and payment events that matter to a user: it records the
// event's notice (domain/notice.hpp says what each one tells) in the handler's transaction.
// Each event's on_<event>.cpp subscribes it under its own name.

#include "domain/notice.hpp"
#include "usecases/notification_log.hpp"

#include <eventbus/bus.hpp>

namespace notifications::subscribers {

template <class E>
auto record_notice(NotificationLog& log) {
  return [&log](const E& event, eventbus::HandlerContext& ctx) {
    log.record(ctx.tx, notice_of(event, ctx.event.id), ctx.event);
  };
}

}  // namespace notifications::subscribers
