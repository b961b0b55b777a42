#include "fixture.hpp"

#include <orders/events.hpp>

#include <doctest/doctest.h>

#include <future>
#include <set>
#include <thread>

using notifications_test::Fixture;

namespace {

// Order i of user 7 ships, for i in [first, last]; with order 1, order 1001 of user 8 too.
void ship_orders(Fixture& f, std::int64_t first, std::int64_t last) {
  for (auto order = first; order <= last; ++order) {
    f.rb.inject("orders", orders::events::OrderShipped{order, 7});
    if (order == 1) f.rb.inject("orders", orders::events::OrderShipped{1000 + order, 8});
  }
  f.rb.run_until_idle();
}

std::vector<std::int64_t> ids_of(const boost::json::value& page) {
  std::vector<std::int64_t> out;
  for (const auto& item : page.at("items").as_array()) out.push_back(item.at("id").as_int64());
  return out;
}

}  // namespace

TEST_SUITE("notifications") {
  TEST_CASE("[Routes] the caller's own notifications, newest first, in cursor pages") {
    Fixture f;
    ship_orders(f, 1, 5);

    auto first = f.call("GET", "/api/v1/notifications", 7, {{"limit", "2"}});
    REQUIRE(first.status == 200);
    auto page = Fixture::json(first);
    auto ids = ids_of(page);
    REQUIRE(ids.size() == 2);
    CHECK(ids[0] > ids[1]);
    auto item = page.at("items").at(0).as_object();
    CHECK(item.at("user_id") == 7);
    CHECK(item.at("order_id") == 5);  // the newest: order 5 shipped last
    CHECK(item.at("event_type") == "orders.order_shipped.v1");
    CHECK(item.at("message") == "Your order #5 has shipped.");
    CHECK(item.at("channel") == "recording");
    CHECK(item.at("status") == "delivered");
    CHECK(item.at("read") == false);
    CHECK(item.at("created_at").is_string());
    REQUIRE(page.at("next_cursor").is_string());

    // Newer notifications arriving while paging neither shift nor repeat the older pages.
    ship_orders(f, 6, 6);
    std::set<std::int64_t> seen(ids.begin(), ids.end());
    auto cursor = std::string(page.at("next_cursor").as_string());
    std::int64_t last = ids.back();
    for (;;) {
      auto next = Fixture::json(
          f.call("GET", "/api/v1/notifications", 7, {{"limit", "2"}, {"cursor", cursor}}));
      for (auto id : ids_of(next)) {
        CHECK(id < last);
        last = id;
        CHECK(seen.insert(id).second);
      }
      if (next.at("next_cursor").is_null()) break;
      cursor = std::string(next.at("next_cursor").as_string());
    }
    CHECK(seen.size() == 5);  // user 7's first five, none of user 8's

    auto other = Fixture::json(f.call("GET", "/api/v1/notifications", 8));
    REQUIRE(ids_of(other).size() == 1);
    CHECK(other.at("items").at(0).at("user_id") == 8);
    CHECK(other.at("next_cursor").is_null());
  }

  TEST_CASE("[Routes] listing needs a caller and a sane page request") {
    Fixture f;
    CHECK(f.call("GET", "/api/v1/notifications", 0).status == 401);
    CHECK(f.call("GET", "/api/v1/notifications", 7, {{"limit", "0"}}).status == 422);
    CHECK(f.call("GET", "/api/v1/notifications", 7, {{"cursor", "!!"}}).status == 400);
    auto empty = Fixture::json(f.call("GET", "/api/v1/notifications", 7));
    CHECK(empty.at("items").as_array().empty());
    CHECK(empty.at("next_cursor").is_null());
  }

  TEST_CASE("[Routes] only its owner can mark a notification read; for anyone else it is 404") {
    Fixture f;
    ship_orders(f, 1, 1);  // id 1: user 7's, id 2: user 8's
    auto mine = Fixture::json(f.call("GET", "/api/v1/notifications", 7)).at("items").at(0);
    auto id = std::to_string(mine.at("id").as_int64());
    auto path = "/api/v1/notifications/" + id + "/read";

    auto stranger = f.call("POST", path, 8);
    CHECK(stranger.status == 404);
    CHECK(stranger.headers.get("Content-Type") == "application/problem+json");
    CHECK(Fixture::json(f.call("GET", "/api/v1/notifications", 7)).at("items").at(0).at("read") ==
          false);

    auto read = f.call("POST", path, 7);
    REQUIRE(read.status == 200);
    auto body = Fixture::json(read);
    CHECK(body.at("id").as_int64() == mine.at("id").as_int64());
    CHECK(body.at("read") == true);
    CHECK(body.at("user_id") == 7);
    CHECK(f.call("POST", path, 7).status == 200);  // again: still read, still 200
    CHECK(Fixture::json(f.call("GET", "/api/v1/notifications", 7)).at("items").at(0).at("read") ==
          true);

    CHECK(f.call("POST", "/api/v1/notifications/999/read", 7).status == 404);
    CHECK(f.call("POST", "/api/v1/notifications/abc/read", 7).status == 404);
    CHECK(f.call("POST", "/api/v1/notifications/-1/read", 7).status == 404);
    CHECK(f.call("POST", path, 0).status == 401);
  }
}

TEST_SUITE("notifications") {
  TEST_CASE("[Routes] a hung channel holds no write lock: marking read answers meanwhile") {
    Fixture f;
    ship_orders(f, 1, 1);  // notification 1 (user 7), delivered
    std::promise<void> entered;
    std::promise<void> release;
    auto released = release.get_future().share();
    bool first = true;
    f.channel->on_deliver = [&] {
      if (!first) return;
      first = false;
      entered.set_value();
      released.wait();  // a receiver that accepts and does not answer
    };
    f.rb.inject("orders", orders::events::OrderShipped{99, 7});
    std::thread delivery([&] { f.rb.run_until_idle(); });
    auto in_channel = entered.get_future();
    REQUIRE(in_channel.wait_for(std::chrono::seconds(5)) == std::future_status::ready);

    auto path = "/api/v1/notifications/1/read";
    auto marking = std::async(std::launch::async, [&] { return f.call("POST", path, 7); });
    bool answered = marking.wait_for(std::chrono::seconds(2)) == std::future_status::ready;
    CHECK(answered);
    release.set_value();
    delivery.join();
    CHECK(marking.get().status == 200);
    CHECK(f.channel->delivered.size() == 3);
  }
}
