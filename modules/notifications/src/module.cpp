#include <notifications/module.hpp>

#include "http/routes.hpp"
#include "subscribers/subscribers.hpp"
#include "usecases/dispatcher.hpp"
#include "usecases/notification_log.hpp"

namespace notifications {
namespace {

class NotificationsModule final : public kernel::Module {
 public:
  NotificationsModule(eventbus::ModuleBus& bus, std::shared_ptr<Channel> channel,
                      const NotificationsOptions& options)
      : bus_(bus),
        in_place_(channel->delivers_in_place()),
        dispatcher_(std::move(channel), bus.clock()),
        log_(bus, std::string(dispatcher_.channel().name()), in_place_ ? &dispatcher_ : nullptr) {
    const subscribers::Dependencies deps{
        log_,
        dispatcher_,
        // A receiver's outage is ridden out: back-off up to the cap, a dead letter only after
        // retry_for.
        {std::chrono::milliseconds(200), options.retry_max_backoff, options.retry_for}};
    for (auto subscribe : subscribers::kAll) subscribe(bus, deps);
    if (in_place_) {
      // Nothing delivers pending rows later: deliver those of this channel an earlier run left
      // (a build that delivered through the bus). Rows of another channel (a webhook) are left
      // for it: its NotificationCreated events wait in the outbox for notifications.deliver.
      bus.db().write([this](kernel::Connection& c) { dispatcher_.deliver_pending(c); });
    } else {
      // Delivery through the bus ("notifications.deliver"), registered only for a channel that
      // does not deliver in place, hence outside kAll.
      subscribers::on_notification_created(bus, deps);
    }
  }
  std::string_view name() const override { return "notifications"; }
  void add_routes(kernel::Router& router) override { http::add_routes(router, log_); }
  // Deliveries waiting for the channel (a webhook receiver that is down): on what they wait.
  std::vector<kernel::HealthDetail> health() override {
    std::int64_t waiting = 0;
    std::int64_t dead = 0;
    for (const auto& w : bus_.waiting()) {
      if (w.subscriber != subscribers::kDeliverSubscriber) continue;
      waiting += w.pending;
      dead += w.dead;
    }
    // Counts only: /readyz is anonymous, and a channel's error text can name the receiver.
    return {{"deliveries_waiting_for_channel", std::to_string(waiting), waiting == 0},
            {"delivery_dead_letters", std::to_string(dead), dead == 0}};
  }

 private:
  eventbus::ModuleBus& bus_;
  bool in_place_;
  Dispatcher dispatcher_;
  NotificationLog log_;
};

}  // namespace

std::unique_ptr<kernel::Module> make_module(eventbus::ModuleBus& bus,
                                            std::shared_ptr<Channel> channel,
                                            NotificationsOptions options) {
  if (!channel) channel = std::make_shared<LogChannel>();
  return std::make_unique<NotificationsModule>(bus, std::move(channel), options);
}

}  // namespace notifications
