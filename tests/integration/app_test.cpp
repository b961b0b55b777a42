// The whole application in process: hosted modules, in-memory databases, deterministic delivery.

#include "application.hpp"
#include "in_process.hpp"

#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <set>
#include <sstream>

namespace {

struct App {
  mart::Application app{[] {
    mart::Config c;
    c.in_memory = true;
    c.admin_email = "admin@mart.test";
    c.admin_password = "admin-password";
    c.probe_cache_ttl = std::chrono::milliseconds(0);  // tests watch readiness change
    return c;
  }()};
  std::string admin;
  App() {
    app.open();
    auto login = call("POST", "/api/v1/auth/login",
                      R"({"email":"admin@mart.test","password":"admin-password"})");
    REQUIRE(login.status == 200);
    admin = std::string(boost::json::parse(login.body).at("access_token").as_string());
  }

  kernel::Response as_admin(std::string method, std::string path, std::string body = {}) {
    return call(std::move(method), std::move(path), std::move(body), admin);
  }

  kernel::Response call(std::string method, std::string path, std::string body = {},
                        const std::string& token = {}) {
    auto request =
        mart::test::make_request(std::move(method), std::move(path), std::move(body), token);
    return app.handle(request);
  }
};

}  // namespace

TEST_SUITE("integration") {
  TEST_CASE("[App] hosts products: create, read, list through the router") {
    App a;
    auto created = a.as_admin("POST", "/api/v1/products", R"({"name":"Tea","price_cents":250})");
    REQUIRE(created.status == 201);
    auto product = boost::json::parse(created.body);
    auto id = product.at("id").as_int64();
    CHECK(created.headers.get("Location") == "/api/v1/products/" + std::to_string(id));
    CHECK(a.call("GET", "/api/v1/products/" + std::to_string(id)).status == 200);
    auto list = boost::json::parse(a.call("GET", "/api/v1/products?limit=5").body);
    CHECK(list.at("items").as_array().size() == 1);
    CHECK(list.at("next_cursor").is_null());
  }

  TEST_CASE("[App] event machinery status and dead letters are visible to operators") {
    App a;
    a.as_admin("POST", "/api/v1/products", R"({"name":"Tea","price_cents":250})");
    auto status = boost::json::parse(a.as_admin("GET", "/api/v1/admin/events/status").body);
    auto modules = status.at("modules").as_array();
    REQUIRE(modules.size() == 6);
    CHECK(modules[0].at("module") == "inventory");
    CHECK(modules[4].at("module") == "products");
    CHECK(modules[0].at("dead_letters") == 0);
    CHECK(a.call("GET", "/api/v1/admin/events/status").status == 401);
    auto dead = boost::json::parse(a.as_admin("GET", "/api/v1/admin/dead-letters").body);
    CHECK(dead.at("items").as_array().empty());
    CHECK(a.as_admin("POST", "/api/v1/admin/dead-letters/17/replay").status == 404);
    CHECK(a.as_admin("POST", "/api/v1/admin/dead-letters/abc/replay").status == 404);
  }

  TEST_CASE("[App] readiness reports the relay, health does not depend on it") {
    App a;
    CHECK(a.call("GET", "/healthz").status == 200);
    auto not_ready = a.call("GET", "/readyz");
    CHECK(not_ready.status == 503);  // delivery threads not started in this test
    CHECK(boost::json::parse(not_ready.body).at("checks").at("relay") == "stopped");
    a.app.bus().start();
    auto ready = a.call("GET", "/readyz");
    CHECK(ready.status == 200);
    CHECK(boost::json::parse(ready.body).at("checks").at("database:products") == "ok");
    a.app.bus().stop();
  }

  TEST_CASE("[App] a process hosts only the modules it is told to") {
    mart::Config c;
    c.in_memory = true;
    c.modules = {"products"};
    c.modules_all = false;
    mart::Application app(c);
    app.open();
    CHECK(app.hosted() == std::vector<std::string>{"products"});
    CHECK(app.bus().status().size() == 1);
    c.modules = {"products", "users"};
    c.admin_email = "a@b.co";
    mart::Application no_password(c);
    CHECK_THROWS_AS(no_password.open(), mart::ConfigError);
  }

  TEST_CASE("[App] /metrics is valid Prometheus text with the flow's gauges") {
    App a;
    auto r = a.call("GET", "/metrics");
    REQUIRE(r.status == 200);
    CHECK(r.headers.get("Content-Type")->starts_with("text/plain; version=0.0.4"));
    std::istringstream lines(r.body);
    std::string line;
    std::set<std::string> names;
    std::string typed;
    while (std::getline(lines, line)) {
      if (line.rfind("# HELP ", 0) == 0) continue;
      if (line.rfind("# TYPE ", 0) == 0) {
        typed = line.substr(7, line.find(' ', 7) - 7);
        continue;
      }
      // name{label="value",...} number
      auto space = line.rfind(' ');
      REQUIRE(space != std::string::npos);
      auto series = line.substr(0, space);
      auto name = series.substr(0, series.find('{'));
      // Every sample follows its TYPE line (a histogram's as <name>_bucket, _sum, _count).
      CHECK_MESSAGE((name == typed || name == typed + "_bucket" || name == typed + "_sum" ||
                     name == typed + "_count"),
                    line);
      CHECK_NOTHROW((void)std::stod(line.substr(space + 1)));
      if (series.find('{') != std::string::npos) CHECK(series.back() == '}');
      names.insert(name);
    }
    for (const char* expected :
         {"mart_build_info", "mart_uptime_seconds", "process_resident_memory_bytes",
          "mart_outbox_waiting_events", "mart_dead_letters", "mart_stuck_orders"}) {
      CHECK_MESSAGE(names.count(expected) == 1, expected);
    }
  }
}
