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
      : log_(bus, std::string(channel->name())), dispatcher_(std::move(channel), bus.clock()) {
    subscribers::subscribe_on_user_events(bus);
    subscribers::subscribe_on_flow_events(bus, log_);
    subscribers::subscribe_deliver(bus, dispatcher_);
  }
  std::string_view name() const override { return "notifications"; }
  void add_routes(kernel::Router& router) override { http::add_routes(router, log_); }

 private:
  NotificationLog log_;
  Dispatcher dispatcher_;
};

}  // namespace

std::unique_ptr<kernel::Module> make_module(eventbus::ModuleBus& bus,
                                            std::shared_ptr<Channel> channel) {
  if (!channel) channel = std::make_shared<LogChannel>();
  return std::make_unique<NotificationsModule>(bus, std::move(channel));
}

}  // namespace notifications
