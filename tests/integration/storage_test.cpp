// The whole application in process on files: the order flow when the orders database has no room
// (SQLite's real SQLITE_FULL: the database capped at its size with PRAGMA max_page_count on the
// app's own writer connection) or refuses writes (SQLITE_READONLY: PRAGMA query_only).

#include "application.hpp"
#include "in_process.hpp"
#include "storage_cap.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>

#include <boost/json/parse.hpp>

#include <optional>
#include <vector>

namespace {

mart::Config file_config(const std::filesystem::path& dir) {
  mart::Config c;
  c.data_dir = dir;
  c.port = 0;
  c.admin_email = "admin@mart.test";
  c.admin_password = "admin-password";
  c.probe_cache_ttl = std::chrono::milliseconds(0);  // these tests watch /readyz change
  return c;
}

struct Shop {
  mart::test::TempDir dir;
  mart::Application app{file_config(dir.path())};
  std::string admin;
  std::string customer;
  std::int64_t tea = 0;

  Shop() {
    app.open();
    admin = login("admin@mart.test", "admin-password");
    REQUIRE(call("POST", "/api/v1/users",
                 R"({"email":"c@example.com","password":"customer-pw","name":"C"})")
                .status == 201);
    customer = login("c@example.com", "customer-pw");
    auto created = call("POST", "/api/v1/products", R"({"name":"Tea","price_cents":300})", admin);
    REQUIRE(created.status == 201);
    tea = json(created).at("id").as_int64();
    settle();
    REQUIRE(call("POST", "/api/v1/inventory/" + std::to_string(tea) + "/adjustments",
                 R"({"delta":100000})", admin)
                .status == 200);
  }

  std::string login(const std::string& email, const std::string& password) {
    auto r = call("POST", "/api/v1/auth/login",
                  R"({"email":")" + email + R"(","password":")" + password + R"("})");
    REQUIRE(r.status == 200);
    return std::string(boost::json::parse(r.body).at("access_token").as_string());
  }
  kernel::Response call(std::string method, std::string path, std::string body = {},
                        const std::string& token = {}) {
    auto request =
        mart::test::make_request(std::move(method), std::move(path), std::move(body), token);
    return app.handle(request);
  }
  static boost::json::value json(const kernel::Response& r) { return boost::json::parse(r.body); }
  // Delivery as its thread does it: a batch the storage refuses is tried again later.
  bool settle() {
    try {
      app.bus().run_until_idle();
      return true;
    } catch (const kernel::StorageUnavailable&) {
      return false;
    }
  }
  kernel::Response place_order() {
    return call("POST", "/api/v1/orders",
                R"({"items":[{"product_id":)" + std::to_string(tea) +
                    R"(,"quantity":1}],"payment_token":"tok_ok"})",
                customer);
  }
  kernel::Database& db(std::string_view module) { return app.bus().find(module)->db(); }
};

void check_storage_problem(const kernel::Response& r, const std::string& cause) {
  CHECK(r.status == 503);
  CHECK(r.headers.get("Retry-After").has_value());
  CHECK(r.headers.get("Content-Type") == "application/problem+json");
  auto body = Shop::json(r);
  CHECK(body.at("type") == "urn:mart:problem:storage-unavailable");
  CHECK(body.at("module") == "orders");
  CHECK(body.at("cause") == cause.c_str());
}

}  // namespace

TEST_SUITE("integration") {
  TEST_CASE("[Storage] a full orders database: 503 with Retry-After, reads work, it recovers") {
    Shop shop;
    std::vector<std::int64_t> acknowledged;
    mart::test::cap_at_current_size(shop.db("orders"));
    // Orders go in while the pages the file has still hold them; then the disk is full.
    std::optional<kernel::Response> refused;
    for (int i = 0; i < 500 && !refused; ++i) {
      auto r = shop.place_order();
      if (r.status == 201) {
        acknowledged.push_back(Shop::json(r).at("id").as_int64());
      } else {
        refused = r;
      }
      shop.settle();
    }
    REQUIRE(refused);
    check_storage_problem(*refused, "disk_full");
    REQUIRE_FALSE(acknowledged.empty());
    CHECK(shop.place_order().status == 503);  // still full: never a 500

    // Reads keep working; readiness names the cause.
    auto first = shop.call("GET", "/api/v1/orders/" + std::to_string(acknowledged.front()), {},
                           shop.customer);
    CHECK(first.status == 200);
    CHECK(shop.call("GET", "/api/v1/orders", {}, shop.customer).status == 200);
    // (Not ready anyway here: delivery runs in this test's hands, not on its threads.)
    auto ready = shop.call("GET", "/readyz");
    CHECK(Shop::json(ready).at("checks").at("storage_orders") == "disk_full");

    mart::test::lift_cap(shop.db("orders"));  // space returns; nobody restarts anything
    ready = shop.call("GET", "/readyz");
    CHECK(Shop::json(ready).at("checks").at("storage_orders") == "ok");
    auto again = shop.place_order();
    REQUIRE(again.status == 201);
    acknowledged.push_back(Shop::json(again).at("id").as_int64());
    CHECK(shop.settle());
    for (auto id : acknowledged) {
      CAPTURE(id);
      auto order = shop.call("GET", "/api/v1/orders/" + std::to_string(id), {}, shop.customer);
      REQUIRE(order.status == 200);
      CHECK(Shop::json(order).at("status") == "confirmed");
    }
    CHECK(Shop::json(shop.call("GET", "/readyz")).at("checks").at("storage_orders") == "ok");
    auto dead = Shop::json(shop.call("GET", "/api/v1/admin/dead-letters", {}, shop.admin));
    CHECK(dead.at("items").as_array().empty());
  }

  TEST_CASE("[Storage] a read-only orders database: 503 read_only until it takes writes again") {
    Shop shop;
    auto before = shop.place_order();
    REQUIRE(before.status == 201);
    shop.db("orders").with_writer([](kernel::Connection& c) { c.exec("PRAGMA query_only = ON"); });
    check_storage_problem(shop.place_order(), "read_only");
    CHECK(shop.call("GET", "/api/v1/orders", {}, shop.customer).status == 200);
    auto ready = shop.call("GET", "/readyz");
    CHECK(Shop::json(ready).at("checks").at("storage_orders") == "read_only");

    shop.db("orders").with_writer([](kernel::Connection& c) { c.exec("PRAGMA query_only = OFF"); });
    CHECK(shop.place_order().status == 201);
    CHECK(Shop::json(shop.call("GET", "/readyz")).at("checks").at("storage_orders") == "ok");
    CHECK(shop.settle());
    auto id = Shop::json(before).at("id").as_int64();
    auto order = shop.call("GET", "/api/v1/orders/" + std::to_string(id), {}, shop.customer);
    CHECK(Shop::json(order).at("status") == "confirmed");
  }
}
