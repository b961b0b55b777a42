// Operations: the metrics exposition after real traffic, trace context through the order flow,
// log lines without secrets, and readiness that fails for the reasons it should.

#include "application.hpp"
#include "http/client.hpp"
#include "in_process.hpp"
#include "temp_dir.hpp"

#include <kernel/log.hpp>
#include <kernel/time.hpp>

#include <doctest/doctest.h>

#include <boost/json/parse.hpp>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <unistd.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

// Captures every log line while it lives.
class LogCapture {
 public:
  LogCapture() {
    kernel::log::set_format(kernel::log::Format::json);
    kernel::log::set_sink([this](std::string_view line) {
      std::lock_guard lock(mutex_);
      lines_.emplace_back(line);
    });
  }
  ~LogCapture() { kernel::log::set_sink({}); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  std::vector<std::string> lines() {
    std::lock_guard lock(mutex_);
    return lines_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> lines_;
};

mart::Config base_config() {
  mart::Config c;
  c.in_memory = true;
  c.port = 0;
  c.admin_email = "admin@mart.test";
  c.admin_password = "admin-password";
  return c;
}

std::string token_of(const mart::test::HttpResponse& login) {
  return std::string(login.json().at("access_token").as_string());
}

kernel::Response call(mart::Application& app, std::string method, std::string path,
                      std::string body = {}, const std::string& token = {},
                      const std::string& traceparent = {}) {
  auto request =
      mart::test::make_request(std::move(method), std::move(path), std::move(body), token);
  if (!traceparent.empty()) request.headers.set("traceparent", traceparent);
  return app.handle(request);
}

std::string login(mart::Application& app, const std::string& email, const std::string& pw) {
  auto r = call(app, "POST", "/api/v1/auth/login",
                R"({"email":")" + email + R"(","password":")" + pw + R"("})");
  REQUIRE(r.status == 200);
  return std::string(boost::json::parse(r.body).at("access_token").as_string());
}

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// Parses `name{a="x",b="y"} value`; false when the line is not of that form.
bool parse_sample(const std::string& line, Sample* out) {
  static const std::regex kName("^[a-zA-Z_:][a-zA-Z0-9_:]*");
  std::smatch m;
  if (!std::regex_search(line, m, kName)) return false;
  out->name = m.str();
  out->labels.clear();
  std::size_t i = out->name.size();
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (i < line.size() && line[i] != '}') {
      auto eq = line.find('=', i);
      if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') return false;
      auto label = line.substr(i, eq - i);
      std::string value;
      std::size_t j = eq + 2;
      for (; j < line.size() && line[j] != '"'; ++j) {
        if (line[j] == '\\' && j + 1 < line.size()) ++j;
        value += line[j];
      }
      if (j >= line.size()) return false;
      out->labels[label] = value;
      i = j + 1;
      if (i < line.size() && line[i] == ',') ++i;
    }
    if (i >= line.size()) return false;
    ++i;  // '}'
  }
  if (i >= line.size() || line[i] != ' ') return false;
  auto text = line.substr(i + 1);
  if (text == "+Inf" || text == "-Inf" || text == "NaN") return true;
  std::size_t used = 0;
  try {
    out->value = std::stod(text, &used);
  } catch (const std::exception&) {
    return false;
  }
  return used == text.size();
}

std::string series_key(const Sample& s, const std::string& without = {}) {
  std::string key = s.name.substr(
      0, s.name.rfind("_bucket") == s.name.size() - 7 ? s.name.size() - 7 : s.name.size());
  for (const auto& [k, v] : s.labels) {
    if (k != without) key += "|" + k + "=" + v;
  }
  return key;
}

}  // namespace

TEST_SUITE("integration") {
  TEST_CASE("[Ops] /metrics: the whole exposition parses after real HTTP traffic") {
    mart::Application app(base_config());
    app.open();
    auto port = app.start();
    mart::test::HttpClient client(port);
    auto admin = token_of(client.post(
        "/api/v1/auth/login", R"({"email":"admin@mart.test","password":"admin-password"})"));
    auto created = client.post("/api/v1/products", R"({"name":"Tea","price_cents":450})",
                               {{"Authorization", "Bearer " + admin}});
    REQUIRE(created.status == 201);
    CHECK(client.get("/api/v1/products/999999").status == 404);
    CHECK(client.get("/no/such/thing").status == 404);
    CHECK(client.get("/api/v1/products").status == 200);
    auto r = client.get("/metrics");
    REQUIRE(r.status == 200);

    std::istringstream lines(r.body);
    std::string line;
    std::map<std::string, std::string> types;  // from TYPE lines
    std::set<std::string> helped;
    std::set<std::string> names;
    std::map<std::string, std::vector<std::pair<std::string, double>>> buckets;  // series -> le
    std::map<std::string, double> counts;
    std::vector<Sample> samples;
    while (std::getline(lines, line)) {
      if (line.rfind("# HELP ", 0) == 0) {
        helped.insert(line.substr(7, line.find(' ', 7) - 7));
        continue;
      }
      if (line.rfind("# TYPE ", 0) == 0) {
        auto name = line.substr(7, line.find(' ', 7) - 7);
        CHECK_MESSAGE(types.count(name) == 0, (std::string("TYPE twice: ") + name));
        types[name] = line.substr(line.find(' ', 7) + 1);
        continue;
      }
      REQUIRE_MESSAGE(!line.empty(), "empty line in the exposition");
      REQUIRE_MESSAGE(line[0] != '#', line);
      Sample s;
      REQUIRE_MESSAGE(parse_sample(line, &s), line);
      samples.push_back(s);
      auto base = s.name;
      for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        std::string_view sv(s.name);
        if (sv.ends_with(suffix) && types.count(s.name.substr(0, s.name.size() - strlen(suffix))) &&
            types[s.name.substr(0, s.name.size() - strlen(suffix))] == "histogram") {
          base = s.name.substr(0, s.name.size() - strlen(suffix));
        }
      }
      names.insert(base);
      CHECK_MESSAGE(types.count(base) == 1, (std::string("no TYPE for ") + line));
      CHECK_MESSAGE(helped.count(base) == 1, (std::string("no HELP for ") + line));
      if (base != s.name && s.name.ends_with("_bucket")) {
        REQUIRE(s.labels.count("le") == 1);
        buckets[series_key(s, "le")].emplace_back(s.labels["le"], s.value);
      } else if (base != s.name && s.name.ends_with("_count")) {
        counts[series_key(s) + ""] = s.value;
      }
    }
    // Histogram buckets: cumulative, ending with +Inf equal to _count.
    for (const auto& [key, series] : buckets) {
      REQUIRE(!series.empty());
      for (std::size_t i = 1; i < series.size(); ++i)
        CHECK(series[i].second >= series[i - 1].second);
      CHECK(series.back().first == "+Inf");
      auto count_key = key.substr(0, key.find('|')) + "_count" +
                       (key.find('|') == std::string::npos ? "" : key.substr(key.find('|')));
      REQUIRE_MESSAGE(counts.count(count_key) == 1, count_key);
      CHECK(series.back().second == counts[count_key]);
    }
    for (const char* expected :
         {"mart_http_requests_total", "mart_http_request_duration_seconds",
          "mart_http_in_flight_requests", "mart_http_open_connections", "mart_http_rejected_total",
          "mart_events_published_total", "mart_events_delivered_total", "mart_events_retried_total",
          "mart_events_dead_lettered_total", "mart_handler_duration_seconds",
          "mart_sqlite_commit_duration_seconds", "mart_orders", "mart_stuck_orders",
          "mart_outbox_waiting_events", "mart_build_info"}) {
      // A family is exposed with HELP and TYPE even before its first series.
      CHECK_MESSAGE(types.count(expected) == 1, std::string(expected));
    }
    for (const char* with_samples :
         {"mart_http_requests_total", "mart_http_request_duration_seconds",
          "mart_events_published_total", "mart_events_delivered_total",
          "mart_handler_duration_seconds", "mart_sqlite_commit_duration_seconds", "mart_orders"}) {
      CHECK_MESSAGE(names.count(with_samples) == 1, std::string(with_samples));
    }
    // Routes are templates: the raw path of the product never appears, an unknown path is
    // "unmatched".
    std::set<std::string> routes;
    bool published_product = false;
    bool committed = false;
    for (const auto& s : samples) {
      if (s.name == "mart_http_requests_total") routes.insert(s.labels.at("route"));
      if (s.name == "mart_events_published_total" && s.labels.at("module") == "products" &&
          s.labels.at("type") == "products.product_created.v1" && s.value >= 1) {
        published_product = true;
      }
      if (s.name == "mart_sqlite_commit_duration_seconds_count" &&
          s.labels.at("module") == "products" && s.value >= 1) {
        committed = true;
      }
    }
    CHECK(routes.count("/api/v1/products/{id}") == 1);
    CHECK(routes.count("/api/v1/products") == 1);
    CHECK(routes.count("/api/v1/auth/login") == 1);
    CHECK(routes.count("unmatched") == 1);
    CHECK(routes.count("/api/v1/products/999999") == 0);
    CHECK(routes.count("/no/such/thing") == 0);
    CHECK(published_product);
    CHECK(committed);
    CHECK(r.body.find("mart_orders{status=\"pending\"}") != std::string::npos);
    app.stop();
  }

  TEST_CASE("[Ops] trace: the client's trace id is the correlation id of the whole flow") {
    LogCapture logs;
    mart::Application app(base_config());
    app.open();
    auto admin = login(app, "admin@mart.test", "admin-password");
    auto product =
        call(app, "POST", "/api/v1/products", R"({"name":"P","price_cents":300})", admin);
    REQUIRE(product.status == 201);
    auto product_id = boost::json::parse(product.body).at("id").as_int64();
    app.bus().run_until_idle();
    REQUIRE(call(app, "POST", "/api/v1/inventory/" + std::to_string(product_id) + "/adjustments",
                 R"({"delta":10})", admin)
                .status == 200);
    REQUIRE(call(app, "POST", "/api/v1/users",
                 R"({"email":"t@example.com","password":"trace-password","name":"T"})")
                .status == 201);
    auto customer = login(app, "t@example.com", "trace-password");
    const std::string body = R"({"items":[{"product_id":)" + std::to_string(product_id) +
                             R"(,"quantity":1}],"payment_token":"tok_visa"})";

    // The events of one order, once the flow settled: each event's correlation id.
    auto timeline_of = [&](const kernel::Response& placed) {
      REQUIRE(placed.status == 201);
      auto id = boost::json::parse(placed.body).at("id").as_int64();
      app.bus().run_until_idle();
      auto timeline =
          call(app, "GET", "/api/v1/orders/" + std::to_string(id) + "/events", {}, customer);
      REQUIRE(timeline.status == 200);
      std::vector<std::string> ids;
      auto parsed = boost::json::parse(timeline.body);
      for (const auto& e : parsed.at("events").as_array()) {
        ids.emplace_back(e.at("correlation_id").as_string());
      }
      return ids;
    };

    SUBCASE("a valid traceparent is kept") {
      const std::string trace = "4bf92f3577b34da6a3ce929d0e0e4736";
      auto placed = call(app, "POST", "/api/v1/orders", body, customer,
                         "00-" + trace + "-00f067aa0ba902b7-01");
      auto answer = placed.headers.get("traceparent");
      REQUIRE(answer);
      CHECK(answer->substr(0, 36) == "00-" + trace + "-");
      CHECK(answer->substr(36, 16) != "00f067aa0ba902b7");  // this request's own span
      auto ids = timeline_of(placed);
      REQUIRE(ids.size() >= 5);  // placed, reserved, payment requested, succeeded, confirmed...
      for (const auto& id : ids) CHECK(id == trace);
      // The handlers' log lines (notifications' log channel writes one) carry the trace.
      int traced_handler_lines = 0;
      for (const auto& line : logs.lines()) {
        auto json = boost::json::parse(line).as_object();
        if (json.at("module") != "notifications") continue;
        if (const auto* t = json.if_contains("trace_id"); t && t->as_string() == trace) {
          ++traced_handler_lines;
        }
      }
      CHECK(traced_handler_lines >= 1);
    }
    SUBCASE("a malformed traceparent is replaced by a new trace") {
      const std::string bad = "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01";
      auto placed = call(app, "POST", "/api/v1/orders", body, customer, bad);
      auto answer = placed.headers.get("traceparent");
      REQUIRE(answer);
      REQUIRE(answer->size() == 55);
      auto trace = std::string(answer->substr(3, 32));
      CHECK(std::regex_match(trace, std::regex("[0-9a-f]{32}")));
      CHECK(trace != "4bf92f3577b34da6a3ce929d0e0e4736");
      auto ids = timeline_of(placed);
      REQUIRE(!ids.empty());
      for (const auto& id : ids) CHECK(id == trace);
    }
  }

  TEST_CASE("[Ops] logs: no password, token, Authorization value or secret in any line") {
    LogCapture logs;
    kernel::log::set_level(kernel::log::Level::debug);
    const std::string password = "Sup3r-s3cret-pw!";
    const std::string secret = "whsec-0123456789-very-secret-value";
    auto config = base_config();
    config.notifications_channel = "webhook";
    config.webhook_url = "http://127.0.0.1:9/hooks";  // nothing listens: deliveries fail
    config.webhook_secret = secret;
    config.webhook_timeout = std::chrono::milliseconds(200);
    config.bus_initial_backoff = std::chrono::milliseconds(1);
    config.bus_max_attempts = 2;
    std::vector<std::string> tokens;
    {
      mart::Application app(config);
      app.open();
      auto port = app.start();
      mart::test::HttpClient client(port);
      REQUIRE(client
                  .post("/api/v1/users",
                        R"({"email":"s@example.com","password":")" + password + R"(","name":"S"})")
                  .status == 201);
      auto ok = client.post("/api/v1/auth/login",
                            R"({"email":"s@example.com","password":")" + password + R"("})");
      REQUIRE(ok.status == 200);
      tokens.push_back(token_of(ok));
      CHECK(client
                .post("/api/v1/auth/login",
                      R"({"email":"s@example.com","password":"wrong-)" + password + R"("})")
                .status == 401);
      CHECK(client.get("/api/v1/users/me", {{"Authorization", "Bearer " + tokens[0]}}).status ==
            200);
      CHECK(
          client.get("/api/v1/users/me", {{"Authorization", "Bearer " + tokens[0] + "x"}}).status ==
          401);
      CHECK(
          client.get("/api/v1/orders", {{"Authorization", "Basic dXNlcjpwYXNzd29yZA=="}}).status ==
          401);
      // Let delivery run (a notification's webhook POST fails and is logged, with its secret
      // configured): until something is parked, or a few seconds.
      for (int i = 0; i < 100; ++i) {
        bool parked = false;
        for (const auto& status : app.bus().status()) {
          parked = parked || status.retrying + status.dead_letters > 0;
        }
        if (parked) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
      }
      app.stop();
    }
    kernel::log::set_level(kernel::log::Level::info);
    auto lines = logs.lines();
    REQUIRE(lines.size() > 5);
    bool access_line = false;
    for (const auto& line : lines) {
      CHECK_MESSAGE(line.find(password) == std::string::npos, line);
      CHECK_MESSAGE(line.find(secret) == std::string::npos, line);
      CHECK_MESSAGE(line.find(tokens[0]) == std::string::npos, line);
      // A JWT's header ({"alg":"HS256","typ":"JWT"}) always starts so in base64url.
      CHECK_MESSAGE(line.find("eyJ") == std::string::npos, line);
      CHECK_MESSAGE(line.find("dXNlcjpwYXNzd29yZA") == std::string::npos, line);
      CHECK_MESSAGE(line.find("Bearer") == std::string::npos, line);
      auto json = boost::json::parse(line).as_object();
      CHECK(json.contains("time"));
      CHECK(json.contains("level"));
      CHECK(json.contains("msg"));
      CHECK(json.contains("module"));
      if (json.at("module") == "http" && json.contains("route") &&
          json.at("route") == "/api/v1/auth/login") {
        access_line = true;
        for (const char* field : {"method", "path", "status", "duration_ms", "bytes", "client",
                                  "request_id", "trace_id"}) {
          CHECK_MESSAGE(json.contains(field), field);
        }
      }
    }
    CHECK(access_line);
  }

  TEST_CASE("[Ops] readiness fails when an undelivered event is older than the bound") {
    kernel::ManualClock clock;
    eventbus::BusOptions options;
    options.clock = &clock;
    auto config = base_config();
    config.ready_max_event_age = std::chrono::seconds(60);
    config.probe_cache_ttl = std::chrono::milliseconds(0);  // this test watches it change
    config.admin_email.clear();
    config.admin_password.clear();
    mart::Application app(config, options);
    app.open();
    app.bus().run_until_idle();
    REQUIRE(call(app, "POST", "/api/v1/users",
                 R"({"email":"r@example.com","password":"ready-password","name":"R"})")
                .status == 201);
    auto fresh = boost::json::parse(call(app, "GET", "/readyz").body);
    CHECK(fresh.at("checks").at("outbox:users") == "ok");
    clock.advance(std::chrono::seconds(61));
    auto stale = call(app, "GET", "/readyz");
    CHECK(stale.status == 503);
    auto reason =
        std::string(boost::json::parse(stale.body).at("checks").at("outbox:users").as_string());
    CHECK(reason.find("stalled") == 0);
    app.bus().run_until_idle();
    auto drained = boost::json::parse(call(app, "GET", "/readyz").body);
    CHECK(drained.at("checks").at("outbox:users") == "ok");
  }

  TEST_CASE("[Ops] durability: process commits with synchronous=NORMAL, power with FULL") {
    for (const auto& [setting, expected] : {std::pair{"process", 1}, std::pair{"power", 2}}) {
      CAPTURE(setting);
      mart::test::TempDir dir;
      auto config =
          mart::load_config({"--data-dir", dir.path().string(), "--durability", setting}, {});
      mart::Application app(config);
      app.open();
      REQUIRE(app.databases().size() == 6);
      for (const auto& db : app.databases()) {
        CAPTURE(db->name());
        int synchronous = -1;
        db->with_writer([&](kernel::Connection& c) {
          SQLite::Statement pragma(c.raw(), "PRAGMA synchronous");
          pragma.executeStep();
          synchronous = pragma.getColumn(0).getInt();
        });
        CHECK(synchronous == expected);  // 1 NORMAL, 2 FULL
      }
    }
    CHECK_THROWS_AS(mart::load_config({"--durability", "disk"}, {}), mart::ConfigError);
  }

  TEST_CASE("[Ops] readiness fails when a module database cannot take a write") {
    mart::test::TempDir dir;
    auto config = base_config();
    config.in_memory = false;
    config.data_dir = dir.path();
    config.probe_cache_ttl = std::chrono::milliseconds(0);  // this test watches it change
    mart::Application app(config);
    app.open();
    app.bus().start();
    auto ready = call(app, "GET", "/readyz");
    CHECK(ready.status == 200);

    SUBCASE("another writer holds the write lock") {
      SQLite::Database other((dir.path() / "orders.db").string(), SQLite::OPEN_READWRITE);
      other.exec("BEGIN IMMEDIATE");
      auto locked = call(app, "GET", "/readyz");
      CHECK(locked.status == 503);
      auto check = std::string(
          boost::json::parse(locked.body).at("checks").at("database:orders").as_string());
      // Stable words for anonymous callers; SQLite's own text goes to the log only.
      CHECK(check == "failed: cannot begin a write transaction");
      other.exec("ROLLBACK");
      CHECK(call(app, "GET", "/readyz").status == 200);
    }
    SUBCASE("the data directory is not writable") {
      if (::geteuid() == 0) {
        MESSAGE("skipped: running as root, where file modes do not stop writes");
        return;
      }
      std::filesystem::permissions(dir.path() / "payments.db", std::filesystem::perms::owner_read,
                                   std::filesystem::perm_options::replace);
      auto refused = call(app, "GET", "/readyz");
      std::filesystem::permissions(
          dir.path() / "payments.db",
          std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
          std::filesystem::perm_options::replace);
      CHECK(refused.status == 503);
      auto check = std::string(
          boost::json::parse(refused.body).at("checks").at("database:payments").as_string());
      CHECK(check.find("not writable") != std::string::npos);
    }
    app.stop();
  }

  TEST_CASE("[Ops] readiness is computed once per cache TTL at most, whoever asks") {
    // Anyone may call /readyz: each evaluation takes every module's write lock, so a flood of
    // calls must not become a flood of lock takings.
    mart::test::TempDir dir;
    auto config = base_config();
    config.in_memory = false;
    config.data_dir = dir.path();
    config.probe_cache_ttl = std::chrono::seconds(60);
    mart::Application app(config);
    app.open();
    app.bus().start();
    REQUIRE(call(app, "GET", "/readyz").status == 200);
    auto scrape = call(app, "GET", "/metrics").body;
    REQUIRE(scrape.find("mart_outbox_waiting_events{module=\"users\"}") != std::string::npos);

    SQLite::Database other((dir.path() / "orders.db").string(), SQLite::OPEN_READWRITE);
    other.exec("BEGIN IMMEDIATE");
    // Within the TTL the earlier verdict is reused: no probe ran into the held lock (one would
    // answer 503, as the test above shows).
    for (int i = 0; i < 20; ++i) CHECK(call(app, "GET", "/readyz").status == 200);
    CHECK(call(app, "GET", "/metrics").body.find("mart_outbox_waiting_events") !=
          std::string::npos);
    other.exec("ROLLBACK");
    app.stop();
  }
}
