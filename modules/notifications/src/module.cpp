#include <notifications/module.hpp>

#include "http/routes.hpp"
#include "subscribers/deliver.hpp"
#include "subscribers/on_flow_events.hpp"
#include "subscribers/on_user_events.hpp"
#include "usecases/dispatcher.hpp"
#include "usecases/notification_log.hpp"

namespace notifications {
namespace {

class NotificationsModule final : public kernel::Module {
 public:
  NotificationsModule(eventbus::ModuleBus& bus, std::shared_ptr<Channel> channel)
      : in_place_(channel->delivers_in_place()),
        dispatcher_(std::move(channel), bus.clock()),
        log_(bus, std::string(dispatcher_.channel().name()), in_place_ ? &dispatcher_ : nullptr) {
    subscribers::subscribe_on_user_events(bus);
    subscribers::subscribe_on_flow_events(bus, log_);
    if (in_place_) {
      // Nothing delivers pending rows later: deliver those of this channel an earlier run left
      // (a build that delivered through the bus). Rows of another channel (a webhook) are left
      // for it: its NotificationCreated events wait in the outbox for notifications.deliver.
      bus.db().write([this](kernel::Connection& c) { dispatcher_.deliver_pending(c); });
    } else {
      subscribers::subscribe_deliver(bus, dispatcher_);
    }
  }
  std::string_view name() const override { return "notifications"; }
  void add_routes(kernel::Router& router) override { http::add_routes(router, log_); }

 private:
  bool in_place_;
  Dispatcher dispatcher_;
  NotificationLog log_;
};

}  // namespace

std::unique_ptr<kernel::Module> make_module(eventbus::ModuleBus& bus,
                                            std::shared_ptr<Channel> channel,
                                            NotificationsOptions options) {
  (void)options;  // TODO(#13 item 7): the channel's retry policy
  if (!channel) channel = std::make_shared<LogChannel>();
  return std::make_unique<NotificationsModule>(bus, std::move(channel));
}

}  // namespace notifications
