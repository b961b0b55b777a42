#include "fixture.hpp"

#include "store/notification_store.hpp"

#include <notifications/events.hpp>
#include <orders/events.hpp>
#include <users/events.hpp>

#include <doctest/doctest.h>

using notifications_test::count_rows;
using notifications_test::Fixture;
using notifications_test::RecordingChannel;
using namespace std::chrono_literals;

namespace {

notifications::Notification the_notification(Fixture& f, std::int64_t id = 1) {
  auto n =
      f.bus.db().read([&](kernel::Connection& c) { return notifications::store::find(c, id); });
  REQUIRE(n);
  return *n;
}

// Order 12 shipped, told to user 7 (Ada, whose contact is known): the channel got it once, with
// the contact, and the stored notification reads delivered now. Returns the notification.
notifications::Notification check_shipped_to_ada(Fixture& f) {
  REQUIRE(f.channel->delivered.size() == 1);
  const auto& d = f.channel->delivered[0];
  auto n = the_notification(f);
  CHECK(d.notification_id == n.id);
  CHECK(d.user_id == 7);
  CHECK(d.email == "ada@example.com");
  CHECK(d.name == "Ada");
  CHECK(d.event_type == "orders.order_shipped.v1");
  CHECK(d.order_id == 12);
  CHECK(d.message == n.message);
  CHECK(d.created_at == n.created_at);
  CHECK(n.status == "delivered");
  CHECK(n.delivered_at == kernel::format_rfc3339(f.rb.clock().now()));
  return n;
}

// Handler runs of `subscriber` recorded in the notifications inbox.
std::int64_t handled_by(Fixture& f, const std::string& subscriber) {
  return count_rows(f.bus, "bus_inbox", "subscriber = '" + subscriber + "'");
}

// Whether the notifications module keeps a read position in its own outbox (it reads it).
bool reads_own_outbox(eventbus::ModuleBus& bus) {
  return count_rows(bus, "bus_positions", "source = 'notifications'") > 0;
}

std::int64_t retrying(Fixture& f) {
  for (const auto& s : f.rb.bus().status()) {
    if (s.module == "notifications") return s.retrying;
  }
  return -1;
}

}  // namespace

TEST_SUITE("notifications") {
  TEST_CASE("[Deliver] a notification reaches the channel with its contact, then is delivered") {
    Fixture f;
    f.rb.inject("users", users::events::UserRegistered{7, "ada@example.com", "Ada", "customer"});
    f.rb.inject("orders", orders::events::OrderShipped{12, 7});
    f.rb.run_until_idle();

    check_shipped_to_ada(f);
  }

  TEST_CASE("[Deliver] a user the module has not heard of yet is delivered without an address") {
    Fixture f;
    f.rb.inject("orders", orders::events::OrderShipped{12, 7});
    f.rb.run_until_idle();
    REQUIRE(f.channel->delivered.size() == 1);
    CHECK(f.channel->delivered[0].email.empty());
    CHECK(the_notification(f).status == "delivered");
  }

  TEST_CASE("[Deliver] a failing channel is retried with back-off; the row stays pending") {
    Fixture f;  // RecordingBus: 3 attempts, back-off 100 ms then 200 ms
    f.channel->failures_left = 1;
    f.rb.inject("orders", orders::events::OrderShipped{12, 7});
    f.rb.run_until_idle();
    CHECK(f.channel->attempts == 1);
    CHECK(f.channel->delivered.empty());
    CHECK(the_notification(f).status == "pending");
    CHECK_FALSE(the_notification(f).delivered_at);
    CHECK(retrying(f) == 1);

    f.rb.run_until_idle();  // back-off not over: no new attempt
    CHECK(f.channel->attempts == 1);

    f.rb.clock().advance(200ms);  // the first back-off, jitter included
    f.rb.run_until_idle();
    CHECK(f.channel->attempts == 2);
    CHECK(f.channel->delivered.size() == 1);
    CHECK(the_notification(f).status == "delivered");
    CHECK(retrying(f) == 0);
    CHECK(f.rb.bus().dead_letters(std::nullopt, 10).empty());
  }

  TEST_CASE("[Deliver] a channel that keeps failing ends in a dead letter; replay delivers it") {
    Fixture f;
    f.channel->failures_left = -1;
    f.rb.inject("orders", orders::events::OrderShipped{12, 7});
    f.rb.run_until_idle();
    // Retried for an hour (NotificationsOptions::retry_for), backing off up to a minute.
    for (int i = 0; i < 59; ++i) {
      f.rb.clock().advance(1min);
      f.rb.run_until_idle();
    }
    CHECK(f.rb.bus().dead_letters(std::nullopt, 10).empty());
    CHECK(retrying(f) == 1);
    f.rb.clock().advance(2min);
    f.rb.run_until_idle();
    auto attempts = f.channel->attempts;
    CHECK(attempts > 10);

    auto dead = f.rb.bus().dead_letters(std::nullopt, 10);
    REQUIRE(dead.size() == 1);
    CHECK(dead[0].module == "notifications");
    CHECK(dead[0].subscriber == "notifications.deliver");
    CHECK_FALSE(f.channel->delivers_in_place());
    // Recording committed on its own: the notification is stored and announced.
    CHECK(handled_by(f, "notifications.on_order_shipped") == 1);
    CHECK(f.rb.published<notifications::events::NotificationCreated>("notifications").size() == 1);
    CHECK(dead[0].last_error.find("receiver unavailable") != std::string::npos);
    CHECK(the_notification(f).status == "pending");

    // Nothing more happens on its own...
    f.rb.clock().advance(10min);
    f.rb.run_until_idle();
    CHECK(f.channel->attempts == attempts);

    // ...until an operator replays it once the receiver is back.
    f.channel->failures_left = 0;
    auto outcome = f.rb.bus().replay(dead[0].id);
    CHECK(outcome.result == eventbus::Bus::ReplayOutcome::Result::delivered);
    CHECK(f.channel->delivered.size() == 1);
    CHECK(the_notification(f).status == "delivered");
  }

  TEST_CASE("[Deliver] a failing delivery for one user does not hold back another user's") {
    Fixture f;
    f.channel->failures_left = 1;  // the first delivery attempt fails: user 7's
    f.rb.inject("orders", orders::events::OrderShipped{12, 7});
    f.rb.inject("orders", orders::events::OrderShipped{13, 8});
    f.rb.run_until_idle();
    REQUIRE(f.channel->delivered.size() == 1);
    CHECK(f.channel->delivered[0].user_id == 8);
    f.rb.clock().advance(200ms);
    f.rb.run_until_idle();
    CHECK(f.channel->delivered.size() == 2);
  }

  TEST_CASE("[Deliver] the default channel is the log channel, which delivers in place") {
    CHECK(notifications::LogChannel().delivers_in_place());
    mart::test::RecordingBus rb;
    auto& orders_bus = rb.host("orders");
    auto& bus = rb.host("notifications");
    (void)orders_bus;
    auto module = notifications::make_module(bus, nullptr);
    rb.inject("orders", orders::events::OrderShipped{12, 7});
    rb.run_until_idle();
    auto n = bus.db().read([&](kernel::Connection& c) { return notifications::store::find(c, 1); });
    REQUIRE(n);
    CHECK(n->channel == "log");
    CHECK(n->status == "delivered");
    CHECK(rb.published<notifications::events::NotificationCreated>("notifications").size() == 1);
    CHECK(count_rows(bus, "bus_inbox", "subscriber = 'notifications.deliver'") == 0);
    CHECK_FALSE(reads_own_outbox(bus));
  }

  TEST_CASE("[Deliver] a channel that delivers in place: delivered by the recording handler") {
    Fixture f(true);
    f.rb.inject("users", users::events::UserRegistered{7, "ada@example.com", "Ada", "customer"});
    f.rb.run_until_idle();  // the contact as known when the notification is recorded
    f.rb.inject("orders", orders::events::OrderShipped{12, 7});
    f.rb.run_until_idle();

    auto n = check_shipped_to_ada(f);
    // Still announced (published language, mirrored to Kafka)...
    auto created = f.rb.published<notifications::events::NotificationCreated>("notifications");
    REQUIRE(created.size() == 1);
    CHECK(created[0].notification_id == n.id);
    CHECK(created[0].channel == "recording");
    // ...but one handler run, not two: nothing subscribes to it and nobody reads the outbox.
    CHECK(handled_by(f, "notifications.on_order_shipped") == 1);
    CHECK(handled_by(f, "notifications.deliver") == 0);
    CHECK_FALSE(reads_own_outbox(f.bus));
    CHECK(f.rb.bus().dead_letters(std::nullopt, 10).empty());
  }

  TEST_CASE("[Deliver] a channel that does not deliver in place is delivered by its own handler") {
    Fixture f;
    f.rb.inject("orders", orders::events::OrderShipped{12, 7});
    f.rb.run_until_idle();
    CHECK(the_notification(f).status == "delivered");
    CHECK(handled_by(f, "notifications.on_order_shipped") == 1);
    CHECK(handled_by(f, "notifications.deliver") == 1);
    CHECK(reads_own_outbox(f.bus));
  }

  TEST_CASE("[Deliver] an in-place channel that throws fails the recording, which is retried") {
    Fixture f(true);  // RecordingBus: 3 attempts, back-off 100 ms then 200 ms
    f.channel->failures_left = 1;
    f.rb.inject("orders", orders::events::OrderShipped{12, 7});
    f.rb.run_until_idle();
    CHECK(f.channel->attempts == 1);
    // Rolled back with the handler: nothing stored, nothing announced.
    CHECK_FALSE(f.bus.db().read(
        [](kernel::Connection& c) { return notifications::store::find(c, 1).has_value(); }));
    CHECK(f.rb.published<notifications::events::NotificationCreated>("notifications").empty());
    CHECK(retrying(f) == 1);

    f.rb.clock().advance(200ms);  // the first back-off, jitter included
    f.rb.run_until_idle();
    CHECK(f.channel->attempts == 2);
    REQUIRE(f.channel->delivered.size() == 1);
    auto n = the_notification(f, f.channel->delivered[0].notification_id);
    CHECK(n.status == "delivered");
    CHECK(f.rb.published<notifications::events::NotificationCreated>("notifications").size() == 1);
    CHECK(retrying(f) == 0);
    CHECK(f.rb.bus().dead_letters(std::nullopt, 10).empty());
  }

  TEST_CASE("[Deliver] an in-place channel delivers at start-up what an earlier run left pending") {
    Fixture f;  // the earlier run: a channel that keeps failing, delivery through the bus
    f.channel->failures_left = -1;
    f.rb.inject("orders", orders::events::OrderShipped{12, 7});
    f.rb.inject("orders", orders::events::OrderShipped{13, 7});
    f.rb.inject("orders", orders::events::OrderShipped{14, 7});
    f.rb.run_until_idle();
    REQUIRE(the_notification(f, 1).status == "pending");
    REQUIRE(the_notification(f, 2).status == "pending");
    REQUIRE(the_notification(f, 3).status == "pending");
    // One of them was recorded for another channel (a webhook): not this channel's to deliver.
    f.bus.db().write([](kernel::Connection& c) {
      c.exec("UPDATE notifications SET channel = 'webhook' WHERE id = 2");
    });

    // The next run over the same database, with a channel that delivers in place.
    eventbus::BusOptions options;
    options.clock = &f.rb.clock();
    eventbus::Bus again(options);
    for (const char* m : {"users", "orders", "payments"}) {
      again.attach(m, f.rb.bus().find(m)->db_handle());
    }
    auto& bus = again.attach("notifications", f.bus.db_handle());
    auto channel = std::make_shared<RecordingChannel>(true);
    auto module = notifications::make_module(bus, channel);
    REQUIRE(channel->delivered.size() == 2);
    CHECK(channel->delivered[0].notification_id == 1);
    CHECK(channel->delivered[1].notification_id == 3);
    CHECK(the_notification(f, 1).status == "delivered");
    CHECK(the_notification(f, 2).status == "pending");
    CHECK(the_notification(f, 3).status == "delivered");
  }
}
