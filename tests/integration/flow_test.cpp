// The order flow in process: all six modules on in-memory databases, delivered deterministically
// with run_until_idle, so every step can be checked between hops.

#include "application.hpp"
#include "in_process.hpp"

#include <doctest/doctest.h>
#include <boost/json/parse.hpp>

namespace {

struct Shop {
  mart::Application app{[] {
    mart::Config c;
    c.in_memory = true;
    c.admin_email = "admin@mart.test";
    c.admin_password = "admin-password";
    return c;
  }()};
  std::string admin;
  std::string customer;

  Shop() {
    app.open();
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
                        const std::string& token = {}) {
    auto request =
        mart::test::make_request(std::move(method), std::move(path), std::move(body), token);
    return app.handle(request);
  }
  boost::json::value json(const kernel::Response& r) { return boost::json::parse(r.body); }
  void settle() { app.bus().run_until_idle(); }

  std::int64_t product(std::int64_t price, std::int64_t stock) {
    auto created = call("POST", "/api/v1/products",
                        R"({"name":"P","price_cents":)" + std::to_string(price) + "}", admin);
    REQUIRE(created.status == 201);
    auto id = json(created).at("id").as_int64();
    settle();  // inventory creates the stock record, orders copies the product
    auto adjusted = call("POST", "/api/v1/inventory/" + std::to_string(id) + "/adjustments",
                         R"({"delta":)" + std::to_string(stock) + "}", admin);
    REQUIRE(adjusted.status == 200);
    return id;
  }
  std::int64_t order(std::int64_t product_id, std::int64_t quantity, const std::string& token) {
    auto r = call("POST", "/api/v1/orders",
                  R"({"items":[{"product_id":)" + std::to_string(product_id) + R"(,"quantity":)" +
                      std::to_string(quantity) + R"(}],"payment_token":")" + token + R"("})",
                  customer);
    REQUIRE(r.status == 201);
    return json(r).at("id").as_int64();
  }
  boost::json::value get_order(std::int64_t id) {
    return json(call("GET", "/api/v1/orders/" + std::to_string(id), {}, customer));
  }
  boost::json::value stock(std::int64_t product_id) {
    return json(call("GET", "/api/v1/inventory/" + std::to_string(product_id)));
  }
};

}  // namespace

TEST_SUITE("integration") {
  TEST_CASE("[Flow] placed -> reserved -> paid -> confirmed, one hop at a time") {
    Shop shop;
    auto tea = shop.product(300, 4);
    auto id = shop.order(tea, 3, "tok_ok");
    CHECK(shop.get_order(id).at("status") == "pending");
    shop.settle();
    auto order = shop.get_order(id);
    CHECK(order.at("status") == "confirmed");
    CHECK(order.at("total_cents") == 900);
    CHECK(shop.stock(tea).at("available") == 1);
    CHECK(shop.stock(tea).at("sold") == 3);
    auto notes = shop.json(shop.call("GET", "/api/v1/notifications", {}, shop.customer));
    CHECK(notes.at("items").as_array().size() == 2);  // placed, confirmed
  }

  TEST_CASE("[Flow] declined payment and shortage both cancel with their reason") {
    Shop shop;
    auto tea = shop.product(300, 4);
    auto declined = shop.order(tea, 1, "tok_decline_x");
    auto too_many = shop.order(tea, 5, "tok_ok");
    shop.settle();
    CHECK(shop.get_order(declined).at("cancel_reason") == "payment_declined");
    CHECK(shop.get_order(too_many).at("cancel_reason") == "out_of_stock");
    CHECK(shop.stock(tea).at("available") == 4);
    CHECK(shop.stock(tea).at("reserved") == 0);
  }

  TEST_CASE("[Flow] cancelling a confirmed order refunds it and returns the stock") {
    Shop shop;
    auto tea = shop.product(300, 4);
    auto id = shop.order(tea, 2, "tok_ok");
    shop.settle();
    REQUIRE(shop.get_order(id).at("status") == "confirmed");
    auto cancelled =
        shop.call("POST", "/api/v1/orders/" + std::to_string(id) + "/cancel", {}, shop.customer);
    CHECK(cancelled.status == 200);
    shop.settle();
    auto payments = shop.json(
        shop.call("GET", "/api/v1/payments?order_id=" + std::to_string(id), {}, shop.customer));
    CHECK(payments.at("items").as_array()[0].at("status") == "refunded");
    CHECK(shop.stock(tea).at("available") == 4);
    CHECK(shop.stock(tea).at("sold") == 0);
  }
}
