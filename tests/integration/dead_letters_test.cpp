// The operator's routes for failed deliveries, in process: dead letters with their attempts,
// discard with a reason, the audit of replays and discards, and a key's timeline.

#include "application.hpp"
#include "in_process.hpp"

#include <kernel/time.hpp>
#include <products/events.hpp>

#include <doctest/doctest.h>

#include <boost/json/parse.hpp>

#include <string>
#include <utility>
#include <vector>

namespace {

struct Shop {
  kernel::ManualClock clock{kernel::SystemClock().now()};  // the bus's: retries when advanced
  mart::Application app{[] {
                          mart::Config c;
                          c.in_memory = true;
                          c.admin_email = "admin@mart.test";
                          c.admin_password = "admin-password";
                          c.bus_max_attempts = 1;  // a failed delivery is a dead letter at once
                          return c;
                        }(),
                        [this] {
                          eventbus::BusOptions options;
                          options.clock = &clock;
                          return options;
                        }()};
  std::string admin;
  std::string customer;
  bool refuse = true;  // the test's subscriber refuses products named "Refused…"

  Shop() {
    app.open();
    // A reaction that fails on demand, as a broken handler would.
    app.bus()
        .find("notifications")
        ->subscribe<products::events::ProductCreated>(
            "notifications.test_on_product_created",
            [this](const products::events::ProductCreated& e, eventbus::HandlerContext&) {
              if (refuse && e.name.rfind("Refused", 0) == 0) {
                throw std::runtime_error("receiver refused " + e.name);
              }
            });
    admin = login("admin@mart.test", "admin-password");
    REQUIRE(call("POST", "/api/v1/users",
                 R"({"email":"c@example.com","password":"customer-pw","name":"C"})")
                .status == 201);
    customer = login("c@example.com", "customer-pw");
  }

  std::string login(const std::string& email, const std::string& password) {
    auto r = call("POST", "/api/v1/auth/login",
                  R"({"email":")" + email + R"(","password":")" + password + R"("})");
    REQUIRE(r.status == 200);
    return std::string(boost::json::parse(r.body).at("access_token").as_string());
  }

  kernel::Response call(std::string method, std::string path, std::string body = {},
                        const std::string& token = {},
                        std::vector<std::pair<std::string, std::string>> more_query = {}) {
    auto request =
        mart::test::make_request(std::move(method), std::move(path), std::move(body), token);
    for (auto& q : more_query) request.query.push_back(std::move(q));
    return app.handle(request);
  }

  boost::json::value admin_json(const std::string& path) {
    auto r = call("GET", path, {}, admin);
    REQUIRE(r.status == 200);
    return boost::json::parse(r.body);
  }

  std::int64_t create_product(const std::string& name) {
    auto r =
        call("POST", "/api/v1/products", R"({"name":")" + name + R"(","price_cents":250})", admin);
    REQUIRE(r.status == 201);
    app.bus().run_until_idle();
    return boost::json::parse(r.body).at("id").as_int64();
  }

  // The one dead letter of the test's subscriber.
  boost::json::object dead_letter() {
    auto items = admin_json("/api/v1/admin/dead-letters").at("items").as_array();
    REQUIRE(items.size() == 1);
    return items[0].as_object();
  }

  kernel::Response discard(std::int64_t id, const std::string& body, const std::string& token) {
    return call("POST", "/api/v1/admin/dead-letters/" + std::to_string(id) + "/discard", body,
                token);
  }
};

// The product's own event in a key's timeline (other modules' aggregates may share the key).
boost::json::object product_created(const boost::json::value& timeline) {
  for (const auto& e : timeline.at("events").as_array()) {
    if (e.at("type") == "products.product_created.v1") return e.as_object();
  }
  FAIL("no products.product_created.v1 in the timeline");
  return {};
}

std::string error_of(const kernel::Response& r, const std::string& field) {
  auto problem = boost::json::parse(r.body);
  return std::string(problem.at("errors").at(field).as_string());
}

}  // namespace

TEST_SUITE("integration") {
  TEST_CASE("[Admin] a dead letter shows its attempts and is discarded with a reason") {
    Shop shop;
    auto product = shop.create_product("Refused mug");
    auto dead = shop.dead_letter();
    CHECK(dead.at("status") == "dead");
    CHECK(dead.at("subscriber") == "notifications.test_on_product_created");
    auto history = dead.at("history").as_array();
    REQUIRE(history.size() == 1);
    CHECK(history[0].at("attempt") == 1);
    CHECK(history[0].at("error") == "receiver refused Refused mug");
    CHECK(kernel::parse_rfc3339(history[0].at("at").as_string()));
    auto id = dead.at("id").as_int64();

    CHECK(shop.admin_json("/api/v1/admin/dead-letters?status=pending")
              .at("items")
              .as_array()
              .empty());
    auto bad_status =
        shop.call("GET", "/api/v1/admin/dead-letters?status=sleeping", {}, shop.admin);
    CHECK(bad_status.status == 400);
    CHECK(error_of(bad_status, "status").find("pending") != std::string::npos);

    SUBCASE("the reason is required, not blank, at most 500 characters") {
      for (const auto* body : {R"({})", R"({"reason":null})", R"({"reason":"   "})",
                               R"({"reason":42})", R"({"note":"why"})"}) {
        CAPTURE(body);
        auto r = shop.discard(id, body, shop.admin);
        CHECK(r.status == 400);
        CHECK(r.headers.get("Content-Type") == "application/problem+json");
        CHECK_FALSE(error_of(r, "reason").empty());
      }
      auto too_long =
          shop.discard(id, R"({"reason":")" + std::string(501, 'x') + R"("})", shop.admin);
      CHECK(too_long.status == 400);
      std::string accented;
      for (int i = 0; i < 500; ++i) accented += "\xC3\xA9";  // 500 characters, 1000 bytes
      CHECK(shop.discard(id, R"({"reason":")" + accented + R"("})", shop.admin).status == 200);
    }
    SUBCASE("unknown ids are 404, a second discard 409, and a replay of it 409") {
      CHECK(shop.discard(id + 16 * 1000, R"({"reason":"x"})", shop.admin).status == 404);
      CHECK(shop.call("POST", "/api/v1/admin/dead-letters/abc/discard", R"({"reason":"x"})",
                      shop.admin)
                .status == 404);
      auto done = shop.discard(id, R"({"reason":"  duplicate of another product  "})", shop.admin);
      REQUIRE(done.status == 200);
      auto body = boost::json::parse(done.body);
      CHECK(body.at("id") == id);
      CHECK(body.at("status") == "discarded");
      auto again = shop.discard(id, R"({"reason":"again"})", shop.admin);
      CHECK(again.status == 409);
      CHECK(again.body.find("discarded already") != std::string::npos);
      CHECK(shop.call("POST", "/api/v1/admin/dead-letters/" + std::to_string(id) + "/replay", {},
                      shop.admin)
                .status == 409);

      CHECK(shop.admin_json("/api/v1/admin/dead-letters").at("items").as_array().empty());
      auto discarded =
          shop.admin_json("/api/v1/admin/dead-letters?status=discarded").at("items").as_array();
      REQUIRE(discarded.size() == 1);
      CHECK(discarded[0].at("status") == "discarded");
      CHECK(discarded[0].at("history").as_array().size() == 1);
      auto status = shop.admin_json("/api/v1/admin/events/status");
      for (const auto& m : status.at("modules").as_array()) {
        CHECK(m.at("dead_letters") == 0);
      }

      auto audit = shop.admin_json("/api/v1/admin/audit").at("items").as_array();
      REQUIRE(audit.size() == 1);
      auto me = boost::json::parse(shop.call("GET", "/api/v1/users/me", {}, shop.admin).body);
      CHECK(audit[0].at("action") == "discard");
      CHECK(audit[0].at("dead_letter_id") == id);
      CHECK(audit[0].at("module") == "notifications");
      CHECK(audit[0].at("subscriber") == "notifications.test_on_product_created");
      CHECK(audit[0].at("event_type") == "products.product_created.v1");
      CHECK(audit[0].at("event_id") == dead.at("event").at("id"));
      CHECK(audit[0].at("actor_user_id") == me.at("id"));
      CHECK(audit[0].at("reason") == "duplicate of another product");  // trimmed
      CHECK(audit[0].at("outcome") == "discarded");
      CHECK(audit[0].at("at").is_string());

      // The product's timeline: the discarded delivery, with its attempts.
      auto timeline =
          shop.admin_json("/api/v1/admin/events/timeline?key=" + std::to_string(product));
      CHECK(timeline.at("key").as_string() == std::to_string(product));
      auto event = product_created(timeline);
      CHECK(event.at("key").as_string() == std::to_string(product));
      CHECK(event.at("source") == "products");
      CHECK_FALSE(event.at("handled_by").as_array().empty());  // the other modules' reactions
      for (const auto& h : event.at("handled_by").as_array()) {
        CHECK(h.at("failures").as_array().empty());
      }
      auto waiting = event.at("waiting").as_array();
      REQUIRE(waiting.size() == 1);
      CHECK(waiting[0].at("status") == "discarded");
      CHECK(waiting[0].at("history").as_array().size() == 1);
      CHECK(waiting[0].at("history").as_array()[0].at("attempt") == 1);
    }
  }

  TEST_CASE("[Admin] replays are audited newest first, paged by cursor") {
    Shop shop;
    auto product = shop.create_product("Refused one");
    auto first = shop.dead_letter().at("id").as_int64();
    // A replay that fails again (a dead letter again at once: one attempt allowed).
    auto failed = shop.call(
        "POST", "/api/v1/admin/dead-letters/" + std::to_string(first) + "/replay", {}, shop.admin);
    REQUIRE(failed.status == 200);
    CHECK(boost::json::parse(failed.body).at("status") == "retrying");
    CHECK(boost::json::parse(failed.body).at("history").as_array().size() == 2);
    shop.clock.advance(std::chrono::seconds(1));
    shop.app.bus().run_until_idle();  // its retry fails: a dead letter again
    CHECK(shop.dead_letter().at("history").as_array().size() == 3);
    shop.refuse = false;
    auto replayed = shop.call(
        "POST", "/api/v1/admin/dead-letters/" + std::to_string(first) + "/replay", {}, shop.admin);
    REQUIRE(replayed.status == 200);
    CHECK(boost::json::parse(replayed.body).at("status") == "delivered");

    auto audit = shop.admin_json("/api/v1/admin/audit").at("items").as_array();
    REQUIRE(audit.size() == 2);
    CHECK(audit[0].at("outcome") == "delivered");
    CHECK(audit[0].at("reason").is_null());
    CHECK(audit[1].at("outcome") == "retrying");
    CHECK(audit[0].at("action") == "replay");

    // The healed delivery keeps its failures on the timeline.
    auto event = product_created(
        shop.admin_json("/api/v1/admin/events/timeline?key=" + std::to_string(product)));
    CHECK(event.at("waiting").as_array().empty());
    bool healed = false;
    for (const auto& h : event.at("handled_by").as_array()) {
      if (h.at("subscriber") != "notifications.test_on_product_created") continue;
      healed = true;
      auto failures = h.at("failures").as_array();
      REQUIRE(failures.size() == 3);
      CHECK(failures[0].at("error") == "receiver refused Refused one");
      CHECK(failures[0].as_object().contains("at"));
    }
    CHECK(healed);
    auto page1 = shop.call("GET", "/api/v1/admin/audit?limit=1", {}, shop.admin);
    REQUIRE(page1.status == 200);
    auto body1 = boost::json::parse(page1.body);
    REQUIRE(body1.at("items").as_array().size() == 1);
    CHECK(body1.at("items").as_array()[0].at("id") == audit[0].at("id"));
    auto cursor = std::string(body1.at("next_cursor").as_string());
    auto page2 =
        shop.call("GET", "/api/v1/admin/audit?limit=1", {}, shop.admin, {{"cursor", cursor}});
    REQUIRE(page2.status == 200);
    auto body2 = boost::json::parse(page2.body);
    REQUIRE(body2.at("items").as_array().size() == 1);
    CHECK(body2.at("items").as_array()[0].at("id") == audit[1].at("id"));
    CHECK(body2.at("next_cursor").is_null());
    CHECK(shop.call("GET", "/api/v1/admin/audit?cursor=not-a-cursor", {}, shop.admin).status ==
          400);
  }

  TEST_CASE("[Admin] a key's timeline: every source, healed failures, bad keys refused") {
    Shop shop;
    auto product = shop.create_product("Plain mug");
    auto timeline = shop.admin_json("/api/v1/admin/events/timeline?key=" + std::to_string(product));
    CHECK(product_created(timeline).at("waiting").as_array().empty());
    // Its cause was a request, not an event; the merge of split mode orders effects by it.
    CHECK(product_created(timeline).at("causation_id").is_null());
    // ?source= keeps the events of the named publishers only.
    auto users_only =
        shop.call("GET", "/api/v1/admin/events/timeline?key=" + std::to_string(product), {},
                  shop.admin, {{"source", "users"}});
    REQUIRE(users_only.status == 200);
    auto users_events = boost::json::parse(users_only.body);
    for (const auto& e : users_events.at("events").as_array()) {
      CHECK(e.at("source") == "users");
    }
    auto products_only =
        shop.call("GET", "/api/v1/admin/events/timeline?key=" + std::to_string(product), {},
                  shop.admin, {{"source", "inventory,products"}});
    CHECK(product_created(boost::json::parse(products_only.body)).at("source") == "products");
    CHECK(shop.admin_json("/api/v1/admin/events/timeline?key=no-such-key")
              .at("events")
              .as_array()
              .empty());
    auto missing = shop.call("GET", "/api/v1/admin/events/timeline", {}, shop.admin);
    CHECK(missing.status == 400);
    CHECK(error_of(missing, "key") == "is required");
    CHECK(shop.call("GET", "/api/v1/admin/events/timeline?key=", {}, shop.admin).status == 400);
    CHECK(shop.call("GET", "/api/v1/admin/events/timeline?key=" + std::string(201, 'k'), {},
                    shop.admin)
              .status == 400);

    // What this process's subscribers did with named events (split mode's second round): the
    // product's creation, handled here by orders and inventory; unknown ids are left out.
    auto created = product_created(timeline);
    auto id = std::string(created.at("id").as_string());
    auto deliveries = shop.admin_json("/api/v1/admin/events/deliveries?ids=" + id + ",unknown");
    const auto& stubs = deliveries.at("events").as_array();
    REQUIRE(stubs.size() == 1);
    CHECK(stubs[0].at("id") == created.at("id"));
    CHECK(stubs[0].at("handled_by") == created.at("handled_by"));
    CHECK_FALSE(stubs[0].as_object().contains("type"));
    for (const auto& bad : {std::string(), std::string(","), std::string(65, 'x'), [] {
                              std::string many;
                              for (int i = 0; i <= 100; ++i) many += "id" + std::to_string(i) + ",";
                              return many;
                            }()}) {
      auto refused = shop.call("GET", "/api/v1/admin/events/deliveries?ids=" + bad, {}, shop.admin);
      CHECK(refused.status == 400);
    }
  }

  TEST_CASE("[Admin] the failure routes are for admins only") {
    Shop shop;
    shop.create_product("Refused cup");
    auto id = shop.dead_letter().at("id").as_int64();
    const std::vector<std::pair<std::string, std::string>> routes{
        {"GET", "/api/v1/admin/audit"},
        {"GET", "/api/v1/admin/events/timeline?key=1"},
        {"GET", "/api/v1/admin/events/deliveries?ids=a"},
        {"GET", "/api/v1/admin/dead-letters?status=discarded"},
        {"POST", "/api/v1/admin/dead-letters/" + std::to_string(id) + "/discard"}};
    for (const auto& [method, path] : routes) {
      CAPTURE(path);
      auto body = method == "POST" ? std::string(R"({"reason":"no"})") : std::string();
      CHECK(shop.call(method, path, body).status == 401);
      CHECK(shop.call(method, path, body, shop.customer).status == 403);
    }
    CHECK(shop.dead_letter().at("status") == "dead");  // nobody discarded it
    CHECK(shop.admin_json("/api/v1/admin/audit").at("items").as_array().empty());
  }
}
