#include "fixture.hpp"

#include "domain/notice.hpp"
#include "store/contact_store.hpp"
#include "store/notification_store.hpp"
#include "usecases/dispatcher.hpp"
#include "usecases/notification_log.hpp"

#include <notifications/events.hpp>
#include <orders/events.hpp>
#include <payments/events.hpp>
#include <users/events.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

using notifications_test::Fixture;
namespace oe = orders::events;
namespace pe = payments::events;

namespace {

// The envelope of an OrderShipped event, as record() receives it from the bus.
eventbus::Envelope shipped_envelope() {
  eventbus::Envelope source;
  source.id = "env-1";
  source.type = "orders.order_shipped.v1";
  return source;
}

notifications::NotificationLog log_of(Fixture& f) {
  return notifications::NotificationLog(f.bus, "recording");
}

std::vector<notifications::Notification> all_of(Fixture& f, std::int64_t user) {
  return log_of(f).list(user, std::nullopt, 100).items;
}

// One of every event that tells a user something, for order 12 of user 7.
void inject_the_whole_flow(Fixture& f) {
  f.rb.inject("orders", oe::OrderPlaced{12, 7, {{1, 2, 500}}, 1000, "USD", ""});
  f.rb.inject("orders", oe::OrderConfirmed{12, 7, 1000, "USD"});
  f.rb.inject("orders", oe::OrderShipped{12, 7});
  f.rb.inject("orders", oe::OrderCancelled{12, 7, "customer_request", "confirmed"});
  f.rb.inject("payments", pe::PaymentFailed{3, 12, 7, 1000, "USD", "card declined"});
  f.rb.inject("payments", pe::PaymentRefunded{4, 12, 7, 1000, "USD"});
}

}  // namespace

TEST_SUITE("notifications") {
  TEST_CASE("[NotificationLog] one notification per event kind, each announced by its event") {
    Fixture f;
    inject_the_whole_flow(f);
    f.rb.run_until_idle();

    auto items = all_of(f, 7);
    REQUIRE(items.size() == 6);
    std::set<std::string> types;
    for (const auto& n : items) {
      types.insert(n.event_type);
      CHECK(n.user_id == 7);
      CHECK(n.order_id == 12);
      CHECK(n.channel == "recording");
      CHECK_FALSE(n.read);
      CHECK_FALSE(n.message.empty());
      CHECK(n.created_at == kernel::format_rfc3339(f.rb.clock().now()));
    }
    CHECK(types == std::set<std::string>{"orders.order_placed.v2", "orders.order_confirmed.v1",
                                         "orders.order_shipped.v1", "orders.order_cancelled.v1",
                                         "payments.payment_failed.v1",
                                         "payments.payment_refunded.v1"});
    auto cancelled = std::find_if(items.begin(), items.end(), [](const auto& n) {
      return n.event_type == "orders.order_cancelled.v1";
    });
    CHECK(cancelled->message.find("customer_request") != std::string::npos);

    auto created = f.rb.published<notifications::events::NotificationCreated>("notifications");
    REQUIRE(created.size() == 6);
    for (const auto& e : created) {
      CHECK(e.user_id == 7);
      CHECK(e.order_id == 12);
      CHECK(e.channel == "recording");
      CHECK(types.count(e.event_type) == 1);
    }
    // The events that tell a user nothing make no notification.
    f.rb.inject("orders", oe::PaymentRequested{13, 7, 1000, "USD", "tok", {}});
    f.rb.inject("payments", pe::PaymentSucceeded{5, 13, 7, 1000, "USD"});
    f.rb.run_until_idle();
    CHECK(all_of(f, 7).size() == 6);
  }

  TEST_CASE("[NotificationLog] the same fact published twice is still one notification") {
    Fixture f;
    inject_the_whole_flow(f);
    inject_the_whole_flow(f);  // every event again, under new envelope ids
    f.rb.run_until_idle();
    CHECK(all_of(f, 7).size() == 6);
    CHECK(f.rb.published<notifications::events::NotificationCreated>("notifications").size() == 6);
    CHECK(f.channel->delivered.size() == 6);
  }

  TEST_CASE("[NotificationLog] a redelivered envelope records nothing and publishes nothing") {
    Fixture f;
    f.rb.inject("orders", oe::OrderShipped{12, 7});
    f.rb.run_until_idle();
    auto envelope = f.rb.envelopes("orders").at(0);
    auto log = log_of(f);
    // What a handler would do if the bus handed the same envelope over again.
    auto again = f.bus.transact({"t", ""}, [&](eventbus::Tx& tx) {
      return log.record(tx, notifications::notice_of(oe::OrderShipped{12, 7}, envelope.id),
                        envelope);
    });
    CHECK_FALSE(again);
    CHECK(all_of(f, 7).size() == 1);
    CHECK(f.rb.published<notifications::events::NotificationCreated>("notifications").size() == 1);
  }

  TEST_CASE("[NotificationLog] the same fact for two users is one notification each") {
    Fixture f;
    auto log = log_of(f);
    auto source = shipped_envelope();
    f.bus.transact({"t", ""}, [&](eventbus::Tx& tx) {
      auto notice = notifications::notice_of(oe::OrderShipped{12, 7}, source.id);
      CHECK(log.record(tx, notice, source));
      notice.user_id = 8;
      CHECK(log.record(tx, notice, source));
      CHECK_FALSE(log.record(tx, notice, source));
    });
    CHECK(all_of(f, 7).size() == 1);
    CHECK(all_of(f, 8).size() == 1);
  }

  TEST_CASE("[NotificationLog] with an in-place dispatcher, record delivers in its transaction") {
    Fixture f;
    auto channel = std::make_shared<notifications_test::RecordingChannel>(true);
    notifications::Dispatcher dispatcher(channel, f.rb.clock());
    notifications::NotificationLog log(f.bus, "recording", &dispatcher);
    auto source = shipped_envelope();
    f.bus.transact({"t", ""}, [&](eventbus::Tx& tx) {
      auto n = log.record(tx, notifications::notice_of(oe::OrderShipped{12, 7}, source.id), source);
      REQUIRE(n);
      CHECK(n->status == "delivered");
      CHECK(n->delivered_at == kernel::format_rfc3339(f.rb.clock().now()));
      // Before the commit: the channel has it and the row reads delivered in this transaction.
      REQUIRE(channel->delivered.size() == 1);
      CHECK(channel->delivered[0].notification_id == n->id);
      auto stored = notifications::store::find(tx.db(), n->id);
      REQUIRE(stored);
      CHECK(stored->status == "delivered");
      CHECK(stored->delivered_at == n->delivered_at);
      CHECK(tx.published_types() ==
            std::vector<std::string>{"notifications.notification_created.v1"});
      // The same fact again: nothing recorded, nothing delivered twice.
      CHECK_FALSE(
          log.record(tx, notifications::notice_of(oe::OrderShipped{12, 7}, source.id), source));
    });
    CHECK(channel->delivered.size() == 1);
    CHECK(all_of(f, 7).at(0).status == "delivered");
  }

  TEST_CASE("[NotificationLog] without an in-place dispatcher, record leaves the row pending") {
    Fixture f;
    notifications::NotificationLog log(f.bus, "recording");
    auto source = shipped_envelope();
    f.bus.transact({"t", ""}, [&](eventbus::Tx& tx) {
      auto n = log.record(tx, notifications::notice_of(oe::OrderShipped{12, 7}, source.id), source);
      REQUIRE(n);
      CHECK(n->status == "pending");
      CHECK_FALSE(n->delivered_at);
    });
    CHECK(f.channel->delivered.empty());  // until the bus delivers NotificationCreated
    f.rb.run_until_idle();
    CHECK(f.channel->delivered.size() == 1);
    CHECK(all_of(f, 7).at(0).status == "delivered");
  }

  TEST_CASE("[NotificationLog] an event that names no user records nothing and does not fail") {
    Fixture f;
    f.rb.inject("orders", oe::OrderShipped{12, 0});
    f.rb.run_until_idle();
    CHECK(f.rb.published<notifications::events::NotificationCreated>("notifications").empty());
    CHECK(f.rb.bus().dead_letters(std::nullopt, 10).empty());
  }

  TEST_CASE("[NotificationLog] contacts are kept from user events; a late older one is ignored") {
    Fixture f;
    auto contact = [&](std::int64_t user) {
      return f.bus.db().read(
          [&](kernel::Connection& c) { return notifications::store::find_contact(c, user); });
    };
    f.rb.inject("users", users::events::UserRegistered{7, "ada@example.com", "Ada", "customer"});
    f.rb.run_until_idle();
    REQUIRE(contact(7));
    CHECK(contact(7)->email == "ada@example.com");
    CHECK(contact(7)->name == "Ada");

    f.rb.inject("users", users::events::UserUpdated{7, "ada@example.com", "Ada L.", "customer"});
    f.rb.run_until_idle();
    CHECK(contact(7)->name == "Ada L.");
    CHECK_FALSE(contact(8));

    // A replayed older event (an earlier outbox position) does not undo the newer name.
    auto seq_of_update = f.rb.envelopes("users").back().seq;
    f.bus.db().write([&](kernel::Connection& c) {
      notifications::NotificationLog::keep_contact(c, {7, "old@example.com", "Old"},
                                                   seq_of_update - 1);
    });
    CHECK(contact(7)->name == "Ada L.");
  }
}
