#pragma once
// /api/v1/notifications: the caller's own notifications, and marking one read.

#include "usecases/notification_log.hpp"

#include <kernel/router.hpp>

namespace notifications::http {

void add_routes(kernel::Router& router, NotificationLog& log);

}  // namespace notifications::http
